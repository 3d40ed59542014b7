// store_load: loads an NDJSON file (the peer benchmark's generator output) into
// an EmbeddedStore the way the service ingests it, then reports what the store
// costs on disk and in memory and how long it takes to recover (issue #3).
//
//   store_load --input FILE --dir DIR [--memtable-mb 128] [--appenders 4]
//              [--batch 1000] [--limit N] [--no-flush] [--reopen]
//              [--no-value-filter] [--no-blocks]
//   store_load --dir DIR        only time the recovery (Open) of an existing store
//
// Load: one thread reads the file in 8 MiB chunks, decodes each with DecodeBody
// (native dialect) and groups the events by tenant into batches of --batch;
// --appenders threads take the batches and call Append(tenant, batch), each
// returning after its WAL record is synced (group commit). The store runs with
// its default options and background thread (rotation, flush, compaction).
// Then FlushAndSettle(), until no compaction is left, so every event
// sits in a segment. --reopen closes the store and times Open() (recovery).
//
// --no-flush keeps every event in the WAL: the memtable budget is set beyond
// the data so nothing is rotated or flushed, and nothing is flushed at the end.
// With --reopen, Open() then replays the whole WAL with a --memtable-mb budget
// (flushing whenever replay fills it, as recovery does), which measures the
// replay rate of a large WAL.
//
// --no-value-filter writes segments without their value filter, as builds
// before it did, to measure what the filter saves queries (query_bench).
// --no-blocks writes every section in one piece, as builds before blocked
// sections did (section_blocks.h), to measure what blocks cost and save.
//
// Prints progress to stderr and one JSON object to stdout. Sizes: MB = 10^6
// bytes; MiB = 2^20 bytes.

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "event/json_buffer.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"
#include "storage/embedded_store.h"

namespace auditlog::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kChunkBytes = 8u << 20;
constexpr uint64_t kRssSampleEvents = 500'000;

struct LoadOptions {
  std::string dir;
  std::string input;
  size_t memtable_mb = 128;
  int appenders = 4;
  size_t batch_events = 1000;
  uint64_t limit_events = 0;  // 0: the whole file
  bool no_flush = false;
  bool reopen = false;
  bool value_filter = true;
  bool blocks = true;
};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Mib(uint64_t bytes) { return static_cast<double>(bytes) / (1u << 20); }

// Resident set size now (from /proc/self/statm) and at its peak (getrusage).
uint64_t CurrentRssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}
uint64_t PeakRssBytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) bytes += entry.file_size();
  return bytes;
}

struct Batch {
  std::string tenant;
  std::vector<event::Event> events;
};

// Bounded hand-off from the decoding thread to the appenders.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  void Push(Batch batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_ || closed_; });
    queue_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  // The next batch, or nullopt once closed and drained.
  std::optional<Batch> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return batch;
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Batch> queue_;
  bool closed_ = false;
};

struct LoadReport {
  uint64_t events_decoded = 0;
  uint64_t records_rejected = 0;
  uint64_t input_bytes = 0;
  uint64_t appends = 0;
  uint64_t events_stored = 0;
  uint64_t events_not_stored = 0;
  double decode_seconds = 0;
  double load_seconds = 0;
  std::vector<std::pair<uint64_t, uint64_t>> rss_samples;  // (events stored, RSS bytes)
  std::string first_error;
};

// Reads, decodes and appends the input; returns once every batch is acknowledged.
LoadReport Load(const LoadOptions& options, storage::EmbeddedStore& store) {
  LoadReport report;
  std::mutex report_mu;  // guards report's fields the appenders update
  BatchQueue queue(static_cast<size_t>(options.appenders) * 2 + 2);
  std::atomic<uint64_t> stored{0};
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();

  auto append_loop = [&] {
    while (auto batch = queue.Pop()) {
      if (failed.load()) continue;  // drain
      auto outcomes = store.Append(batch->tenant, batch->events);
      std::lock_guard lock(report_mu);
      ++report.appends;
      if (!outcomes.ok()) {
        if (report.first_error.empty()) report.first_error = outcomes.status().ToString();
        failed = true;
        continue;
      }
      uint64_t ok = 0;
      for (const store::AppendOutcome& outcome : *outcomes) {
        if (outcome.status.ok() && !outcome.duplicate) {
          ++ok;
        } else if (report.first_error.empty()) {
          report.first_error = outcome.status.ok() ? "duplicate event" : outcome.status.ToString();
        }
      }
      report.events_not_stored += outcomes->size() - ok;
      const uint64_t before = stored.fetch_add(ok);
      if ((before + ok) / kRssSampleEvents != before / kRssSampleEvents)
        report.rss_samples.emplace_back(before + ok, CurrentRssBytes());
    }
  };
  std::vector<std::thread> appenders;
  for (int thread = 0; thread < options.appenders; ++thread) appenders.emplace_back(append_loop);

  std::ifstream in(options.input, std::ios::binary);
  if (!in) {
    report.first_error = fmt::format("cannot read {}", options.input);
    failed = true;
  }
  auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kNative);
  std::map<std::string, std::vector<event::Event>> pending;  // by tenant
  std::string text;
  bool at_end = !in;
  while (!at_end && !failed.load()) {
    const size_t kept = text.size();
    text.resize(kept + kChunkBytes);
    in.read(text.data() + kept, static_cast<std::streamsize>(kChunkBytes));
    text.resize(kept + static_cast<size_t>(in.gcount()));
    at_end = in.gcount() == 0 || in.eof();
    size_t cut = text.size();
    if (!at_end) {
      const size_t newline = text.rfind('\n');
      if (newline == std::string::npos) continue;  // a line longer than a chunk: read on
      cut = newline + 1;
    }
    // Stop at --limit lines.
    uint64_t lines = 0;
    if (options.limit_events != 0) {
      for (size_t pos = text.find('\n'); pos < cut; pos = text.find('\n', pos + 1)) {
        if (report.events_decoded + report.records_rejected + ++lines == options.limit_events) {
          cut = pos + 1;
          at_end = true;
          break;
        }
      }
    }
    const event::PaddedBuffer body(std::string_view(text).substr(0, cut));
    report.input_bytes += cut;
    text.erase(0, cut);
    if (body.size() == 0) continue;
    const Clock::time_point decode_start = Clock::now();
    auto decoded = ingest::DecodeBody(*decoder, body.view());
    report.decode_seconds += SecondsSince(decode_start);
    if (!decoded.ok()) {
      report.first_error = decoded.status().ToString();
      failed = true;
      break;
    }
    report.records_rejected += decoded->errors.size();
    report.events_decoded += decoded->events.size();
    for (event::Event& event : decoded->events) {
      std::vector<event::Event>& batch = pending[event.tenant];
      if (batch.empty()) batch.reserve(options.batch_events);
      batch.push_back(std::move(event));
      if (batch.size() == options.batch_events) {
        queue.Push(Batch{batch.front().tenant, std::move(batch)});
        batch = {};
      }
    }
  }
  for (auto& [tenant, batch] : pending)
    if (!batch.empty()) queue.Push(Batch{tenant, std::move(batch)});
  queue.Close();
  for (std::thread& thread : appenders) thread.join();
  report.load_seconds = SecondsSince(start);
  report.events_stored = stored.load();
  return report;
}

struct Recovery {
  double open_seconds = 0;
  store::StoreStats stats;
  uint64_t rss_bytes = 0;
};

Result<Recovery> Reopen(const storage::EmbeddedStoreOptions& options,
                        std::unique_ptr<storage::EmbeddedStore>* store) {
  Recovery recovery;
  const Clock::time_point start = Clock::now();
  AL_ASSIGN_OR_RETURN(*store, storage::EmbeddedStore::Open(options));
  recovery.open_seconds = SecondsSince(start);
  recovery.rss_bytes = CurrentRssBytes();
  AL_ASSIGN_OR_RETURN(recovery.stats, (*store)->Stats());
  return recovery;
}

void PrintUsage() {
  std::fputs(
      "usage: store_load --input FILE --dir DIR [--memtable-mb 128] [--appenders 4]\n"
      "                  [--batch 1000] [--limit N] [--no-flush] [--reopen]\n"
      "                  [--no-value-filter] [--no-blocks]\n"
      "       store_load --dir DIR   (time the recovery of an existing store)\n",
      stderr);
}

std::optional<LoadOptions> ParseArgs(int argc, char** argv) {
  LoadOptions options;
  for (int index = 1; index < argc; ++index) {
    const std::string_view arg = argv[index];
    auto value = [&]() -> const char* { return index + 1 < argc ? argv[++index] : nullptr; };
    const char* text = nullptr;
    if (arg == "--no-flush") {
      options.no_flush = true;
    } else if (arg == "--reopen") {
      options.reopen = true;
    } else if (arg == "--no-value-filter") {
      options.value_filter = false;
    } else if (arg == "--no-blocks") {
      options.blocks = false;
    } else if (arg == "--dir" && (text = value())) {
      options.dir = text;
    } else if (arg == "--input" && (text = value())) {
      options.input = text;
    } else if (arg == "--memtable-mb" && (text = value())) {
      options.memtable_mb = std::strtoull(text, nullptr, 10);
    } else if (arg == "--appenders" && (text = value())) {
      options.appenders = std::atoi(text);
    } else if (arg == "--batch" && (text = value())) {
      options.batch_events = std::strtoull(text, nullptr, 10);
    } else if (arg == "--limit" && (text = value())) {
      options.limit_events = std::strtoull(text, nullptr, 10);
    } else {
      return std::nullopt;
    }
  }
  if (options.dir.empty() || options.memtable_mb == 0 || options.appenders < 1 ||
      options.batch_events == 0)
    return std::nullopt;
  return options;
}

int Main(int argc, char** argv) {
  const std::optional<LoadOptions> options = ParseArgs(argc, argv);
  if (!options) {
    PrintUsage();
    return 2;
  }
  storage::EmbeddedStoreOptions store_options;
  store_options.dir = options->dir;
  store_options.memtable_bytes = options->memtable_mb << 20;
  store_options.segment_options.value_filter = options->value_filter;
  if (!options->blocks) store_options.segment_options.block_bytes = 0;

  if (options->input.empty()) {  // recovery only
    std::unique_ptr<storage::EmbeddedStore> store;
    const uint64_t dir_bytes = DirectoryBytes(options->dir);
    auto recovery = Reopen(store_options, &store);
    if (!recovery.ok()) {
      fmt::print(stderr, "store_load: open: {}\n", recovery.status().ToString());
      return 1;
    }
    fmt::print(stderr,
               "opened {}: {} events, {} segments, {:.1f} MiB WAL, in {:.2f} s; RSS {:.0f} MiB\n",
               options->dir, recovery->stats.events, recovery->stats.segments,
               Mib(dir_bytes - recovery->stats.segment_bytes), recovery->open_seconds,
               Mib(recovery->rss_bytes));
    fmt::print(
        "{{\"mode\": \"open\", \"events\": {}, \"segments\": {}, \"segment_bytes\": {}, "
        "\"dir_bytes_before_open\": {}, \"open_seconds\": {:.3f}, \"rss_after_open_bytes\": {}, "
        "\"peak_rss_bytes\": {}, \"memtable_events\": {}, \"memtable_bytes\": {}, "
        "\"cache_bytes\": {}}}\n",
        recovery->stats.events, recovery->stats.segments, recovery->stats.segment_bytes, dir_bytes,
        recovery->open_seconds, recovery->rss_bytes, PeakRssBytes(),
        recovery->stats.memtable_events, recovery->stats.memtable_bytes,
        recovery->stats.cache_bytes);
    return 0;
  }

  if (options->no_flush) store_options.memtable_bytes = size_t{1} << 50;
  auto opened = storage::EmbeddedStore::Open(store_options);
  if (!opened.ok()) {
    fmt::print(stderr, "store_load: open: {}\n", opened.status().ToString());
    return 1;
  }
  std::unique_ptr<storage::EmbeddedStore> store = std::move(*opened);

  const LoadReport load = Load(*options, *store);
  if (!load.first_error.empty()) {
    fmt::print(stderr, "store_load: {}\n", load.first_error);
    return 1;
  }
  const uint64_t rss_after_ingest = CurrentRssBytes();
  fmt::print(stderr,
             "ingested {} events ({:.1f} MB) in {:.2f} s: {:.0f} events/s; decode {:.2f} s\n",
             load.events_stored, load.input_bytes / 1e6, load.load_seconds,
             load.events_stored / load.load_seconds, load.decode_seconds);

  double flush_seconds = 0, compact_seconds = 0;
  if (!options->no_flush) {
    Clock::time_point start = Clock::now();
    if (Status status = store->Flush(); !status.ok()) {
      fmt::print(stderr, "store_load: flush: {}\n", status.ToString());
      return 1;
    }
    flush_seconds = SecondsSince(start);
    // Compact until no merge is left, this thread and the background one
    // taking turns (FlushAndSettle waits out a merge in progress).
    start = Clock::now();
    if (Status status = store->FlushAndSettle(); !status.ok()) {
      fmt::print(stderr, "store_load: compact: {}\n", status.ToString());
      return 1;
    }
    compact_seconds = SecondsSince(start);
  }
  auto stats = store->Stats();
  if (!stats.ok()) {
    fmt::print(stderr, "store_load: stats: {}\n", stats.status().ToString());
    return 1;
  }
  const uint64_t dir_bytes = DirectoryBytes(options->dir);
  const uint64_t rss_after_load = CurrentRssBytes();
  ::malloc_trim(0);
  const uint64_t rss_after_trim = CurrentRssBytes();
  const uint64_t peak_rss = PeakRssBytes();
  const double events = static_cast<double>(stats->events);
  fmt::print(stderr,
             "stored {} events: {} segments, {:.1f} MB ({:.1f} B/event), directory {:.1f} MB "
             "({:.1f} B/event), WAL {:.1f} MB; flush {:.2f} s, compaction {:.2f} s ({} runs)\n",
             stats->events, stats->segments, stats->segment_bytes / 1e6,
             stats->segment_bytes / events, dir_bytes / 1e6, dir_bytes / events,
             stats->wal_bytes / 1e6, flush_seconds, compact_seconds, stats->compactions);
  fmt::print(stderr, "RSS: peak {:.0f} MiB, after load {:.0f} MiB, after malloc_trim {:.0f} MiB\n",
             Mib(peak_rss), Mib(rss_after_load), Mib(rss_after_trim));

  std::optional<Recovery> recovery;
  double close_seconds = 0;
  if (options->reopen) {
    Clock::time_point start = Clock::now();
    store.reset();
    close_seconds = SecondsSince(start);
    store_options.memtable_bytes = options->memtable_mb << 20;
    auto reopened = Reopen(store_options, &store);
    if (!reopened.ok()) {
      fmt::print(stderr, "store_load: reopen: {}\n", reopened.status().ToString());
      return 1;
    }
    recovery = std::move(*reopened);
    fmt::print(stderr, "reopened in {:.2f} s ({:.0f} MB/s of WAL): {} events, {} segments\n",
               recovery->open_seconds, stats->wal_bytes / 1e6 / recovery->open_seconds,
               recovery->stats.events, recovery->stats.segments);
  }

  std::string samples;
  for (const auto& [stored_events, rss] : load.rss_samples)
    samples += fmt::format("{}[{}, {}]", samples.empty() ? "" : ", ", stored_events, rss);
  std::string out = fmt::format(
      "{{\"mode\": \"{}\", \"input_bytes\": {}, \"events\": {}, \"records_rejected\": {}, "
      "\"appenders\": {}, \"batch_events\": {}, \"appends\": {}, \"memtable_mb\": {}, "
      "\"load_seconds\": {:.3f}, \"decode_seconds\": {:.3f}, \"events_per_second\": {:.0f}, "
      "\"flush_seconds\": {:.3f}, \"compact_seconds\": {:.3f}, "
      "\"events_per_second_until_compacted\": {:.0f}, \"segments\": {}, \"segment_bytes\": {}, "
      "\"segment_bytes_per_event\": {:.1f}, \"dir_bytes\": {}, \"dir_bytes_per_event\": {:.1f}, "
      "\"wal_bytes\": {}, \"wal_syncs\": {}, \"flushes\": {}, \"compactions\": {}, "
      "\"peak_rss_bytes\": {}, \"rss_after_ingest_bytes\": {}, \"rss_after_load_bytes\": {}, "
      "\"rss_after_trim_bytes\": {}, \"memtable_bytes\": {}, \"cache_bytes\": {}, "
      "\"rss_samples\": [{}]",
      options->no_flush ? "load-no-flush" : "load", load.input_bytes, stats->events,
      load.records_rejected, options->appenders, options->batch_events, load.appends,
      options->memtable_mb, load.load_seconds, load.decode_seconds,
      load.events_stored / load.load_seconds, flush_seconds, compact_seconds,
      load.events_stored / (load.load_seconds + flush_seconds + compact_seconds), stats->segments,
      stats->segment_bytes, stats->segment_bytes / events, dir_bytes, dir_bytes / events,
      stats->wal_bytes, stats->wal_syncs, stats->flushes, stats->compactions, peak_rss,
      rss_after_ingest, rss_after_load, rss_after_trim, stats->memtable_bytes, stats->cache_bytes,
      samples);
  if (recovery) {
    out += fmt::format(
        ", \"close_seconds\": {:.3f}, \"open_seconds\": {:.3f}, \"replay_mb_per_second\": {:.1f}, "
        "\"events_after_open\": {}, \"segments_after_open\": {}, \"rss_after_open_bytes\": {}",
        close_seconds, recovery->open_seconds, stats->wal_bytes / 1e6 / recovery->open_seconds,
        recovery->stats.events, recovery->stats.segments, recovery->rss_bytes);
  }
  out += "}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace auditlog::bench

int main(int argc, char** argv) { return auditlog::bench::Main(argc, argv); }

// Embedded store append benchmarks (issue #3).
//
//   BM_AppendDurable/B/threads:T   T threads, each calling Append() with batches
//                                  of B events of one tenant on one store, in a
//                                  fresh directory on the real disk. Every
//                                  Append returns after its WAL record is synced
//                                  (fdatasync; concurrent appenders share syncs:
//                                  group commit). Target: >= 300,000 events/s at
//                                  B=1000 (3x ClickHouse's bulk load on the peer
//                                  benchmark's machine).
//   BM_AppendDurableNoFlush/B      the same with a memtable budget no run fills:
//                                  the foreground path (checks, WAL, memtable)
//                                  without the background flush and compaction
//                                  competing for the CPU: a burst's rate.
//   BM_BuildSegment                one segment built from the whole corpus
//                                  (one tenant, 20,000 rows): the flush's and
//                                  compaction's cost per event.
//   BM_FlushSegment/E              one segment of the flush's largest size
//                                  (131,072 rows) built from memtable rows, as
//                                  the background flush builds it: rows located
//                                  in their encodings, not decoded. E=1 enriches
//                                  the events first (user agents from uap-core,
//                                  GeoIP from AL_GEOIP_BENCH_DB when set): the
//                                  cost of storing enrichment's ~20 fields.
//   BM_EncodeRows/E                the same rows put into the row encoding, as
//                                  Append does for the WAL and the memtable
//                                  (inside the store's lock), 1,000 a batch.
//   BM_IngestEnrichment/E          what enrichment costs ingest (issue #6's
//                                  "loses <= 15%"): batches of 1,000 events
//                                  appended durably, each enriched first when
//                                  E=1 (user agents; GeoIP from AL_GEOIP_BENCH_DB)
//                                  and stored with their ~20 more fields, on a
//                                  store as the server opens it; the last
//                                  iteration flushes and settles compaction, so
//                                  every event's flush and compaction is in.
//                                  Timed in the process's CPU time over all its
//                                  threads: the ratio of E=1 to E=0 is what
//                                  enrichment costs the CPU, whatever else the
//                                  host runs.
//   BM_WalSyncBaseline/B           the ceiling for the above: the store's own
//                                  WAL writer appending one record of B encoded
//                                  events and syncing it, with no store around it
//                                  (one thread): what the disk alone allows.
//
// Only Append is timed: events are decoded before the loop. Each iteration
// rewrites the first 7 characters of its batch's ids (a per-thread counter) so
// that every append stores new events rather than answering duplicates, and
// moves its timestamps so that time advances as in a stream with the peer
// workload's density: the generator spreads 1,000,000 events over 30 days, so
// the 20,000-event corpus is scaled to span 2% of its own time span, and each
// pass over it starts where the previous one ended (new segment windows, not
// ever the same ones). Without the scaling, 20,000 events spread over 30 days
// and 20 tenants would put ~33 events in each tenant-day: a backfill 50x
// sparser than the peers load, and one that live ingest (everything in the
// current day) never sees. Both rewrites cost well under 1% of an Append. The store runs with
// its default options, background thread included: memtable rotation, flushes
// to segments and compaction happen during the measurement, as in production,
// and their cost is in the figure.
//
// Run: build/release/bench/micro/store_bench --benchmark_min_time=2
// With AL_BENCH_NDJSON=<file from the peer generator> the events come from
// that file (its first 20,000 lines) instead of the synthetic events.
// AL_BENCH_DIR picks where the store directories go (default: the system
// temporary directory, which must be on the disk to measure).

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/micro/geoip_bench_files.h"
#include "bench/micro/synthetic_events.h"
#include "common/crc32c.h"
#include "common/status.h"
#include "enrich/enricher.h"
#include "env/file_system.h"
#include "event/event_codec.h"
#include "event/json_buffer.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"
#include "storage/embedded_store.h"
#include "storage/memtable.h"
#include "storage/segment/segment_writer.h"
#include "storage/wal/wal_writer.h"

namespace auditlog::bench {
namespace {

constexpr size_t kCorpusEvents = 20000;
constexpr uint64_t kSeed = 20250301;
constexpr std::string_view kBase32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The workload's events, decoded once, grouped by tenant (largest first).
const std::vector<std::vector<event::Event>>& EventsByTenant() {
  static const auto* by_tenant = [] {
    std::string text = NdjsonFromEnvironment();
    if (text.empty()) text = SyntheticNdjson(kCorpusEvents, kSeed);
    size_t end = 0;
    for (size_t line = 0; line < kCorpusEvents && end < text.size(); ++line) {
      const size_t newline = text.find('\n', end);
      end = newline == std::string::npos ? text.size() : newline + 1;
    }
    text.resize(end);
    const event::PaddedBuffer body(text);
    auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kNative);
    auto batch = ingest::DecodeBody(*decoder, body.view());
    std::map<std::string, std::vector<event::Event>> groups;
    if (batch.ok())
      for (event::Event& decoded : batch->events) groups[decoded.tenant].push_back(decoded);
    auto* result = new std::vector<std::vector<event::Event>>();
    for (auto& [tenant, events] : groups) result->push_back(std::move(events));
    std::sort(result->begin(), result->end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return result;
  }();
  return *by_tenant;
}

// The peer workload's density: the generator's default run puts 1,000,000
// events in 30 days; the corpus is compressed in time to match it.
constexpr double kPeerEventsPerCorpusSpan = 1'000'000;

// How the corpus's timestamps move: an event at `t` in pass `p` is stored at
// first + (t - first) * scale + p * span, with span the scaled corpus span.
struct TimeScale {
  event::UnixMicros first = 0;
  double scale = 1;
  event::UnixMicros span_micros = 1;  // one pass, scaled
};

TimeScale CorpusTimeScale() {
  event::UnixMicros first = INT64_MAX, last = INT64_MIN;
  size_t count = 0;
  for (const auto& events : EventsByTenant())
    for (const event::Event& decoded : events) {
      ++count;
      if (decoded.timestamp) {
        first = std::min(first, *decoded.timestamp);
        last = std::max(last, *decoded.timestamp);
      }
    }
  if (first > last) return {};
  TimeScale time;
  time.first = first;
  time.scale = std::min(1.0, static_cast<double>(count) / kPeerEventsPerCorpusSpan);
  time.span_micros = std::max<event::UnixMicros>(
      1, static_cast<event::UnixMicros>(static_cast<double>(last - first + 1) * time.scale));
  return time;
}

struct Batch {
  std::vector<event::Event> events;
  std::vector<event::UnixMicros> timestamps;  // scaled, for pass 0
};

// Batches of `batch_events` events of one tenant each, cut from the corpus:
// a private copy per thread, since Append updates events in place.
std::vector<Batch> MakeBatches(size_t batch_events) {
  const TimeScale time = CorpusTimeScale();
  std::vector<Batch> batches;
  for (const auto& events : EventsByTenant())
    for (size_t begin = 0; begin + batch_events <= events.size(); begin += batch_events) {
      Batch& batch = batches.emplace_back();
      batch.events.assign(events.begin() + static_cast<ptrdiff_t>(begin),
                          events.begin() + static_cast<ptrdiff_t>(begin + batch_events));
      for (const event::Event& copy : batch.events)
        batch.timestamps.push_back(
            copy.timestamp
                ? time.first + static_cast<event::UnixMicros>(
                                   static_cast<double>(*copy.timestamp - time.first) * time.scale)
                : 0);
    }
  return batches;
}

// Makes every event of `batch` new: the first 7 characters (35 bits) of its id
// encode the thread and this append's number (the rest of a generated id is
// unique alone), and its timestamp moves on by `shift_micros`.
void Renew(int thread_index, uint64_t append_number, event::UnixMicros shift_micros, Batch* batch) {
  const uint64_t prefix =
      (static_cast<uint64_t>(thread_index) << 29) | (append_number & ((uint64_t{1} << 29) - 1));
  char chars[7];
  for (int position = 6; position >= 0; --position)
    chars[6 - position] = kBase32[(prefix >> (5 * position)) & 31];
  for (size_t index = 0; index < batch->events.size(); ++index) {
    event::Event& event = batch->events[index];
    if (event.id.size() < 7) event.id.resize(7, '0');
    event.id.replace(0, 7, chars, 7);
    if (event.timestamp) event.timestamp = batch->timestamps[index] + shift_micros;
  }
}

// Shared by the threads of one run: thread 0 opens it before the timed loop
// (the loop's start is a barrier for all threads) and closes it after.
std::unique_ptr<storage::EmbeddedStore>& SharedStore() {
  static auto* store = new std::unique_ptr<storage::EmbeddedStore>();
  return *store;
}
std::filesystem::path& SharedStoreDir() {
  static auto* dir = new std::filesystem::path();
  return *dir;
}

// Appends `batch` and checks that every event was stored as a new one (a
// benchmark that renews its ids must never see a duplicate or an error).
Status AppendAllNew(storage::EmbeddedStore& store, Batch& batch) {
  auto outcomes = store.Append(batch.events[0].tenant, batch.events);
  if (!outcomes.ok()) return outcomes.status();
  const bool all_new =
      std::all_of(outcomes->begin(), outcomes->end(), [](const store::AppendOutcome& outcome) {
        return outcome.status.ok() && !outcome.duplicate;
      });
  return all_new ? Status::OK() : Status::Internal("an event was not stored as new");
}

// Arg: events per Append. Threads: concurrent appenders on one store.
void RunAppend(benchmark::State& state, size_t memtable_bytes) {
  const size_t batch_events = static_cast<size_t>(state.range(0));
  std::vector<Batch> batches = MakeBatches(batch_events);
  const event::UnixMicros span_micros = CorpusTimeScale().span_micros;
  if (state.thread_index() == 0) {
    static std::atomic<uint64_t> run_number{0};
    SharedStoreDir() = BenchRoot() / ("al_store_bench_" + std::to_string(::getpid()) + "_" +
                                      std::to_string(run_number++));
    std::filesystem::remove_all(SharedStoreDir());
    storage::EmbeddedStoreOptions options;
    options.dir = SharedStoreDir().string();
    options.memtable_bytes = memtable_bytes;
    auto store = storage::EmbeddedStore::Open(options);
    if (store.ok())
      SharedStore() = std::move(*store);
    else
      state.SkipWithError(store.status().ToString().c_str());
  }
  if (batches.empty()) state.SkipWithError("no tenant has enough events for one batch");

  uint64_t appends = 0;
  size_t next_batch = static_cast<size_t>(state.thread_index());
  for (auto _ : state) {
    if (!SharedStore()) break;  // thread 0 could not open it
    Batch& batch = batches[next_batch % batches.size()];
    const auto pass = static_cast<event::UnixMicros>(next_batch / batches.size());
    next_batch += static_cast<size_t>(state.threads());
    Renew(state.thread_index(), appends++, pass * span_micros, &batch);
    if (Status appended = AppendAllNew(*SharedStore(), batch); !appended.ok()) {
      state.SkipWithError(appended.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(appends * batch_events));

  if (state.thread_index() == 0) {
    if (SharedStore()) {
      auto stats = SharedStore()->Stats();
      if (stats.ok()) {
        state.counters["wal_syncs"] = static_cast<double>(stats->wal_syncs);
        state.counters["flushes"] = static_cast<double>(stats->flushes);
        state.counters["events_per_sync"] =
            stats->wal_syncs == 0
                ? 0.0
                : static_cast<double>(stats->events) / static_cast<double>(stats->wal_syncs);
      }
    }
    SharedStore().reset();
    std::filesystem::remove_all(SharedStoreDir());
  }
}
void BM_AppendDurable(benchmark::State& state) {
  RunAppend(state, storage::EmbeddedStoreOptions().memtable_bytes);
}
BENCHMARK(BM_AppendDurable)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->Threads(1)
    ->Threads(4)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The foreground alone: a memtable budget no run fills (4 GiB), so nothing is
// flushed or compacted while measured (memory grows by ~2.5 KB per event).
void BM_AppendDurableNoFlush(benchmark::State& state) { RunAppend(state, size_t{4} << 30); }
BENCHMARK(BM_AppendDurableNoFlush)
    ->ArgName("batch")
    ->Arg(1000)
    ->Threads(1)
    ->Threads(4)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_IngestEnrichment(benchmark::State& state) {
  const bool enriched = state.range(0) != 0;
  std::vector<Batch> batches = MakeBatches(1000);
  if (batches.empty()) {
    state.SkipWithError("no tenant has enough events for one batch");
    return;
  }
  std::unique_ptr<enrich::Enricher> enricher;
  if (enriched) {
    enrich::EnrichOptions options;
    options.geoip_databases = GeoIpBenchDatabases();
    enricher = std::make_unique<enrich::Enricher>(options);
    state.SetLabel(fmt::format("geoip {}, user agents {}", enricher->geoip_enabled() ? "on" : "off",
                               enricher->ua_enabled() ? "on" : "off"));
  }
  const std::filesystem::path dir =
      BenchRoot() / ("al_ingest_enrichment_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  storage::EmbeddedStoreOptions options;
  options.dir = dir.string();
  auto store = storage::EmbeddedStore::Open(options);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  const event::UnixMicros span_micros = CorpusTimeScale().span_micros;
  uint64_t appends = 0;
  for (auto _ : state) {
    Batch& batch = batches[appends % batches.size()];
    const auto pass = static_cast<event::UnixMicros>(appends / batches.size());
    Renew(0, appends++, pass * span_micros, &batch);
    // As decoded from a request: no enrichment yet (the corpus carries none;
    // the previous pass's is dropped).
    for (event::Event& event : batch.events) {
      event.geo = {};
      event.ua = {};
    }
    if (enricher) enricher->Enrich(batch.events);
    if (Status appended = AppendAllNew(**store, batch); !appended.ok()) {
      state.SkipWithError(appended.ToString().c_str());
      break;
    }
    if (appends == static_cast<uint64_t>(state.max_iterations)) {
      if (Status settled = (*store)->FlushAndSettle(); !settled.ok()) {
        state.SkipWithError(settled.ToString().c_str());
        break;
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(appends * 1000));
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IngestEnrichment)
    ->Arg(0)
    ->Arg(1)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

// Arg: events per record. Rotates to a new file every 64 MiB, as the store's
// rotations would, so the file does not grow without bound.
void BM_WalSyncBaseline(benchmark::State& state) {
  const size_t batch_events = static_cast<size_t>(state.range(0));
  const std::vector<Batch> batches = MakeBatches(batch_events);
  if (batches.empty()) {
    state.SkipWithError("no tenant has enough events for one batch");
    return;
  }
  std::string payload;
  for (const event::Event& copy : batches[0].events) event::AppendEncodedEvent(copy, &payload);
  const std::filesystem::path dir = BenchRoot() / ("al_wal_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  env::FileSystem& fs = env::PosixFileSystem();
  std::unique_ptr<storage::wal::WalWriter> writer;
  int file_number = 0;
  auto next_file = [&]() -> Status {
    const std::string path = (dir / ("wal_" + std::to_string(file_number++))).string();
    AL_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
    AL_ASSIGN_OR_RETURN(writer, storage::wal::WalWriter::Open(std::move(file)));
    return Status::OK();
  };
  Status status = next_file();
  for (auto _ : state) {
    if (status.ok() && writer->size() > (64u << 20)) status = next_file();
    if (status.ok()) status = writer->Append(storage::wal::RecordType::kBatch, payload);
    if (status.ok()) status = writer->Sync();
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch_events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
  state.counters["record_bytes_per_event"] =
      static_cast<double>(payload.size()) / static_cast<double>(batch_events);
  writer.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalSyncBaseline)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Building one segment from the whole corpus (20,000 rows, one tenant, sorted
// by time): the background flush's and compaction's main cost, per event.
// The argument is SegmentWriteOptions::block_bytes (0: every section whole).
void BM_BuildSegment(benchmark::State& state) {
  std::vector<event::Event> rows;
  for (const auto& events : EventsByTenant()) rows.insert(rows.end(), events.begin(), events.end());
  std::stable_sort(rows.begin(), rows.end(), [](const event::Event& a, const event::Event& b) {
    return a.timestamp.value_or(0) < b.timestamp.value_or(0);
  });
  for (size_t index = 0; index < rows.size(); ++index) {
    rows[index].tenant = "bench";
    rows[index].seq = index + 1;
    if (!rows[index].timestamp) rows[index].timestamp = index == 0 ? 0 : rows[index - 1].timestamp;
  }
  size_t bytes = 0;
  storage::segment::SegmentWriteOptions options;
  options.block_bytes = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    storage::segment::SegmentMeta meta;
    auto built = storage::segment::BuildSegment(rows, 0, options, &meta);
    if (!built.ok()) {
      state.SkipWithError(built.status().ToString().c_str());
      break;
    }
    bytes = built->size();
    benchmark::DoNotOptimize(built->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.size()));
  state.counters["bytes_per_event"] =
      rows.empty() ? 0.0 : static_cast<double>(bytes) / static_cast<double>(rows.size());
}
BENCHMARK(BM_BuildSegment)
    ->Arg(0)
    ->Arg(storage::segment::kDefaultBlockBytes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// kMaxSegmentRows events of one tenant, sorted by time, with seqs: the corpus
// repeated (ids renewed per pass, times advancing), enriched when asked
// (user agents from uap-core, GeoIP from AL_GEOIP_BENCH_DB when set).
// `*label` says what enrichment was on.
std::vector<event::Event> SegmentRows(bool enriched, std::string* label) {
  const size_t row_count = storage::segment::kMaxSegmentRows;
  const TimeScale time = CorpusTimeScale();
  std::vector<event::Event> rows;
  rows.reserve(row_count);
  for (uint64_t pass = 0; rows.size() < row_count; ++pass) {
    Batch batch;
    for (const auto& events : EventsByTenant())
      for (const event::Event& source : events) {
        if (batch.events.size() + rows.size() == row_count) break;
        batch.events.push_back(source);
        batch.timestamps.push_back(
            time.first +
            static_cast<event::UnixMicros>(
                static_cast<double>(source.timestamp.value_or(time.first) - time.first) *
                time.scale));
      }
    Renew(0, pass, static_cast<event::UnixMicros>(pass) * time.span_micros, &batch);
    for (event::Event& event : batch.events) {
      if (!event.timestamp) event.timestamp = batch.timestamps.front();
      rows.push_back(std::move(event));
    }
  }
  label->clear();
  if (enriched) {
    enrich::EnrichOptions options;
    options.geoip_databases = GeoIpBenchDatabases();
    enrich::Enricher enricher(options);
    enricher.Enrich(rows);
    *label = fmt::format("geoip {}, user agents {}, ", enricher.geoip_enabled() ? "on" : "off",
                         enricher.ua_enabled() ? "on" : "off");
  }
  for (size_t index = 0; index < rows.size(); ++index) {
    rows[index].tenant = "bench";
    rows[index].seq = index + 1;
  }
  return rows;
}

// Encoding events into their row encoding, as Append does for the WAL and
// the memtable (inside the store's lock): batches of 1,000 into a fresh
// string each. Arg: enriched.
void BM_EncodeRows(benchmark::State& state) {
  std::string label;
  const std::vector<event::Event> rows = SegmentRows(state.range(0) != 0, &label);
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (size_t begin = 0; begin < rows.size(); begin += 1000) {
      std::string encoded;
      for (size_t index = begin; index < std::min(rows.size(), begin + 1000); ++index)
        event::AppendEncodedEvent(rows[index], &encoded);
      bytes += encoded.size();
      benchmark::DoNotOptimize(encoded.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.size()));
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(rows.size());
  state.SetLabel(label);
}
BENCHMARK(BM_EncodeRows)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The background flush's work for one full segment: SegmentRows held in a
// memtable as the store holds them, then located and built. The counter is
// the bytes per event; the label ends with a checksum of the segment's
// bytes, which says whether two builds of the writer produce the same file.
void BM_FlushSegment(benchmark::State& state) {
  std::string label;
  const std::vector<event::Event> rows = SegmentRows(state.range(0) != 0, &label);
  std::string encoded;
  for (const event::Event& row : rows) event::AppendEncodedEvent(row, &encoded);
  storage::Memtable memtable(1);
  if (Status added = memtable.Add("bench", encoded, rows.size()); !added.ok()) {
    state.SkipWithError(added.ToString().c_str());
    return;
  }
  const std::vector<storage::Memtable::RowKey> keys = memtable.SortedRows("bench");
  storage::segment::SegmentWriteOptions options;
  std::vector<event::EncodedEventFields> located;
  size_t bytes = 0;
  uint32_t checksum = 0;
  for (auto _ : state) {
    memtable.LocateRows("bench", keys, &located);
    storage::segment::SegmentMeta meta;
    auto built = storage::segment::BuildSegment(std::span<const event::EncodedEventFields>(located),
                                                0, options, &meta);
    if (!built.ok()) {
      state.SkipWithError(built.status().ToString().c_str());
      break;
    }
    bytes = built->size();
    checksum = crc32c::Value(*built);
    benchmark::DoNotOptimize(built->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.size()));
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(rows.size());
  state.SetLabel(fmt::format("{}crc32c {:08x}", label, checksum));
}
BENCHMARK(BM_FlushSegment)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace auditlog::bench

BENCHMARK_MAIN();

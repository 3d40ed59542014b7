// store_writer appends events to an EmbeddedStore until it is killed, and
// says on stdout which events were acknowledged, so kill_test can SIGKILL it
// at any moment and check afterwards that none of those was lost.
//
//   store_writer --dir D --seed S --tenant-count K [--threads T]
//
// stdout, one line each:
//   ready                                       the store is open
//   ack <tenant> <id> <seq> <stream> <index>    an accepted event
// An ack line is written only after Append returned the event OK, i.e. once
// it is durable. Thread t draws its events from EventBuilder(S * 16 + t)
// (<stream> = t) and <index> is the event's place in that stream, so the
// parent can regenerate the payload. Batch sizes and tenants come from a
// separate generator, so they do not shift the event stream.
//
// The memtable, segments and compaction threshold are small so that flushes
// and compactions run in the background while the process is being killed.
// Several threads append at once so group commit batches several callers.

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/random.h"
#include "event/event.h"
#include "storage/embedded_store.h"
#include "testing/event_builder.h"

namespace auditlog {
namespace {

constexpr uint64_t kMaxStreams = 16;
constexpr uint64_t kMaxBatchEvents = 50;

struct WriterFlags {
  std::string dir;
  uint64_t seed = 0;
  uint64_t tenant_count = 0;
  uint64_t threads = 2;
};

[[noreturn]] void Die(std::string_view message) {
  std::fprintf(stderr, "store_writer: %.*s\n", static_cast<int>(message.size()), message.data());
  // No destructors or atexit handlers: other threads are still appending.
  std::_Exit(2);
}

bool ParseUint(std::string_view text, uint64_t* value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

WriterFlags ParseFlags(int argc, char** argv) {
  WriterFlags flags;
  for (int arg_idx = 1; arg_idx < argc; ++arg_idx) {
    const std::string_view name = argv[arg_idx];
    if (arg_idx + 1 >= argc) Die(fmt::format("{} needs a value", name));
    const std::string_view value = argv[++arg_idx];
    bool ok = true;
    if (name == "--dir") {
      flags.dir = value;
    } else if (name == "--seed") {
      ok = ParseUint(value, &flags.seed);
    } else if (name == "--tenant-count") {
      ok = ParseUint(value, &flags.tenant_count);
    } else if (name == "--threads") {
      ok = ParseUint(value, &flags.threads);
    } else {
      Die(fmt::format("unknown flag {}", name));
    }
    if (!ok) Die(fmt::format("bad value {:?} for {}", value, name));
  }
  if (flags.dir.empty()) Die("--dir is required");
  if (flags.tenant_count < 1) Die("--tenant-count must be at least 1");
  if (flags.threads < 1 || flags.threads > kMaxStreams)
    Die(fmt::format("--threads must be 1..{}", kMaxStreams));
  return flags;
}

// Writes all of `text` to stdout with write(2): nothing stays in a user-space
// buffer that SIGKILL would discard.
void WriteStdout(std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(STDOUT_FILENO, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      Die(fmt::format("write to stdout: {}", std::strerror(errno)));
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
}

void AppendForever(storage::EmbeddedStore& store, const WriterFlags& flags, uint64_t stream,
                   std::mutex& stdout_mu) {
  testing::EventBuilder builder(flags.seed * kMaxStreams + stream);
  SeededRandom shape(~(flags.seed * kMaxStreams + stream));
  uint64_t next_index = 0;
  std::vector<event::Event> batch;
  std::string lines;
  while (true) {
    const std::string tenant = fmt::format("tenant-{}", shape.Uniform(flags.tenant_count));
    const uint64_t count = 1 + shape.Uniform(kMaxBatchEvents);
    const uint64_t first_index = next_index;
    next_index += count;
    batch.clear();
    for (uint64_t event_idx = 0; event_idx < count; ++event_idx) batch.push_back(builder.Next());

    auto outcomes = store.Append(tenant, batch);
    if (!outcomes.ok()) Die(fmt::format("append to {}: {}", tenant, outcomes.status().ToString()));

    // The acknowledgment: only now, after Append returned.
    lines.clear();
    for (size_t event_idx = 0; event_idx < batch.size(); ++event_idx) {
      const store::AppendOutcome& outcome = (*outcomes)[event_idx];
      if (!outcome.status.ok()) {
        // Not acknowledged, so the parent expects nothing of it.
        std::fprintf(stderr, "store_writer: %s rejected: %s\n", batch[event_idx].id.c_str(),
                     outcome.status.ToString().c_str());
        continue;
      }
      fmt::format_to(std::back_inserter(lines), "ack {} {} {} {} {}\n", tenant, batch[event_idx].id,
                     outcome.seq, stream, first_index + event_idx);
    }
    std::lock_guard lock(stdout_mu);  // whole batches, never interleaved lines
    WriteStdout(lines);
  }
}

}  // namespace
}  // namespace auditlog

int main(int argc, char** argv) {
  using namespace auditlog;
  const WriterFlags flags = ParseFlags(argc, argv);

  storage::EmbeddedStoreOptions options;
  options.dir = flags.dir;
  options.memtable_bytes = 512u << 10;
  options.max_segment_rows = 2000;
  options.compaction_min_rows = 1000;
  auto store = storage::EmbeddedStore::Open(options);
  if (!store.ok()) Die(fmt::format("open {}: {}", flags.dir, store.status().ToString()));
  WriteStdout("ready\n");

  std::mutex stdout_mu;
  std::vector<std::thread> threads;
  for (uint64_t stream = 0; stream < flags.threads; ++stream)
    threads.emplace_back([&, stream] { AppendForever(**store, flags, stream, stdout_mu); });
  for (std::thread& thread : threads) thread.join();  // never: killed first
  return 0;
}

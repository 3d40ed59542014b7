// The real-process crash test: start store_writer on one directory, SIGKILL
// it at a random moment, reopen the store and check that every event it
// acknowledged is there, once, with the acknowledged seq and payload, and
// that every tenant's seqs run 1..total without a gap. The directory is kept
// across iterations, so each writer recovers what the previous killed one
// left (a WAL with a torn tail, a half-written segment or manifest, a flush
// or compaction cut short) and most kills land while background work runs.
// Some kills are timed from the start, so they can land inside recovery.
//
// Unlike store_crash_test (every crash point over a simulated file system),
// this runs the real file system, real threads and real timing: the seed
// picks the delays, but where a kill lands is up to the scheduler, so a
// failure is reproduced by rerunning with its seed and enough iterations.
//
//   AL_KILL_ITERATIONS=500 AL_KILL_SEED=1234 kill_test   # a soak run
//
// On failure the store directory is kept and its path printed.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/random.h"
#include "event/event.h"
#include "event/fields.h"
#include "event/json_codec.h"
#include "query/query.h"
#include "storage/embedded_store.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

#ifndef AL_STORE_WRITER
#error "AL_STORE_WRITER must name the store_writer executable"
#endif

namespace auditlog {
namespace {

using Clock = std::chrono::steady_clock;
using event::Event;

constexpr uint64_t kTenantCount = 3;
constexpr uint64_t kWriterThreads = 2;
constexpr uint64_t kMaxStreams = 16;  // as store_writer.cc: stream seed = seed * 16 + thread
constexpr int kDefaultIterations = 60;
// One kill in this many is timed from the start rather than from "ready".
constexpr uint64_t kEarlyKillOneIn = 8;
constexpr int64_t kMinDelayMs = 20, kMaxDelayMs = 300, kMaxEarlyDelayMs = 100;
// A writer that is not open by then is stuck (recovery is far quicker).
constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr size_t kMaxProblems = 40;
constexpr size_t kOlderGetsPerIteration = 100;
// Every this many iterations (and after the last) the check scans every
// event, not only those since the previous check.
constexpr int kFullCheckEvery = 6;

std::string TenantName(uint64_t tenant_idx) { return fmt::format("tenant-{}", tenant_idx); }

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

// The options store_writer uses, minus the background thread: the check
// looks at what recovery finds and changes nothing on its own.
storage::EmbeddedStoreOptions CheckOptions(const std::string& dir) {
  storage::EmbeddedStoreOptions options;
  options.dir = dir;
  options.memtable_bytes = 512u << 10;
  options.max_segment_rows = 2000;
  options.compaction_min_rows = 1000;
  options.background = false;
  return options;
}

struct AckedEvent {
  uint64_t seq = 0;
  int iteration = 0;
  uint64_t stream = 0;
  uint64_t index = 0;  // in the writer's EventBuilder stream
};

struct AckLine {
  std::string tenant;
  std::string id;
  AckedEvent acked;
};

// What one writer process did before it was killed.
struct WriterRun {
  bool ready = false;          // it opened the store before the kill
  std::vector<AckLine> acks;   // complete ack lines, in the order written
  size_t torn_tail_bytes = 0;  // a last line cut by the kill (not an ack)
};

// Kills and reaps the writer, and closes the pipe, if a check bails out
// before RunWriter does.
struct ChildGuard {
  pid_t pid = -1;
  int out_fd = -1;
  ~ChildGuard() {
    if (out_fd >= 0) ::close(out_fd);
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
};

// Starts store_writer on `dir` with `writer_seed`, SIGKILLs it `delay_ms`
// after it says "ready" (after it starts when `from_start`), reads every
// line it wrote before dying and checks that it died of the kill.
void RunWriter(const std::string& dir, uint64_t writer_seed, bool from_start, int64_t delay_ms,
               int iteration, WriterRun* run) {
  const std::string seed_arg = std::to_string(writer_seed);
  const std::string tenants_arg = std::to_string(kTenantCount);
  const std::string threads_arg = std::to_string(kWriterThreads);
  std::vector<const char*> argv = {
      AL_STORE_WRITER,     "--dir",          dir.c_str(),         "--seed",
      seed_arg.c_str(),    "--tenant-count", tenants_arg.c_str(), "--threads",
      threads_arg.c_str(), nullptr};
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0) << std::strerror(errno);
  ChildGuard child;
  child.pid = ::fork();
  ASSERT_GE(child.pid, 0) << std::strerror(errno);
  if (child.pid == 0) {
    // Only async-signal-safe calls until exec. dup2 clears FD_CLOEXEC on 1.
    if (::dup2(fds[1], STDOUT_FILENO) < 0) ::_exit(126);
    ::execv(argv[0], const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  ::close(fds[1]);
  const int out = child.out_fd = fds[0];

  const Clock::time_point start = Clock::now();
  std::optional<Clock::time_point> kill_at;
  if (from_start) kill_at = start + std::chrono::milliseconds(delay_ms);
  std::string output;
  char buffer[1 << 16];
  bool eof = false;
  while (!eof) {
    const Clock::time_point now = Clock::now();
    if (kill_at && now >= *kill_at) break;
    if (!kill_at && now - start >= kReadyTimeout) break;
    const Clock::time_point until = kill_at ? *kill_at : start + kReadyTimeout;
    const int timeout_ms =
        static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
    pollfd poll_fd{out, POLLIN, 0};
    const int ready_fds = ::poll(&poll_fd, 1, std::max(timeout_ms, 1));
    if (ready_fds < 0 && errno != EINTR) FAIL() << "poll: " << std::strerror(errno);
    if (ready_fds <= 0) continue;
    const ssize_t n = ::read(out, buffer, sizeof(buffer));
    if (n < 0 && errno != EINTR) FAIL() << "read: " << std::strerror(errno);
    if (n == 0) eof = true;  // it exited by itself: reported below
    if (n > 0) output.append(buffer, static_cast<size_t>(n));
    if (!run->ready && output.starts_with("ready\n")) {
      run->ready = true;
      if (!kill_at) kill_at = Clock::now() + std::chrono::milliseconds(delay_ms);
    }
  }
  if (!from_start && !run->ready && !eof)
    ADD_FAILURE() << "iteration " << iteration << ": store_writer did not open " << dir << " in "
                  << kReadyTimeout.count() << " s";
  ::kill(child.pid, SIGKILL);
  // Every ack written before the kill is in the pipe: read to its end.
  while (!eof) {
    const ssize_t n = ::read(out, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GE(n, 0) << "read: " << std::strerror(errno);
    if (n == 0) eof = true;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(out);
  child.out_fd = -1;
  int status = 0;
  pid_t waited;
  while ((waited = ::waitpid(child.pid, &status, 0)) < 0 && errno == EINTR) {
  }
  ASSERT_EQ(waited, child.pid) << std::strerror(errno);
  child.pid = -1;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "iteration " << iteration << ": store_writer ended by itself (wait status " << status
      << ", exit code " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
      << "); its stderr is above";

  run->ready = output.starts_with("ready\n");
  const size_t complete = output.rfind('\n') + 1;  // npos + 1 == 0: no complete line
  run->torn_tail_bytes = output.size() - complete;
  std::istringstream lines(output.substr(0, complete));
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (first && line == "ready") {
      first = false;
      continue;
    }
    first = false;
    std::istringstream fields(line);
    std::string word;
    AckLine ack;
    fields >> word >> ack.tenant >> ack.id >> ack.acked.seq >> ack.acked.stream >> ack.acked.index;
    ASSERT_TRUE(word == "ack" && fields && ack.acked.seq > 0)
        << "iteration " << iteration << ": unexpected line from store_writer: " << line;
    ack.acked.iteration = iteration;
    run->acks.push_back(std::move(ack));
  }
}

// The events the writer of `writer_seed` drew at `wanted` (stream, index)
// places, as it handed them to Append.
std::map<std::pair<uint64_t, uint64_t>, Event> Regenerate(
    uint64_t writer_seed, const std::vector<std::pair<uint64_t, uint64_t>>& wanted) {
  std::map<uint64_t, uint64_t> last_index;  // by stream
  for (const auto& [stream, index] : wanted)
    last_index[stream] = std::max(last_index[stream], index);
  std::map<std::pair<uint64_t, uint64_t>, Event> events;
  for (const auto& [stream, last] : last_index) {
    testing::EventBuilder builder(writer_seed * kMaxStreams + stream);
    for (uint64_t index = 0; index <= last; ++index) events[{stream, index}] = builder.Next();
  }
  std::erase_if(events, [&](const auto& entry) {
    return !std::binary_search(wanted.begin(), wanted.end(), entry.first);
  });
  return events;
}

class KillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + fmt::format("auditlog_kill_test_{}", ::getpid());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    if (HasFailure()) {
      std::printf("kill_test: store directory kept for inspection: %s\n", dir_.c_str());
    } else {
      std::filesystem::remove_all(dir_);
    }
  }

  void Problem(std::string message) {
    ++problem_count_;
    if (problems_.size() < kMaxProblems) problems_.push_back(std::move(message));
  }

  uint64_t WriterSeed(int iteration) const {
    return test_seed_ * 1000 + static_cast<uint64_t>(iteration);
  }

  // Records `run`'s acks; the same id acknowledged twice must have one seq.
  void RecordAcks(const WriterRun& run) {
    for (const AckLine& ack : run.acks) {
      auto [it, inserted] = acked_[ack.tenant].try_emplace(ack.id, ack.acked);
      if (!inserted && it->second.seq != ack.acked.seq)
        Problem(fmt::format("{}/{} acknowledged with seq {} (iteration {}) and {} (iteration {})",
                            ack.tenant, ack.id, it->second.seq, it->second.iteration, ack.acked.seq,
                            ack.acked.iteration));
    }
  }

  // The events of `tenant` from `first_seq` on, seq ascending, with only id
  // and seq (always filled, whatever `fields` says). Not `fields = {id}`:
  // query::Project then empties the id of memtable events (it moves it twice).
  void ScanTenant(storage::EmbeddedStore& store, const std::string& tenant, uint64_t first_seq,
                  std::vector<Event>* events) {
    const event::FieldSpec* seq_field = event::FindField("seq");
    query::Query query;
    query.tenant = tenant;
    if (first_seq > 1)
      query.filter = query::Filter::Range(
          *seq_field, query::RangeBound{static_cast<int64_t>(first_seq), true}, std::nullopt);
    query.sort = {{seq_field, false}};
    query.fields = {seq_field};
    query.limit = query::kMaxLimit;
    query.include_totals = true;
    std::optional<uint64_t> total;
    while (true) {
      query.offset = events->size();
      AL_ASSERT_OK_AND_ASSIGN(query::SearchResult page, store.Search(query));
      ASSERT_TRUE(page.total.has_value());
      if (!total) total = page.total;
      ASSERT_EQ(*page.total, *total) << tenant << ": the total changed between pages";
      for (Event& event : page.events) events->push_back(std::move(event));
      if (page.events.empty() || events->size() >= *total) break;
    }
    if (events->size() != *total)
      Problem(fmt::format("{}: a scan from seq {} returned {} events of a total of {}", tenant,
                          first_seq, events->size(), *total));
  }

  // Checks one event read back with Get against what was acknowledged and,
  // when known, the payload the writer appended.
  void CheckGet(storage::EmbeddedStore& store, const std::string& tenant, const std::string& id,
                const AckedEvent& acked, const Event* appended) {
    auto got = store.Get(tenant, id);
    if (!got.ok()) {
      Problem(fmt::format("Get {}/{}: {}", tenant, id, got.status().ToString()));
      return;
    }
    if (!got->has_value()) {
      Problem(fmt::format("LOST: {}/{} (seq {}, acknowledged in iteration {}) is not found by Get",
                          tenant, id, acked.seq, acked.iteration));
      return;
    }
    const Event& stored = **got;
    if (stored.id != id || stored.seq != acked.seq) {
      Problem(fmt::format("Get {}/{} returned id {} seq {}; acknowledged seq {} (iteration {})",
                          tenant, id, stored.id, stored.seq, acked.seq, acked.iteration));
      return;
    }
    if (appended == nullptr) return;
    Event expected = *appended;
    expected.tenant = tenant;
    expected.seq = acked.seq;
    if (!(stored == expected))
      Problem(fmt::format(
          "Get {}/{} (iteration {}): payload differs\n  stored:   {}\n  appended: {}", tenant, id,
          acked.iteration, event::EventToJson(stored), event::EventToJson(expected)));
  }

  // Gets every acknowledged event of `iterations` and compares its payload.
  void CheckPayloads(storage::EmbeddedStore& store, int first_iteration, int last_iteration) {
    for (int iteration = first_iteration; iteration <= last_iteration; ++iteration) {
      std::vector<std::pair<uint64_t, uint64_t>> wanted;
      for (const auto& [tenant, ids] : acked_)
        for (const auto& [id, acked] : ids)
          if (acked.iteration == iteration) wanted.emplace_back(acked.stream, acked.index);
      if (wanted.empty()) continue;
      std::sort(wanted.begin(), wanted.end());
      const auto appended = Regenerate(WriterSeed(iteration), wanted);
      for (const auto& [tenant, ids] : acked_)
        for (const auto& [id, acked] : ids)
          if (acked.iteration == iteration)
            CheckGet(store, tenant, id, acked, &appended.at({acked.stream, acked.index}));
    }
  }

  // Opens the store as a restart would and checks it against the acks:
  //   - per tenant, Stats counts as many events as the last seq given;
  //   - a scan by seq finds seqs `first_seq`..last, each once and no other,
  //     where `first_seq` is 1 when `full`, else one past what the previous
  //     check saw (the older ones were checked then, and `full` runs of all
  //     of them recur: a scan costs as much as the store is large);
  //   - every acked id the scan covers is found at its acked seq;
  //   - Get finds `iteration`'s acks with the payload appended, and a sample
  //     of older acks at their seq (it looks ids up another way than Search).
  void CheckStore(int iteration, bool full, SeededRandom& random, uint64_t* events_stored) {
    AL_ASSERT_OK_AND_ASSIGN(auto store, storage::EmbeddedStore::Open(CheckOptions(dir_)));
    AL_ASSERT_OK_AND_ASSIGN(store::StoreStats stats, store->Stats());
    for (const std::string& damage : stats.damaged_segments) Problem("damaged segment: " + damage);
    if (!stats.write_status.ok()) Problem("write status: " + stats.write_status.ToString());

    *events_stored = 0;
    for (uint64_t tenant_idx = 0; tenant_idx < kTenantCount; ++tenant_idx) {
      const std::string tenant = TenantName(tenant_idx);
      uint64_t last_seq = 0;
      for (const store::TenantStats& tenant_stats : stats.tenants) {
        if (tenant_stats.tenant != tenant) continue;
        last_seq = tenant_stats.last_seq;
        if (tenant_stats.events != tenant_stats.last_seq)
          Problem(fmt::format("{}: Stats says {} events but last seq {}", tenant,
                              tenant_stats.events, tenant_stats.last_seq));
      }
      *events_stored += last_seq;
      uint64_t& checked_through = checked_through_[tenant];
      auto& seq_of_id = seq_of_id_[tenant];
      if (last_seq < checked_through)
        Problem(fmt::format("{}: last seq {}, but an earlier check saw {}", tenant, last_seq,
                            checked_through));
      if (full) {
        checked_through = 0;
        seq_of_id.clear();
      }
      const uint64_t first_seq = checked_through + 1;
      std::vector<Event> events;
      ASSERT_NO_FATAL_FAILURE(ScanTenant(*store, tenant, first_seq, &events));
      if (first_seq + events.size() != last_seq + 1)
        Problem(fmt::format("{}: {} events from seq {} on, but the last seq is {}", tenant,
                            events.size(), first_seq, last_seq));
      for (size_t event_idx = 0; event_idx < events.size(); ++event_idx) {
        const Event& event = events[event_idx];
        if (event.seq != first_seq + event_idx)
          Problem(
              fmt::format("{}: seq {} where {} belongs in the seq-ordered scan (a gap or a "
                          "repeat; id {:?})",
                          tenant, event.seq, first_seq + event_idx, event.id));
        auto [it, inserted] = seq_of_id.emplace(event.id, event.seq);
        if (!inserted)
          Problem(fmt::format("DUPLICATE: {}/{:?} is stored at seq {} and seq {}", tenant, event.id,
                              it->second, event.seq));
      }
      checked_through = std::max(checked_through, last_seq);

      const auto& acked_ids = acked_[tenant];
      if (last_seq < acked_ids.size())
        Problem(fmt::format("{}: {} events stored, {} acknowledged", tenant, last_seq,
                            acked_ids.size()));
      for (const auto& [id, acked] : acked_ids) {
        if (!full && acked.iteration != iteration) continue;  // checked before
        auto found = seq_of_id.find(id);
        if (found == seq_of_id.end()) {
          Problem(
              fmt::format("LOST: {}/{} (seq {}, acknowledged in iteration {}) is not in the "
                          "scan from seq {}",
                          tenant, id, acked.seq, acked.iteration, first_seq));
        } else if (found->second != acked.seq) {
          Problem(
              fmt::format("{}/{} is stored at seq {} but was acknowledged with seq {} "
                          "(iteration {})",
                          tenant, id, found->second, acked.seq, acked.iteration));
        }
      }
    }

    CheckPayloads(*store, iteration, iteration);
    std::vector<std::pair<const std::string*, const std::string*>> older;
    for (const auto& [tenant, ids] : acked_)
      for (const auto& [id, acked] : ids)
        if (acked.iteration < iteration) older.emplace_back(&tenant, &id);
    for (size_t sample = 0; sample < kOlderGetsPerIteration && !older.empty(); ++sample) {
      const auto& [tenant, id] = older[random.Uniform(older.size())];
      CheckGet(*store, *tenant, *id, acked_.at(*tenant).at(*id), nullptr);
    }
  }

  std::string DescribeProblems() const {
    std::string text = fmt::format("{} problem(s)", problem_count_);
    for (const std::string& problem : problems_) text += "\n  " + problem;
    return text;
  }

  std::string dir_;
  uint64_t test_seed_ = 0;
  std::map<std::string, std::unordered_map<std::string, AckedEvent>> acked_;  // tenant -> id
  // What the checks have seen, by tenant: seqs 1..checked_through, and the
  // id at each of them.
  std::map<std::string, uint64_t> checked_through_;
  std::map<std::string, std::unordered_map<std::string, uint64_t>> seq_of_id_;
  std::vector<std::string> problems_;
  size_t problem_count_ = 0;
};

TEST_F(KillTest, NothingAcknowledgedIsLostAcrossKills) {
  const int iterations = static_cast<int>(EnvOr("AL_KILL_ITERATIONS", kDefaultIterations));
  test_seed_ = EnvOr("AL_KILL_SEED", std::random_device()() % 1'000'000);
  std::printf("kill_test: seed %llu, %d iterations on %s (rerun: AL_KILL_SEED=%llu)\n",
              static_cast<unsigned long long>(test_seed_), iterations, dir_.c_str(),
              static_cast<unsigned long long>(test_seed_));
  SeededRandom random(test_seed_);
  const Clock::time_point test_start = Clock::now();

  int runs_with_acks = 0, early_kills_before_ready = 0;
  size_t acks_total = 0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    const bool from_start = random.Uniform(kEarlyKillOneIn) == 0;
    const int64_t delay_ms =
        from_start
            ? static_cast<int64_t>(random.Uniform(kMaxEarlyDelayMs + 1))
            : kMinDelayMs + static_cast<int64_t>(random.Uniform(kMaxDelayMs - kMinDelayMs + 1));
    WriterRun run;
    const Clock::time_point run_start = Clock::now();
    ASSERT_NO_FATAL_FAILURE(
        RunWriter(dir_, WriterSeed(iteration), from_start, delay_ms, iteration, &run));
    const auto run_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - run_start).count();
    if (!run.acks.empty()) ++runs_with_acks;
    if (from_start && !run.ready) ++early_kills_before_ready;
    acks_total += run.acks.size();
    RecordAcks(run);

    const Clock::time_point check_start = Clock::now();
    uint64_t events_stored = 0;
    const bool full =
        iteration % kFullCheckEvery == kFullCheckEvery - 1 || iteration == iterations - 1;
    ASSERT_NO_FATAL_FAILURE(CheckStore(iteration, full, random, &events_stored));
    const auto check_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - check_start).count();
    std::printf(
        "kill_test: iteration %d: killed %lld ms after %s (writer ran %lld ms), %zu acks%s; "
        "%llu events stored; %s check in %lld ms\n",
        iteration, static_cast<long long>(delay_ms), from_start ? "start" : "ready",
        static_cast<long long>(run_ms), run.acks.size(),
        run.torn_tail_bytes != 0 ? " (+ a torn line)" : "",
        static_cast<unsigned long long>(events_stored), full ? "full" : "tail",
        static_cast<long long>(check_ms));
    std::fflush(stdout);
    ASSERT_EQ(problem_count_, 0u) << "seed " << test_seed_ << ", iteration " << iteration
                                  << " (killed " << delay_ms << " ms after "
                                  << (from_start ? "start" : "ready") << "), store " << dir_ << ": "
                                  << DescribeProblems();
  }

  // Every payload once more, after all the later runs' flushes and compactions.
  const Clock::time_point final_start = Clock::now();
  {
    AL_ASSERT_OK_AND_ASSIGN(auto store, storage::EmbeddedStore::Open(CheckOptions(dir_)));
    CheckPayloads(*store, 0, iterations - 1);
  }
  EXPECT_EQ(problem_count_, 0u) << "seed " << test_seed_ << ", final check, store " << dir_ << ": "
                                << DescribeProblems();
  auto elapsed_ms = [](Clock::time_point since) {
    return static_cast<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
  };
  std::printf(
      "kill_test: %zu acks over %d runs (%d with acks, %d killed while opening) in %lld ms, "
      "of which %lld ms for the final payload check\n",
      acks_total, iterations, runs_with_acks, early_kills_before_ready, elapsed_ms(test_start),
      elapsed_ms(final_start));
  // A test whose writers never acknowledge anything checks nothing.
  EXPECT_GE(runs_with_acks, iterations / 2) << "the writer is too slow for the kill delays";
}

}  // namespace
}  // namespace auditlog

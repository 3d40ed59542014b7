// Crash recovery over every crash point: a workload of appends, flushes,
// compactions and retention runs on an in-memory file system whose k-th
// mutating operation, and every one after it, fails (a power cut at that
// moment). The file system then forgets what was not durable (dropping it or
// keeping a torn prefix), the store is reopened, and:
//   - every acknowledged event is there exactly once, unchanged;
//   - each tenant's seqs run 1..n without a gap or repeat;
//   - nothing is there that the workload never sent;
//   - a second recovery yields the same state.
// "globex" has a retention policy that every one of its events is past, so
// retention runs drop its segments: its acknowledged events may go, but only
// whole, and its seq never restarts.
// k runs over every mutating operation the workload performs.
//
// CI runs one workload seed; `store_crash_test --seeds N` (or the
// AL_CRASH_SEEDS environment variable) runs N for soak testing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>

#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "event/fields.h"
#include "storage/embedded_store.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

namespace auditlog::storage {
namespace {

using event::Event;

constexpr int kEvents = 2000;
constexpr int kBatch = 25;
const char* const kTenants[] = {"acme", "globex"};
constexpr std::string_view kRetainedTenant = "globex";

int SeedsFromCommandLine() {
  const std::vector<std::string> args = ::testing::internal::GetArgvs();
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--seeds") return std::atoi(args[i + 1].c_str());
  for (const std::string& arg : args)
    if (arg.rfind("--seeds=", 0) == 0) return std::atoi(arg.c_str() + 8);
  if (const char* env = std::getenv("AL_CRASH_SEEDS")) return std::atoi(env);
  return 1;
}

EmbeddedStoreOptions Options(env::FileSystem* fs, Clock* clock) {
  EmbeddedStoreOptions options;
  options.dir = "/db";
  options.fs = fs;
  options.clock = clock;
  options.background = false;  // the workload steps flush and compaction itself
  options.flush_threads = 1;   // the same operations in the same order every run
  options.max_segment_rows = 300;
  options.compaction_min_rows = 150;
  options.window_micros = int64_t{3600} * 1'000'000;
  options.retention_micros["globex"] = int64_t{30} * 86'400'000'000;
  return options;
}

// What the workload sent and what the store acknowledged.
struct Outcome {
  std::map<std::pair<std::string, std::string>, Event> sent;   // by (tenant, id)
  std::map<std::pair<std::string, std::string>, Event> acked;  // as stored
  bool failed = false;
};

// Runs the workload until its first error. Deterministic for a seed: the
// same operations in the same order, so crash point k is the same moment.
Outcome RunWorkload(EmbeddedStore& store, uint64_t seed) {
  Outcome outcome;
  testing::EventBuilder builder(seed);
  int appended = 0;
  for (int batch_index = 0; appended < kEvents; ++batch_index) {
    const std::string tenant = kTenants[batch_index % 3 == 2 ? 1 : 0];
    std::vector<Event> batch;
    for (int i = 0; i < kBatch; ++i) {
      Event event = builder.Next();
      // Some retries of earlier events: idempotent re-sends are part of life.
      if (i == 0 && batch_index % 7 == 6 && !outcome.acked.empty()) {
        const auto& [key, stored] = *outcome.acked.rbegin();
        if (key.first == tenant) event = stored;
      }
      batch.push_back(std::move(event));
    }
    for (Event& event : batch) outcome.sent.emplace(std::pair(tenant, event.id), event);
    appended += kBatch;
    auto result = store.Append(tenant, batch);
    if (!result.ok()) {
      outcome.failed = true;
      return outcome;
    }
    for (size_t i = 0; i < batch.size(); ++i)
      if ((*result)[i].status.ok()) outcome.acked.emplace(std::pair(tenant, batch[i].id), batch[i]);
    if (batch_index % 8 == 7 && !store.Flush().ok()) {
      outcome.failed = true;
      return outcome;
    }
    if (batch_index % 24 == 23) {
      bool did_work = false;
      if (!store.CompactOnce(&did_work).ok() || !store.RunRetention().ok()) {
        outcome.failed = true;
        return outcome;
      }
    }
  }
  return outcome;
}

// Every event of every tenant, in seq order.
std::vector<Event> ReadAll(EmbeddedStore& store, const std::string& tenant) {
  query::Query query;
  query.tenant = tenant;
  query.sort = {{event::FindField("seq"), false}};
  query.limit = query::kMaxLimit;
  query.include_totals = true;
  auto result = store.Search(query);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return {};
  EXPECT_LT(*result->total, query::kMaxLimit);
  return result->events;
}

// Checks the recovered store against what the workload saw; returns its
// contents for the second-recovery comparison.
std::map<std::string, std::vector<Event>> Verify(EmbeddedStore& store, const Outcome& outcome,
                                                 const std::string& where) {
  std::map<std::string, std::vector<Event>> contents;
  for (const char* tenant : kTenants) {
    std::vector<Event> events = ReadAll(store, tenant);
    std::set<std::string> ids;
    const bool retained = std::string_view(tenant) == kRetainedTenant;
    const uint64_t first_seq = events.empty() || !retained ? 1 : events[0].seq;
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& event = events[i];
      EXPECT_EQ(event.seq, first_seq + i) << where << ": seq gap or repeat in " << tenant;
      EXPECT_TRUE(ids.insert(event.id).second) << where << ": id twice: " << event.id;
      auto sent = outcome.sent.find({tenant, event.id});
      EXPECT_NE(sent, outcome.sent.end()) << where << ": never sent: " << event.id;
    }
    contents[tenant] = std::move(events);
  }
  uint64_t retained_last_seq = 0;
  size_t checked = 0;
  for (const auto& [key, acked] : outcome.acked) {
    if (key.first == kRetainedTenant) {
      retained_last_seq = std::max(retained_last_seq, acked.seq);
      continue;
    }
    const std::vector<Event>& events = contents[key.first];
    const Event* found =
        acked.seq >= 1 && acked.seq <= events.size() ? &events[acked.seq - 1] : nullptr;
    EXPECT_TRUE(found != nullptr && found->id == acked.id)
        << where << ": acknowledged event lost: " << key.second;
    if (found != nullptr && found->id == acked.id) {
      EXPECT_EQ(*found, acked) << where << ": acknowledged event changed";
    }
    if (++checked % 64 == 0) {  // and through Get, now and then
      auto got = store.Get(key.first, key.second);
      EXPECT_TRUE(got.ok() && got->has_value() && **got == acked)
          << where << ": Get " << key.second;
    }
  }
  for (const Event& event : contents[std::string(kRetainedTenant)])
    EXPECT_TRUE(outcome.sent.count({std::string(kRetainedTenant), event.id}) != 0);
  if (!contents[std::string(kRetainedTenant)].empty()) {
    EXPECT_GE(contents[std::string(kRetainedTenant)].back().seq, retained_last_seq)
        << where << ": acknowledged " << kRetainedTenant << " events lost from the newest end";
  }
  return contents;
}

// Crash points are split into shards that ctest runs in parallel.
constexpr uint64_t kShards = 4;

class StoreCrash : public ::testing::TestWithParam<uint64_t> {};

TEST_P(StoreCrash, EveryCrashPointRecoversEveryAcknowledgedEventOnce) {
  const uint64_t shard = GetParam();
  const int seeds = SeedsFromCommandLine();
  for (int seed = 1; seed <= seeds; ++seed) {
    // A clean run counts the mutating operations: the crash points.
    uint64_t operations = 0;
    {
      env::MemFileSystem base;
      env::FaultInjectionFileSystem faulty(base);
      ManualClock clock(1'740'787'200'000'000 + int64_t{40} * 86'400'000'000);
      AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(Options(&faulty, &clock)));
      const uint64_t before = faulty.MutatingOpCount();
      Outcome outcome = RunWorkload(*store, seed);
      ASSERT_FALSE(outcome.failed);
      operations = faulty.MutatingOpCount() - before;
      Verify(*store, outcome, "clean run");
    }
    ASSERT_GT(operations, 300u);
    for (uint64_t crash_at = 1 + shard; crash_at <= operations; crash_at += kShards) {
      const std::string where =
          "seed " + std::to_string(seed) + " crash point " + std::to_string(crash_at);
      env::MemFileSystem base;
      env::FaultInjectionFileSystem faulty(base);
      ManualClock clock(1'740'787'200'000'000 + int64_t{40} * 86'400'000'000);
      Outcome outcome;
      {
        AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(Options(&faulty, &clock)));
        faulty.FailAfter(crash_at);
        outcome = RunWorkload(*store, seed);
      }
      base.SimulateCrash(
          crash_at % 2 == 0 ? env::CrashMode::kDropUnsynced : env::CrashMode::kTornTail, crash_at);
      std::map<std::string, std::vector<Event>> first;
      {
        auto store = EmbeddedStore::Open(Options(&base, &clock));
        ASSERT_TRUE(store.ok()) << where << ": " << store.status().ToString();
        first = Verify(**store, outcome, where);
      }
      {
        auto store = EmbeddedStore::Open(Options(&base, &clock));
        ASSERT_TRUE(store.ok()) << where << " (second recovery): " << store.status().ToString();
        for (const char* tenant : kTenants)
          ASSERT_EQ(ReadAll(**store, tenant), first[tenant])
              << where << ": second recovery differs";
        // Whatever retention dropped, the retained tenant's seq goes on.
        uint64_t last_acked = 0;
        for (const auto& [key, acked] : outcome.acked)
          if (key.first == kRetainedTenant) last_acked = std::max(last_acked, acked.seq);
        std::vector<Event> next = {testing::EventBuilder(9999).Next()};
        AL_ASSERT_OK_AND_ASSIGN(auto appended,
                                (*store)->Append(std::string(kRetainedTenant), next));
        EXPECT_GT(appended[0].seq, last_acked) << where << ": seq restarted after retention";
      }
      if (::testing::Test::HasFailure()) return;  // one precise report, not hundreds
    }
    std::printf("seed %d, shard %llu of %llu: %llu crash points recovered\n", seed,
                static_cast<unsigned long long>(shard), static_cast<unsigned long long>(kShards),
                static_cast<unsigned long long>((operations + kShards - 1 - shard) / kShards));
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, StoreCrash, ::testing::Range<uint64_t>(0, kShards));

}  // namespace
}  // namespace auditlog::storage

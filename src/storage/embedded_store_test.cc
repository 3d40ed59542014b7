#include "storage/embedded_store.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "common/clock.h"
#include "common/coding.h"
#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "event/event_codec.h"
#include "event/fields.h"
#include "storage/manifest.h"
#include "storage/wal/wal_writer.h"
#include "store/store_conformance.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

namespace auditlog::storage {
namespace {

using event::Event;
using ::testing::HasSubstr;

// The store on an in-memory file system, stepped by hand (no background thread).
class MemHarness : public store::StoreHarness {
 public:
  MemHarness() { Reopen(); }
  store::Store& store() override { return *store_; }
  void Flush() override { ASSERT_TRUE(store_->Flush().ok()); }
  void Reopen() override {
    store_.reset();
    EmbeddedStoreOptions options;
    options.dir = "/store";
    options.fs = &fs_;
    options.background = false;
    options.max_segment_rows = 128;  // many segments from few events
    options.compaction_min_rows = 64;
    auto opened = EmbeddedStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    bool did_work = true;
    while (did_work) ASSERT_TRUE(store_->CompactOnce(&did_work).ok());
  }

 private:
  env::MemFileSystem fs_;
  std::unique_ptr<EmbeddedStore> store_;
};

// The store on the real file system, with its background thread.
class PosixHarness : public store::StoreHarness {
 public:
  PosixHarness() {
    dir_ = std::filesystem::temp_directory_path() /
           ("auditlog_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  ~PosixHarness() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::Store& store() override { return *store_; }
  void Flush() override { ASSERT_TRUE(store_->Flush().ok()); }
  void Reopen() override {
    store_.reset();
    EmbeddedStoreOptions options;
    options.dir = dir_.string();
    auto opened = EmbeddedStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<EmbeddedStore> store_;
};

}  // namespace

std::unique_ptr<store::StoreHarness> MakeMem() { return std::make_unique<MemHarness>(); }
std::unique_ptr<store::StoreHarness> MakePosix() { return std::make_unique<PosixHarness>(); }

namespace {

EmbeddedStoreOptions MemOptions(env::FileSystem* fs, Clock* clock = nullptr) {
  EmbeddedStoreOptions options;
  options.dir = "/store";
  options.fs = fs;
  options.clock = clock;
  options.background = false;
  options.max_segment_rows = 100;
  options.compaction_min_rows = 60;
  return options;
}

std::vector<Event> Batch(testing::EventBuilder& builder, int count) {
  std::vector<Event> batch;
  for (int i = 0; i < count; ++i) batch.push_back(builder.Next());
  return batch;
}

TEST(EmbeddedStore, CompactionMergesSmallSegmentsAndKeepsEveryEvent) {
  env::MemFileSystem fs;
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
  testing::EventBuilder builder(11);
  for (int round = 0; round < 6; ++round) {
    auto batch = Batch(builder, 20);
    AL_ASSERT_OK(store->Append("acme", batch).status());
    Status flushed = store->Flush();
    ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  }
  AL_ASSERT_OK_AND_ASSIGN(auto before, store->Stats());
  EXPECT_GE(before.segments, 6u);
  bool did_work = true;
  while (did_work) AL_ASSERT_OK(store->CompactOnce(&did_work));
  AL_ASSERT_OK_AND_ASSIGN(auto after, store->Stats());
  EXPECT_LT(after.segments, before.segments);
  EXPECT_GE(after.compactions, 1u);
  EXPECT_EQ(after.events, 120u);
  query::Query query;
  query.tenant = "acme";
  query.include_totals = true;
  query.sort = {{event::FindField("seq"), false}};
  query.limit = 200;
  AL_ASSERT_OK_AND_ASSIGN(auto result, store->Search(query));
  ASSERT_EQ(result.events.size(), 120u);
  for (size_t i = 0; i < 120; ++i) EXPECT_EQ(result.events[i].seq, i + 1);
  // Compacted inputs are gone from disk once nobody reads them.
  AL_ASSERT_OK_AND_ASSIGN(auto names, fs.ListDir("/store"));
  size_t segment_files = 0;
  for (const auto& name : names) segment_files += name.ends_with(".seg");
  EXPECT_EQ(segment_files, after.segments);
}

// The live segments' (tenant, rows, first day, last day), by tenant and time.
std::vector<std::tuple<std::string, uint32_t, int64_t, int64_t>> SegmentDays(env::FileSystem& fs) {
  constexpr int64_t kDay = int64_t{86'400} * 1'000'000;
  auto manifest = LoadManifest(fs, "/store");
  EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
  std::vector<std::tuple<std::string, uint32_t, int64_t, int64_t>> out;
  if (!manifest.ok()) return out;
  for (const ManifestSegment& entry : manifest->segments)
    out.emplace_back(entry.meta.tenant, entry.meta.rows, entry.meta.min_time / kDay,
                     entry.meta.max_time / kDay);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<2>(a)) < std::tie(std::get<0>(b), std::get<2>(b));
  });
  return out;
}

TEST(EmbeddedStore, SmallSegmentsAreMergedAcrossWindowsWithinTheirTenantsSpan) {
  constexpr int64_t kDay = int64_t{86'400} * 1'000'000;
  constexpr int64_t kFirstDay =
      20'148;  // 2025-03-01: the 32-day spans start on days 20,128 and 20,160
  struct Case {
    const char* name;
    std::optional<int64_t> merge_span_days;  // default: 32
    std::optional<int64_t> acme_retention_days;
    std::vector<int64_t> big_days;  // acme logs 70 events these days: large segments
    // acme's segments after compaction: (rows, first day, last day).
    std::vector<std::tuple<uint32_t, int64_t, int64_t>> acme;
  };
  using Days = std::vector<std::tuple<uint32_t, int64_t, int64_t>>;
  const Days kEachDayAlone = {{20, 0, 0}, {20, 1, 1}, {20, 2, 2},
                              {20, 3, 3}, {20, 4, 4}, {20, 5, 5}};
  const Case cases[] = {
      // 20 rows a day: five days fill a segment (max 100 rows); the sixth
      // waits alone.
      {"default span", std::nullopt, std::nullopt, {}, {{100, 0, 4}, {20, 5, 5}}},
      {"merged within windows only", 1, std::nullopt, {}, kEachDayAlone},
      // A 16-day policy: spans of two days, aligned to the epoch.
      {"span cut by retention", std::nullopt, 16, {}, {{40, 0, 1}, {40, 2, 3}, {40, 4, 5}}},
      // The span is never shorter than a window.
      {"short retention", std::nullopt, 2, {}, kEachDayAlone},
      // Small segments on either side of a large one are not merged across
      // it: the output would overlap it.
      {"not across a large segment",
       std::nullopt,
       std::nullopt,
       {2},
       {{40, 0, 1}, {70, 2, 2}, {60, 3, 5}}},
      // A small one left between two large ones joins the smaller.
      {"between two large segments",
       std::nullopt,
       std::nullopt,
       {0, 2},
       {{90, 0, 1}, {70, 2, 2}, {60, 3, 5}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    env::MemFileSystem fs;
    // Far enough ahead that retention, if it ran, would keep every event.
    ManualClock clock((kFirstDay + 6) * kDay);
    auto options = MemOptions(&fs, &clock);
    if (c.merge_span_days) options.merge_span_micros = *c.merge_span_days * kDay;
    if (c.acme_retention_days) options.retention_micros["acme"] = *c.acme_retention_days * kDay;
    AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(options));
    testing::EventBuilder builder(15);
    size_t acme_events = 0;
    for (int64_t day = 0; day < 6; ++day) {
      for (const std::string tenant : {"acme", "globex"}) {
        const bool big =
            tenant == "acme" && std::count(c.big_days.begin(), c.big_days.end(), day) != 0;
        const int count = big ? 70 : 20;
        acme_events += tenant == "acme" ? count : 0;
        auto batch = Batch(builder, count);
        for (int i = 0; i < count; ++i)
          batch[i].timestamp = (kFirstDay + day) * kDay + i * 1'000'000;
        AL_ASSERT_OK(store->Append(tenant, batch).status());
      }
      AL_ASSERT_OK(store->Flush());
    }
    ASSERT_EQ(SegmentDays(fs).size(), 12u);
    bool did_work = true;
    while (did_work) AL_ASSERT_OK(store->CompactOnce(&did_work));

    std::vector<std::tuple<uint32_t, int64_t, int64_t>> acme;
    uint64_t globex_rows = 0;
    for (const auto& [tenant, rows, first, last] : SegmentDays(fs)) {
      if (tenant == "acme") acme.emplace_back(rows, first - kFirstDay, last - kFirstDay);
      if (tenant == "globex") globex_rows += rows;
    }
    EXPECT_EQ(acme, c.acme);
    EXPECT_EQ(globex_rows, 120u);  // never merged with acme's
    // Every event is found, in order, merged or not.
    query::Query query;
    query.tenant = "acme";
    query.include_totals = true;
    query.sort = {{event::FindField("timestamp"), true}};
    query.limit = 1000;
    AL_ASSERT_OK_AND_ASSIGN(auto result, store->Search(query));
    ASSERT_EQ(result.events.size(), acme_events);
    EXPECT_EQ(result.total, acme_events);
    for (size_t i = 1; i < result.events.size(); ++i)
      EXPECT_GT(*result.events[i - 1].timestamp, *result.events[i].timestamp);
  }
}

// Flushes that each bring a tenant a few events must not rewrite its
// growing segment every time: compaction merges a run only when its largest
// segment is at most twice the rest.
TEST(EmbeddedStore, CompactionRewritesEachRowAFewTimesHoweverSmallThePieces) {
  env::MemFileSystem fs;
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
  auto rows_by_file = [&] {
    std::map<uint64_t, uint32_t> rows;
    auto manifest = LoadManifest(fs, "/store");
    EXPECT_TRUE(manifest.ok());
    if (manifest.ok())
      for (const ManifestSegment& entry : manifest->segments)
        rows[entry.file_number] = entry.meta.rows;
    return rows;
  };
  testing::EventBuilder builder(17);
  constexpr int kFlushes = 40, kPerFlush = 2;
  uint64_t rewritten = 0;
  for (int flush = 0; flush < kFlushes; ++flush) {
    auto batch = Batch(builder, kPerFlush);
    AL_ASSERT_OK(store->Append("acme", batch).status());
    AL_ASSERT_OK(store->Flush());
    for (bool did_work = true; did_work;) {
      const auto before = rows_by_file();
      AL_ASSERT_OK(store->CompactOnce(&did_work));
      const auto after = rows_by_file();
      for (const auto& [file, rows] : before)
        if (after.count(file) == 0) rewritten += rows;
    }
  }
  constexpr uint64_t kEvents = kFlushes * kPerFlush;
  // Merging every piece into one growing segment would rewrite
  // 2 + 4 + ... + 60 rows (up to compaction_min_rows), then again: 930+.
  EXPECT_LE(rewritten, 5 * kEvents);
  EXPECT_LE(rows_by_file().size(), 6u);  // and the pieces do not pile up
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store->Stats());
  EXPECT_EQ(stats.events, kEvents);
}

TEST(EmbeddedStore, OpeningWithoutWritesLeavesNoWalBehind) {
  env::MemFileSystem fs;
  auto count_wals = [&] {
    auto names = fs.ListDir("/store");
    EXPECT_TRUE(names.ok());
    size_t wals = 0;
    if (names.ok())
      for (const auto& name : *names) wals += name.ends_with(".wal");
    return wals;
  };
  for (int open = 0; open < 3; ++open) {
    AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
  }
  EXPECT_EQ(count_wals(), 1u);
  // A WAL with events is kept until they are in a segment.
  testing::EventBuilder builder(16);
  {
    AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
    auto batch = Batch(builder, 5);
    AL_ASSERT_OK(store->Append("acme", batch).status());
  }
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
  EXPECT_EQ(count_wals(), 2u);
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store->Stats());
  EXPECT_EQ(stats.events, 5u);
  AL_ASSERT_OK(store->Flush());
  store.reset();
  AL_ASSERT_OK_AND_ASSIGN(store, EmbeddedStore::Open(MemOptions(&fs)));
  EXPECT_EQ(count_wals(), 1u);
  AL_ASSERT_OK_AND_ASSIGN(stats, store->Stats());
  EXPECT_EQ(stats.events, 5u);
}

TEST(EmbeddedStore, RetentionDropsWholeOldSegmentsAndReportsIt) {
  env::MemFileSystem fs;
  ManualClock clock(1'740'787'200'000'000);
  auto options = MemOptions(&fs, &clock);
  options.window_micros = int64_t{3600} * 1'000'000;
  options.retention_micros["acme"] = int64_t{7} * 86'400'000'000;
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(options));
  testing::EventBuilder builder(12, 1'740'787'200'000'000 - int64_t{10} * 86'400'000'000);
  auto old_batch = Batch(builder, 30);
  AL_ASSERT_OK(store->Append("acme", old_batch).status());
  auto other = Batch(builder, 10);
  AL_ASSERT_OK(store->Append("globex", other).status());
  AL_ASSERT_OK(store->Flush());
  testing::EventBuilder recent(13, 1'740'787'200'000'000 - 3'600'000'000);
  auto new_batch = Batch(recent, 30);
  AL_ASSERT_OK(store->Append("acme", new_batch).status());
  AL_ASSERT_OK(store->Flush());

  AL_ASSERT_OK(store->RunRetention());
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store->Stats());
  ASSERT_TRUE(stats.last_retention.has_value());
  EXPECT_EQ(stats.last_retention->at, clock.NowMicros());
  EXPECT_EQ(stats.last_retention->events_dropped, 30u);
  ASSERT_EQ(stats.last_retention->dropped_through.size(), 1u);
  EXPECT_EQ(stats.last_retention->dropped_through[0].first, "acme");
  EXPECT_EQ(stats.events, 40u);  // globex has no policy; acme keeps its recent events
  // seq does not restart after everything older was dropped.
  auto more = Batch(recent, 1);
  AL_ASSERT_OK_AND_ASSIGN(auto outcomes, store->Append("acme", more));
  EXPECT_EQ(outcomes[0].seq, 61u);
  store.reset();
  AL_ASSERT_OK_AND_ASSIGN(store, EmbeddedStore::Open(options));
  std::vector<Event> again = {recent.Next()};
  AL_ASSERT_OK_AND_ASSIGN(outcomes, store->Append("acme", again));
  EXPECT_EQ(outcomes[0].seq, 62u);
}

TEST(EmbeddedStore, MemtableIsFlushedOnceIngestPauses) {
  for (const int64_t idle_flush_micros : {int64_t{1'000'000}, int64_t{0}}) {
    SCOPED_TRACE(idle_flush_micros);
    env::MemFileSystem fs;
    ManualClock clock(1'740'787'200'000'000);
    auto options = MemOptions(&fs, &clock);
    options.background = true;
    options.idle_flush_micros = idle_flush_micros;
    options.memtable_bytes = 64 << 10;
    AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(options));
    testing::EventBuilder builder(14, 1'740'787'200'000'000);
    // One event is too little to be worth a segment, however long the pause.
    auto one = Batch(builder, 1);
    AL_ASSERT_OK(store->Append("acme", one).status());
    clock.AdvanceMicros(5'000'000);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    AL_ASSERT_OK_AND_ASSIGN(auto before, store->Stats());
    EXPECT_EQ(before.memtable_events, 1u);
    EXPECT_EQ(before.segments, 0u);
    auto batch = Batch(builder, 19);
    AL_ASSERT_OK(store->Append("acme", batch).status());
    AL_ASSERT_OK_AND_ASSIGN(auto filled, store->Stats());
    ASSERT_GE(filled.memtable_bytes, options.memtable_bytes / 16);
    ASSERT_LT(filled.memtable_bytes, options.memtable_bytes);
    auto memtable_events = [&] {
      auto stats = store->Stats();
      return stats.ok() ? stats->memtable_events : uint64_t{999};
    };
    // Not before the pause is long enough (the background thread looks
    // every 200 ms).
    clock.AdvanceMicros(900'000);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(memtable_events(), 20u);
    clock.AdvanceMicros(200'000);
    if (idle_flush_micros == 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (int wait = 0; idle_flush_micros != 0 && wait < 250 && memtable_events() != 0; ++wait)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    AL_ASSERT_OK_AND_ASSIGN(auto stats, store->Stats());
    if (idle_flush_micros == 0) {
      EXPECT_EQ(stats.memtable_events, 20u);  // off: only a full memtable is flushed
      EXPECT_EQ(stats.segments, 0u);
    } else {
      EXPECT_EQ(stats.memtable_events, 0u);
      EXPECT_EQ(stats.events, 20u);
      EXPECT_GE(stats.segments, 1u);
    }
  }
}

TEST(EmbeddedStore, CorruptSegmentIsNamedAndTheRestKeepsServing) {
  env::MemFileSystem fs;
  testing::EventBuilder builder(14);
  std::string victim;
  {
    AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
    auto acme = Batch(builder, 40);
    AL_ASSERT_OK(store->Append("acme", acme).status());
    auto globex = Batch(builder, 40);
    AL_ASSERT_OK(store->Append("globex", globex).status());
    AL_ASSERT_OK(store->Flush());
  }
  // Flip a byte in the middle of the first acme segment.
  AL_ASSERT_OK_AND_ASSIGN(auto names, fs.ListDir("/store"));
  for (const auto& name : names) {
    if (!name.ends_with(".seg")) continue;
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs.OpenForRead("/store/" + name));
    std::string bytes;
    AL_ASSERT_OK(file->Read(0, 1 << 20, &bytes));
    if (bytes.find("acme") == std::string::npos) continue;
    bytes[20] ^= 0x55;  // inside the first section: the id dictionary
    AL_ASSERT_OK_AND_ASSIGN(auto out, fs.NewWritableFile("/store/" + name));
    AL_ASSERT_OK(out->Append(bytes));
    AL_ASSERT_OK(out->Sync());
    victim = name;
    break;
  }
  ASSERT_FALSE(victim.empty());
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
  query::Query query;
  query.tenant = "acme";
  query.limit = 100;
  auto damaged = store->Search(query);
  ASSERT_EQ(damaged.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(damaged.status().message(), HasSubstr(victim));
  EXPECT_THAT(damaged.status().message(), HasSubstr("offset"));
  query.tenant = "globex";
  AL_ASSERT_OK_AND_ASSIGN(auto fine, store->Search(query));
  EXPECT_EQ(fine.events.size(), 40u);
  auto more = Batch(builder, 5);
  AL_ASSERT_OK(store->Append("globex", more).status());
}

// A WAL record whose checksum holds but whose events do not decode is not a
// torn tail: recovery refuses it, naming the file and the record's offset,
// rather than serving or dropping what it holds. Good records before it are
// checked on the replay's helper thread too.
TEST(EmbeddedStore, WalBatchThatDoesNotDecodeFailsRecoveryWithFileAndOffset) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/store"));
  const std::string path = "/store/" + WalFileName(1);
  uint64_t bad_offset = 0;
  {
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(path));
    AL_ASSERT_OK_AND_ASSIGN(auto writer, wal::WalWriter::Open(std::move(file)));
    for (int record = 0; record < 3; ++record) {
      event::Event event;
      event.id = fmt::format("e{}", record);
      event.tenant = "acme";
      event.seq = static_cast<uint64_t>(record + 1);
      event.timestamp = 1'700'000'000'000'000;
      event.result = event::Outcome::kSuccess;  // the last field present: the last byte
      std::string payload;
      PutVarint32(&payload, event::kEventCodecVersion);
      PutLengthPrefixed(&payload, "acme");
      PutVarint32(&payload, 1);
      event::AppendEncodedEvent(event, &payload);
      if (record == 2) {
        // An outcome byte that names no outcome: lengths all hold, so only a
        // full decode sees it.
        payload.back() = '\x07';
        AL_ASSERT_OK_AND_ASSIGN(auto size, fs.FileSize(path));
        bad_offset = size;
      }
      AL_ASSERT_OK(writer->Append(wal::RecordType::kBatch, payload));
    }
    AL_ASSERT_OK(writer->Sync());
  }
  auto store = EmbeddedStore::Open(MemOptions(&fs));
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status(),
              testing::StatusIs(
                  StatusCode::kCorruption,
                  ::testing::AllOf(::testing::HasSubstr(path),
                                   ::testing::HasSubstr(fmt::format("at offset {}", bad_offset)),
                                   ::testing::HasSubstr("bad outcome byte 7"))));
}

// WAL files written before the event codec's version 2 (three fields
// appended to the registry) recover: their events are re-encoded, and the
// new fields are absent. A version this build does not know is refused.
TEST(EmbeddedStore, RecoversWalBatchesOfEventCodecVersionOne) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/store"));
  const std::string path = "/store/" + WalFileName(1);
  event::Event event;
  event.id = "old-1";
  event.tenant = "acme";
  event.seq = 1;
  event.timestamp = 1'700'000'000'000'000;
  event.ua.name = "Chrome";
  event.result = event::Outcome::kFailure;
  {
    // Version 1's encoding: the current one without the last bitmap byte
    // (fields 56..63, all absent here; fields 54 and 55 are absent too).
    std::string encoded;
    event::AppendEncodedEvent(event, &encoded);
    encoded.erase(7, 1);
    std::string payload;
    PutVarint32(&payload, 1);
    PutLengthPrefixed(&payload, "acme");
    PutVarint32(&payload, 1);
    payload += encoded;
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(path));
    AL_ASSERT_OK_AND_ASSIGN(auto writer, wal::WalWriter::Open(std::move(file)));
    AL_ASSERT_OK(writer->Append(wal::RecordType::kBatch, payload));
    AL_ASSERT_OK(writer->Sync());
  }
  {
    AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&fs)));
    AL_ASSERT_OK_AND_ASSIGN(auto found, store->Get("acme", "old-1"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, event);
  }

  env::MemFileSystem future_fs;
  AL_ASSERT_OK(future_fs.CreateDirs("/store"));
  {
    std::string payload;
    PutVarint32(&payload, event::kEventCodecVersion + 1);
    PutLengthPrefixed(&payload, "acme");
    PutVarint32(&payload, 0);
    AL_ASSERT_OK_AND_ASSIGN(auto file, future_fs.NewWritableFile(path));
    AL_ASSERT_OK_AND_ASSIGN(auto writer, wal::WalWriter::Open(std::move(file)));
    AL_ASSERT_OK(writer->Append(wal::RecordType::kBatch, payload));
    AL_ASSERT_OK(writer->Sync());
  }
  auto refused = EmbeddedStore::Open(MemOptions(&future_fs));
  EXPECT_THAT(refused.status(),
              testing::StatusIs(StatusCode::kCorruption,
                                ::testing::HasSubstr("event codec version 3 is not one this "
                                                     "build reads (1 to 2)")));
}

TEST(EmbeddedStore, DiskFullRefusesWritesLosesNothingAndHeals) {
  env::MemFileSystem base;
  env::FaultInjectionFileSystem faulty(base);
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&faulty)));
  testing::EventBuilder builder(15);
  std::vector<Event> acknowledged;
  auto first = Batch(builder, 20);
  AL_ASSERT_OK(store->Append("acme", first).status());
  acknowledged.insert(acknowledged.end(), first.begin(), first.end());

  faulty.SetCapacityBytes(faulty.used_bytes() + 200);  // room for less than a batch
  auto refused = Batch(builder, 20);
  auto result = store->Append("acme", refused);
  ASSERT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("disk full"));
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store->Stats());
  EXPECT_THAT(stats.write_status.message(), HasSubstr("disk full"));
  EXPECT_EQ(store->WriteStatus(), stats.write_status);
  // Reads still work.
  AL_ASSERT_OK_AND_ASSIGN(auto got, store->Get("acme", first[3].id));
  EXPECT_TRUE(got.has_value());

  faulty.SetCapacityBytes(std::nullopt);
  auto later = Batch(builder, 20);
  AL_ASSERT_OK_AND_ASSIGN(auto outcomes, store->Append("acme", later));
  EXPECT_EQ(outcomes.front().seq, 21u) << "seq continues from what is stored";
  AL_EXPECT_OK(store->WriteStatus());
  acknowledged.insert(acknowledged.end(), later.begin(), later.end());
  store.reset();
  AL_ASSERT_OK_AND_ASSIGN(store, EmbeddedStore::Open(MemOptions(&base)));
  for (const Event& event : acknowledged) {
    AL_ASSERT_OK_AND_ASSIGN(auto found, store->Get("acme", event.id));
    ASSERT_TRUE(found.has_value()) << event.id;
    EXPECT_EQ(*found, event);
  }
}

TEST(EmbeddedStore, FailedSyncIsStickyAndNamesTheCause) {
  env::MemFileSystem base;
  env::FaultInjectionFileSystem faulty(base);
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(MemOptions(&faulty)));
  testing::EventBuilder builder(16);
  faulty.FailAfter(1);
  auto batch = Batch(builder, 3);
  auto result = store->Append("acme", batch);
  ASSERT_EQ(result.status().code(), StatusCode::kUnavailable);
  faulty.Heal();
  auto again = Batch(builder, 3);
  auto second = store->Append("acme", again);
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("no writes"));
  EXPECT_EQ(store->WriteStatus(), second.status());
}

TEST(EmbeddedStore, ConcurrentAppendersShareSyncsAndKeepSeqGapFree) {
  auto dir = std::filesystem::temp_directory_path() /
             ("auditlog_concurrent_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  EmbeddedStoreOptions options;
  options.dir = dir.string();
  options.memtable_bytes = 256 << 10;  // rotate and flush while writing
  AL_ASSERT_OK_AND_ASSIGN(auto store, EmbeddedStore::Open(options));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      testing::EventBuilder builder(100 + t);
      for (int i = 0; i < 25; ++i) {
        auto batch = Batch(builder, 10);
        if (!store->Append("acme", batch).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store->Stats());
  EXPECT_LT(stats.wal_syncs, 100u + 2u) << "some appends shared a sync";
  store.reset();
  AL_ASSERT_OK_AND_ASSIGN(store, EmbeddedStore::Open(options));
  query::Query query;
  query.tenant = "acme";
  query.sort = {{event::FindField("seq"), false}};
  query.limit = 1000;
  query.include_totals = true;
  AL_ASSERT_OK_AND_ASSIGN(auto result, store->Search(query));
  ASSERT_EQ(result.total, 1000u);
  for (size_t i = 0; i < result.events.size(); ++i) ASSERT_EQ(result.events[i].seq, i + 1);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace auditlog::storage

namespace auditlog::store {
INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest, ::testing::Values(&storage::MakeMem));
INSTANTIATE_TEST_SUITE_P(Posix, StoreConformanceTest, ::testing::Values(&storage::MakePosix));
}  // namespace auditlog::store

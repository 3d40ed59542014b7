// Cursor walks while ingest continues: a walk sees every event visible at its
// first page exactly once, in order, and a seq-ordered poll sees every event
// ever acknowledged exactly once, late timestamps included.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "env/mem_file_system.h"
#include "event/fields.h"
#include "query/cursor.h"
#include "query/matcher.h"
#include "storage/embedded_store.h"
#include "testing/event_builder.h"

namespace auditlog {
namespace {

using event::Event;

class CursorWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EmbeddedStoreOptions options;
    options.dir = "/store";
    options.fs = &fs_;
    options.memtable_bytes = 64 << 10;  // flushes and compactions during the walk
    options.window_micros = int64_t{600} * 1'000'000;
    options.max_segment_rows = 400;
    options.compaction_min_rows = 200;
    auto store = storage::EmbeddedStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // Appends batches on `writers` threads until `stop`, remembering each
  // acknowledged event.
  void StartWriters(int writers) {
    for (int w = 0; w < writers; ++w) {
      threads_.emplace_back([this, w] {
        testing::EventBuilder builder(1000 + w);
        while (!stop_.load()) {
          std::vector<Event> batch;
          for (int i = 0; i < 25; ++i) batch.push_back(builder.Next());
          auto outcomes = store_->Append("acme", batch);
          ASSERT_TRUE(outcomes.ok()) << outcomes.status().ToString();
          std::lock_guard lock(mu_);
          for (Event& event : batch) acknowledged_.push_back(std::move(event));
        }
      });
    }
  }

  void StopWriters() {
    stop_.store(true);
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  size_t AcknowledgedCount() {
    std::lock_guard lock(mu_);
    return acknowledged_.size();
  }

  env::MemFileSystem fs_;
  std::unique_ptr<storage::EmbeddedStore> store_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Event> acknowledged_;
  const query::CursorCodec codec_{std::string(32, 'c')};
};

TEST_F(CursorWalkTest, WalkSeesItsSnapshotExactlyOnceInOrder) {
  StartWriters(2);
  while (AcknowledgedCount() < 3000) std::this_thread::yield();

  query::Query query;
  query.tenant = "acme";
  query.limit = 37;
  query.filter = query::Filter::In(*event::FindField("type"),
                                   {std::string("s"), std::string("f"), std::string("login")});
  std::vector<std::string> seen;
  auto page = store_->Search(query);
  ASSERT_TRUE(page.ok());
  const uint64_t watermark = page->watermark;
  ASSERT_GT(watermark, 0u);
  while (true) {
    for (const Event& event : page->events) seen.push_back(event.id);
    if (page->events.size() < query.limit) break;
    query::Query next = query;
    ASSERT_TRUE(codec_.Apply(codec_.Encode(query, *page->last, watermark), &next).ok());
    page = store_->Search(next);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
  }
  StopWriters();

  // Exactly the matching events with seq <= watermark, in the query's order.
  query::Query expected_query = query;
  expected_query.max_seq = watermark;
  expected_query.limit = query::kMaxLimit;
  std::vector<std::string> expected;
  for (uint64_t offset = 0;; offset += query::kMaxLimit) {
    expected_query.offset = offset;
    const query::SearchResult result = query::ReferenceSearch(expected_query, acknowledged_);
    for (const Event& event : result.events) expected.push_back(event.id);
    if (result.events.size() < query::kMaxLimit) break;
  }
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size()) << "repeats";
}

TEST_F(CursorWalkTest, SeqPollSeesEveryEventOnce) {
  StartWriters(3);
  query::Query query;
  query.tenant = "acme";
  query.limit = 100;
  query.sort = {{event::FindField("seq"), false}};
  std::vector<uint64_t> seen;
  std::optional<std::string> token;
  auto poll = [&] {
    query::Query next = query;
    if (token) {
      ASSERT_TRUE(codec_.Apply(*token, &next).ok());
    }
    next.max_seq = 0;  // a poll follows new events: it does not pin a watermark
    auto page = store_->Search(next);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Event& event : page->events) seen.push_back(event.seq);
    if (page->last) token = codec_.Encode(query, *page->last, 0);
  };
  while (AcknowledgedCount() < 4000) poll();
  StopWriters();
  for (size_t before = SIZE_MAX; before != seen.size();) {
    before = seen.size();
    poll();
  }
  ASSERT_EQ(seen.size(), AcknowledgedCount());
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1) << "at " << i;
}

}  // namespace
}  // namespace auditlog

// The store's answers to bad or extreme queries: each a precise error, or
// (an offset past the end) an empty page with the exact total.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "env/mem_file_system.h"
#include "event/fields.h"
#include "query/cursor.h"
#include "query/matcher.h"
#include "storage/embedded_store.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

namespace auditlog {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

class QueryEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EmbeddedStoreOptions options;
    options.dir = "/store";
    options.fs = &fs_;
    options.background = false;
    options.memtable_bytes = size_t{1} << 30;
    auto store = storage::EmbeddedStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  void AppendEvents(size_t count, bool flush) {
    testing::EventBuilder builder(7);
    for (size_t done = 0; done < count;) {
      std::vector<event::Event> batch;
      for (size_t i = 0; i < 500 && done < count; ++i, ++done) batch.push_back(builder.Next());
      AL_ASSERT_OK(store_->Append("acme", batch));
    }
    if (flush) {
      AL_ASSERT_OK(store_->Flush());
    }
  }

  static query::Query TenantQuery() {
    query::Query query;
    query.tenant = "acme";
    query.include_totals = true;
    return query;
  }

  env::MemFileSystem fs_;
  std::unique_ptr<storage::EmbeddedStore> store_;
};

TEST_F(QueryEngineTest, OffsetPastTheEndIsAnEmptyPageWithTheExactTotal) {
  AppendEvents(1200, /*flush=*/true);
  query::Query query = TenantQuery();
  query.offset = 5000;
  AL_ASSERT_OK_AND_ASSIGN(auto page, store_->Search(query));
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.total, 1200u);
  EXPECT_FALSE(page.last);
  query.sort = {{event::FindField("type"), false}};
  AL_ASSERT_OK_AND_ASSIGN(page, store_->Search(query));
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.total, 1200u);
}

// A page led by timestamp takes a segment that overlaps no other source by
// its own row order, widened at either edge of the page to whole runs of
// equal timestamps, which the later keys order. 600 events on 20 timestamps:
// nearly every page edge falls inside such a run. Checked against the
// reference evaluator with one segment, then with a second one overlapping it
// (the path that merges sources).
TEST_F(QueryEngineTest, PagesOrderEqualTimestampsByTheLaterKeys) {
  using event::FindField;
  constexpr int64_t kBase = 1'740'787'200'000'000;
  testing::EventBuilder builder(8);
  auto append = [&](int count) {
    std::vector<event::Event> batch;
    for (int i = 0; i < count; ++i) {
      batch.push_back(builder.Next());
      batch.back().timestamp = kBase + (i % 20) * 1'000'000;
    }
    AL_ASSERT_OK(store_->Append("acme", batch).status());
    AL_ASSERT_OK(store_->Flush());
  };
  const std::vector<std::vector<query::SortKey>> sorts = {
      {{FindField("timestamp"), true}, {FindField("id"), false}},
      {{FindField("timestamp"), true}, {FindField("id"), true}},
      {{FindField("timestamp"), false}, {FindField("actor.id"), true}},
      {{FindField("timestamp"), true}},
  };
  const std::vector<query::Filter> filters = {
      query::Filter::All(), query::Filter::Eq(*FindField("result"), std::string("success"))};
  for (const int events : {600, 800}) {
    SCOPED_TRACE(events);
    append(events == 600 ? 600 : 200);
    query::Query everything = TenantQuery();
    everything.sort = {{FindField("seq"), false}};
    everything.limit = 1000;
    AL_ASSERT_OK_AND_ASSIGN(auto stored, store_->Search(everything));
    ASSERT_EQ(stored.events.size(), static_cast<size_t>(events));
    for (const auto& sort : sorts) {
      for (const auto& filter : filters) {
        for (uint64_t offset = 0; offset < static_cast<uint64_t>(events); offset += 37) {
          query::Query query = TenantQuery();
          query.sort = sort;
          query.filter = filter;
          query.offset = offset;
          query.limit = 23;
          AL_ASSERT_OK_AND_ASSIGN(auto got, store_->Search(query));
          const query::SearchResult want = query::ReferenceSearch(query, stored.events);
          ASSERT_EQ(got.total, want.total) << "offset " << offset;
          ASSERT_EQ(got.events.size(), want.events.size()) << "offset " << offset;
          for (size_t i = 0; i < got.events.size(); ++i)
            ASSERT_EQ(got.events[i].id, want.events[i].id) << "offset " << offset << ", row " << i;
        }
      }
    }
  }
}

TEST_F(QueryEngineTest, LimitsAreChecked) {
  query::Query query = TenantQuery();
  query.limit = 0;
  EXPECT_THAT(store_->Search(query), StatusIs(StatusCode::kInvalidArgument, HasSubstr("limit")));
  query.limit = 100'000;
  EXPECT_THAT(store_->Search(query),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("limit must be 1..10000")));
  query.limit = 10;
  query.tenant.clear();
  EXPECT_THAT(store_->Search(query), StatusIs(StatusCode::kInvalidArgument, HasSubstr("tenant")));
}

TEST_F(QueryEngineTest, AQueryPastItsTimeLimitStops) {
  // 30,000 memtable events are decoded and matched one by one: far more
  // than a millisecond, even unoptimised.
  AppendEvents(30'000, /*flush=*/false);
  query::Query query = TenantQuery();
  query.filter = query::Filter::Text(*event::FindField("description"), "logged");
  query.timeout = std::chrono::milliseconds(1);
  EXPECT_THAT(store_->Search(query),
              StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("time limit of 1 ms")));
  EXPECT_THAT(store_->Aggregate(query, query::CountBy{event::FindField("type"), 5}),
              StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("time limit")));
  query.timeout = query::kDefaultTimeout;
  AL_EXPECT_OK(store_->Search(query));
}

TEST_F(QueryEngineTest, ACursorOfAnotherTenantOrQueryIsRefused) {
  AppendEvents(300, /*flush=*/true);
  const query::CursorCodec codec(std::string(32, 's'));
  query::Query query = TenantQuery();
  query.limit = 10;
  AL_ASSERT_OK_AND_ASSIGN(auto page, store_->Search(query));
  ASSERT_TRUE(page.last);
  const std::string token = codec.Encode(query, *page.last, page.watermark);
  query::Query other = query;
  other.tenant = "globex";
  EXPECT_THAT(codec.Apply(token, &other),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
  other = query;
  other.filter = query::Filter::Exists(*event::FindField("ip"));
  EXPECT_THAT(codec.Apply(token, &other),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
  // The right query continues where the page ended.
  query::Query next = query;
  AL_ASSERT_OK(codec.Apply(token, &next));
  AL_ASSERT_OK_AND_ASSIGN(auto second, store_->Search(next));
  ASSERT_EQ(second.events.size(), 10u);
  EXPECT_NE(second.events.front().id, page.events.back().id);
  EXPECT_EQ(second.total, page.total);
}

TEST_F(QueryEngineTest, HistogramsNeedAKnownZone) {
  AppendEvents(500, /*flush=*/true);
  query::DateHistogram histogram;
  histogram.calendar = query::CalendarUnit::kDay;
  histogram.time_zone = "Nowhere/Special";
  EXPECT_THAT(store_->Aggregate(TenantQuery(), histogram),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown zone")));
  histogram.time_zone = "Asia/Shanghai";
  AL_ASSERT_OK_AND_ASSIGN(auto days, store_->Aggregate(TenantQuery(), histogram));
  uint64_t sum = 0;
  for (const auto& bucket : days.buckets) sum += bucket.count;
  EXPECT_EQ(sum, 500u);
  EXPECT_EQ(days.total, 500u);
}

}  // namespace
}  // namespace auditlog

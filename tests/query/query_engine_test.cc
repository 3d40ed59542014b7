// The store's answers to bad or extreme queries: each a precise error, or
// (an offset past the end) an empty page with the exact total.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "env/mem_file_system.h"
#include "event/fields.h"
#include "query/cursor.h"
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

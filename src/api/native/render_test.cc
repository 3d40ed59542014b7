#include "api/native/render.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "event/fields.h"
#include "event/json_codec.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

namespace auditlog::api::native {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::Eq;
using Json = nlohmann::json;
using Params = std::vector<http::NameValue>;
using namespace std::chrono_literals;

constexpr event::UnixMicros kMarch16 = 1'742'083'200'000'000;  // 2025-03-16T00:00:00Z
constexpr int64_t kMarch16Millis = 1'742'083'200'000;
constexpr int64_t kHourMicros = 3'600'000'000;
constexpr int64_t kHourMillis = 3'600'000;

const event::FieldSpec* Field(std::string_view path) { return event::FindField(path); }

// ---- events

std::vector<event::Event> SomeEvents(size_t count) {
  testing::EventBuilder builder(7);
  std::vector<event::Event> events;
  for (size_t event_idx = 0; event_idx < count; ++event_idx) {
    event::Event event = builder.Next();
    event.tenant = "acme";
    event.seq = event_idx + 1;
    events.push_back(std::move(event));
  }
  return events;
}

TEST(RenderEvent, IsTheNativeJson) {
  const event::Event event = SomeEvents(1)[0];
  const std::string body = RenderEvent(event);
  EXPECT_EQ(body, event::EventToJson(event));
  const Json json = Json::parse(body);
  EXPECT_EQ(json["id"], event.id);
  EXPECT_EQ(json["type"], event.type);
  EXPECT_EQ(json["seq"], 1);
}

// A search as the handler runs it: parse, (store), render.
struct Page {
  query::Query query;
  query::SearchResult result;
};

Page PageOf(const Params& params, std::vector<event::Event> events, std::optional<uint64_t> total,
            uint64_t watermark, std::string_view tenant = "acme") {
  const query::CursorCodec codec(std::string(32, 'k'));
  auto request = ParseSearchParams(params, tenant, codec, 1s, nullptr);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  Page page{request.ok() ? request->query : query::Query{}, {}};
  page.result.events = std::move(events);
  if (page.query.include_totals) page.result.total = total;
  page.result.watermark = watermark;
  if (!page.result.events.empty())
    page.result.last = query::PositionOf(page.query, page.result.events.back());
  return page;
}

class RenderSearchResultTest : public ::testing::Test {
 protected:
  Json Render(const Page& page) {
    return Json::parse(RenderSearchResult(page.query, page.result, codec_));
  }
  const query::CursorCodec codec_{std::string(32, 'k')};
};

TEST_F(RenderSearchResultTest, FullPageWithTotalAndCursor) {
  const std::vector<event::Event> events = SomeEvents(3);
  const Page page = PageOf({{"limit", "3"}, {"q", "type:*"}}, events, 10, 120);
  const Json json = Render(page);
  ASSERT_EQ(json["events"].size(), 3u);
  for (size_t event_idx = 0; event_idx < events.size(); ++event_idx)
    EXPECT_EQ(json["events"][event_idx], Json::parse(event::EventToJson(events[event_idx])));
  EXPECT_EQ(json["total"], 10);
  ASSERT_TRUE(json["next_cursor"].is_string());

  // The cursor continues this walk: after the last event, pinned to the
  // watermark of this (first) page.
  Params next_page = {{"limit", "3"}, {"q", "type:*"}, {"cursor", json["next_cursor"]}};
  auto next = ParseSearchParams(next_page, "acme", codec_, 1s, nullptr);
  AL_ASSERT_OK(next.status());
  ASSERT_TRUE(next->query.after);
  EXPECT_EQ(*next->query.after, *page.result.last);
  EXPECT_EQ(next->query.max_seq, 120u);
  EXPECT_EQ(next->query.after->seq, 3u);
}

// A page the store rendered (Query::render_json) gives the same answer as
// the same page as events, cursor and total included.
TEST_F(RenderSearchResultTest, APageRenderedByTheStoreAnswersTheSame) {
  for (const size_t returned : {size_t{3}, size_t{2}, size_t{0}}) {
    const Page as_events = PageOf({{"limit", "3"}}, SomeEvents(returned), 10, 120);
    Page rendered = as_events;
    rendered.query.render_json = true;
    rendered.result.events.clear();
    for (const event::Event& event : as_events.result.events) {
      if (!rendered.result.events_json.empty()) rendered.result.events_json += ',';
      event::AppendEventJson(event, &rendered.result.events_json);
    }
    rendered.result.events_rendered = returned;
    EXPECT_EQ(RenderSearchResult(rendered.query, rendered.result, codec_),
              RenderSearchResult(as_events.query, as_events.result, codec_))
        << returned;
  }
}

TEST_F(RenderSearchResultTest, LaterPagesKeepTheFirstWatermark) {
  const Page first = PageOf({{"limit", "2"}}, SomeEvents(2), 10, 120);
  const Json first_json = Render(first);
  const Params next_params = {{"limit", "2"}, {"cursor", first_json["next_cursor"]}};
  // Events arrived meanwhile: the store now reports a higher watermark.
  Page second = PageOf(next_params, SomeEvents(4), 12, 150);
  second.result.events.erase(second.result.events.begin(), second.result.events.begin() + 2);
  second.result.last = query::PositionOf(second.query, second.result.events.back());
  EXPECT_EQ(second.query.max_seq, 120u);
  const Json second_json = Render(second);
  ASSERT_TRUE(second_json["next_cursor"].is_string());
  auto third = ParseSearchParams({{"limit", "2"}, {"cursor", second_json["next_cursor"]}}, "acme",
                                 codec_, 1s, nullptr);
  AL_ASSERT_OK(third.status());
  EXPECT_EQ(third->query.max_seq, 120u);
  EXPECT_EQ(third->query.after->seq, 4u);
}

TEST_F(RenderSearchResultTest, WithoutTotals) {
  const Json json =
      Render(PageOf({{"limit", "2"}, {"include_totals", "false"}}, SomeEvents(2), std::nullopt, 5));
  EXPECT_EQ(json["events"].size(), 2u);
  EXPECT_FALSE(json.contains("total"));
  EXPECT_TRUE(json["next_cursor"].is_string()) << "a full page may have a next one";
  // The total is left out even if a store counted anyway.
  Page counted = PageOf({{"include_totals", "false"}}, SomeEvents(1), std::nullopt, 5);
  counted.result.total = 1;
  EXPECT_FALSE(Render(counted).contains("total"));
}

TEST_F(RenderSearchResultTest, NoCursorWhenNoNextPage) {
  // A short page is the last one.
  Json json = Render(PageOf({{"limit", "5"}}, SomeEvents(3), 3, 9));
  EXPECT_EQ(json["total"], 3);
  EXPECT_FALSE(json.contains("next_cursor"));
  // A full page that reaches the total.
  json = Render(PageOf({{"limit", "3"}, {"offset", "7"}}, SomeEvents(3), 10, 9));
  EXPECT_FALSE(json.contains("next_cursor"));
  // One before the total still has a next page.
  json = Render(PageOf({{"limit", "3"}, {"offset", "6"}}, SomeEvents(3), 10, 9));
  EXPECT_TRUE(json.contains("next_cursor"));
  // A huge offset does not wrap around.
  json = Render(PageOf({{"limit", "3"}, {"offset", "18446744073709551615"}}, SomeEvents(3), 10, 9));
  EXPECT_FALSE(json.contains("next_cursor"));
}

TEST_F(RenderSearchResultTest, EmptyPagePastTheEnd) {
  const Page page = PageOf({{"offset", "500"}}, {}, 10, 9);
  EXPECT_EQ(RenderSearchResult(page.query, page.result, codec_), R"({"events":[],"total":10})");
}

TEST_F(RenderSearchResultTest, NoCursorAcrossAllTenants) {
  const Json json = Render(PageOf({{"limit", "2"}}, SomeEvents(2), 10, 9, query::kAllTenants));
  EXPECT_EQ(json["events"].size(), 2u);
  EXPECT_EQ(json["total"], 10);
  EXPECT_FALSE(json.contains("next_cursor"));
}

// ---- statistics

query::Bucket BucketOf(query::Scalar value, uint64_t count) { return {std::move(value), count}; }
query::Scalar Str(const char* text) { return query::Scalar(std::string(text)); }

StatsRequest CountRequest(const char* field, uint32_t top_n) {
  StatsRequest request;
  request.query.tenant = "acme";
  request.spec = query::CountBy{Field(field), top_n};
  return request;
}

Json RenderJson(const StatsRequest& request, const query::AggResult& result) {
  auto body = RenderStats(request, result);
  EXPECT_TRUE(body.ok()) << body.status().ToString();
  return body.ok() ? Json::parse(*body) : Json();
}

TEST(RenderStats, CountWithNullKeyPlacedByItsCount) {
  query::AggResult result;
  result.buckets = {BucketOf(Str("s"), 5), BucketOf(Str("f"), 2)};
  result.missing_count = 3;
  result.other_count = 4;
  result.total = 14;
  EXPECT_EQ(*RenderStats(CountRequest("type", 10), result),
            R"({"groups":[{"key":"s","count":5},{"key":null,"count":3},{"key":"f","count":2}],)"
            R"("other":4,"total":14})");
}

TEST(RenderStats, CountTiesByKeyWithNullLast) {
  query::AggResult result;
  result.buckets = {BucketOf(Str("b"), 2), BucketOf(Str("a"), 2)};
  result.missing_count = 2;
  result.total = 6;
  const Json json = RenderJson(CountRequest("type", 10), result);
  EXPECT_EQ(json["groups"], Json::parse(R"([{"key":"a","count":2},{"key":"b","count":2},
                                            {"key":null,"count":2}])"));
  EXPECT_EQ(json["other"], 0);
}

TEST(RenderStats, NullGroupCompetesForTheTopN) {
  query::AggResult result;  // the store's top 2, and 4 more events in other values
  result.buckets = {BucketOf(Str("s"), 5), BucketOf(Str("f"), 2)};
  result.missing_count = 3;
  result.other_count = 4;
  result.total = 14;
  Json json = RenderJson(CountRequest("type", 2), result);
  EXPECT_EQ(json["groups"], Json::parse(R"([{"key":"s","count":5},{"key":null,"count":3}])"));
  EXPECT_EQ(json["other"], 6);
  EXPECT_EQ(json["total"], 14);
  // A small null group stays out, in "other".
  result.missing_count = 1;
  result.total = 12;
  json = RenderJson(CountRequest("type", 2), result);
  EXPECT_EQ(json["groups"], Json::parse(R"([{"key":"s","count":5},{"key":"f","count":2}])"));
  EXPECT_EQ(json["other"], 5);
}

TEST(RenderStats, CountKeysHaveTheirFieldsJsonType) {
  const auto keys_of = [](const char* field, std::vector<query::Bucket> buckets) {
    query::AggResult result;
    result.buckets = std::move(buckets);
    const Json json = RenderJson(CountRequest(field, 10), result);
    Json keys = Json::array();
    for (const Json& group : json["groups"]) keys.push_back(group["key"]);
    return keys;
  };
  // Times in epoch milliseconds, like the time parameters.
  EXPECT_EQ(keys_of("timestamp",
                    {BucketOf(int64_t{1'742'083'302'549'000}, 2), BucketOf(int64_t{kMarch16}, 1)}),
            Json::parse("[1742083302549, 1742083200000]"));
  EXPECT_EQ(keys_of("seq", {BucketOf(int64_t{42}, 1)}), Json::parse("[42]"));
  EXPECT_EQ(keys_of("geo.latitude", {BucketOf(-33.5, 2), BucketOf(1.25, 1)}),
            Json::parse("[-33.5, 1.25]"));
  EXPECT_EQ(keys_of("ua.is_mobile", {BucketOf(true, 2), BucketOf(false, 1)}),
            Json::parse("[true, false]"));
  EXPECT_EQ(keys_of("result", {BucketOf(Str("success"), 2)}), Json::parse(R"(["success"])"));
  EXPECT_EQ(keys_of("description", {BucketOf(Str("登录 \"x\"\n"), 2)}),
            Json::parse(R"(["登录 \"x\"\n"])"));
}

StatsRequest HistogramRequest(const Params& params) {
  std::string error_field;
  auto request = ParseHistogramParams(params, "acme", 1s, &error_field);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  return request.ok() ? std::move(request).value() : StatsRequest{};
}

StatsRequest DistinctRequest(const Params& params) {
  auto request = ParseDistinctParams(params, "acme", 1s, nullptr);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  return request.ok() ? std::move(request).value() : StatsRequest{};
}

query::Bucket HourBucket(int hour, uint64_t count) {
  return BucketOf(int64_t{kMarch16 + hour * kHourMicros}, count);
}

TEST(RenderStats, HistogramKeysAreEpochMilliseconds) {
  query::AggResult result;
  result.buckets = {HourBucket(1, 4), HourBucket(3, 2)};
  result.total = 6;
  EXPECT_EQ(*RenderStats(HistogramRequest({{"interval", "1h"}}), result),
            fmt::format(R"({{"groups":[{{"key":{},"count":4}},{{"key":{},"count":2}}],"total":6}})",
                        kMarch16Millis + kHourMillis, kMarch16Millis + 3 * kHourMillis));
}

TEST(RenderStats, HistogramByCarriesGroupsPerBucket) {
  query::AggResult result;
  result.buckets = {HourBucket(0, 4), HourBucket(1, 3)};
  result.total = 7;
  query::AggResult first;
  first.buckets = {BucketOf(Str("s"), 2), BucketOf(Str("f"), 1)};
  first.other_count = 1;
  first.total = 4;
  query::AggResult second;
  second.buckets = {BucketOf(Str("f"), 2)};
  second.missing_count = 1;
  second.total = 3;
  result.per_bucket = {first, second};
  const Json json = RenderJson(HistogramRequest({{"interval", "1h"}, {"by", "type"}}), result);
  EXPECT_EQ(json, Json::parse(fmt::format(
                      R"({{"groups":[
                           {{"key":{},"count":4,
                             "groups":[{{"key":"s","count":2}},{{"key":"f","count":1}}],"other":1}},
                           {{"key":{},"count":3,
                             "groups":[{{"key":"f","count":2}},{{"key":null,"count":1}}],"other":0}}
                         ],"total":7}})",
                      kMarch16Millis, kMarch16Millis + kHourMillis)));
}

TEST(RenderStats, Distinct) {
  query::AggResult result;
  result.distinct = 7;
  result.total = 20;
  EXPECT_EQ(*RenderStats(DistinctRequest({{"field", "actor.id"}}), result),
            R"({"distinct":7,"total":20,"approximate":false})");
  result.approximate = true;
  EXPECT_EQ(RenderJson(DistinctRequest({{"field", "actor.id"}}), result)["approximate"], true);
}

TEST(RenderStats, DistinctPerBucket) {
  query::AggResult result;
  result.buckets = {HourBucket(0, 10), HourBucket(2, 4)};
  result.total = 14;
  query::AggResult first, second;
  first.distinct = 3;
  second.distinct = 4;
  second.approximate = true;
  result.per_bucket = {first, second};
  const Json json =
      RenderJson(DistinctRequest({{"field", "actor.id"}, {"interval", "1h"}}), result);
  EXPECT_EQ(json, Json::parse(fmt::format(
                      R"({{"groups":[{{"key":{},"count":3,"events":10}},
                                      {{"key":{},"count":4,"events":4}}],
                          "total":14,"approximate":true}})",
                      kMarch16Millis, kMarch16Millis + 2 * kHourMillis)));
}

std::vector<int64_t> KeysOf(const Json& json) {
  std::vector<int64_t> keys;
  for (const Json& group : json["groups"]) keys.push_back(group["key"].get<int64_t>());
  return keys;
}
std::vector<uint64_t> CountsOf(const Json& json) {
  std::vector<uint64_t> counts;
  for (const Json& group : json["groups"]) counts.push_back(group["count"].get<uint64_t>());
  return counts;
}
int64_t HourMillis(int hour) { return kMarch16Millis + hour * kHourMillis; }

TEST(RenderStats, FillAddsEmptyBucketsFromFromToTo) {
  query::AggResult result;
  result.buckets = {HourBucket(1, 4), HourBucket(3, 2)};
  result.total = 6;
  // `to` is exclusive: 05:00 is not a bucket. `from` at 00:30 starts with 00:00's bucket.
  const StatsRequest request = HistogramRequest({{"interval", "1h"},
                                                 {"fill", "true"},
                                                 {"from", "2025-03-16T00:30:00Z"},
                                                 {"to", "2025-03-16T05:00:00Z"}});
  const Json json = RenderJson(request, result);
  EXPECT_EQ(KeysOf(json), (std::vector<int64_t>{HourMillis(0), HourMillis(1), HourMillis(2),
                                                HourMillis(3), HourMillis(4)}));
  EXPECT_EQ(CountsOf(json), (std::vector<uint64_t>{0, 4, 0, 2, 0}));
  EXPECT_EQ(json["total"], 6);
  // Without fill, only the stored buckets.
  EXPECT_EQ(KeysOf(RenderJson(HistogramRequest({{"interval", "1h"},
                                                {"from", "2025-03-16T00:30:00Z"},
                                                {"to", "2025-03-16T05:00:00Z"}}),
                              result)),
            (std::vector<int64_t>{HourMillis(1), HourMillis(3)}));
}

TEST(RenderStats, FillWithOpenEndsSpansTheStoredBuckets) {
  query::AggResult result;
  result.buckets = {HourBucket(1, 4), HourBucket(4, 2)};
  const Json json = RenderJson(HistogramRequest({{"interval", "1h"}, {"fill", "true"}}), result);
  EXPECT_EQ(KeysOf(json),
            (std::vector<int64_t>{HourMillis(1), HourMillis(2), HourMillis(3), HourMillis(4)}));
  EXPECT_EQ(CountsOf(json), (std::vector<uint64_t>{4, 0, 0, 2}));
  // Only `to` known: from the first stored bucket up to `to`.
  const Json until = RenderJson(
      HistogramRequest({{"interval", "1h"}, {"fill", "true"}, {"to", "2025-03-16T06:00:00Z"}}),
      result);
  EXPECT_EQ(KeysOf(until).front(), HourMillis(1));
  EXPECT_EQ(KeysOf(until).back(), HourMillis(5));
}

TEST(RenderStats, FillWithoutData) {
  const query::AggResult none;
  // Both ends known: every bucket, empty.
  const Json json = RenderJson(HistogramRequest({{"interval", "1h"},
                                                 {"fill", "true"},
                                                 {"from", "2025-03-16T00:00:00Z"},
                                                 {"to", "2025-03-16T03:00:00Z"}}),
                               none);
  EXPECT_EQ(CountsOf(json), (std::vector<uint64_t>{0, 0, 0}));
  // An open end with no data has no span to fill.
  EXPECT_EQ(
      *RenderStats(HistogramRequest(
                       {{"interval", "1h"}, {"fill", "true"}, {"from", "2025-03-16T00:00:00Z"}}),
                   none),
      R"({"groups":[],"total":0})");
}

TEST(RenderStats, FillCalendarBucketsInAZone) {
  query::AggResult result;
  // Berlin's local days around the spring change (2025-03-30 has 23 hours);
  // one event on the 30th.
  const event::UnixMicros march30 = 1'743'289'200'000'000;  // 2025-03-29T23:00:00Z
  result.buckets = {BucketOf(int64_t{march30}, 1)};
  result.total = 1;
  const Json json = RenderJson(HistogramRequest({{"interval", "day"},
                                                 {"tz", "Europe/Berlin"},
                                                 {"fill", "true"},
                                                 {"from", "2025-03-29T00:00:00+01:00"},
                                                 {"to", "2025-04-01T00:00:00+02:00"}}),
                               result);
  const int64_t march30_millis = march30 / 1000;
  // Local days 29, 30 (23 hours) and 31; April 1st starts at `to`.
  EXPECT_EQ(KeysOf(json), (std::vector<int64_t>{march30_millis - 24 * kHourMillis, march30_millis,
                                                march30_millis + 23 * kHourMillis}));
  EXPECT_EQ(CountsOf(json), (std::vector<uint64_t>{0, 1, 0}));

  // Fixed 1d intervals at +08:00 start at local midnight.
  const Json offset = RenderJson(HistogramRequest({{"interval", "1d"},
                                                   {"tz", "+08:00"},
                                                   {"fill", "true"},
                                                   {"from", "2025-03-16T00:00:00Z"},
                                                   {"to", "2025-03-17T00:00:00Z"}}),
                                 query::AggResult{});
  EXPECT_EQ(KeysOf(offset), (std::vector<int64_t>{kMarch16Millis - 8 * kHourMillis,
                                                  kMarch16Millis + 16 * kHourMillis}));
}

TEST(RenderStats, FilledBucketsCarryEmptySubResults) {
  query::AggResult by_type;
  by_type.buckets = {HourBucket(1, 2)};
  query::AggResult sub;
  sub.buckets = {BucketOf(Str("s"), 2)};
  by_type.per_bucket = {sub};
  const Params range = {
      {"fill", "true"}, {"from", "2025-03-16T00:00:00Z"}, {"to", "2025-03-16T02:00:00Z"}};
  Params with_by = range;
  with_by.insert(with_by.end(), {{"interval", "1h"}, {"by", "type"}});
  Json json = RenderJson(HistogramRequest(with_by), by_type);
  EXPECT_EQ(
      json["groups"][0],
      Json::parse(fmt::format(R"({{"key":{},"count":0,"groups":[],"other":0}})", HourMillis(0))));
  EXPECT_EQ(json["groups"][1]["groups"], Json::parse(R"([{"key":"s","count":2}])"));

  query::AggResult distinct;
  distinct.buckets = {HourBucket(1, 5)};
  query::AggResult distinct_sub;
  distinct_sub.distinct = 2;
  distinct.per_bucket = {distinct_sub};
  Params with_field = range;
  with_field.insert(with_field.end(), {{"interval", "1h"}, {"field", "actor.id"}});
  json = RenderJson(DistinctRequest(with_field), distinct);
  EXPECT_EQ(json["groups"], Json::parse(fmt::format(
                                R"([{{"key":{},"count":0,"events":0}},
                                    {{"key":{},"count":2,"events":5}}])",
                                HourMillis(0), HourMillis(1))));
}

TEST(RenderStats, FillRefusedWhenTheStoredSpanIsTooWide) {
  query::AggResult result;
  result.buckets = {BucketOf(int64_t{kMarch16}, 1),
                    BucketOf(int64_t{kMarch16 + 200'000 * int64_t{1'000'000}}, 1)};
  EXPECT_THAT(RenderStats(HistogramRequest({{"interval", "1s"}, {"fill", "true"}}), result),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("fill: more than 100000 buckets; use a longer interval or a shorter "
                          "time range")));
  // Without fill the same answer renders.
  AL_EXPECT_OK(RenderStats(HistogramRequest({{"interval", "1s"}}), result).status());
}

}  // namespace
}  // namespace auditlog::api::native

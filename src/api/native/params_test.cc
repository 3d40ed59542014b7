#include "api/native/params.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>

#include "common/no_destructor.h"
#include "event/fields.h"
#include "query/lucene_parser.h"
#include "testing/status_matchers.h"

namespace auditlog::api::native {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Params = std::vector<http::NameValue>;
using namespace std::chrono_literals;

constexpr event::UnixMicros kMarch16 = 1'742'083'200'000'000;  // 2025-03-16T00:00:00Z
constexpr int64_t kHourMicros = 3'600'000'000;

const event::FieldSpec* Field(std::string_view path) { return event::FindField(path); }

const query::CursorCodec& Codec() {
  static const NoDestructor<query::CursorCodec> codec(std::string(32, 'k'));
  return *codec;
}

// An error as the API reports it: the parameter at fault and the message.
struct ParamError {
  std::string field;
  std::string message;
  friend bool operator==(const ParamError&, const ParamError&) = default;
  friend std::ostream& operator<<(std::ostream& out, const ParamError& error) {
    return out << "{field: \"" << error.field << "\", message: \"" << error.message << "\"}";
  }
};

template <typename T>
ParamError ErrorOf(const Result<T>& result, const std::string& error_field) {
  if (result.ok()) return {"<ok>", ""};
  if (result.status().code() != StatusCode::kInvalidArgument)
    return {error_field, "<not invalid_argument> " + std::string(result.status().message())};
  return {error_field, std::string(result.status().message())};
}

ParamError SearchError(const Params& params, std::string_view tenant = "acme") {
  std::string error_field;
  auto result = ParseSearchParams(params, tenant, Codec(), 1s, &error_field);
  return ErrorOf(result, error_field);
}

SearchRequest Search(const Params& params, std::string_view tenant = "acme") {
  std::string error_field;
  auto result = ParseSearchParams(params, tenant, Codec(), 1s, &error_field);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(error_field, "");
  return result.ok() ? std::move(result).value() : SearchRequest{};
}

using StatsParser = Result<StatsRequest> (*)(const std::vector<http::NameValue>&, std::string_view,
                                             std::chrono::milliseconds, std::string*);

ParamError StatsError(StatsParser parse, const Params& params) {
  std::string error_field;
  return ErrorOf(parse(params, "acme", 1s, &error_field), error_field);
}

StatsRequest Stats(StatsParser parse, const Params& params) {
  std::string error_field;
  auto result = parse(params, "acme", 1s, &error_field);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return {};
  AL_EXPECT_OK(query::ValidateAggSpec(result->spec));
  AL_EXPECT_OK(query::ValidateQuery(result->query));
  return std::move(result).value();
}

// ---- time parameters

TEST(ParseTimeParam, Rfc3339Forms) {
  const event::UnixMicros instant = 1'742'083'302'549'000;  // 2025-03-16T00:01:42.549Z
  EXPECT_EQ(*ParseTimeParam("2025-03-16T00:01:42.549Z"), instant);
  EXPECT_EQ(*ParseTimeParam("2025-03-16T08:01:42.549+08:00"), instant);
  EXPECT_EQ(*ParseTimeParam("2025-03-15T18:31:42.549-05:30"), instant);
  EXPECT_EQ(*ParseTimeParam("2025-03-16t00:01:42.549z"), instant);
  EXPECT_EQ(*ParseTimeParam("2025-03-16T00:01:42.5Z"), instant - 49'000);
  // Fractions below a microsecond are cut.
  EXPECT_EQ(*ParseTimeParam("2025-03-16T00:01:42.549123999Z"), instant + 123);
  EXPECT_EQ(*ParseTimeParam("2025-03-16T00:00:00Z"), kMarch16);
  // The forms event/time.h reads besides: a date alone, no zone (UTC).
  EXPECT_EQ(*ParseTimeParam("2025-03-16"), kMarch16);
  EXPECT_EQ(*ParseTimeParam("2025-03-16T00:00:00"), kMarch16);
}

TEST(ParseTimeParam, DigitsAreEpochMilliseconds) {
  EXPECT_EQ(*ParseTimeParam("1742083302549"), 1'742'083'302'549'000);
  EXPECT_EQ(*ParseTimeParam("0"), 0);
  // However short: "2025" is 2.025 s after the epoch, not a year.
  EXPECT_EQ(*ParseTimeParam("2025"), 2'025'000);
  EXPECT_THAT(
      ParseTimeParam("99999999999999999999"),
      StatusIs(StatusCode::kInvalidArgument, Eq("epoch 99999999999999999999 milliseconds is after "
                                                "9999-12-31T23:59:59.999999Z")));
}

TEST(ParseTimeParam, GarbageIsNamed) {
  EXPECT_THAT(ParseTimeParam("yesterday"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("\"yesterday\" is not an RFC 3339 time or epoch milliseconds")));
  EXPECT_THAT(ParseTimeParam("-5"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("\"-5\" is not an RFC 3339 time or epoch milliseconds")));
  EXPECT_THAT(ParseTimeParam("1.5e12"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("\"1.5e12\" is not an RFC 3339 time or epoch milliseconds")));
  // Values that start like a date say what is wrong with them.
  EXPECT_THAT(ParseTimeParam("2025-13-01T00:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("\"2025-13-01T00:00:00Z\" is not an RFC 3339 time: month 13 out of "
                          "range")));
  EXPECT_THAT(ParseTimeParam("2025-03-16T00:00:00Zjunk"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("\"2025-03-16T00:00:00Zjunk\" is not an RFC 3339 time: not a "
                          "date-time: unexpected text at offset 20")));
  EXPECT_THAT(ParseTimeParam("2025-03-16T25:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("hour 25 out of range")));
}

// ---- GET /v1/events

TEST(ParseSearchParams, Defaults) {
  const SearchRequest request = Search({});
  const query::Query& query = request.query;
  EXPECT_EQ(query.tenant, "acme");
  EXPECT_EQ(query.timeout, 1s);
  EXPECT_EQ(query.filter.op, query::FilterOp::kAll);
  EXPECT_FALSE(query.time.from);
  EXPECT_FALSE(query.time.to);
  ASSERT_EQ(query::EffectiveSort(query).size(), 1u);
  EXPECT_EQ(query::EffectiveSort(query)[0].field, Field("timestamp"));
  EXPECT_TRUE(query::EffectiveSort(query)[0].descending);
  EXPECT_EQ(query.limit, 50u);
  EXPECT_EQ(query.offset, 0u);
  EXPECT_TRUE(query.fields.empty());
  EXPECT_TRUE(query.include_totals);
  EXPECT_FALSE(query.after);
  EXPECT_EQ(query.max_seq, 0u);
  EXPECT_FALSE(request.has_cursor);
}

TEST(ParseSearchParams, EmptyValuesAreAbsent) {
  const SearchRequest request = Search({{"q", ""},
                                        {"from", ""},
                                        {"to", ""},
                                        {"sort", ""},
                                        {"limit", ""},
                                        {"offset", ""},
                                        {"cursor", ""},
                                        {"fields", ""},
                                        {"include_totals", ""}});
  EXPECT_EQ(request.query.filter.op, query::FilterOp::kAll);
  EXPECT_EQ(request.query.limit, 50u);
  EXPECT_TRUE(request.query.include_totals);
  EXPECT_FALSE(request.has_cursor);
}

TEST(ParseSearchParams, QueryIsTheNativeLuceneFilter) {
  const SearchRequest request = Search({{"q", "type:s AND actor.id:u1"}});
  EXPECT_EQ(query::DebugString(request.query.filter),
            query::DebugString(
                *query::ParseLucene("type:s AND actor.id:u1", query::LuceneDialect::kNative)));
  EXPECT_EQ(request.query.filter.op, query::FilterOp::kAnd);
}

TEST(ParseSearchParams, QueryErrorsKeepTheParsersMessage) {
  for (const char* q : {"foo:bar", "type:(s", "ip:", "timestamp:[2025 TO 2024]"}) {
    const auto parsed = query::ParseLucene(q, query::LuceneDialect::kNative);
    ASSERT_FALSE(parsed.ok()) << q;
    ASSERT_THAT(parsed.status().message(), StartsWith("q: at "));
    EXPECT_EQ(SearchError({{"q", q}}), (ParamError{"q", std::string(parsed.status().message())}))
        << q;
  }
}

TEST(ParseSearchParams, FromAndToAreAHalfOpenRange) {
  const SearchRequest request = Search({{"from", "2025-03-16T00:00:00Z"}, {"to", "1742086800000"}});
  EXPECT_EQ(request.query.time.from, kMarch16);
  EXPECT_EQ(request.query.time.to, kMarch16 + kHourMicros);
  EXPECT_EQ(Search({{"from", "2025-03-16"}}).query.time.from, kMarch16);
  EXPECT_FALSE(Search({{"from", "2025-03-16"}}).query.time.to);
  EXPECT_EQ(Search({{"to", "2025-03-16"}}).query.time.to, kMarch16);
}

TEST(ParseSearchParams, TimeErrors) {
  EXPECT_EQ(
      SearchError({{"from", "yesterday"}}),
      (ParamError{"from", "from: \"yesterday\" is not an RFC 3339 time or epoch milliseconds"}));
  EXPECT_EQ(SearchError({{"to", "soon"}}),
            (ParamError{"to", "to: \"soon\" is not an RFC 3339 time or epoch milliseconds"}));
  EXPECT_EQ(SearchError({{"from", "2025-03-16T01:00:00Z"}, {"to", "2025-03-16T00:00:00Z"}}),
            (ParamError{"from", "from: must be before to"}));
  // Half-open: an empty range [t, t) is refused too.
  EXPECT_EQ(SearchError({{"from", "2025-03-16T00:00:00Z"}, {"to", "1742083200000"}}),
            (ParamError{"from", "from: must be before to"}));
}

TEST(ParseSearchParams, SortWithSeveralKeysAndDirections) {
  const SearchRequest request = Search({{"sort", "type:1,timestamp:-1, id:-1 ,geo.latitude:1"}});
  const auto& sort = request.query.sort;
  ASSERT_EQ(sort.size(), 4u);
  EXPECT_EQ(sort[0].field, Field("type"));
  EXPECT_FALSE(sort[0].descending);
  EXPECT_EQ(sort[1].field, Field("timestamp"));
  EXPECT_TRUE(sort[1].descending);
  EXPECT_EQ(sort[2].field, Field("id"));
  EXPECT_TRUE(sort[2].descending);
  EXPECT_EQ(sort[3].field, Field("geo.latitude"));
  EXPECT_FALSE(sort[3].descending);
  for (const char* one : {"seq:1", "ua.is_mobile:-1", "result:1", "received_at:-1", "ip:1"})
    EXPECT_EQ(Search({{"sort", one}}).query.sort.size(), 1u) << one;
}

TEST(ParseSearchParams, SortErrors) {
  const auto sort_error = [](const char* sort, std::string message) {
    EXPECT_EQ(SearchError({{"sort", sort}}), (ParamError{"sort", std::move(message)})) << sort;
  };
  sort_error("foo:1", "sort: unknown field \"foo\"");
  sort_error("foo:2", "sort: unknown field \"foo\"");
  sort_error("type:2", "sort: direction must be 1 or -1 in \"type:2\"");
  sort_error("type:asc", "sort: direction must be 1 or -1 in \"type:asc\"");
  sort_error("type:", "sort: direction must be 1 or -1 in \"type:\"");
  sort_error("type", "sort: expected field:1 or field:-1, got \"type\"");
  sort_error("details:1", "sort: cannot sort on \"details\"");
  sort_error("type:1,,id:1", "sort: empty key in \"type:1,,id:1\"");
  sort_error("type:1,", "sort: empty key in \"type:1,\"");
  sort_error("type:1,type:-1", "sort: field \"type\" appears twice");
  sort_error("actor.Email:1", "sort: unknown field \"actor.Email\"");
}

TEST(ParseSearchParams, Limit) {
  EXPECT_EQ(Search({{"limit", "1"}}).query.limit, 1u);
  EXPECT_EQ(Search({{"limit", "1000"}}).query.limit, 1000u);
  const auto limit_error = [](const char* limit, std::string message) {
    EXPECT_EQ(SearchError({{"limit", limit}}), (ParamError{"limit", std::move(message)})) << limit;
  };
  limit_error("0", "limit: must be between 1 and 1000, got 0");
  limit_error("1001", "limit: must be between 1 and 1000, got 1001");
  limit_error("-3", "limit: must be between 1 and 1000, got -3");
  limit_error("99999999999999999999",
              "limit: must be between 1 and 1000, got 99999999999999999999");
  limit_error("abc", "limit: must be an integer between 1 and 1000, got \"abc\"");
  limit_error("5.5", "limit: must be an integer between 1 and 1000, got \"5.5\"");
  limit_error(" 5", "limit: must be an integer between 1 and 1000, got \" 5\"");
  limit_error("+5", "limit: must be an integer between 1 and 1000, got \"+5\"");
}

TEST(ParseSearchParams, Offset) {
  EXPECT_EQ(Search({{"offset", "0"}}).query.offset, 0u);
  EXPECT_EQ(Search({{"offset", "123456789012"}}).query.offset, 123'456'789'012u);
  EXPECT_EQ(Search({{"offset", "18446744073709551615"}}).query.offset, UINT64_MAX);
  EXPECT_EQ(SearchError({{"offset", "-1"}}),
            (ParamError{"offset", "offset: must be a non-negative integer, got \"-1\""}));
  EXPECT_EQ(SearchError({{"offset", "1e3"}}),
            (ParamError{"offset", "offset: must be a non-negative integer, got \"1e3\""}));
  EXPECT_EQ(SearchError({{"offset", "18446744073709551616"}}),
            (ParamError{"offset", "offset: 18446744073709551616 is too large"}));
}

TEST(ParseSearchParams, Fields) {
  EXPECT_THAT(Search({{"fields", "id,type, actor.email"}}).query.fields,
              ElementsAre(Field("id"), Field("type"), Field("actor.email")));
  EXPECT_THAT(Search({{"fields", "type,details,type"}}).query.fields,
              ElementsAre(Field("type"), Field("details")));
  EXPECT_EQ(SearchError({{"fields", "id,foo"}}),
            (ParamError{"fields", "fields: unknown field \"foo\""}));
  EXPECT_EQ(SearchError({{"fields", "id,"}}),
            (ParamError{"fields", "fields: empty name in \"id,\""}));
}

TEST(ParseSearchParams, IncludeTotals) {
  EXPECT_TRUE(Search({{"include_totals", "true"}}).query.include_totals);
  EXPECT_TRUE(Search({{"include_totals", "1"}}).query.include_totals);
  EXPECT_FALSE(Search({{"include_totals", "false"}}).query.include_totals);
  EXPECT_FALSE(Search({{"include_totals", "0"}}).query.include_totals);
  EXPECT_EQ(
      SearchError({{"include_totals", "yes"}}),
      (ParamError{"include_totals", "include_totals: must be true, false, 1 or 0, got \"yes\""}));
  EXPECT_EQ(SearchError({{"include_totals", "TRUE"}}).field, "include_totals");
}

TEST(ParseSearchParams, UnknownAndRepeatedParameters) {
  EXPECT_EQ(SearchError({{"limit", "5"}, {"lmit", "5"}}),
            (ParamError{"lmit", "unknown parameter \"lmit\""}));
  EXPECT_EQ(SearchError({{"by", "type"}}), (ParamError{"by", "unknown parameter \"by\""}));
  EXPECT_EQ(SearchError({{"limit", "5"}, {"limit", "6"}}),
            (ParamError{"limit", "limit: given more than once"}));
  EXPECT_EQ(SearchError({{"q", ""}, {"q", "type:s"}}),
            (ParamError{"q", "q: given more than once"}));
  // `tenant` is the caller's: neither unknown nor applied here.
  const SearchRequest request = Search({{"tenant", "globex"}, {"tenant", "*"}});
  EXPECT_EQ(request.query.tenant, "acme");
}

TEST(ParseSearchParams, AllTenants) {
  EXPECT_EQ(Search({{"q", "type:s"}}, query::kAllTenants).query.tenant, "*");
}

TEST(ParseSearchParams, CursorRoundTrip) {
  const Params first_page = {{"q", "type:s"}, {"sort", "actor.id:1,timestamp:-1"}, {"limit", "2"}};
  const SearchRequest first = Search(first_page);
  const query::Position last{{query::Scalar(std::string("u7")), query::Scalar(int64_t{kMarch16})},
                             42};
  const std::string token = Codec().Encode(first.query, last, 99);

  Params next_page = first_page;
  next_page.emplace_back("cursor", token);
  next_page[2].second = "5";  // the page size may change between pages
  const SearchRequest next = Search(next_page);
  EXPECT_TRUE(next.has_cursor);
  ASSERT_TRUE(next.query.after);
  EXPECT_EQ(*next.query.after, last);
  EXPECT_EQ(next.query.max_seq, 99u);
  EXPECT_EQ(next.query.limit, 5u);
  EXPECT_EQ(next.query.offset, 0u);
}

TEST(ParseSearchParams, CursorErrors) {
  const Params first_page = {{"q", "type:s"}, {"sort", "type:1"}};
  const SearchRequest first = Search(first_page);
  const std::string token =
      Codec().Encode(first.query, {{query::Scalar(std::string("s"))}, 42}, 99);

  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  const ParamError altered =
      SearchError({{"q", "type:s"}, {"sort", "type:1"}, {"cursor", tampered}});
  EXPECT_EQ(altered.field, "cursor");
  EXPECT_THAT(altered.message, StartsWith("cursor: "));

  // Another filter, sort, time range or tenant than the page that gave it.
  for (const Params& other :
       {Params{{"q", "type:f"}, {"sort", "type:1"}}, Params{{"q", "type:s"}, {"sort", "type:-1"}},
        Params{{"q", "type:s"}, {"sort", "type:1"}, {"from", "0"}}}) {
    Params with_cursor = other;
    with_cursor.emplace_back("cursor", token);
    const ParamError error = SearchError(with_cursor);
    EXPECT_EQ(error.field, "cursor");
    EXPECT_THAT(error.message, HasSubstr("belongs to another query"));
  }
  Params same = first_page;
  same.emplace_back("cursor", token);
  EXPECT_THAT(SearchError(same, "globex").message, HasSubstr("belongs to another query"));

  EXPECT_EQ(SearchError({{"cursor", "!!!"}}),
            (ParamError{"cursor", "cursor: not a cursor of this API"}));
  EXPECT_EQ(SearchError({{"cursor", token}, {"offset", "0"}}),
            (ParamError{"cursor", "cursor: cannot be combined with offset"}));
  EXPECT_EQ(SearchError({{"cursor", token}}, query::kAllTenants),
            (ParamError{"cursor", "cursor: not available for a query over all tenants"}));
}

TEST(ParseSearchParams, ErrorFieldMayBeNull) {
  EXPECT_THAT(ParseSearchParams({{"limit", "0"}}, "acme", Codec(), 1s, nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("limit")));
}

// ---- GET /v1/stats/count

TEST(ParseCountParams, ByAndTop) {
  const StatsRequest request =
      Stats(ParseCountParams, {{"by", "ip"}, {"q", "type:f"}, {"from", "2025-03-16"}});
  const auto& count_by = std::get<query::CountBy>(request.spec);
  EXPECT_EQ(count_by.field, Field("ip"));
  EXPECT_EQ(count_by.top_n, 10u);
  EXPECT_EQ(request.query.tenant, "acme");
  EXPECT_EQ(request.query.time.from, kMarch16);
  EXPECT_EQ(request.query.filter.op, query::FilterOp::kEq);
  EXPECT_FALSE(request.fill);
  EXPECT_EQ(
      std::get<query::CountBy>(Stats(ParseCountParams, {{"by", "type"}, {"top", "10000"}}).spec)
          .top_n,
      10'000u);
  EXPECT_EQ(std::get<query::CountBy>(Stats(ParseCountParams, {{"by", "timestamp"}}).spec).field,
            Field("timestamp"));
}

TEST(ParseCountParams, Errors) {
  EXPECT_EQ(StatsError(ParseCountParams, {}), (ParamError{"by", "by: is required"}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", ""}}), (ParamError{"by", "by: is required"}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "foo"}}),
            (ParamError{"by", "by: unknown field \"foo\""}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "details"}}),
            (ParamError{"by", "by: cannot group on \"details\""}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "type"}, {"top", "0"}}),
            (ParamError{"top", "top: must be between 1 and 10000, got 0"}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "type"}, {"top", "10001"}}),
            (ParamError{"top", "top: must be between 1 and 10000, got 10001"}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "type"}, {"interval", "1h"}}),
            (ParamError{"interval", "unknown parameter \"interval\""}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "type"}, {"by", "ip"}}),
            (ParamError{"by", "by: given more than once"}));
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "type"}, {"q", "("}}).field, "q");
  EXPECT_EQ(StatsError(ParseCountParams, {{"by", "type"}, {"to", "x"}}).field, "to");
}

// ---- GET /v1/stats/histogram

TEST(ParseHistogramParams, FixedIntervals) {
  const std::pair<const char*, int64_t> cases[] = {{"30s", 30'000'000},
                                                   {"15m", 900'000'000},
                                                   {"1h", kHourMicros},
                                                   {"1d", 86'400'000'000},
                                                   {"90m", 5'400'000'000}};
  for (const auto& [interval, micros] : cases) {
    const StatsRequest request = Stats(ParseHistogramParams, {{"interval", interval}});
    const auto& histogram = std::get<query::DateHistogram>(request.spec);
    EXPECT_EQ(histogram.interval_micros, micros) << interval;
    EXPECT_FALSE(histogram.calendar) << interval;
    EXPECT_EQ(histogram.time_zone, "UTC");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(histogram.per_bucket));
  }
}

TEST(ParseHistogramParams, CalendarIntervalsAndZone) {
  const std::pair<const char*, query::CalendarUnit> cases[] = {
      {"day", query::CalendarUnit::kDay},
      {"week", query::CalendarUnit::kWeek},
      {"month", query::CalendarUnit::kMonth},
      {"quarter", query::CalendarUnit::kQuarter},
      {"year", query::CalendarUnit::kYear}};
  for (const auto& [interval, unit] : cases) {
    const StatsRequest request =
        Stats(ParseHistogramParams, {{"interval", interval}, {"tz", "Asia/Shanghai"}});
    const auto& histogram = std::get<query::DateHistogram>(request.spec);
    EXPECT_EQ(histogram.calendar, unit) << interval;
    EXPECT_EQ(histogram.interval_micros, 0) << interval;
    EXPECT_EQ(histogram.time_zone, "Asia/Shanghai");
    EXPECT_EQ(request.zone.name(), "Asia/Shanghai");
  }
  const StatsRequest offset = Stats(ParseHistogramParams, {{"interval", "1d"}, {"tz", "+08:00"}});
  EXPECT_EQ(offset.zone.OffsetSecondsAt(kMarch16), 8 * 3600);
}

TEST(ParseHistogramParams, ByTopAndFill) {
  const StatsRequest request = Stats(
      ParseHistogramParams, {{"interval", "1h"}, {"by", "type"}, {"top", "3"}, {"fill", "true"}});
  const auto& histogram = std::get<query::DateHistogram>(request.spec);
  const auto& count_by = std::get<query::CountBy>(histogram.per_bucket);
  EXPECT_EQ(count_by.field, Field("type"));
  EXPECT_EQ(count_by.top_n, 3u);
  EXPECT_TRUE(request.fill);
  const StatsRequest defaults = Stats(ParseHistogramParams, {{"interval", "1h"}, {"by", "ip"}});
  EXPECT_EQ(
      std::get<query::CountBy>(std::get<query::DateHistogram>(defaults.spec).per_bucket).top_n,
      10u);
  EXPECT_FALSE(defaults.fill);
  // A year of days is well within the bucket limit.
  EXPECT_TRUE(
      Stats(ParseHistogramParams,
            {{"interval", "1d"}, {"fill", "1"}, {"from", "2024-01-01"}, {"to", "2025-01-01"}})
          .fill);
}

TEST(ParseHistogramParams, Errors) {
  const auto error = [](const Params& params) { return StatsError(ParseHistogramParams, params); };
  EXPECT_EQ(error({}), (ParamError{"interval", "interval: is required"}));
  for (const char* bad : {"5x", "h", "1H", "-1h", "1.5h", "1 h", "days", "1w", "1M"}) {
    EXPECT_EQ(error({{"interval", bad}}),
              (ParamError{"interval",
                          fmt::format("interval: expected a whole number of s, m, h or d "
                                      "(\"30s\", \"15m\", \"1h\", \"1d\") or day, week, month, "
                                      "quarter, year; got \"{}\"",
                                      bad)}))
        << bad;
  }
  EXPECT_EQ(error({{"interval", "0s"}}), (ParamError{"interval", "interval: must be at least 1s"}));
  EXPECT_EQ(error({{"interval", "999999999999d"}}),
            (ParamError{"interval", "interval: \"999999999999d\" is too long"}));
  EXPECT_EQ(error({{"interval", "99999999999999999999999s"}}).field, "interval");
  EXPECT_EQ(error({{"interval", "1h"}, {"tz", "Mars/Olympus"}}),
            (ParamError{"tz", "tz: time zone \"Mars/Olympus\": unknown zone"}));
  EXPECT_EQ(error({{"interval", "1h"}, {"tz", "../etc/passwd"}}).field, "tz");
  EXPECT_EQ(error({{"interval", "1h"}, {"by", "details"}}),
            (ParamError{"by", "by: cannot group on \"details\""}));
  EXPECT_EQ(error({{"interval", "1h"}, {"top", "5"}}), (ParamError{"top", "top: needs by"}));
  EXPECT_EQ(error({{"interval", "1h"}, {"by", "ip"}, {"top", "0"}}),
            (ParamError{"top", "top: must be between 1 and 10000, got 0"}));
  EXPECT_EQ(error({{"interval", "1h"}, {"fill", "yes"}}),
            (ParamError{"fill", "fill: must be true, false, 1 or 0, got \"yes\""}));
  EXPECT_EQ(error({{"interval", "1h"}, {"field", "ip"}}),
            (ParamError{"field", "unknown parameter \"field\""}));
}

TEST(ParseHistogramParams, FillRefusedOverTooManyBuckets) {
  // Two days of seconds: 172,800 buckets.
  const Params params = {
      {"interval", "1s"}, {"from", "2025-03-16"}, {"to", "2025-03-18"}, {"fill", "true"}};
  EXPECT_EQ(StatsError(ParseHistogramParams, params),
            (ParamError{"fill",
                        "fill: more than 100000 buckets; use a longer interval or a shorter time "
                        "range"}));
  // Without fill only the non-empty buckets are answered: no refusal here.
  Params no_fill = params;
  no_fill.pop_back();
  EXPECT_FALSE(Stats(ParseHistogramParams, no_fill).fill);
  // Exactly at the limit is fine: 100,000 one-second buckets.
  EXPECT_TRUE(Stats(ParseHistogramParams, {{"interval", "1s"},
                                           {"from", "1742083200000"},
                                           {"to", "1742183200000"},
                                           {"fill", "true"}})
                  .fill);
  EXPECT_EQ(StatsError(ParseHistogramParams, {{"interval", "1s"},
                                              {"from", "1742083200000"},
                                              {"to", "1742183201000"},
                                              {"fill", "true"}})
                .field,
            "fill");
}

// ---- GET /v1/stats/distinct

TEST(ParseDistinctParams, WithAndWithoutInterval) {
  const StatsRequest plain = Stats(ParseDistinctParams, {{"field", "actor.id"}, {"q", "type:s"}});
  EXPECT_EQ(std::get<query::DistinctCount>(plain.spec).field, Field("actor.id"));
  const StatsRequest per_day =
      Stats(ParseDistinctParams,
            {{"field", "actor.id"}, {"interval", "day"}, {"tz", "-05:00"}, {"fill", "true"}});
  const auto& histogram = std::get<query::DateHistogram>(per_day.spec);
  EXPECT_EQ(histogram.calendar, query::CalendarUnit::kDay);
  EXPECT_EQ(histogram.time_zone, "-05:00");
  EXPECT_EQ(std::get<query::DistinctCount>(histogram.per_bucket).field, Field("actor.id"));
  EXPECT_TRUE(per_day.fill);
}

TEST(ParseDistinctParams, Errors) {
  const auto error = [](const Params& params) { return StatsError(ParseDistinctParams, params); };
  EXPECT_EQ(error({}), (ParamError{"field", "field: is required"}));
  EXPECT_EQ(error({{"field", "nope"}}), (ParamError{"field", "field: unknown field \"nope\""}));
  EXPECT_EQ(error({{"field", "details"}}),
            (ParamError{"field", "field: cannot group on \"details\""}));
  EXPECT_EQ(error({{"field", "ip"}, {"tz", "UTC"}}), (ParamError{"tz", "tz: needs interval"}));
  EXPECT_EQ(error({{"field", "ip"}, {"fill", "true"}}),
            (ParamError{"fill", "fill: needs interval"}));
  EXPECT_EQ(error({{"field", "ip"}, {"by", "type"}}),
            (ParamError{"by", "unknown parameter \"by\""}));
  EXPECT_EQ(error({{"field", "ip"}, {"interval", "2x"}}).field, "interval");
}

// ---- bucket arithmetic shared with rendering

TEST(HistogramBuckets, FixedAndCalendarInUtcAndZones) {
  query::DateHistogram hourly;
  hourly.interval_micros = kHourMicros;
  const query::TimeZone utc = query::TimeZone::Utc();
  EXPECT_EQ(HistogramBucketStart(hourly, utc, kMarch16 + kHourMicros + 5), kMarch16 + kHourMicros);
  EXPECT_EQ(NextHistogramBucketStart(hourly, utc, kMarch16), kMarch16 + kHourMicros);

  query::DateHistogram monthly;
  monthly.calendar = query::CalendarUnit::kMonth;
  EXPECT_EQ(HistogramBucketStart(monthly, utc, kMarch16), 1'740'787'200'000'000);  // 2025-03-01
  EXPECT_EQ(NextHistogramBucketStart(monthly, utc, 1'740'787'200'000'000),
            1'743'465'600'000'000);  // 2025-04-01

  // Berlin's 2025-03-30 has 23 hours: the next day starts 23 h later.
  AL_ASSERT_OK_AND_ASSIGN(const query::TimeZone berlin, query::TimeZone::Load("Europe/Berlin"));
  query::DateHistogram daily;
  daily.calendar = query::CalendarUnit::kDay;
  const event::UnixMicros march30 = 1'743'289'200'000'000;  // 2025-03-29T23:00:00Z
  EXPECT_EQ(HistogramBucketStart(daily, berlin, march30 + 5 * kHourMicros), march30);
  EXPECT_EQ(NextHistogramBucketStart(daily, berlin, march30), march30 + 23 * kHourMicros);

  // Clocks set back (2025-10-26 03:00 CEST → 02:00 CET): local 02:00 occurs
  // twice; each hour is still its own bucket and the walk only moves forward.
  const event::UnixMicros oct26_midnight_utc = 1'761'436'800'000'000;  // 2025-10-26T00:00:00Z
  event::UnixMicros start = HistogramBucketStart(hourly, berlin, oct26_midnight_utc);
  for (int step = 0; step < 4; ++step) {
    const event::UnixMicros next = NextHistogramBucketStart(hourly, berlin, start);
    EXPECT_GT(next, start);
    EXPECT_EQ(HistogramBucketStart(hourly, berlin, next), next);
    start = next;
  }
}

}  // namespace
}  // namespace auditlog::api::native

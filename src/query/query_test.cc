#include "query/query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "event/fields.h"
#include "query/matcher.h"
#include "testing/status_matchers.h"

namespace auditlog::query {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

const event::FieldSpec& F(std::string_view path) { return *event::FindField(path); }

TEST(Wildcard, StarMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(WildcardMatches("j*", "john"));
  EXPECT_TRUE(WildcardMatches("*usa", "Texas, usa"));
  EXPECT_TRUE(WildcardMatches("a*b*c", "abc"));
  EXPECT_TRUE(WildcardMatches("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(WildcardMatches("*", ""));
  EXPECT_TRUE(WildcardMatches("**a**", "a"));
  EXPECT_FALSE(WildcardMatches("a*b", "a"));
  EXPECT_FALSE(WildcardMatches("abc", "abcd"));
  EXPECT_FALSE(WildcardMatches("J*", "john"));    // case-sensitive
  EXPECT_TRUE(WildcardMatches("*aab", "aaaab"));  // needs backtracking
}

TEST(Cidr, Ipv4Ipv6AndMappedAddresses) {
  auto network = ParseIpNetwork("10.0.0.0/8");
  ASSERT_TRUE(network);
  EXPECT_TRUE(network->Contains(*ParseIpAddress("10.200.3.4")));
  EXPECT_TRUE(network->Contains(*ParseIpAddress("::ffff:10.1.2.3")));
  EXPECT_FALSE(network->Contains(*ParseIpAddress("11.0.0.1")));
  EXPECT_FALSE(network->Contains(*ParseIpAddress("2001:db8::1")));
  auto v6 = ParseIpNetwork("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->Contains(*ParseIpAddress("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->Contains(*ParseIpAddress("2001:db9::1")));
  auto host = ParseIpNetwork("192.168.1.7");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->Contains(*ParseIpAddress("192.168.1.7")));
  EXPECT_FALSE(host->Contains(*ParseIpAddress("192.168.1.8")));
  auto odd = ParseIpNetwork("172.16.0.0/12");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->Contains(*ParseIpAddress("172.31.255.255")));
  EXPECT_FALSE(odd->Contains(*ParseIpAddress("172.32.0.0")));
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "10.0.0.0/", "x", "",
                          "10.0.0.0/8/8", "fe80::1%eth0"})
    EXPECT_FALSE(ParseIpNetwork(bad)) << bad;
  EXPECT_FALSE(ParseIpAddress("not-an-ip"));
}

TEST(DetailsValue, PathsIntoTheObject) {
  const std::string details =
      R"({"request":{"channel":"https://manage.example.com/","n":42,"ok":true,"none":null},"list":[1,2]})";
  EXPECT_EQ(DetailsValue(details, "request.channel"), "https://manage.example.com/");
  EXPECT_EQ(DetailsValue(details, "request.n"), "42");
  EXPECT_EQ(DetailsValue(details, "request.ok"), "true");
  EXPECT_EQ(DetailsValue(details, "request.none"), std::nullopt);
  EXPECT_EQ(DetailsValue(details, "list"), "[1,2]");
  EXPECT_EQ(DetailsValue(details, "request.missing"), std::nullopt);
  EXPECT_EQ(DetailsValue(details, "list.0"), std::nullopt);  // no array indexing
  EXPECT_EQ(DetailsValue("", "a"), std::nullopt);
  EXPECT_EQ(DetailsValue("{broken", "a"), std::nullopt);
}

TEST(Matcher, PhraseNeedsWordsInOrderAndAdjacent) {
  event::Event event;
  event.description = "Nicole Barnes logged in to Store Console 18";
  EXPECT_TRUE(Matches(Filter::Phrase(F("description"), "logged in"), event));
  EXPECT_TRUE(Matches(Filter::Phrase(F("description"), "LOGGED, in!"), event));
  EXPECT_FALSE(Matches(Filter::Phrase(F("description"), "in logged"), event));
  EXPECT_FALSE(Matches(Filter::Phrase(F("description"), "logged to"), event));
  event.description = "创建「 u_0001 」共 2 个用户";
  EXPECT_TRUE(Matches(Filter::Phrase(F("description"), "个用户"), event));
  EXPECT_TRUE(Matches(Filter::Phrase(F("description"), "个 用 户"), event));
  EXPECT_FALSE(Matches(Filter::Phrase(F("description"), "用户个"), event));
}

TEST(Matcher, WildcardOnTextFieldsTestsTokens) {
  event::Event event;
  event.description = "Login failed for Nicole";
  EXPECT_TRUE(Matches(Filter::Wildcard(F("description"), "log*"), event));
  EXPECT_TRUE(Matches(Filter::Wildcard(F("description"), "LOG*"), event));
  EXPECT_TRUE(Matches(Filter::Wildcard(F("description"), "*cole"), event));
  EXPECT_FALSE(Matches(Filter::Wildcard(F("description"), "login f*"), event));
  event.type = "sapi";
  EXPECT_TRUE(Matches(Filter::Wildcard(F("type"), "s*"), event));
  EXPECT_FALSE(Matches(Filter::Wildcard(F("type"), "S*"), event));
}

TEST(Matcher, NotIncludesEventsWithoutTheField) {
  event::Event event;
  EXPECT_TRUE(Matches(Filter::Not(Filter::Eq(F("ip"), std::string("10.0.0.1"))), event));
  EXPECT_FALSE(Matches(Filter::Cidr(F("ip"), "0.0.0.0/0"), event));
  event.ip = "not an address";
  EXPECT_FALSE(Matches(Filter::Cidr(F("ip"), "0.0.0.0/0"), event));
}

TEST(Validate, RejectsWhatCannotBeAnswered) {
  EXPECT_THAT(ValidateFilter(Filter::Cidr(F("actor.id"), "10.0.0.0/8")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ip only")));
  EXPECT_THAT(ValidateFilter(Filter::Cidr(F("ip"), "10.0.0.0/40")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a network")));
  EXPECT_THAT(ValidateFilter(Filter::Phrase(F("type"), "a b")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a text field")));
  EXPECT_THAT(ValidateFilter(Filter::Phrase(F("description"), " ,. ")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no searchable word")));
  EXPECT_THAT(ValidateFilter(Filter::Wildcard(F("timestamp"), "1*")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("string field")));
  EXPECT_THAT(ValidateFilter(Filter::AtDetailsPath("a.b", Filter::Eq(F("type"), std::string("x")))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("only details takes a path")));
  EXPECT_THAT(ValidateFilter(Filter::AtDetailsPath("a..b", Filter::Exists(F("details")))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty path step")));
  EXPECT_THAT(ValidateFilter(Filter::AtDetailsPath("a", Filter::Text(F("details"), "x"))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("takes exact, prefix")));
  EXPECT_THAT(ValidateFilter(Filter::Range(F("seq"), RangeBound{int64_t{9}, true},
                                           RangeBound{int64_t{3}, true})),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("range starts after it ends")));

  Query query;
  query.tenant = "acme";
  query.limit = 0;
  EXPECT_THAT(ValidateQuery(query), StatusIs(StatusCode::kInvalidArgument, HasSubstr("limit")));
  query.limit = 100'000;
  EXPECT_THAT(ValidateQuery(query), StatusIs(StatusCode::kInvalidArgument, HasSubstr("limit")));
  query.limit = 10;
  query.after = Position{{Scalar(int64_t{1}), Scalar(int64_t{2})}, 5};
  EXPECT_THAT(ValidateQuery(query),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another sort")));
  query.after = Position{{Scalar(std::string("x"))}, 5};
  EXPECT_THAT(ValidateQuery(query),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another sort")));
  query.after = Position{{Scalar(int64_t{1})}, 5};
  AL_EXPECT_OK(ValidateQuery(query));
  query.offset = 3;
  EXPECT_THAT(ValidateQuery(query), StatusIs(StatusCode::kInvalidArgument, HasSubstr("offset")));
  query.offset = 0;
  query.tenant = std::string(kAllTenants);
  EXPECT_THAT(ValidateQuery(query),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("all tenants")));
}

TEST(Validate, AggSpecs) {
  DateHistogram histogram;
  EXPECT_THAT(ValidateAggSpec(histogram),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("either a fixed interval")));
  histogram.interval_micros = 3'600'000'000;
  histogram.calendar = CalendarUnit::kDay;
  EXPECT_THAT(ValidateAggSpec(histogram),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("either a fixed interval")));
  histogram.calendar.reset();
  AL_EXPECT_OK(ValidateAggSpec(histogram));
  histogram.field = &F("type");
  EXPECT_THAT(ValidateAggSpec(histogram),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a time field")));
  histogram.field = nullptr;
  histogram.time_zone = "Mars/Olympus";
  EXPECT_THAT(ValidateAggSpec(histogram),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown zone")));
  EXPECT_THAT(ValidateAggSpec(DistinctCount{&F("details")}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("distinct count")));
  EXPECT_THAT(ValidateAggSpec(CountBy{&F("type"), 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("top")));
}

TEST(DebugString, RendersEveryNode) {
  const Filter filter =
      Filter::And({Filter::Eq(F("type"), std::string("s")), Filter::Not(Filter::Exists(F("ip"))),
                   Filter::Range(F("seq"), RangeBound{int64_t{1}, true}, std::nullopt),
                   Filter::AtDetailsPath("a.b", Filter::Prefix(F("details"), "x"))});
  EXPECT_EQ(DebugString(filter),
            "and(eq type \"s\"; not(exists ip); range seq [1 .. *); prefix details.a.b \"x\")");
}

}  // namespace
}  // namespace auditlog::query

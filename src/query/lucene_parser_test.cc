#include "query/lucene_parser.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "event/event.h"
#include "event/fields.h"
#include "event/time.h"
#include "query/matcher.h"

namespace auditlog::query {
namespace {

using ::testing::StartsWith;

// The parsed filter as DebugString renders it, or the error's message.
std::string Parse(std::string_view text, LuceneDialect dialect) {
  Result<Filter> filter = ParseLucene(text, dialect);
  if (!filter.ok()) {
    EXPECT_EQ(filter.error().code(), StatusCode::kInvalidArgument) << text;
    return std::string(filter.error().message());
  }
  EXPECT_TRUE(ValidateFilter(*filter).ok()) << text;
  return DebugString(*filter);
}

std::string Native(std::string_view text) { return Parse(text, LuceneDialect::kNative); }
std::string Auth0(std::string_view text) { return Parse(text, LuceneDialect::kAuth0); }

Filter MustParse(std::string_view text, LuceneDialect dialect) {
  Result<Filter> filter = ParseLucene(text, dialect);
  EXPECT_TRUE(filter.ok()) << text << ": " << filter.status();
  return filter.ok() ? *filter : Filter::All();
}

// An instant in microseconds, as DebugString prints it.
std::string At(std::string_view rfc3339) {
  Result<event::UnixMicros> micros = event::ParseDateTime(rfc3339);
  EXPECT_TRUE(micros.ok()) << rfc3339;
  return std::to_string(micros.ok() ? *micros : 0);
}

// The instant one microsecond before `rfc3339`: the last instant of the span ending there.
std::string Before(std::string_view rfc3339) {
  return std::to_string(*event::ParseDateTime(rfc3339) - 1);
}

event::Event EventWithDescription(std::string description) {
  event::Event event;
  event.description = std::move(description);
  return event;
}

// --- Auth0's "Log Search Query Syntax" page ---
// (auth0.com/docs/deploy-monitor/logs/log-search-query-syntax; auth0/docs
// articles/logs/references/query-syntax.md), every example in order.

TEST(LuceneAuth0, QuerySyntaxPageExampleTable) {
  // Search all logs with connections that contains "Pass".
  EXPECT_EQ(Auth0("connection:*pass*"), R"(wildcard connection "*pass*")");
  // ... for users with a user name that contains "fred".
  EXPECT_EQ(Auth0("user_name:*fred*"), R"(wildcard actor.name "*fred*")");
  // ... with user id's matching exactly "123".
  EXPECT_EQ(Auth0(R"(user_id:"123")"), R"(eq actor.id "123")");
  // ... with a type starting with "s".
  EXPECT_EQ(Auth0("type:s*"), R"(wildcard type "s*")");
  // ... user names that start with "jane" and end with "smith".
  EXPECT_EQ(Auth0("user_name:jane*smith"), R"(wildcard actor.name "jane*smith")");
  // ... from December 10, 2018 forward.
  EXPECT_EQ(Auth0("date:[2018-12-10 TO *]"),
            "range timestamp [" + At("2018-12-10T00:00:00Z") + " .. *)");
  // ... from January 1, 2019 at 1AM, until, but not including January 1, 2019 at 12:23:45.
  EXPECT_EQ(
      Auth0("date:[2019-01-01T01:00:00 TO 2019-01-01T12:23:45}"),
      "range timestamp [" + At("2019-01-01T01:00:00Z") + " .. " + At("2019-01-01T12:23:45Z") + ")");
}

// The table's "all logs in December 2018", `date:[2018-12 TO 2018-01-01}`,
// ends before it starts (the page means 2019-01-01): an error, as any range
// that starts after it ends. The intended query works, "2018-12" naming the
// month.
TEST(LuceneAuth0, QuerySyntaxPageDecemberExampleEndsBeforeItStarts) {
  EXPECT_EQ(Auth0("date:[2018-12 TO 2018-01-01}"),
            R"(q: at 6: range starts after it ends: "2018-12" is after "2018-01-01")");
  EXPECT_EQ(
      Auth0("date:[2018-12 TO 2019-01-01}"),
      "range timestamp [" + At("2018-12-01T00:00:00Z") + " .. " + At("2019-01-01T00:00:00Z") + ")");
}

TEST(LuceneAuth0, QuerySyntaxPageRangesSection) {
  // "to find all logs from December 18, 2018 until the present".
  EXPECT_EQ(Auth0("date:[2018-12-18 TO *]"),
            "range timestamp [" + At("2018-12-18T00:00:00Z") + " .. *)");
  // "from the beginning of your retention period until, but not including, December 19, 2018".
  EXPECT_EQ(Auth0("date:[* TO 2018-12-19}"),
            "range timestamp (* .. " + At("2018-12-19T00:00:00Z") + ")");
  // "Curly and square brackets can be combined"; inclusive upper ends take the whole day.
  EXPECT_EQ(Auth0("date:{2018-12-18 TO 2018-12-19]"), "range timestamp (" +
                                                          Before("2018-12-19T00:00:00Z") + " .. " +
                                                          Before("2018-12-20T00:00:00Z") + "]");
}

TEST(LuceneAuth0, QuerySyntaxPageExactMatchingAndWildcards) {
  // "To find exact matches, use double quotes".
  EXPECT_EQ(Auth0(R"(description:"Username invalid")"), R"(eq description "Username invalid")");
  // "user_name:john*", "prefix matching, for example user_name:j*".
  EXPECT_EQ(Auth0("user_name:john*"), R"(wildcard actor.name "john*")");
  EXPECT_EQ(Auth0("user_name:j*"), R"(wildcard actor.name "j*")");
  // "name:*usa is allowed, but name:*sa is not" (name is not a log field).
  EXPECT_EQ(Auth0("name:*usa"), R"(q: at 1: unknown field "name")");
  EXPECT_EQ(Auth0("user_name:*usa"), R"(wildcard actor.name "*usa")");
  EXPECT_EQ(Auth0("user_name:*sa"),
            R"(q: at 11: "*sa": a wildcard other than a prefix (j*) needs at least 3 literal )"
            R"(characters (*usa, not *sa))");
  // "The question mark character (?), is currently not supported."
  EXPECT_EQ(Auth0("user_name:jo?n"),
            R"(q: at 13: the ? wildcard is not supported (use *, or \? for a literal ?))");
}

TEST(LuceneAuth0, QuerySyntaxPageLimitations) {
  // "description:rule will not match a description with value Create a rule
  // ... Instead, use description:*rule".
  const event::Event create_a_rule = EventWithDescription("Create a rule");
  EXPECT_EQ(Auth0("description:rule"), R"(eq description "rule")");
  EXPECT_FALSE(Matches(MustParse("description:rule", LuceneDialect::kAuth0), create_a_rule));
  EXPECT_EQ(Auth0("description:*rule"), R"(wildcard description "*rule")");
  EXPECT_TRUE(Matches(MustParse("description:*rule", LuceneDialect::kAuth0), create_a_rule));
  EXPECT_TRUE(Matches(MustParse("description:rule", LuceneDialect::kNative), create_a_rule));
  // "use the path to the field ... Bare searches like details:"..." do not work."
  EXPECT_EQ(Auth0(R"(details.request.channel:"https://manage.auth0.com/")"),
            R"(eq details.request.channel "https://manage.auth0.com/")");
  EXPECT_EQ(Auth0(R"(details:"https://manage.auth0.com/")"),
            R"(q: at 1: details cannot be searched as a whole; name a path inside it, e.g. )"
            R"(details.request.channel:"https://manage.auth0.com/")");
}

TEST(LuceneAuth0, BareTermsSearchTheDocumentedFieldsByWholeValue) {
  EXPECT_EQ(Auth0("jane"),
            R"(or(eq actor.name "jane"; eq connection "jane"; eq client.name "jane"; )"
            R"(eq type "jane"; eq ip "jane"; eq id "jane"; eq description "jane"))");
  // The page's phrase example, "customer log": still one whole value.
  EXPECT_EQ(Auth0(R"("customer log")"),
            R"(or(eq actor.name "customer log"; eq connection "customer log"; )"
            R"(eq client.name "customer log"; eq type "customer log"; eq ip "customer log"; )"
            R"(eq id "customer log"; eq description "customer log"))");
  EXPECT_EQ(Auth0("jane*"),
            R"(or(wildcard actor.name "jane*"; wildcard connection "jane*"; )"
            R"(wildcard client.name "jane*"; wildcard type "jane*"; wildcard ip "jane*"; )"
            R"(wildcard id "jane*"; prefix description "jane"))");
  EXPECT_EQ(Auth0("*sa"),
            R"(q: at 1: "*sa": a wildcard other than a prefix (j*) needs at least 3 literal )"
            R"(characters (*usa, not *sa))");
}

TEST(LuceneAuth0, FieldNamesAreAuth0s) {
  EXPECT_EQ(Auth0("log_id:90020190101"), R"(eq id "90020190101")");
  EXPECT_EQ(Auth0("client_id:AaiyAPdp"), R"(eq client.id "AaiyAPdp")");
  EXPECT_EQ(Auth0("client_name:\"My app\""), R"(eq client.name "My app")");
  EXPECT_EQ(Auth0("strategy:auth0 AND hostname:login.example.com"),
            R"(and(eq strategy "auth0"; eq hostname "login.example.com"))");
  EXPECT_EQ(Auth0("audience:https\\://api OR scope:read\\:logs"),
            R"(or(eq audience "https://api"; eq scope "read:logs"))");
  EXPECT_EQ(Auth0("user_agent:\"Chrome 114.0.0 / Windows 10.0.0\""),
            R"(eq user_agent "Chrome 114.0.0 / Windows 10.0.0")");
  EXPECT_EQ(Auth0("location_info.country_code:DE"), R"(eq geo.country_code "DE")");
  EXPECT_EQ(Auth0("isMobile:true"), R"(eq ua.is_mobile "true")");
  EXPECT_EQ(Auth0("ip:10.0.0.0/8"), R"(eq ip "10.0.0.0/8")");  // no network match in Auth0
  // Native paths are not Auth0 names.
  EXPECT_EQ(Auth0("actor.id:u1"), R"(q: at 1: unknown field "actor.id")");
  EXPECT_EQ(Auth0("timestamp:2019-01-01"), R"(q: at 1: unknown field "timestamp")");
}

// The Auth0 decoder keeps these in details (as @name when the record's own
// details had the name); they are searched as the log object shows them.
TEST(LuceneAuth0, DocumentedMembersKeptInDetailsAreSearchedThere) {
  for (std::string_view name : {"connection_id", "strategy_type", "organization_id"}) {
    EXPECT_EQ(Auth0(fmt::format("{}:abc", name)),
              fmt::format("or(eq details.@{0} \"abc\"; and(eq details.{0} \"abc\"; "
                          "not(exists details.@{0})))",
                          name));
  }
  auto filter = ParseLucene("connection_id:con_1", LuceneDialect::kAuth0);
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  event::Event event;
  event.details = R"({"connection_id":"con_1"})";
  EXPECT_TRUE(Matches(*filter, event));
  event.details = R"({"connection_id":"inner","@connection_id":"con_1"})";
  EXPECT_TRUE(Matches(*filter, event)) << "the top-level value, kept as @connection_id";
  event.details = R"({"connection_id":"con_1","@connection_id":"con_2"})";
  EXPECT_FALSE(Matches(*filter, event)) << "details' own connection_id is not the top-level one";
  event.details = R"({"n":1})";
  EXPECT_FALSE(Matches(*filter, event));
  auto prefix = ParseLucene("strategy_type:data*", LuceneDialect::kAuth0);
  ASSERT_TRUE(prefix.ok()) << prefix.status().ToString();
  event.details = R"({"strategy_type":"database"})";
  EXPECT_TRUE(Matches(*prefix, event));
  EXPECT_THAT(Auth0("type:(f OR connection_id:x)"),
              StartsWith("q: at 12: a field group cannot name another field"));
  auto absent = ParseLucene("NOT organization_id:*", LuceneDialect::kAuth0);
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_TRUE(Matches(*absent, event));
}

// Description and user_agent are word-indexed here; Auth0 matches whole values.
TEST(LuceneAuth0, TextFieldPatternsApproximateWholeValueMatching) {
  EXPECT_EQ(Auth0("description:Create*"), R"(prefix description "Create")");
  EXPECT_EQ(Auth0("description:*rule"), R"(wildcard description "*rule")");
  EXPECT_EQ(Auth0("description:*fred*"), R"(wildcard description "*fred*")");
  EXPECT_EQ(Auth0("description:jane*smith"),
            R"(and(prefix description "jane"; wildcard description "*smith"))");
  EXPECT_EQ(Auth0("user_agent:Mozilla/5.0*Safari*"),
            R"(and(prefix user_agent "Mozilla/5.0"; wildcard user_agent "*Safari*"))");
  EXPECT_EQ(Auth0("description:*a\\ rule"),
            R"(q: at 13: "*a\\ rule": on description, each part of a pattern after its first * )"
            R"(must be one word: "a rule" is not a single word)");
  EXPECT_EQ(Auth0("description:*"), "exists description");

  const Filter jane_smith = MustParse("description:jane*smith", LuceneDialect::kAuth0);
  EXPECT_TRUE(Matches(jane_smith, EventWithDescription("jane smith")));
  EXPECT_TRUE(Matches(jane_smith, EventWithDescription("jane q. smith")));
  EXPECT_FALSE(Matches(jane_smith, EventWithDescription("Jane smith")));  // prefix is exact
  EXPECT_FALSE(Matches(jane_smith, EventWithDescription("jane doe")));
  const Filter create = MustParse("description:Create*", LuceneDialect::kAuth0);
  EXPECT_TRUE(Matches(create, EventWithDescription("Create a rule")));
  EXPECT_FALSE(Matches(create, EventWithDescription("create a rule")));
  // The documented superset: a word ending in "rule" anywhere, any case.
  const Filter rule = MustParse("description:*rule", LuceneDialect::kAuth0);
  EXPECT_TRUE(Matches(rule, EventWithDescription("Create a rule set")));
  EXPECT_TRUE(Matches(rule, EventWithDescription("Update a RULE")));
  EXPECT_FALSE(Matches(rule, EventWithDescription("Update a rules")));
}

// Lucene's default operator is OR: required (+), prohibited (-, NOT) and optional clauses.
TEST(LuceneAuth0, SideBySideFollowsLucenesDefaultOr) {
  EXPECT_EQ(Auth0("type:s type:f"), R"(or(eq type "s"; eq type "f"))");
  EXPECT_EQ(Auth0("type:s -type:f"), R"(and(eq type "s"; not(eq type "f")))");
  EXPECT_EQ(Auth0("type:s NOT type:f"), R"(and(eq type "s"; not(eq type "f")))");
  EXPECT_EQ(Auth0("type:s type:f -user_id:u1"),
            R"(and(or(eq type "s"; eq type "f"); not(eq actor.id "u1")))");
  EXPECT_EQ(Auth0("type:s +type:f"), R"(eq type "f")");
  EXPECT_EQ(Auth0("+type:s +user_id:u1 type:f"), R"(and(eq type "s"; eq actor.id "u1"))");
  EXPECT_EQ(Auth0("-type:s -type:f"), R"(and(not(eq type "s"); not(eq type "f")))");
  EXPECT_EQ(Auth0("type:s type:f AND user_id:u1"),
            R"(or(eq type "s"; and(eq type "f"; eq actor.id "u1")))");
  EXPECT_EQ(Auth0("type:s OR NOT type:f"), R"(or(eq type "s"; not(eq type "f")))");
  EXPECT_EQ(Auth0("type:(s f)"), R"(or(eq type "s"; eq type "f"))");
  EXPECT_EQ(Auth0("-type:s"), R"(not(eq type "s"))");
  EXPECT_EQ(Auth0("+type:s"), R"(eq type "s")");
}

TEST(LuceneAuth0, TypedFields) {
  EXPECT_EQ(Auth0("date:2019-01-01"), "range timestamp [" + At("2019-01-01T00:00:00Z") + " .. " +
                                          Before("2019-01-02T00:00:00Z") + "]");
  EXPECT_EQ(Auth0("date:abc"), R"(q: at 6: "abc" is not a date for field date (write 2019-01-01, )"
                               R"(2019-01-01T01:00:00Z or epoch milliseconds))");
  EXPECT_EQ(Auth0("location_info.latitude:[40 TO 50]"), "range geo.latitude [40 .. 50]");
  EXPECT_EQ(Auth0("details.stats.loginsCount:*"), "exists details.stats.loginsCount");
  EXPECT_EQ(Auth0("details.error.message:*sa"),
            R"(q: at 23: "*sa": a wildcard other than a prefix (j*) needs at least 3 literal )"
            R"(characters (*usa, not *sa))");
}

// --- Native dialect: each rule of the issue ---

TEST(LuceneNative, EmptyTextMatchesEverything) {
  EXPECT_EQ(Native(""), "all");
  EXPECT_EQ(Native(" \t\r\n"), "all");
  EXPECT_EQ(Native("*"), "all");
  EXPECT_EQ(Native("*:*"), "all");
  EXPECT_EQ(Auth0(""), "all");
}

TEST(LuceneNative, BareTermsSearchTextFieldsAndNames) {
  EXPECT_EQ(Native("login"),
            R"(or(text description "login"; text name "login"; text result_message "login"; )"
            R"(text user_agent "login"; eq actor.name "login"; eq client.name "login"))");
  EXPECT_EQ(Native(R"("login failed")"),
            R"(or(phrase description "login failed"; phrase name "login failed"; )"
            R"(phrase result_message "login failed"; phrase user_agent "login failed"; )"
            R"(eq actor.name "login failed"; eq client.name "login failed"))");
  EXPECT_EQ(Native("log*"), R"(or(wildcard description "log*"; wildcard name "log*"; )"
                            R"(wildcard result_message "log*"; wildcard user_agent "log*"; )"
                            R"(wildcard actor.name "log*"; wildcard client.name "log*"))");
  // Text fields are left out where the term cannot match a word.
  EXPECT_EQ(Native("10.0.*"), R"(or(wildcard actor.name "10.0.*"; wildcard client.name "10.0.*"))");
  EXPECT_EQ(Native("__"), R"(or(eq actor.name "__"; eq client.name "__"))");
  EXPECT_EQ(Native(R"("!!")"), R"(or(eq actor.name "!!"; eq client.name "!!"))");
}

TEST(LuceneNative, KeywordFieldsMatchExactlyOrByPattern) {
  EXPECT_EQ(Native("type:s"), R"(eq type "s")");
  EXPECT_EQ(Native(R"(type:"s")"), R"(eq type "s")");
  EXPECT_EQ(Native("actor.id:User-1"), R"(eq actor.id "User-1")");
  EXPECT_EQ(Native(R"(actor.name:"Jane Smith")"), R"(eq actor.name "Jane Smith")");
  EXPECT_EQ(Native("type:s*"), R"(wildcard type "s*")");
  EXPECT_EQ(Native("type:*login*"), R"(wildcard type "*login*")");
  EXPECT_EQ(Native("type:*"), "exists type");
  EXPECT_EQ(Native("type:**"), "exists type");
  EXPECT_EQ(Native(R"(type:"a*")"), R"(eq type "a*")");  // quoted: literal
  EXPECT_EQ(Native("geo.country_code:CN"), R"(eq geo.country_code "CN")");
  // Value words may hold ':' and start with '-' after the field.
  EXPECT_EQ(Native("request_id:a:b:c"), R"(eq request_id "a:b:c")");
  EXPECT_EQ(Native("resource.id:-1"), R"(eq resource.id "-1")");
  EXPECT_EQ(Native("type: s"), R"(eq type "s")");
  // Case matters on keyword fields.
  event::Event event;
  event.type = "Login";
  EXPECT_TRUE(Matches(MustParse("type:Login", LuceneDialect::kNative), event));
  EXPECT_FALSE(Matches(MustParse("type:login", LuceneDialect::kNative), event));
}

TEST(LuceneNative, IpTakesNetworks) {
  EXPECT_EQ(Native("ip:10.0.0.0/8"), R"(cidr ip "10.0.0.0/8")");
  EXPECT_EQ(Native(R"(ip:"10.0.0.0/8")"), R"(eq ip "10.0.0.0/8")");  // quoted: exact
  EXPECT_EQ(Native("ip:2001:db8::/32"), R"(cidr ip "2001:db8::/32")");
  EXPECT_EQ(Native("ip:10.1.2.3"), R"(eq ip "10.1.2.3")");
  EXPECT_EQ(Native("ip:2001:db8::1"), R"(eq ip "2001:db8::1")");
  EXPECT_EQ(Native("ip:10.1.*"), R"(wildcard ip "10.1.*")");
  EXPECT_EQ(Native("ip:10.0.0.0/33"),
            R"(q: at 4: "10.0.0.0/33" is not a network for field ip (10.0.0.0/8, 2001:db8::/32))");
  event::Event event;
  event.ip = "10.20.30.40";
  EXPECT_TRUE(Matches(MustParse("ip:10.0.0.0/8", LuceneDialect::kNative), event));
  EXPECT_FALSE(Matches(MustParse("ip:192.168.0.0/16", LuceneDialect::kNative), event));
}

TEST(LuceneNative, TextFieldsMatchWordsPhrasesAndWordPatterns) {
  EXPECT_EQ(Native("description:Login"), R"(text description "Login")");
  EXPECT_EQ(Native(R"(description:"login failed")"), R"(phrase description "login failed")");
  EXPECT_EQ(Native("description:log*"), R"(wildcard description "log*")");
  EXPECT_EQ(Native("user_agent:*fox"), R"(wildcard user_agent "*fox")");
  EXPECT_EQ(Native("name:user-created"), R"(text name "user-created")");
  EXPECT_EQ(Native("result_message:denied"), R"(text result_message "denied")");
  EXPECT_EQ(Native("description:*"), "exists description");
  EXPECT_EQ(Native("description:foo-*"),
            R"(q: at 13: "foo-*": a pattern on text field description matches single words, )"
            R"(and each part between its *s must be one: "foo-" is not a single word)");
  EXPECT_EQ(Native("description:" + std::string(65, 'a') + "*"),
            R"(q: at 13: ")" + std::string(64, 'a') +
                R"("...: a pattern on text field description matches single words, and each )"
                R"(part between its *s must be one: ")" +
                std::string(64, 'a') + R"("... is longer than an indexed word (64 bytes))");
  EXPECT_EQ(Native("description:--"),
            R"(q: at 13: "--" has no searchable word for text field description)");
  EXPECT_EQ(Native(R"(description:"--")"),
            R"(q: at 13: "--" has no searchable word for text field description)");
  const event::Event event = EventWithDescription("Create a Rule");
  EXPECT_TRUE(Matches(MustParse("description:rule", LuceneDialect::kNative), event));
  EXPECT_TRUE(Matches(MustParse("description:RU*", LuceneDialect::kNative), event));
  EXPECT_TRUE(Matches(MustParse(R"(description:"a rule")", LuceneDialect::kNative), event));
  EXPECT_FALSE(Matches(MustParse(R"(description:"rule a")", LuceneDialect::kNative), event));
}

TEST(LuceneNative, TimeValuesNameTheirSpan) {
  EXPECT_EQ(Native("timestamp:2019-01-01"), "range timestamp [" + At("2019-01-01T00:00:00Z") +
                                                " .. " + Before("2019-01-02T00:00:00Z") + "]");
  EXPECT_EQ(Native("timestamp:2019-02"), "range timestamp [" + At("2019-02-01T00:00:00Z") + " .. " +
                                             Before("2019-03-01T00:00:00Z") + "]");
  EXPECT_EQ(Native("timestamp:2019-12"), "range timestamp [" + At("2019-12-01T00:00:00Z") + " .. " +
                                             Before("2020-01-01T00:00:00Z") + "]");
  EXPECT_EQ(Native("timestamp:2019-01-01T01:00"), "range timestamp [" + At("2019-01-01T01:00:00Z") +
                                                      " .. " + Before("2019-01-01T01:01:00Z") +
                                                      "]");
  EXPECT_EQ(Native("timestamp:2019-01-01T01:00:00"), "range timestamp [" +
                                                         At("2019-01-01T01:00:00Z") + " .. " +
                                                         Before("2019-01-01T01:00:01Z") + "]");
  EXPECT_EQ(Native("timestamp:2019-01-01T01:00:00.5+08:00"),
            "range timestamp [" + At("2019-01-01T01:00:00.5+08:00") + " .. " +
                Before("2019-01-01T01:00:00.6+08:00") + "]");
  EXPECT_EQ(Native("timestamp:2019-01-01T01:00:00.123456Z"),
            "eq timestamp \"" + At("2019-01-01T01:00:00.123456Z") + "\"");
  // Epoch milliseconds: the millisecond.
  EXPECT_EQ(Native("timestamp:1546300800000"),
            "range timestamp [1546300800000000 .. "
            "1546300800000999]");
  EXPECT_EQ(Native("received_at:[2019-01-01 TO 2019-01-31]"),
            "range received_at [" + At("2019-01-01T00:00:00Z") + " .. " +
                Before("2019-02-01T00:00:00Z") + "]");
  EXPECT_EQ(Native("timestamp:*"), "exists timestamp");
  event::Event event;
  event.timestamp = *event::ParseDateTime("2019-01-01T13:00:00Z");
  EXPECT_TRUE(Matches(MustParse("timestamp:2019-01-01", LuceneDialect::kNative), event));
  EXPECT_FALSE(Matches(MustParse("timestamp:2019-01-02", LuceneDialect::kNative), event));
  EXPECT_FALSE(Matches(MustParse("timestamp:[* TO 2019-01-01}", LuceneDialect::kNative), event));
  EXPECT_TRUE(Matches(MustParse("timestamp:[* TO 2019-01-01]", LuceneDialect::kNative), event));
}

TEST(LuceneNative, OtherTypedFields) {
  EXPECT_EQ(Native("seq:42"), R"(eq seq "42")");
  EXPECT_EQ(Native("geo.latitude:-33.5"), R"(eq geo.latitude "-33.5")");
  EXPECT_EQ(Native("result:success"), R"(eq result "success")");
  EXPECT_EQ(Native(R"(result:"failure")"), R"(eq result "failure")");
  EXPECT_EQ(Native("ua.is_mobile:false"), R"(eq ua.is_mobile "false")");
  EXPECT_EQ(Native("result:*"), "exists result");
}

TEST(LuceneNative, RangesOfEveryKindAndType) {
  // Brackets.
  EXPECT_EQ(Native("seq:[1 TO 5]"), "range seq [1 .. 5]");
  EXPECT_EQ(Native("seq:{1 TO 5}"), "range seq (1 .. 5)");
  EXPECT_EQ(Native("seq:[1 TO 5}"), "range seq [1 .. 5)");
  EXPECT_EQ(Native("seq:{1 TO 5]"), "range seq (1 .. 5]");
  EXPECT_EQ(Native("seq:[1 TO *]"), "range seq [1 .. *)");
  EXPECT_EQ(Native("seq:[* TO 5]"), "range seq (* .. 5]");
  EXPECT_EQ(Native("seq:[* TO *]"), "exists seq");
  EXPECT_EQ(Native("seq:[ 1  TO  5 ]"), "range seq [1 .. 5]");
  // Comparisons.
  EXPECT_EQ(Native("seq:>5"), "range seq (5 .. *)");
  EXPECT_EQ(Native("seq:>=5"), "range seq [5 .. *)");
  EXPECT_EQ(Native("seq:<5"), "range seq (* .. 5)");
  EXPECT_EQ(Native("seq:<=5"), "range seq (* .. 5]");
  // Types.
  EXPECT_EQ(Native("geo.longitude:[-74.5 TO 1e2}"), "range geo.longitude [-74.5 .. 100)");
  EXPECT_EQ(Native("actor.id:[a TO m}"), "range actor.id [a .. m)");
  EXPECT_EQ(Native(R"(actor.id:["a b" TO "m*"])"), "range actor.id [a b .. m*]");
  EXPECT_EQ(Native("description:[A TO B]"), "range description [A .. B]");
  EXPECT_EQ(Native("details.level:[3 TO 5]"), "range details.level [3 .. 5]");
  EXPECT_EQ(Native("timestamp:{2019-01-01 TO 2019-01-03}"),
            "range timestamp (" + Before("2019-01-02T00:00:00Z") + " .. " +
                At("2019-01-03T00:00:00Z") + ")");
  EXPECT_EQ(Native("timestamp:>2019-01-01T01:00:00"),
            "range timestamp (" + Before("2019-01-01T01:00:01Z") + " .. *)");
  EXPECT_EQ(Native("timestamp:>=2019-01-01T01:00:00Z"),
            "range timestamp [" + At("2019-01-01T01:00:00Z") + " .. *)");
  EXPECT_EQ(Native("timestamp:<2019-01-01"),
            "range timestamp (* .. " + At("2019-01-01T00:00:00Z") + ")");
  EXPECT_EQ(Native("timestamp:<=2019-01-01"),
            "range timestamp (* .. " + Before("2019-01-02T00:00:00Z") + "]");
  EXPECT_EQ(Native("timestamp:[1546300800000 TO 1546300800001]"),
            "range timestamp [1546300800000000 .. 1546300800001999]");
  EXPECT_EQ(Native(R"(timestamp:["2019-01-01T01:00:00Z" TO *])"),
            "range timestamp [" + At("2019-01-01T01:00:00Z") + " .. *)");
}

TEST(LuceneNative, DetailsPaths) {
  EXPECT_EQ(Native("details.request.channel:api"), R"(eq details.request.channel "api")");
  EXPECT_EQ(Native(R"(details.request.channel:"https://manage.auth0.com/")"),
            R"(eq details.request.channel "https://manage.auth0.com/")");
  EXPECT_EQ(Native("details.request.channel:https://manage.auth0.com/"),
            R"(eq details.request.channel "https://manage.auth0.com/")");
  EXPECT_EQ(Native("details.count:42"), R"(eq details.count "42")");
  EXPECT_EQ(Native("details.a.b:x*"), R"(wildcard details.a.b "x*")");
  EXPECT_EQ(Native("details.a:*"), "exists details.a");
  EXPECT_EQ(Native("details:*"), "exists details");
  EXPECT_EQ(Native("details:x"),
            R"(q: at 9: details takes a path (details.request.channel:value), or * for )"
            R"("present")");
  EXPECT_EQ(Native("details.a..b:x"), R"(q: at 1: empty step in the details path "details.a..b")");
  EXPECT_EQ(Native("details.:x"), R"(q: at 1: empty step in the details path "details.")");
  event::Event event;
  event.details = R"({"request":{"channel":"api"},"count":42})";
  EXPECT_TRUE(Matches(MustParse("details.request.channel:api", LuceneDialect::kNative), event));
  EXPECT_TRUE(Matches(MustParse("details.count:42", LuceneDialect::kNative), event));
  EXPECT_FALSE(Matches(MustParse("details.request.channel:web", LuceneDialect::kNative), event));
}

TEST(LuceneNative, PrecedenceIsNotThenAndThenSideBySideThenOr) {
  EXPECT_EQ(Native("type:a type:b OR type:c"), R"(or(and(eq type "a"; eq type "b"); eq type "c"))");
  EXPECT_EQ(Native("type:a OR type:b type:c"), R"(or(eq type "a"; and(eq type "b"; eq type "c")))");
  EXPECT_EQ(Native("type:a OR type:b AND type:c"),
            R"(or(eq type "a"; and(eq type "b"; eq type "c")))");
  EXPECT_EQ(Native("NOT type:a AND type:b"), R"(and(not(eq type "a"); eq type "b"))");
  EXPECT_EQ(Native("NOT (type:a AND type:b)"), R"(not(and(eq type "a"; eq type "b")))");
  EXPECT_EQ(Native("type:a || type:b && !type:c"),
            R"(or(eq type "a"; and(eq type "b"; not(eq type "c"))))");
  EXPECT_EQ(Native("(type:a OR type:b) type:c"),
            R"(and(or(eq type "a"; eq type "b"); eq type "c"))");
  EXPECT_EQ(Native("type:a AND (type:b OR (type:c AND type:d))"),
            R"(and(eq type "a"; or(eq type "b"; and(eq type "c"; eq type "d"))))");
  // Side by side is AND; + is a no-op and - is NOT.
  EXPECT_EQ(Native("type:a type:b type:c"), R"(and(eq type "a"; eq type "b"; eq type "c"))");
  EXPECT_EQ(Native("+type:a -type:b"), R"(and(eq type "a"; not(eq type "b")))");
  EXPECT_EQ(Native("type:a -type:b"), R"(and(eq type "a"; not(eq type "b")))");
  EXPECT_EQ(Native("NOT NOT type:a"), R"(not(not(eq type "a")))");
  // Lower-case words are terms, not operators.
  EXPECT_EQ(Native("type:a and type:b"),
            R"(and(eq type "a"; or(text description "and"; text name "and"; )"
            R"(text result_message "and"; text user_agent "and"; eq actor.name "and"; )"
            R"(eq client.name "and"); eq type "b"))");
  // '-', '+' and '!' inside a word are characters.
  EXPECT_EQ(Native("type:a-b+c!"), R"(eq type "a-b+c!")");
}

TEST(LuceneNative, NotAloneMeansEveryEventExcept) {
  EXPECT_EQ(Native("NOT type:s"), R"(not(eq type "s"))");
  EXPECT_EQ(Native("-type:s"), R"(not(eq type "s"))");
  EXPECT_EQ(Native("!type:s"), R"(not(eq type "s"))");
  EXPECT_EQ(Native("type:f OR NOT type:s"), R"(or(eq type "f"; not(eq type "s")))");
  event::Event event;
  EXPECT_TRUE(Matches(MustParse("NOT type:s", LuceneDialect::kNative), event));
  event.type = "s";
  EXPECT_FALSE(Matches(MustParse("NOT type:s", LuceneDialect::kNative), event));
}

TEST(LuceneNative, FieldGroupingAppliesTheFieldToEachTerm) {
  EXPECT_EQ(Native("type:(s OR f)"), R"(or(eq type "s"; eq type "f"))");
  EXPECT_EQ(Native("type:(s f)"), R"(and(eq type "s"; eq type "f"))");
  EXPECT_EQ(Native("type:(s -f)"), R"(and(eq type "s"; not(eq type "f")))");
  EXPECT_EQ(Native(R"(type:(s OR "f p" OR x*))"),
            R"(or(eq type "s"; eq type "f p"; wildcard type "x*"))");
  EXPECT_EQ(Native("type:(s OR (f AND NOT x))"),
            R"(or(eq type "s"; and(eq type "f"; not(eq type "x"))))");
  EXPECT_EQ(Native("description:(login failed)"),
            R"(and(text description "login"; text description "failed"))");
  EXPECT_EQ(Native("ip:(::1 OR 10.0.0.0/8)"), R"(or(eq ip "::1"; cidr ip "10.0.0.0/8"))");
  EXPECT_EQ(Native("seq:(>5 AND <10)"), "and(range seq (5 .. *); range seq (* .. 10))");
  EXPECT_EQ(Native("seq:([1 TO 2] OR [5 TO 6])"), "or(range seq [1 .. 2]; range seq [5 .. 6])");
  EXPECT_EQ(Native("timestamp:(2019-01-01T01:00:00.000001Z OR 2019-01-01T01:00:00.000002Z)"),
            "or(eq timestamp \"" + At("2019-01-01T01:00:00.000001Z") + "\"; eq timestamp \"" +
                At("2019-01-01T01:00:00.000002Z") + "\")");
  EXPECT_EQ(Native("type:(s OR f) AND actor.id:u1"),
            R"(and(or(eq type "s"; eq type "f"); eq actor.id "u1"))");
  EXPECT_EQ(Native("type:(a OR type:b)"),
            R"(q: at 12: a field group cannot name another field ("type"); write (a:x OR b:y) )"
            R"(instead, or quote the value)");
  EXPECT_EQ(Native(R"(type:(a OR "type:b"))"), R"(or(eq type "a"; eq type "type:b"))");
}

TEST(LuceneNative, Escapes) {
  EXPECT_EQ(Native(R"(type:a\ b)"), R"(eq type "a b")");
  EXPECT_EQ(Native(R"(type:a\*b)"), R"(eq type "a*b")");
  EXPECT_EQ(Native(R"-(type:\(x\))-"), R"-(eq type "(x)")-");
  EXPECT_EQ(Native(R"(type:\?\~\^\\\")"), R"(eq type "?~^\\\"")");
  EXPECT_EQ(Native(R"(actor.id:a\:b)"), R"(eq actor.id "a:b")");
  EXPECT_EQ(Native(R"(actor.name:"say \"hi\" \\ bye")"), R"(eq actor.name "say \"hi\" \\ bye")");
  EXPECT_EQ(Native(R"(\-type)"),
            R"(or(text description "-type"; text name "-type"; text result_message "-type"; )"
            R"(text user_agent "-type"; eq actor.name "-type"; eq client.name "-type"))");
  EXPECT_EQ(Native(R"(\AND)"),
            R"(or(text description "AND"; text name "AND"; text result_message "AND"; )"
            R"(text user_agent "AND"; eq actor.name "AND"; eq client.name "AND"))");
  EXPECT_EQ(Native(R"(type:\*)"), R"(eq type "*")");
  EXPECT_EQ(Native(R"(type:a\*b*)"),
            R"(q: at 6: "a\\*b*" mixes a * wildcard with a literal \*, which cannot be searched )"
            R"(for together)");
  EXPECT_EQ(Native(R"(type:a\)"),
            R"(q: at 7: a \ at the end escapes nothing (write \\ for a backslash))");
}

// Every error, with its position (1-based bytes).
TEST(LuceneErrors, PositionsAndReasons) {
  // Parentheses.
  EXPECT_EQ(Native("(type:a"), "q: at 1: unbalanced parenthesis: no ) closes this (");
  EXPECT_EQ(Native("type:a AND (type:b OR type:c"),
            "q: at 12: unbalanced parenthesis: no ) closes this (");
  EXPECT_EQ(Native("type:a)"), "q: at 7: unbalanced parenthesis: ) without a matching (");
  EXPECT_EQ(Native("((type:a)"), "q: at 1: unbalanced parenthesis: no ) closes this (");
  EXPECT_EQ(Native("type:(s OR f"), "q: at 6: unbalanced parenthesis: no ) closes this (");
  EXPECT_EQ(Native("("), "q: at 1: unbalanced parenthesis: no ) closes this (");
  EXPECT_EQ(Native(")"), "q: at 1: unbalanced parenthesis: ) without a matching (");
  EXPECT_EQ(Native("()"), "q: at 1: empty group ()");
  EXPECT_EQ(Native("type:a ( )"), "q: at 8: empty group ()");
  EXPECT_EQ(Native("type:()"), "q: at 6: empty group ()");
  // Quotes and brackets.
  EXPECT_EQ(Native(R"("abc)"), R"(q: at 1: unbalanced quote: no " closes this one)");
  EXPECT_EQ(Native(R"(type:a actor.name:"Jane)"),
            R"(q: at 19: unbalanced quote: no " closes this one)");
  EXPECT_EQ(Native(R"("abc\")"), R"(q: at 1: unbalanced quote: no " closes this one)");
  EXPECT_EQ(Native("seq:[1 TO 5"), "q: at 5: unbalanced bracket: no ] or } closes this range");
  EXPECT_EQ(Native("seq:[1"), "q: at 5: unbalanced bracket: no ] or } closes this range");
  EXPECT_EQ(Native("seq:[1 5]"), "q: at 8: expected TO in the range, as in [a TO b]");
  EXPECT_EQ(Native("seq:[1 to 5]"), "q: at 8: expected TO in the range, as in [a TO b]");
  EXPECT_EQ(Native("seq:[1 TO 5 6]"), "q: at 13: expected ] or } to close the range");
  EXPECT_EQ(Native("seq:[TO 5]"), "q: at 6: a range bound is missing before TO");
  EXPECT_EQ(Native("seq:[1 TO ]"), "q: at 11: a range bound is missing");
  EXPECT_EQ(Native("seq:[1* TO 5]"),
            "q: at 6: a range bound takes no wildcard other than * for an open end (quote a "
            "literal *)");
  EXPECT_EQ(Native("type:a]"), "q: at 7: unbalanced bracket: ] without a matching [ or {");
  EXPECT_EQ(Native("[1 TO 5]"), "q: at 1: a range needs a field, as in date:[2019-01-01 TO *]");
  // Dangling operators.
  EXPECT_EQ(Native("type:a AND"), "q: at 8: AND needs a term after it");
  EXPECT_EQ(Native("type:a OR"), "q: at 8: OR needs a term after it");
  EXPECT_EQ(Native("type:a &&"), "q: at 8: && needs a term after it");
  EXPECT_EQ(Native("AND type:a"), "q: at 1: AND needs a term before it");
  EXPECT_EQ(Native("|| type:a"), "q: at 1: || needs a term before it");
  EXPECT_EQ(Native("type:a AND OR type:b"), "q: at 8: AND needs a term after it");
  EXPECT_EQ(Native("(type:a OR) type:b"), "q: at 9: OR needs a term after it");
  EXPECT_EQ(Native("NOT"), "q: at 1: NOT needs a term after it");
  EXPECT_EQ(Native("type:a -"), "q: at 8: - needs a term after it");
  EXPECT_EQ(Native("type:a NOT)"), "q: at 8: NOT needs a term after it");
  // Fields.
  EXPECT_EQ(Native("foo:bar"), R"(q: at 1: unknown field "foo")");
  EXPECT_EQ(Native("type:a Type:b"), R"(q: at 8: unknown field "Type")");
  EXPECT_EQ(Native("user_name:jane"), R"(q: at 1: unknown field "user_name")");
  EXPECT_EQ(Native("ty*pe:a"), R"(q: at 1: unknown field "ty*pe")");
  EXPECT_EQ(Native(":foo"), "q: at 1: a field name is missing before ':'");
  EXPECT_EQ(Native(R"("a":b)"), "q: at 4: a field name cannot be quoted; write field:value");
  EXPECT_EQ(Native("type:"), R"(q: at 6: field type needs a value (quote a value such as "AND"))");
  EXPECT_EQ(Native("type: AND x"),
            R"(q: at 7: field type needs a value (quote a value such as "AND"))");
  EXPECT_EQ(Native("(type:)"),
            R"(q: at 7: field type needs a value (quote a value such as "AND"))");
  // Values.
  EXPECT_EQ(Native("seq:abc"), R"(q: at 5: "abc" is not a whole number for field seq)");
  EXPECT_EQ(Native("seq:-1"), R"(q: at 5: "-1" is not a whole number for field seq)");
  EXPECT_EQ(Native("seq:99999999999999999999"),
            R"(q: at 5: "99999999999999999999" is not a whole number for field seq)");
  EXPECT_EQ(Native("seq:[1 TO x]"), R"(q: at 11: "x" is not a whole number for field seq)");
  EXPECT_EQ(Native("seq:>x"), R"(q: at 6: "x" is not a whole number for field seq)");
  EXPECT_EQ(Native("seq:>"), "q: at 5: > needs a value after it");
  EXPECT_EQ(Native("seq:*5"), "q: at 5: wildcards do not apply to field seq");
  EXPECT_EQ(Native("geo.latitude:north"),
            R"(q: at 14: "north" is not a number for field geo.latitude)");
  EXPECT_EQ(Native("geo.latitude:inf"),
            R"(q: at 14: "inf" is not a number for field geo.latitude)");
  EXPECT_EQ(Native("result:maybe"),
            R"(q: at 8: field result takes success or failure, found "maybe")");
  EXPECT_EQ(Native("result:SUCCESS"),
            R"(q: at 8: field result takes success or failure, found "SUCCESS")");
  EXPECT_EQ(Native("ua.is_mobile:yes"),
            R"(q: at 14: field ua.is_mobile takes true or false, found "yes")");
  EXPECT_EQ(Native("timestamp:notadate"),
            R"(q: at 11: "notadate" is not a date for field timestamp (write 2019-01-01, )"
            R"(2019-01-01T01:00:00Z or epoch milliseconds))");
  EXPECT_EQ(Native("timestamp:2019-13-01"),
            R"(q: at 11: "2019-13-01" is not a date for field timestamp: month 13 out of range)");
  EXPECT_EQ(Native("timestamp:2019-13"),
            R"(q: at 11: "2019-13" is not a date for field timestamp: month 13 out of range)");
  EXPECT_EQ(Native("timestamp:1960-01-01"),
            R"(q: at 11: "1960-01-01" is not a date for field timestamp: time before )"
            R"(1970-01-01T00:00:00Z)");
  EXPECT_EQ(Native("timestamp:2019-*"),
            "q: at 11: wildcards do not apply to time field timestamp; use a range such as "
            "timestamp:[2019-01-01 TO *]");
  // Ranges.
  EXPECT_EQ(Native("seq:[5 TO 1]"), R"(q: at 5: range starts after it ends: "5" is after "1")");
  EXPECT_EQ(Native("type:[b TO a]"), R"(q: at 6: range starts after it ends: "b" is after "a")");
  EXPECT_EQ(Native("timestamp:[2019-01-02 TO 2019-01-01]"),
            R"(q: at 11: range starts after it ends: "2019-01-02" is after "2019-01-01")");
  EXPECT_EQ(Native("result:[failure TO success]"), "q: at 8: field result takes no ranges");
  EXPECT_EQ(Native("ua.is_mobile:>false"), "q: at 14: field ua.is_mobile takes no ranges");
  EXPECT_EQ(Native("details:[a TO b]"), "q: at 9: field details takes no ranges");
  // Unsupported syntax.
  EXPECT_EQ(Native("type:jo?n"),
            R"(q: at 8: the ? wildcard is not supported (use *, or \? for a literal ?))");
  EXPECT_EQ(Native("login~"),
            R"(q: at 6: fuzzy and proximity searches (~) are not supported (\~ for a literal ~))");
  EXPECT_EQ(Native(R"("login failed"~2)"),
            R"(q: at 15: fuzzy and proximity searches (~) are not supported (\~ for a literal ~))");
  EXPECT_EQ(Native("type:s^2"), R"(q: at 7: boosts (^) are not supported (\^ for a literal ^))");
  // Nesting.
  EXPECT_EQ(Native(std::string(16, '(') + "type:a" + std::string(16, ')')), R"(eq type "a")");
  EXPECT_EQ(Native(std::string(17, '(') + "type:a" + std::string(17, ')')),
            "q: at 17: nested deeper than 16 levels");
  std::string nots;
  for (int level = 0; level < 17; ++level) nots += "NOT ";
  EXPECT_EQ(Native(nots + "type:a"), "q: at 65: nested deeper than 16 levels");
}

// --- Properties ---

// The native-syntax text of the filters the generator below makes.
std::string QuoteValue(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

// RFC 3339 to the microsecond, so that the value names one instant.
std::string MicrosText(int64_t micros) {
  std::string text = event::FormatRfc3339(micros);
  if (text.size() == 24) text.insert(23, "000");  // "...:42.549Z" → "...:42.549000Z"
  return text;
}

std::string ValueText(const event::FieldSpec& field, const Scalar& value) {
  switch (field.type) {
    case event::FieldType::kTime:
      return QuoteValue(MicrosText(std::get<int64_t>(value)));
    case event::FieldType::kUint64:
      return std::to_string(std::get<int64_t>(value));
    case event::FieldType::kDouble:
      return fmt::format("{}", std::get<double>(value));
    case event::FieldType::kBool:
      return std::get<bool>(value) ? "true" : "false";
    default:
      return QuoteValue(std::get<std::string>(value));
  }
}

std::string ToNative(const Filter& filter) {
  auto join = [&](std::string_view op) {
    std::string text = "(";
    for (size_t child_idx = 0; child_idx < filter.children.size(); ++child_idx) {
      if (child_idx > 0) text += fmt::format(" {} ", op);
      text += ToNative(filter.children[child_idx]);
    }
    return text + ")";
  };
  if (filter.op == FilterOp::kAnd) return join("AND");
  if (filter.op == FilterOp::kOr) return join("OR");
  if (filter.op == FilterOp::kNot) return "NOT " + ToNative(filter.children[0]);
  if (filter.op == FilterOp::kAll) return "*";
  const event::FieldSpec& field = *filter.field;
  const std::string name = filter.path.empty() ? std::string(field.path) : "details." + filter.path;
  switch (filter.op) {
    case FilterOp::kEq:
      return name + ":" + ValueText(field, filter.values[0]);
    case FilterOp::kExists:
      return name + ":*";
    case FilterOp::kWildcard:
    case FilterOp::kText:
    case FilterOp::kCidr:
      return name + ":" + std::get<std::string>(filter.values[0]);
    case FilterOp::kPhrase:
      return name + ":" + QuoteValue(std::get<std::string>(filter.values[0]));
    case FilterOp::kRange:
      return fmt::format("{}:{}{} TO {}{}", name,
                         filter.lower && !filter.lower->inclusive ? "{" : "[",
                         filter.lower ? ValueText(field, filter.lower->value) : "*",
                         filter.upper ? ValueText(field, filter.upper->value) : "*",
                         filter.upper && !filter.upper->inclusive ? "}" : "]");
    default:
      return "?";
  }
}

// What the parser builds for ToNative(filter): nested ANDs and ORs merged.
Filter Flattened(const Filter& filter) {
  if (filter.op != FilterOp::kAnd && filter.op != FilterOp::kOr && filter.op != FilterOp::kNot)
    return filter;
  Filter flat = filter;
  flat.children.clear();
  for (const Filter& child : filter.children) {
    Filter flat_child = Flattened(child);
    if (filter.op != FilterOp::kNot && flat_child.op == filter.op) {
      for (Filter& grandchild : flat_child.children) flat.children.push_back(std::move(grandchild));
    } else {
      flat.children.push_back(std::move(flat_child));
    }
  }
  return flat;
}

const event::FieldSpec& Field(std::string_view path) { return *event::FindField(path); }

// A word that fits in one index token.
rc::Gen<std::string> GenWord() {
  return rc::gen::exec([] {
    return *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(1, 20),
                                            rc::gen::elementOf(std::string("abcxyz0129")));
  });
}

rc::Gen<std::string> GenPattern() {
  return rc::gen::map(
      rc::gen::pair(GenWord(), rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>())),
      [](const std::pair<std::string, std::vector<bool>>& parts) {
        // Stars before the word's characters where the flags say, one at
        // least.
        std::string pattern;
        for (size_t char_idx = 0; char_idx < parts.first.size(); ++char_idx) {
          if (char_idx < parts.second.size() && parts.second[char_idx]) pattern.push_back('*');
          pattern.push_back(parts.first[char_idx]);
        }
        if (pattern.find('*') == std::string::npos) pattern.push_back('*');
        return pattern;
      });
}

rc::Gen<std::string> GenAnyString() {
  return rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~' + 1));
}

rc::Gen<int64_t> GenMicros() { return rc::gen::inRange<int64_t>(0, event::kMaxTimeMicros + 1); }

rc::Gen<double> GenDouble() {
  return rc::gen::suchThat(rc::gen::arbitrary<double>(), [](double x) { return std::isfinite(x); });
}

// A range on `field` over two generated values put in order; at most one end open.
template <typename T>
rc::Gen<Filter> GenRange(const event::FieldSpec& field, rc::Gen<T> values,
                         std::string details_path = "") {
  return rc::gen::exec([&field, values, details_path] {
    T a = *values;
    T b = *values;
    if (CompareScalars(Scalar(a), Scalar(b)) > 0) std::swap(a, b);
    const int open = *rc::gen::inRange(0, 3);  // 0: none, 1: lower, 2: upper
    std::optional<RangeBound> lower, upper;
    if (open != 1) lower = RangeBound{Scalar(a), *rc::gen::arbitrary<bool>()};
    if (open != 2) upper = RangeBound{Scalar(b), *rc::gen::arbitrary<bool>()};
    Filter range = Filter::Range(field, lower, upper);
    if (!details_path.empty()) return Filter::AtDetailsPath(details_path, std::move(range));
    return range;
  });
}

rc::Gen<Filter> GenLeaf() {
  static const std::vector<std::string_view> kKeywordFields = {
      "type", "actor.id", "actor.name", "ip", "connection", "geo.country_code", "request_id"};
  static const std::vector<std::string_view> kTextFields = {"description", "name", "result_message",
                                                            "user_agent"};
  auto keyword = [] { return &Field(*rc::gen::elementOf(kKeywordFields)); };
  auto text = [] { return &Field(*rc::gen::elementOf(kTextFields)); };
  auto details_path = [] {
    std::string path = *GenWord();
    const int steps = *rc::gen::inRange(0, 3);
    for (int step = 0; step < steps; ++step) path += "." + *GenWord();
    return path;
  };
  return rc::gen::oneOf(
      rc::gen::exec([=] { return Filter::Eq(*keyword(), *GenAnyString()); }),
      rc::gen::exec([=] { return Filter::Wildcard(*keyword(), *GenPattern()); }),
      rc::gen::exec([=] { return Filter::Exists(*keyword()); }),
      rc::gen::exec([=] { return *GenRange<std::string>(*keyword(), GenAnyString()); }),
      rc::gen::exec([=] { return Filter::Text(*text(), *GenWord()); }), rc::gen::exec([=] {
        return Filter::Phrase(*text(), *GenWord() + " " + *GenWord() + " " + *GenWord());
      }),
      rc::gen::exec([=] { return Filter::Wildcard(*text(), *GenPattern()); }), rc::gen::exec([] {
        return Filter::Cidr(Field("ip"),
                            *rc::gen::elementOf(std::vector<std::string>{
                                "10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "::1/128"}));
      }),
      rc::gen::exec([] { return Filter::Eq(Field("timestamp"), *GenMicros()); }),
      rc::gen::exec([] { return *GenRange<int64_t>(Field("received_at"), GenMicros()); }),
      rc::gen::exec(
          [] { return Filter::Eq(Field("seq"), *rc::gen::inRange<int64_t>(0, INT64_MAX)); }),
      rc::gen::exec(
          [] { return *GenRange<int64_t>(Field("seq"), rc::gen::inRange<int64_t>(0, INT64_MAX)); }),
      rc::gen::exec([] { return Filter::Eq(Field("geo.latitude"), *GenDouble()); }),
      rc::gen::exec([] { return *GenRange<double>(Field("geo.longitude"), GenDouble()); }),
      rc::gen::exec([] {
        return Filter::Eq(Field("result"), *rc::gen::element<std::string>("success", "failure"));
      }),
      rc::gen::exec([] { return Filter::Eq(Field("ua.is_mobile"), *rc::gen::arbitrary<bool>()); }),
      rc::gen::exec([=] {
        return Filter::AtDetailsPath(details_path(), Filter::Eq(Field("details"), *GenAnyString()));
      }),
      rc::gen::exec([=] {
        return Filter::AtDetailsPath(details_path(),
                                     Filter::Wildcard(Field("details"), *GenPattern()));
      }),
      rc::gen::exec(
          [=] { return Filter::AtDetailsPath(details_path(), Filter::Exists(Field("details"))); }),
      rc::gen::exec([=] {
        return *GenRange<std::string>(Field("details"), GenAnyString(), details_path());
      }));
}

rc::Gen<Filter> GenFilter(int depth) {
  if (depth == 0) return GenLeaf();
  auto children = [depth] {
    return *rc::gen::container<std::vector<Filter>>(*rc::gen::inRange<size_t>(2, 4),
                                                    GenFilter(depth - 1));
  };
  return rc::gen::oneOf(GenLeaf(), rc::gen::exec([=] { return Filter::And(children()); }),
                        rc::gen::exec([=] { return Filter::Or(children()); }),
                        rc::gen::exec([depth] { return Filter::Not(*GenFilter(depth - 1)); }));
}

RC_GTEST_PROP(LuceneProperties, PrintedNativeFilterParsesBackToItself, ()) {
  const Filter filter = *GenFilter(*rc::gen::inRange(0, 4));
  RC_PRE(ValidateFilter(filter).ok());
  const std::string text = ToNative(filter);
  Result<Filter> parsed = ParseLucene(text, LuceneDialect::kNative);
  RC_LOG() << text << " => " << (parsed.ok() ? DebugString(*parsed) : parsed.status().ToString())
           << "\n";
  RC_ASSERT(parsed.ok());
  RC_ASSERT(DebugString(*parsed) == DebugString(Flattened(filter)));
}

// Pieces of the syntax, so that random strings reach deep into the parser.
rc::Gen<std::string> GenQueryText() {
  static const std::vector<std::string> kPieces = {"a",
                                                   "jane*",
                                                   "*",
                                                   "*sa",
                                                   "AND",
                                                   "OR",
                                                   "NOT",
                                                   "&&",
                                                   "||",
                                                   "!",
                                                   "-",
                                                   "+",
                                                   "(",
                                                   ")",
                                                   "[",
                                                   "]",
                                                   "{",
                                                   "}",
                                                   "TO",
                                                   ":",
                                                   "\"",
                                                   "\\",
                                                   "?",
                                                   "~",
                                                   "^",
                                                   "type:",
                                                   "seq:",
                                                   "timestamp:",
                                                   "date:",
                                                   "ip:",
                                                   "result:",
                                                   ">",
                                                   ">=",
                                                   "<",
                                                   "2019-01-01",
                                                   "2019-01",
                                                   "10.0.0.0/8",
                                                   "5",
                                                   "-1.5",
                                                   "details.a:",
                                                   "details:",
                                                   "description:",
                                                   "user_name:",
                                                   "user_agent:",
                                                   "success",
                                                   "true",
                                                   "\"x y\"",
                                                   "log_id:",
                                                   "geo.latitude:",
                                                   "ua.is_mobile:",
                                                   " ",
                                                   "  "};
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kPieces)),
                      [](const std::vector<std::string>& pieces) {
                        std::string text;
                        for (const std::string& piece : pieces) text += piece;
                        return text;
                      });
}

void CheckParsesOrFailsCleanly(const std::string& text) {
  for (LuceneDialect dialect : {LuceneDialect::kNative, LuceneDialect::kAuth0}) {
    Result<Filter> filter = ParseLucene(text, dialect);
    if (filter.ok()) {
      RC_ASSERT(ValidateFilter(*filter).ok());
    } else {
      RC_ASSERT(filter.error().code() == StatusCode::kInvalidArgument);
      RC_ASSERT(filter.error().message().starts_with("q: at "));
    }
  }
}

RC_GTEST_PROP(LuceneProperties, SyntaxSoupParsesOrFailsCleanly, ()) {
  CheckParsesOrFailsCleanly(*GenQueryText());
}

RC_GTEST_PROP(LuceneProperties, ArbitraryTextParsesOrFailsCleanly, (const std::string& text)) {
  CheckParsesOrFailsCleanly(text);
}

}  // namespace
}  // namespace auditlog::query

#include "query/scim_filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "event/event.h"
#include "event/fields.h"
#include "query/matcher.h"
#include "testing/status_matchers.h"

namespace auditlog::query {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

// A stand-in for the Okta API layer's resolver: a few System Log attribute
// names mapped to registry fields, and Okta's open-ended maps (transaction.detail,
// debugContext.debugData) kept as paths inside details.
std::optional<ScimAttribute> ResolveOktaLike(std::string_view attribute) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"eventType", "type"},
      {"published", "timestamp"},
      {"uuid", "id"},
      {"displayMessage", "description"},
      {"actor.id", "actor.id"},
      {"actor.alternateId", "actor.email"},
      {"actor.displayName", "actor.name"},
      {"client.ipAddress", "ip"},
      {"client.userAgent.os", "ua.os"},
      {"outcome.result", "result"},
      {"target.id", "resource.id"},
  };
  for (const auto& [okta_name, native_path] : kNames) {
    if (attribute == okta_name) return ScimAttribute{event::FindField(native_path), ""};
  }
  for (std::string_view open_map : {"transaction.detail.", "debugContext.debugData."}) {
    if (attribute.starts_with(open_map) && attribute.size() > open_map.size())
      return ScimAttribute{event::FindField("details"), std::string(attribute)};
  }
  return std::nullopt;
}

// The parsed filter as DebugString renders it, or the error's message.
std::string Okta(std::string_view text) {
  Result<Filter> filter = ParseScimFilter(text, ResolveOktaLike);
  if (!filter.ok()) return std::string(filter.error().message());
  EXPECT_TRUE(ValidateFilter(*filter).ok()) << text;
  return DebugString(*filter);
}

std::string Native(std::string_view text) {
  Result<Filter> filter = ParseScimFilter(text, ResolveNativeAttribute);
  if (!filter.ok()) return std::string(filter.error().message());
  EXPECT_TRUE(ValidateFilter(*filter).ok()) << text;
  return DebugString(*filter);
}

Filter MustParse(std::string_view text) {
  Result<Filter> filter = ParseScimFilter(text, ResolveNativeAttribute);
  EXPECT_TRUE(filter.ok()) << text << ": " << filter.status();
  return filter.ok() ? *filter : Filter::All();
}

// 2017-10-01T00:00:00.000Z in microseconds.
constexpr int64_t kOctober2017Micros = 1506816000000000;

// --- Okta's documented filters ---

// Okta's System Log guide, "Expression filter" and its examples
// (developer.okta.com/docs/reference/system-log-query/, and the System Log API
// reference it replaced, /docs/reference/api/system-log/#expression-filter).
TEST(ScimFilter, OktaSystemLogGuideExamples) {
  EXPECT_EQ(Okta(R"(target.id eq "00uxc78lMKUMVIHLTAXY")"),
            R"(eq resource.id "00uxc78lMKUMVIHLTAXY")");
  EXPECT_EQ(Okta(R"(actor.id ne "00uxc78lMKUMVIHLTAXY")"),
            R"(not(eq actor.id "00uxc78lMKUMVIHLTAXY"))");
  EXPECT_EQ(Okta(R"(target.id eq "00uxc78lMKUMVIHLTAXY" and target.id eq "0oabe82gnXOFVCDUMVAK")"),
            R"(and(eq resource.id "00uxc78lMKUMVIHLTAXY"; eq resource.id "0oabe82gnXOFVCDUMVAK"))");
  EXPECT_EQ(Okta(R"(eventType eq "app.auth.sso" and target.id eq "00uxc78lMKUMVIHLTAXY" and )"
                 R"(target.id eq "0oabe82gnXOFVCDUMVAK")"),
            R"(and(eq type "app.auth.sso"; eq resource.id "00uxc78lMKUMVIHLTAXY"; )"
            R"(eq resource.id "0oabe82gnXOFVCDUMVAK"))");
  EXPECT_EQ(Okta(R"(client.ipAddress eq "184.73.186.14")"), R"(eq ip "184.73.186.14")");
  EXPECT_EQ(Okta(R"(eventType sw "event_hook")"), R"(prefix type "event_hook")");
  EXPECT_EQ(Okta(R"(eventType co "session")"), R"(wildcard type "*session*")");
  EXPECT_EQ(Okta(R"(eventType ew "token")"), R"(wildcard type "*token")");
  EXPECT_EQ(Okta(R"(eventType eq "user.session.start")"), R"(eq type "user.session.start")");
  // "Correlating events based on API token".
  EXPECT_EQ(Okta(R"(transaction.detail.requestApiTokenId eq "00T94e3cn9kSEO3c51s5")"),
            R"(eq details.transaction.detail.requestApiTokenId "00T94e3cn9kSEO3c51s5")");
}

// "Failed sign-in events": Okta writes outcome results in upper case; our
// result field takes "success"/"failure", and translating is the Okta layer's
// job, so the parser names the problem at the value.
TEST(ScimFilter, OktaFailedSignInExampleNeedsTheOutcomeTranslated) {
  EXPECT_EQ(Okta(R"(eventType eq "user.session.start" and outcome.result eq "FAILURE")"),
            R"(filter: at 57: outcome.result takes "success" or "failure" (lower case), )"
            R"(found "FAILURE")");
  EXPECT_EQ(Okta(R"(eventType eq "user.session.start" and outcome.result eq "failure")"),
            R"(and(eq type "user.session.start"; eq result "failure"))");
}

// Okta's eventType namespace guide (okta.com/integrate/documentation/isv-syslog-references).
TEST(ScimFilter, OktaEventTypeNamespaceExamples) {
  EXPECT_EQ(Okta(R"(eventType co ".create")"), R"(wildcard type "*.create*")");
  EXPECT_EQ(Okta(R"(eventType sw "user.authentication.")"),
            R"(prefix type "user.authentication.")");
}

// Okta's core API "Filter" section (developer.okta.com/docs/reference/core-okta-api/#filter):
// operators are case-insensitive, attribute names case-sensitive; `ne` can be
// written as `lt ... or ... gt`.
TEST(ScimFilter, OktaCoreApiFilterRules) {
  EXPECT_EQ(Okta(R"(eventType Eq "john")"), Okta(R"(eventType eq "john")"));
  EXPECT_EQ(Okta(R"(EventType eq "john")"), R"(filter: at 1: unknown attribute "EventType")");
  EXPECT_EQ(Okta(R"((client.userAgent.os lt "iOS" or client.userAgent.os gt "iOS"))"),
            R"(or(range ua.os (* .. iOS); range ua.os (iOS .. *)))");
}

// The invalid-filter example of Okta's error section: Okta counts the position
// from 0 ("at position 16"); we count from 1.
TEST(ScimFilter, OktaInvalidOperatorExample) {
  EXPECT_EQ(Okta(R"(display_message eqq "Create okta user")"),
            R"(filter: at 17: unknown operator "eqq" (expected eq, ne, co, sw, ew, pr, gt, ge, )"
            R"(lt or le))");
}

// A filter as SDK clients commonly build it: parentheses under `and`.
TEST(ScimFilter, OktaClientFilterWithGroupedAlternatives) {
  EXPECT_EQ(Okta(R"(target.id eq "00u1" and (eventType eq "user.session.start" or )"
                 R"(eventType eq "user.authentication.sso"))"),
            R"(and(eq resource.id "00u1"; or(eq type "user.session.start"; )"
            R"(eq type "user.authentication.sso")))");
}

// --- Each operator on each type ---

TEST(ScimFilter, EmptyTextMatchesEverything) {
  EXPECT_EQ(Native(""), "all");
  EXPECT_EQ(Native(" \t\r\n"), "all");
}

TEST(ScimFilter, KeywordFieldTakesEveryOperator) {
  EXPECT_EQ(Native(R"(actor.id eq "u1")"), R"(eq actor.id "u1")");
  EXPECT_EQ(Native(R"(actor.id ne "u1")"), R"(not(eq actor.id "u1"))");
  EXPECT_EQ(Native(R"(actor.id co "u1")"), R"(wildcard actor.id "*u1*")");
  EXPECT_EQ(Native(R"(actor.id sw "u1")"), R"(prefix actor.id "u1")");
  EXPECT_EQ(Native(R"(actor.id ew "u1")"), R"(wildcard actor.id "*u1")");
  EXPECT_EQ(Native(R"(actor.id pr)"), R"(exists actor.id)");
  EXPECT_EQ(Native(R"(actor.id gt "m")"), R"(range actor.id (m .. *))");
  EXPECT_EQ(Native(R"(actor.id ge "m")"), R"(range actor.id [m .. *))");
  EXPECT_EQ(Native(R"(actor.id lt "m")"), R"(range actor.id (* .. m))");
  EXPECT_EQ(Native(R"(actor.id le "m")"), R"(range actor.id (* .. m])");
  // eq and sw take a `*` as itself; only co and ew cannot.
  EXPECT_EQ(Native(R"(actor.id eq "a*b")"), R"(eq actor.id "a*b")");
  EXPECT_EQ(Native(R"(actor.id sw "a*")"), R"(prefix actor.id "a*")");
}

TEST(ScimFilter, TextFieldComparesWholeValuesButHasNoSubstringSearch) {
  EXPECT_EQ(Native(R"(description eq "Login failed")"), R"(eq description "Login failed")");
  EXPECT_EQ(Native(R"(description ne "Login failed")"), R"(not(eq description "Login failed"))");
  EXPECT_EQ(Native(R"(description sw "Login")"), R"(prefix description "Login")");
  EXPECT_EQ(Native(R"(description pr)"), R"(exists description)");
  EXPECT_EQ(Native(R"(description ge "L")"), R"(range description [L .. *))");
  EXPECT_EQ(Native(R"(description co "fail")"),
            "filter: at 13: co is not supported on the text attribute description: it is indexed "
            "by word, not by substring (eq and sw compare the whole value)");
  EXPECT_EQ(Native(R"(user_agent ew "Safari")"),
            "filter: at 12: ew is not supported on the text attribute user_agent: it is indexed "
            "by word, not by substring (eq and sw compare the whole value)");
}

TEST(ScimFilter, TimeFieldTakesRfc3339Strings) {
  const std::string instant = std::to_string(kOctober2017Micros);
  EXPECT_EQ(Native(R"(timestamp eq "2017-10-01T00:00:00.000Z")"),
            "eq timestamp \"" + instant + "\"");
  EXPECT_EQ(Native(R"(timestamp ne "2017-10-01T02:00:00+02:00")"),
            "not(eq timestamp \"" + instant + "\")");
  EXPECT_EQ(Native(R"(timestamp gt "2017-10-01T00:00:00.000Z")"),
            "range timestamp (" + instant + " .. *)");
  EXPECT_EQ(Native(R"(timestamp ge "2017-10-01")"), "range timestamp [" + instant + " .. *)");
  EXPECT_EQ(Native(R"(received_at lt "2017-10-01T00:00:00Z")"),
            "range received_at (* .. " + instant + ")");
  EXPECT_EQ(Native(R"(timestamp le "2017-10-01T00:00:00.000Z")"),
            "range timestamp (* .. " + instant + "]");
  EXPECT_EQ(Native(R"(timestamp pr)"), "exists timestamp");
  EXPECT_EQ(Native(R"(timestamp gt "2017-10-01T00:00:00.000Z" and timestamp lt "2017-10-02")"),
            "and(range timestamp (" + instant + " .. *); range timestamp (* .. " +
                std::to_string(kOctober2017Micros + 86'400'000'000) + "))");
}

TEST(ScimFilter, NumericFieldsTakeNumbers) {
  EXPECT_EQ(Native("seq eq 42"), R"(eq seq "42")");
  EXPECT_EQ(Native("seq ne -1"), R"(not(eq seq "-1"))");
  EXPECT_EQ(Native("seq gt 10 and seq le 20"), "and(range seq (10 .. *); range seq (* .. 20])");
  EXPECT_EQ(Native("seq ge 9223372036854775807"), "range seq [9223372036854775807 .. *)");
  EXPECT_EQ(Native("geo.latitude eq 1.5"), R"(eq geo.latitude "1.5")");
  EXPECT_EQ(Native("geo.latitude lt -3e2"), "range geo.latitude (* .. -300)");
  EXPECT_EQ(Native("geo.longitude ge 0"), "range geo.longitude [0 .. *)");
  EXPECT_EQ(Native("geo.longitude pr"), "exists geo.longitude");
}

TEST(ScimFilter, BooleanFieldTakesTrueAndFalse) {
  EXPECT_EQ(Native("ua.is_mobile eq true"), R"(eq ua.is_mobile "true")");
  EXPECT_EQ(Native("ua.is_mobile ne false"), R"(not(eq ua.is_mobile "false"))");
  EXPECT_EQ(Native("ua.is_mobile pr"), "exists ua.is_mobile");
}

TEST(ScimFilter, ResultTakesLowerCaseOutcomes) {
  EXPECT_EQ(Native(R"(result eq "success")"), R"(eq result "success")");
  EXPECT_EQ(Native(R"(result ne "failure")"), R"(not(eq result "failure"))");
  EXPECT_EQ(Native(R"(result pr)"), "exists result");
}

TEST(ScimFilter, DetailsPathsCompareText) {
  EXPECT_EQ(Native(R"(details.request.channel eq "web")"), R"(eq details.request.channel "web")");
  EXPECT_EQ(Native(R"(details.request.channel ne "web")"),
            R"(not(eq details.request.channel "web"))");
  EXPECT_EQ(Native(R"(details.request.channel co "we")"),
            R"(wildcard details.request.channel "*we*")");
  EXPECT_EQ(Native(R"(details.request.channel sw "we")"), R"(prefix details.request.channel "we")");
  EXPECT_EQ(Native(R"(details.request.channel ew "eb")"),
            R"(wildcard details.request.channel "*eb")");
  EXPECT_EQ(Native(R"(details.request.channel pr)"), "exists details.request.channel");
  EXPECT_EQ(Native(R"(details.request.channel gt "m")"), "range details.request.channel (m .. *)");
  // Numbers and booleans as their JSON text, for equality only.
  EXPECT_EQ(Native("details.attempts eq 42"), R"(eq details.attempts "42")");
  EXPECT_EQ(Native("details.proxy ne true"), R"(not(eq details.proxy "true"))");
  EXPECT_EQ(Native("details pr"), "exists details");
}

TEST(ScimFilter, NullMeansAbsent) {
  EXPECT_EQ(Native("actor.id eq null"), "not(exists actor.id)");
  EXPECT_EQ(Native("actor.id ne null"), "exists actor.id");
  EXPECT_EQ(Native("details.a eq null"), "not(exists details.a)");
  EXPECT_EQ(Native("details ne null"), "exists details");
}

// --- What the filters match ---

TEST(ScimFilter, MatchesAsOktaDescribes) {
  event::Event login;
  login.type = "user.session.start";
  login.actor.id = "00uxc78lMKUMVIHLTAXY";
  login.result = event::Outcome::kFailure;
  event::Event anonymous;
  anonymous.type = "security.request.blocked";

  // ne: "all actors except for a specific user", events without an actor included.
  const Filter except = MustParse(R"(actor.id ne "00uxc78lMKUMVIHLTAXY")");
  EXPECT_FALSE(Matches(except, login));
  EXPECT_TRUE(Matches(except, anonymous));
  // co / sw / ew are substring tests on keyword fields, case-sensitive.
  EXPECT_TRUE(Matches(MustParse(R"(type co "session")"), login));
  EXPECT_TRUE(Matches(MustParse(R"(type co "user.session.start")"), login));
  EXPECT_FALSE(Matches(MustParse(R"(type co "Session")"), login));
  EXPECT_TRUE(Matches(MustParse(R"(type sw "user.")"), login));
  EXPECT_TRUE(Matches(MustParse(R"(type ew ".start")"), login));
  EXPECT_FALSE(Matches(MustParse(R"(type ew "user")"), login));
  // eq is the whole value.
  EXPECT_FALSE(Matches(MustParse(R"(type eq "user.session")"), login));
  EXPECT_TRUE(Matches(MustParse(R"(type eq "user.session.start" and result eq "failure")"), login));
  EXPECT_TRUE(Matches(MustParse("actor.id eq null"), anonymous));
  EXPECT_FALSE(Matches(MustParse("actor.id pr"), anonymous));
}

// --- Precedence, grouping, case ---

TEST(ScimFilter, NotBindsTighterThanAndWhichBindsTighterThanOr) {
  EXPECT_EQ(Native(R"(id eq "1" or type eq "2" and ip eq "3")"),
            R"(or(eq id "1"; and(eq type "2"; eq ip "3")))");
  EXPECT_EQ(Native(R"(id eq "1" and type eq "2" or ip eq "3")"),
            R"(or(and(eq id "1"; eq type "2"); eq ip "3"))");
  EXPECT_EQ(Native(R"(not (id eq "1") and type eq "2" or ip eq "3")"),
            R"(or(and(not(eq id "1"); eq type "2"); eq ip "3"))");
  EXPECT_EQ(Native(R"(id eq "1" or id eq "2" or id eq "3")"),
            R"(or(eq id "1"; eq id "2"; eq id "3"))");
}

TEST(ScimFilter, ParenthesesGroup) {
  EXPECT_EQ(Native(R"((id eq "1" or type eq "2") and ip eq "3")"),
            R"(and(or(eq id "1"; eq type "2"); eq ip "3"))");
  EXPECT_EQ(Native(R"(id eq "1" and (type eq "2" or ip eq "3"))"),
            R"(and(eq id "1"; or(eq type "2"; eq ip "3")))");
  EXPECT_EQ(Native(R"(((id eq "1")))"), R"(eq id "1")");
  EXPECT_EQ(Native(R"(not(not(id pr)))"), "not(not(exists id))");
  EXPECT_EQ(Native(R"(not (id eq "1" or id eq "2"))"), R"(not(or(eq id "1"; eq id "2")))");
  EXPECT_EQ(Native("(id pr)and(type pr)"), "and(exists id; exists type)");
}

TEST(ScimFilter, OperatorsAndLogicalWordsIgnoreCase) {
  EXPECT_EQ(Native(R"(id EQ "1" AND type Sw "u" Or NOT (ip PR))"),
            R"(or(and(eq id "1"; prefix type "u"); not(exists ip)))");
}

TEST(ScimFilter, AttributeNamesAreCaseSensitive) {
  EXPECT_EQ(Native(R"(Actor.id eq "x")"), R"(filter: at 1: unknown attribute "Actor.id")");
  EXPECT_EQ(Native(R"(TYPE eq "x")"), R"(filter: at 1: unknown attribute "TYPE")");
}

TEST(ScimFilter, NestingUpToTheLimitIsAccepted) {
  std::string text;
  for (int level = 0; level < kMaxScimNestingDepth; ++level) text += "not (id ne \"x\" or ";
  text += "id pr";
  for (int level = 0; level < kMaxScimNestingDepth; ++level) text += ")";
  Result<Filter> filter = ParseScimFilter(text, ResolveNativeAttribute);
  AL_ASSERT_OK(filter);
  AL_EXPECT_OK(ValidateFilter(*filter));
}

TEST(ScimFilter, NestingPastTheLimitIsRejectedAtItsParenthesis) {
  std::string text;
  for (int level = 0; level <= kMaxScimNestingDepth; ++level) text += "(";
  text += "id pr";
  for (int level = 0; level <= kMaxScimNestingDepth; ++level) text += ")";
  EXPECT_EQ(Native(text), "filter: at 17: parentheses nested deeper than 16 levels");
  EXPECT_EQ(Native(std::string(100'000, '(')),
            "filter: at 17: parentheses nested deeper than 16 levels");
}

// --- String literals ---

TEST(ScimFilter, StringEscapesAreJson) {
  EXPECT_EQ(Native(R"(id eq "a\"b")"), R"(eq id "a\"b")");
  EXPECT_EQ(Native(R"(id eq "a\\b")"), R"(eq id "a\\b")");
  EXPECT_EQ(Native(R"(id eq "caf\u00e9")"), "eq id \"caf\xc3\xa9\"");
  EXPECT_EQ(Native(R"(id eq "caf\u00E9")"), "eq id \"caf\xc3\xa9\"");
  EXPECT_EQ(Native(R"(id eq "\u4e2d")"), "eq id \"\xe4\xb8\xad\"");
  EXPECT_EQ(Native(R"(id eq "\ud83d\ude00")"), "eq id \"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(Native(R"(id eq "\/\b\f\n\r\t")"), R"(eq id "/\x08\x0c\n\r\t")");
  EXPECT_EQ(Native("id eq \"caf\xc3\xa9\""), "eq id \"caf\xc3\xa9\"");  // raw UTF-8 as it is
  EXPECT_EQ(Native(R"(id eq "")"), R"(eq id "")");
  EXPECT_EQ(Native(R"(id eq "and or not ( ) [ ]")"), R"(eq id "and or not ( ) [ ]")");
  // The decoded value, not the escape, reaches the Filter.
  Filter filter = MustParse(R"(id eq "\u0000x")");
  ASSERT_EQ(filter.values.size(), 1u);
  EXPECT_EQ(std::get<std::string>(filter.values[0]), std::string("\0x", 2));
}

// --- Errors, each at its position ---

TEST(ScimFilter, SyntaxErrorsNameTheirPosition) {
  const std::pair<std::string_view, std::string_view> kCases[] = {
      {"id", R"(filter: at 3: expected an operator after "id", found the end of the filter)"},
      {"id eq",
       "filter: at 6: expected a value after eq (a \"string\", a number, true, false or null), "
       "found the end of the filter"},
      {"id eq x",
       "filter: at 7: expected a value after eq (a \"string\", a number, true, false or null), "
       "found \"x\""},
      {"id eq True",
       "filter: at 7: expected a value after eq (a \"string\", a number, true, false or null), "
       "found \"True\""},
      {R"(id eq ("x"))",
       "filter: at 7: expected a value after eq (a \"string\", a number, true, false or null), "
       "found \"(\""},
      {R"(id "x")", R"(filter: at 4: expected an operator after "id", found a string)"},
      {R"(id eqq "x")",
       R"(filter: at 4: unknown operator "eqq" (expected eq, ne, co, sw, ew, pr, gt, ge, lt or le))"},
      {R"(id pr "x")", "filter: at 7: expected and, or or the end of the filter, found a string"},
      {R"(id eq "x" and)",
       "filter: at 14: expected an attribute, ( or not, found the end of the "
       "filter"},
      {R"(id eq "x" or or id pr)", R"(filter: at 14: expected an attribute, ( or not, found "or")"},
      {R"(id eq "x" type eq "y")",
       R"(filter: at 11: expected and, or or the end of the filter, found "type")"},
      {R"((id eq "x")",
       "filter: at 11: expected ) to close the ( at 1, found the end of the filter"},
      {R"((id eq "x" id pr)", R"(filter: at 12: expected ) to close the ( at 1, found "id")"},
      {R"(id eq "x"))", R"-(filter: at 10: expected and, or or the end of the filter, found ")")-"},
      {"()", R"-(filter: at 2: expected an attribute, ( or not, found ")")-"},
      {")", R"-(filter: at 1: expected an attribute, ( or not, found ")")-"},
      {R"(not id eq "x")", R"(filter: at 5: expected ( after not, found "id")"},
      {"not", "filter: at 4: expected ( after not, found the end of the filter"},
      {R"(emails[type eq "work"])", "filter: at 7: value filters with [ ] are not supported"},
      {R"(id eq "x" # 1)", "filter: at 11: unexpected character '#'"},
      {R"(id eq 'x')", "filter: at 7: unexpected character '\\''"},
      {R"(id ]= "x")", "filter: at 4: unexpected character ']'"},
      {"id eq \"x\" \xc3\xa9", "filter: at 11: unexpected character '\\xc3'"},
      {R"(actor..id eq "x")", R"(filter: at 1: empty step in attribute "actor..id")"},
      {R"(details.a. eq "x")", R"(filter: at 1: empty step in attribute "details.a.")"},
      {R"(_id eq "x")", "filter: at 1: unexpected character '_'"},
      {"seq eq 012", R"(filter: at 8: invalid number "012")"},
      {"seq eq 1.", R"(filter: at 8: invalid number "1.")"},
      {"seq eq 12abc", R"(filter: at 8: invalid number "12abc")"},
      {"seq eq -", R"(filter: at 8: invalid number "-")"},
      {"seq eq 1e", R"(filter: at 8: invalid number "1e")"},
      {"seq eq +1", "filter: at 8: unexpected character '+'"},
  };
  for (const auto& [text, message] : kCases) EXPECT_EQ(Native(text), message) << text;
}

TEST(ScimFilter, StringErrorsNameTheirPosition) {
  const std::pair<std::string_view, std::string_view> kCases[] = {
      {R"(id eq "abc)", "filter: at 7: unterminated string"},
      {R"(id eq "abc\)", "filter: at 7: unterminated string"},
      {R"(id eq "a\qb")", R"(filter: at 9: invalid escape "\\q" in a string)"},
      {R"(id eq "a\x41")", R"(filter: at 9: invalid escape "\\x" in a string)"},
      {R"(id eq "\u12")", R"(filter: at 8: \u must be followed by 4 hex digits)"},
      {R"(id eq "\u12g4")", R"(filter: at 8: \u must be followed by 4 hex digits)"},
      {R"(id eq "x\udc00")", R"(filter: at 9: lone low surrogate in \u escape)"},
      {R"(id eq "\ud83d")",
       R"(filter: at 8: high surrogate in \u escape without a low surrogate after it)"},
      {R"(id eq "\ud83d\u0041")",
       R"(filter: at 8: high surrogate in \u escape without a low surrogate after it)"},
      {"id eq \"a\tb\"",
       R"(filter: at 9: control character in a string (write it as an escape such as \n))"},
      {"id eq \"a\nb\"",
       R"(filter: at 9: control character in a string (write it as an escape such as \n))"},
  };
  for (const auto& [text, message] : kCases) EXPECT_EQ(Native(text), message) << text;
}

TEST(ScimFilter, SemanticErrorsNameTheirPosition) {
  const std::pair<std::string_view, std::string_view> kCases[] = {
      // Unknown attributes, at the attribute.
      {R"(foo eq "x")", R"(filter: at 1: unknown attribute "foo")"},
      {R"(id pr and actor.nickname eq "x")",
       R"(filter: at 11: unknown attribute "actor.nickname")"},
      {R"(details. eq "x")", R"(filter: at 1: empty step in attribute "details.")"},
      // Operators that do not suit the attribute, at the operator.
      {R"(timestamp co "2017")",
       "filter: at 11: co does not apply to timestamp, a date-time attribute (use eq, ne, gt, ge, "
       "lt, le or pr)"},
      {"seq sw 1",
       "filter: at 5: sw does not apply to seq, a numeric attribute (use eq, ne, gt, ge, lt, le "
       "or pr)"},
      {"geo.latitude ew 1",
       "filter: at 14: ew does not apply to geo.latitude, a numeric attribute (use eq, ne, gt, "
       "ge, lt, le or pr)"},
      {"ua.is_mobile gt true",
       "filter: at 14: gt does not apply to the boolean attribute ua.is_mobile, which takes eq, "
       "ne and pr"},
      {"ua.is_mobile co true",
       "filter: at 14: co does not apply to the boolean attribute ua.is_mobile, which takes eq, "
       "ne and pr"},
      {R"(result sw "s")", "filter: at 8: sw does not apply to result, which takes eq, ne and pr"},
      {R"(result lt "success")",
       "filter: at 8: lt does not apply to result, which takes eq, ne and pr"},
      {R"(details eq "{}")",
       "filter: at 9: details takes only pr (or eq/ne null); compare a path inside it, such as "
       "details.request.channel"},
      {R"(description co "x")",
       "filter: at 13: co is not supported on the text attribute description: it is indexed by "
       "word, not by substring (eq and sw compare the whole value)"},
      // Values of the wrong type or form, at the value.
      {R"(timestamp gt "yesterday")",
       "filter: at 14: \"yesterday\" is not an RFC 3339 date-time such as "
       "\"2017-10-01T00:00:00.000Z\": not a date-time: expected a 4-digit year"},
      {R"(timestamp gt "2017-13-01")",
       "filter: at 14: \"2017-13-01\" is not an RFC 3339 date-time such as "
       "\"2017-10-01T00:00:00.000Z\": month 13 out of range"},
      {"timestamp gt 1506816000000",
       "filter: at 14: timestamp takes a date-time string such as \"2017-10-01T00:00:00.000Z\", "
       "found the number \"1506816000000\""},
      {"id eq 42", R"(filter: at 7: id takes a string, found the number "42")"},
      {"id eq true", R"(filter: at 7: id takes a string, found "true")"},
      {"description sw 1", R"(filter: at 16: description takes a string, found the number "1")"},
      {R"(seq eq "42")", "filter: at 8: seq takes a whole number, found a string"},
      {"seq eq 1.5", R"(filter: at 8: seq takes a whole number, found the number "1.5")"},
      {"seq eq 1e3", R"(filter: at 8: seq takes a whole number, found the number "1e3")"},
      {"seq gt 9223372036854775808", "filter: at 8: number 9223372036854775808 out of range"},
      {"geo.latitude eq 1e999", "filter: at 17: number 1e999 out of range"},
      {R"(geo.latitude eq "1.5")", "filter: at 17: geo.latitude takes a number, found a string"},
      {R"(ua.is_mobile eq "true")",
       "filter: at 17: ua.is_mobile takes true or false, found a string"},
      {"ua.is_mobile eq 1",
       R"(filter: at 17: ua.is_mobile takes true or false, found the number "1")"},
      {R"(result eq "SUCCESS")",
       R"(filter: at 11: result takes "success" or "failure" (lower case), found "SUCCESS")"},
      {R"(result ne "skipped")",
       R"(filter: at 11: result takes "success" or "failure" (lower case), found "skipped")"},
      {"result eq true",
       R"(filter: at 11: result takes "success" or "failure" (lower case), found "true")"},
      {"details.n gt 5",
       "filter: at 14: details.n with gt takes a string (values inside details compare as text), "
       "found the number \"5\""},
      {"details.n co 5",
       "filter: at 14: details.n with co takes a string (values inside details compare as text), "
       "found the number \"5\""},
      {"timestamp gt null", "filter: at 14: null compares only with eq or ne, not gt"},
      {"id co null", "filter: at 7: null compares only with eq or ne, not co"},
      // A literal `*` in co and ew.
      {R"(id co "a*b")", "filter: at 7: a * in a co value cannot be matched literally yet"},
      {R"(details.x ew "*")", "filter: at 14: a * in a ew value cannot be matched literally yet"},
  };
  for (const auto& [text, message] : kCases) EXPECT_EQ(Native(text), message) << text;
}

TEST(ScimFilter, FirstErrorFromTheLeftIsReported) {
  EXPECT_EQ(Native(R"(foo eq "x" and id eqq "y")"), R"(filter: at 1: unknown attribute "foo")");
  EXPECT_EQ(Native(R"(id eq 1 and foo eq "y")"), R"(filter: at 7: id takes a string, found the )"
                                                 R"(number "1")");
}

TEST(ScimFilter, AResolverThatMisplacesAPathIsAnError) {
  auto resolve = [](std::string_view) -> std::optional<ScimAttribute> {
    return ScimAttribute{event::FindField("actor.id"), "nested"};
  };
  EXPECT_THAT(ParseScimFilter(R"(x eq "y")", resolve),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("filter: at 1: field actor.id: only details takes a path")));
  auto null_field = [](std::string_view) -> std::optional<ScimAttribute> {
    return ScimAttribute{};
  };
  EXPECT_THAT(ParseScimFilter(R"(x eq "y")", null_field),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown attribute \"x\"")));
}

TEST(ScimFilter, NativeResolverNamesRegistryPathsAndDetails) {
  auto actor = ResolveNativeAttribute("actor.id");
  ASSERT_TRUE(actor);
  EXPECT_EQ(actor->field, event::FindField("actor.id"));
  EXPECT_EQ(actor->details_path, "");
  auto nested = ResolveNativeAttribute("details.request.channel");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->field, event::FindField("details"));
  EXPECT_EQ(nested->details_path, "request.channel");
  auto whole = ResolveNativeAttribute("details");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->details_path, "");
  EXPECT_FALSE(ResolveNativeAttribute("details."));
  EXPECT_FALSE(ResolveNativeAttribute("eventType"));
  EXPECT_FALSE(ResolveNativeAttribute("Actor.id"));
}

// --- Properties ---

// Text built from the filter language's own pieces reaches deeper into the
// parser than uniformly random bytes do.
rc::Gen<std::string> FilterSoup() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
          "id", "seq", "timestamp", "result", "ua.is_mobile", "geo.latitude", "description",
          "details", "details.a.b", "foo", " ", " eq ", " ne ", " co ", " sw ", " ew ", " pr ",
          " gt ", " ge ", " lt ", " le ", " and ", " or ", "not ", "(", ")", "[", "]", "\"",
          "\"x\"", "\"success\"", "\"2017-10-01T00:00:00Z\"", "\"a*b\"", "\\", "\\u00e9", "\\ud83d",
          "\\u", "42", "-1.5e3", "1e999", "true", "false", "null", ".", "\xc3\xa9",
          std::string("\0", 1))),
      [](const std::vector<std::string>& pieces) {
        std::string text;
        for (const std::string& piece : pieces) text += piece;
        return text;
      });
}

void CheckParseOutcome(const std::string& text) {
  Result<Filter> filter = ParseScimFilter(text, ResolveNativeAttribute);
  if (!filter.ok()) {
    RC_ASSERT(filter.error().code() == StatusCode::kInvalidArgument);
    RC_ASSERT(std::string_view(filter.error().message()).starts_with("filter: at "));
    return;
  }
  RC_ASSERT(ValidateFilter(*filter).ok());
}

RC_GTEST_PROP(ScimFilterProperty, RandomStringsAreParsedOrRejected, (const std::string& text)) {
  CheckParseOutcome(text);
}

RC_GTEST_PROP(ScimFilterProperty, FilterSoupIsParsedOrRejected, ()) {
  CheckParseOutcome(*FilterSoup());
}

}  // namespace
}  // namespace auditlog::query

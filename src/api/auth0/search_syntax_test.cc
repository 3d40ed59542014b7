#include "api/auth0/search_syntax.h"

#include <gmock/gmock.h>

#include "query/matcher.h"
#include "testing/status_matchers.h"

namespace auditlog::api::auth0 {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

event::Event LogEvent() {
  event::Event event;
  event.id = "90020250316000142549";
  event.type = "fp";
  event.description = "Wrong email or password.";
  event.actor.id = "auth0|56c75c4e42b6359e98374bc2";
  event.actor.name = "nicole@acme.example.com";
  event.client.name = "Store Console";
  event.connection = "Username-Password-Authentication";
  event.ip = "166.110.56.251";
  event.details = R"({"connection_id":"con_1","error":{"message":"bad"}})";
  event.timestamp = 1742083302549000;
  event.ua.is_mobile = false;
  return event;
}

bool Finds(std::string_view search, const event::Event& event = LogEvent()) {
  auto filter = ParseAuth0Search(search);
  EXPECT_TRUE(filter.ok()) << search << ": " << filter.status();
  return filter.ok() && query::Matches(*filter, event);
}

TEST(Auth0Search, EmptyIsEveryEvent) {
  EXPECT_TRUE(Finds(""));
  EXPECT_TRUE(Finds("   "));
}

TEST(Auth0Search, UnquotedValueIsAPrefix) {
  EXPECT_TRUE(Finds("type:f"));
  EXPECT_TRUE(Finds("type:fp"));
  EXPECT_FALSE(Finds("type:fpx"));
  EXPECT_TRUE(Finds("user_id:auth0|56c7"));
  EXPECT_TRUE(Finds("user_name:nic*"));  // a trailing * says the same
}

TEST(Auth0Search, QuotedValueIsExact) {
  EXPECT_FALSE(Finds(R"(type:"f")"));
  EXPECT_TRUE(Finds(R"(type:"fp")"));
  EXPECT_TRUE(Finds(R"(description:"Wrong email or password.")"));
  EXPECT_FALSE(Finds(R"(description:"Wrong email")"));
  EXPECT_TRUE(Finds(R"(client_name:"Store Console")"));
}

TEST(Auth0Search, LowerAndUpperCaseFormsAlsoMatch) {
  EXPECT_TRUE(Finds("user_name:NICOLE"));                         // typed upper, stored lower
  EXPECT_TRUE(Finds(R"(client_name:"store console")") == false);  // mixed case stored
  event::Event upper = LogEvent();
  upper.client.name = "STORE CONSOLE";
  EXPECT_TRUE(Finds(R"(client_name:"store console")", upper));
  EXPECT_TRUE(Finds(R"(client_name:"Store Console")", upper));
}

TEST(Auth0Search, BareValueSearchesClientConnectionAndUser) {
  EXPECT_TRUE(Finds("Store"));
  EXPECT_TRUE(Finds("Username-Password"));
  EXPECT_TRUE(Finds("nicole"));
  EXPECT_TRUE(Finds(R"("Store Console")"));
  EXPECT_FALSE(Finds("fp"));  // type is not among them
  EXPECT_FALSE(Finds("Wrong"));
}

TEST(Auth0Search, ClausesAreJoinedWithAnd) {
  EXPECT_TRUE(Finds(R"(type:"fp" user_name:nicole)"));
  EXPECT_TRUE(Finds(R"(type:"fp" AND user_name:nicole)"));
  EXPECT_FALSE(Finds(R"(type:"fp" user_name:bob)"));
}

TEST(Auth0Search, MembersKeptInDetailsAndDetailsPaths) {
  EXPECT_TRUE(Finds("connection_id:con_"));
  EXPECT_TRUE(Finds(R"(connection_id:"con_1")"));
  EXPECT_TRUE(Finds(R"(details.error.message:"bad")"));
  EXPECT_FALSE(Finds(R"(details.error.message:"ba")"));
}

TEST(Auth0Search, MembersKeptInDetailsAreFoundAsTheLogObjectShowsThem) {
  event::Event event = LogEvent();
  event.details = R"({"connection_id":"inner","@connection_id":"con_9"})";
  EXPECT_TRUE(Finds(R"(connection_id:"con_9")", event));
  EXPECT_TRUE(Finds("connection_id:con_", event));
  EXPECT_FALSE(Finds(R"(connection_id:"inner")", event));
}

TEST(Auth0Search, OtherOperatorsAreErrors) {
  for (const char* text :
       {"type:f OR type:s", "NOT type:f", "type:f || type:s", "type:f && type:s", "! type:f"}) {
    EXPECT_THAT(ParseAuth0Search(text),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("is not an operator of search")))
        << text;
  }
  EXPECT_THAT(ParseAuth0Search("type:(f s)"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no grouping or exclusion")));
  EXPECT_THAT(ParseAuth0Search("-nicole"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no grouping or exclusion")));
  EXPECT_FALSE(Finds(R"(type:"fp" "OR")"));  // quoted, a value (no client, connection or user "OR")
  EXPECT_TRUE(ParseAuth0Search(R"("OR")").ok());
  EXPECT_TRUE(ParseAuth0Search("location_info.latitude:-33.9").ok());
}

TEST(Auth0Search, NonStringFieldsTakeTheQSyntax) {
  EXPECT_TRUE(Finds("isMobile:false"));
  EXPECT_FALSE(Finds("isMobile:true"));
  EXPECT_TRUE(Finds("date:[2025-03-16 TO 2025-03-17}"));
  EXPECT_FALSE(Finds("date:2025-03-15"));
}

TEST(Auth0Search, Errors) {
  EXPECT_THAT(
      ParseAuth0Search("foo:bar"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("search: at 1: unknown field \"foo\"")));
  EXPECT_THAT(ParseAuth0Search(R"(type:"f)"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at 6: unterminated quote")));
  EXPECT_THAT(ParseAuth0Search("type:"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("has no value")));
  EXPECT_THAT(ParseAuth0Search(":x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field name is missing")));
  EXPECT_THAT(ParseAuth0Search("details:x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("searched by path")));
  EXPECT_THAT(ParseAuth0Search("details..a:x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a details path")));
  EXPECT_THAT(ParseAuth0Search(R"(type:"f"x)"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("closing quote must end")));
  EXPECT_THAT(ParseAuth0Search("date:yesterday"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("search: at 1:")));
  EXPECT_THAT(ParseAuth0Search(std::string(kMaxSearchBytes + 1, 'a')),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("longer than")));
}

TEST(Auth0Search, EscapesInsideQuotes) {
  event::Event event = LogEvent();
  event.description = R"(say "hi" \ bye)";
  EXPECT_TRUE(Finds(R"(description:"say \"hi\" \\ bye")", event));
}

}  // namespace
}  // namespace auditlog::api::auth0

#include "api/authing/graphql.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

using nlohmann::json;

// What authing-js-sdk 4.23 sends (sdk-requests §2), byte for byte.
constexpr std::string_view kJsSdkBody =
    R"({"query":"\n    query accessToken($userPoolId: String!, $secret: String!) {\n  accessToken(userPoolId: $userPoolId, secret: $secret) {\n    accessToken\n    exp\n    iat\n  }\n}\n    ","variables":{"userPoolId":"pool-a","secret":"al_key"}})";

TEST(AuthingGraphql, AccessTokenQueryWithVariables) {
  AL_ASSERT_OK_AND_ASSIGN(const GraphqlRequest request, ParseGraphqlRequest(kJsSdkBody));
  EXPECT_EQ(request.operation, GraphqlOperation::kAccessToken);
  EXPECT_EQ(request.user_pool_id, "pool-a");
  EXPECT_EQ(request.secret, "al_key");
}

TEST(AuthingGraphql, AccessTokenQueryWithInlineArguments) {
  AL_ASSERT_OK_AND_ASSIGN(
      const GraphqlRequest request,
      ParseGraphqlRequest(
          R"({"query":"{ accessToken(userPoolId: \"pool-a\", secret: \"al_key\") { accessToken } }"})"));
  EXPECT_EQ(request.user_pool_id, "pool-a");
  EXPECT_EQ(request.secret, "al_key");
}

TEST(AuthingGraphql, IntrospectionIsRecognized) {
  AL_ASSERT_OK_AND_ASSIGN(
      const GraphqlRequest request,
      ParseGraphqlRequest(
          R"({"query":"query IntrospectionQuery { __schema { queryType { name } } }"})"));
  EXPECT_EQ(request.operation, GraphqlOperation::kIntrospection);
}

TEST(AuthingGraphql, OtherOperationsAndBadBodiesAreRefused) {
  for (
      const char* body :
      {"", "[]", R"({"query":1})", R"({"query":"{ users { totalCount } }"})",
       R"({"query":"mutation { accessTokenX { a } }"})",
       R"({"query":"query accessToken($userPoolId: String!) { accessToken(userPoolId: $userPoolId) { accessToken } }","variables":{"userPoolId":"p"}})"}) {
    auto parsed = ParseGraphqlRequest(body);
    EXPECT_FALSE(parsed.ok()) << body;
    EXPECT_TRUE(parsed.status().message().starts_with("graphql: ")) << parsed.status();
  }
}

TEST(AuthingGraphql, IntrospectionDeclaresAccessToken) {
  const json answer = json::parse(IntrospectionResponse());
  const json& schema = answer["data"]["__schema"];
  EXPECT_EQ(schema["queryType"]["name"], "Query");
  EXPECT_TRUE(schema["mutationType"].is_null());
  json query;
  json token_type;
  std::set<std::string> names;
  for (const json& type : schema["types"]) {
    names.insert(type["name"]);
    if (type["name"] == "Query") query = type;
    if (type["name"] == "AccessTokenRes") token_type = type;
    // Every member graphql-core 2's build_client_schema reads is present.
    for (const char* member : {"kind", "name", "description", "fields", "inputFields", "interfaces",
                               "enumValues", "possibleTypes"}) {
      EXPECT_TRUE(type.contains(member)) << type["name"] << " lacks " << member;
    }
  }
  for (const char* name :
       {"String", "Int", "Boolean", "__Schema", "__Type", "__TypeKind", "__Field", "__InputValue",
        "__EnumValue", "__Directive", "__DirectiveLocation"}) {
    EXPECT_TRUE(names.contains(name)) << name;
  }
  ASSERT_EQ(query["fields"].size(), 1u);
  const json& field = query["fields"][0];
  EXPECT_EQ(field["name"], "accessToken");
  EXPECT_EQ(field["type"],
            (json{{"kind", "OBJECT"}, {"name", "AccessTokenRes"}, {"ofType", nullptr}}));
  ASSERT_EQ(field["args"].size(), 2u);
  EXPECT_EQ(field["args"][0]["name"], "userPoolId");
  EXPECT_EQ(field["args"][0]["type"]["kind"], "NON_NULL");
  EXPECT_EQ(field["args"][0]["type"]["ofType"]["name"], "String");
  EXPECT_EQ(token_type["fields"][1]["name"], "exp");
  EXPECT_EQ(token_type["fields"][1]["type"]["name"], "Int");
  EXPECT_EQ(schema["directives"].size(), 2u);
}

TEST(AuthingGraphql, AnswersInAuthingsShapes) {
  const json token = json::parse(AccessTokenResponse("a.b.c", 20, 10));
  EXPECT_EQ(token,
            json::parse(R"({"data":{"accessToken":{"accessToken":"a.b.c","exp":20,"iat":10}}})"));
  const json error = json::parse(GraphqlErrorResponse(2000, "bad secret"));
  EXPECT_EQ(error["errors"][0]["message"]["code"], 2000);
  EXPECT_EQ(error["errors"][0]["message"]["message"], "bad secret");
  EXPECT_TRUE(error["data"].is_null());
}

}  // namespace
}  // namespace auditlog::api::authing

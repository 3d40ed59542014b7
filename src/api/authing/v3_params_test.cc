#include "api/authing/v3_params.h"

#include <gtest/gtest.h>

#include "query/matcher.h"
#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

using event::Event;

constexpr std::chrono::milliseconds kTimeout{1000};

Event Login() {
  Event event;
  event.type = "login";
  event.actor.id = "u1";
  event.actor.name = "lis";
  event.client.id = "app-1";
  event.ip = "1.2.3.4";
  event.result = event::Outcome::kFailure;
  event.timestamp = 1'631'000'000'000'000;
  return event;
}

TEST(AuthingV3Params, AdminBodyFilters) {
  AL_ASSERT_OK_AND_ASSIGN(
      const query::Query query,
      ParseV3ListBody(
          R"({"userId":"u1","success":false,"operationType":"create","pagination":{"page":2,"limit":50}})",
          V3List::kAdminAuditLogs, "pool-a", kTimeout));
  EXPECT_EQ(query.limit, 50u);
  EXPECT_EQ(query.offset, 50u);
  Event event = Login();
  event.type = "createUser";
  event.operation.type = "create";
  EXPECT_TRUE(query::Matches(query.filter, event));
  event.result = event::Outcome::kSuccess;
  EXPECT_FALSE(query::Matches(query.filter, event));
}

TEST(AuthingV3Params, UserActionBodyFilters) {
  AL_ASSERT_OK_AND_ASSIGN(
      const query::Query query,
      ParseV3ListBody(
          R"({"userId":"u1","eventType":"login","appId":"app-1","start":1630000000000,"end":1632000000000})",
          V3List::kUserActionLogs, "pool-a", kTimeout));
  EXPECT_EQ(query.limit, 10u);
  EXPECT_TRUE(query::Matches(query.filter, Login()));
  EXPECT_TRUE(query::InTimeRange(query.time, Login()));
}

TEST(AuthingV3Params, EmptyBodyAndNullsMeanNoFilter) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query,
                          ParseV3ListBody("", V3List::kUserActionLogs, "pool-a", kTimeout));
  EXPECT_TRUE(query::Matches(query.filter, Login()));
  AL_ASSERT_OK_AND_ASSIGN(
      const query::Query nulls,
      ParseV3ListBody(R"({"userId":null,"clientIp":"","success":null,"pagination":null})",
                      V3List::kUserActionLogs, "pool-a", kTimeout));
  EXPECT_TRUE(query::Matches(nulls.filter, Login()));
}

TEST(AuthingV3Params, Errors) {
  const auto error = [](std::string_view body) {
    auto parsed = ParseV3ListBody(body, V3List::kAdminAuditLogs, "pool-a", kTimeout);
    return parsed.ok() ? std::string("OK") : std::string(parsed.status().message());
  };
  EXPECT_EQ(error("[1]"), "body: expected a JSON object");
  EXPECT_EQ(error(R"({"pagination":{"limit":51}})"),
            "pagination.limit: must be a whole number from 1 to 50, got \"51\"");
  EXPECT_EQ(error(R"({"pagination":{"page":0}})"),
            "pagination.page: must be a whole number from 1, got \"0\"");
  EXPECT_EQ(error(R"({"pagination":3})"), "pagination: expected an object {page, limit}");
  EXPECT_EQ(error(R"({"success":"yes"})"), "success: expected true or false");
  EXPECT_EQ(error(R"({"userId":[1]})"), "userId: expected a string");
  EXPECT_EQ(error(R"({"start":1.5})"), "start: expected a whole number");
  EXPECT_EQ(error(R"({"start":2000,"end":1000})"), "start: must not be after end");
  EXPECT_EQ(error(R"({"pagination":{"page":100001,"limit":10}})"),
            "pagination.page: page 100001 of 10 starts past the first 1000000 records");
}

TEST(AuthingV3Params, BodiesAreStrict) {
  const auto error = [](std::string_view body, V3List list) {
    auto parsed = ParseV3ListBody(body, list, "pool-a", kTimeout);
    return parsed.ok() ? std::string("OK") : std::string(parsed.status().message());
  };
  // Everything authing-node-sdk sends (sdk-requests §3) is known.
  EXPECT_EQ(error(R"({"requestId":"r","clientIp":"1.2.3.4","operationType":"create",)"
                  R"("resourceType":"DATA","userId":"u","success":true,"start":1,"end":2,)"
                  R"("pagination":{"page":1,"limit":50}})",
                  V3List::kAdminAuditLogs),
            "OK");
  EXPECT_EQ(error(R"({"requestId":"r","clientIp":"1.2.3.4","eventType":"login","appId":"a",)"
                  R"("userId":"u","success":false,"start":1,"end":2,)"
                  R"("pagination":{"page":1,"limit":50}})",
                  V3List::kUserActionLogs),
            "OK");
  EXPECT_EQ(error(R"({"userId":"u","usrId":"x"})", V3List::kAdminAuditLogs),
            "usrId: unknown member");
  EXPECT_EQ(error(R"({"eventType":"login"})", V3List::kAdminAuditLogs),
            "eventType: unknown member");
  EXPECT_EQ(error(R"({"resourceType":"DATA"})", V3List::kUserActionLogs),
            "resourceType: unknown member");
  EXPECT_EQ(error(R"({"pagination":{"page":1,"offset":5}})", V3List::kUserActionLogs),
            "pagination.offset: unknown member");
}

TEST(AuthingV3Params, ResourceTypeIsTheCategoryInDetails) {
  AL_ASSERT_OK_AND_ASSIGN(
      const query::Query query,
      ParseV3ListBody(R"({"resourceType":"DATA"})", V3List::kAdminAuditLogs, "pool-a", kTimeout));
  Event event = Login();
  event.type = "createUser";
  event.resource.type = "user";
  event.details = R"({"resourceType":"DATA"})";
  EXPECT_TRUE(query::Matches(query.filter, event));
  event.details = R"({"resourceType":null,"@resourceType":"DATA"})";
  EXPECT_TRUE(query::Matches(query.filter, event));
  event.details = R"({"resourceType":"API","@resourceType":"DATA"})";
  EXPECT_FALSE(query::Matches(query.filter, event)) << "the DTO shows API";
  event.details = "";
  event.resource.type = "DATA";
  EXPECT_FALSE(query::Matches(query.filter, event)) << "resource.type is Authing's resourceName";
}

TEST(AuthingV3Params, SuccessMeansNotFailureAsInTheDtos) {
  Event event = Login();
  for (const bool success : {true, false}) {
    const query::Query query =
        *ParseV3ListBody(success ? R"({"success":true})" : R"({"success":false})",
                         V3List::kUserActionLogs, "pool-a", kTimeout);
    event.result = event::Outcome::kSuccess;
    EXPECT_EQ(query::Matches(query.filter, event), success);
    event.result = event::Outcome::kUnset;
    EXPECT_EQ(query::Matches(query.filter, event), success);
    event.result = event::Outcome::kFailure;
    EXPECT_EQ(query::Matches(query.filter, event), !success);
  }
}

TEST(AuthingV3Params, LoginHistoryAcceptsOlderSdksSnakeCaseNames) {
  http::Request request;
  request.query = {{"user_id", "u1"},
                   {"user_id_type", "user_id"},
                   {"app_id", "app-1"},
                   {"client_ip", "1.2.3.4"}};
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query,
                          ParseV3LoginHistoryParams(request, "pool-a", kTimeout));
  EXPECT_TRUE(query::Matches(query.filter, Login()));
  Event other_app = Login();
  other_app.client.id = "app-2";
  EXPECT_FALSE(query::Matches(query.filter, other_app));
  request.query = {{"userId", "u1"}, {"user_id", "u2"}};
  EXPECT_EQ(ParseV3LoginHistoryParams(request, "pool-a", kTimeout).status().message(),
            "user_id: given more than once (or also under its other name)");
}

TEST(AuthingV3Params, LoginHistoryRefusesUnknownParameters) {
  http::Request request;
  // What authing-node-sdk sends is all known.
  request.query = {{"userId", "u1"}, {"userIdType", "user_id"},
                   {"appId", "a"},   {"clientIp", "1.2.3.4"},
                   {"start", "1"},   {"end", "2"},
                   {"page", "1"},    {"limit", "10"}};
  AL_EXPECT_OK(ParseV3LoginHistoryParams(request, "pool-a", kTimeout));
  request.query = {{"userId", "u1"}, {"offset", "10"}};
  EXPECT_EQ(ParseV3LoginHistoryParams(request, "pool-a", kTimeout).status().message(),
            "offset: unknown parameter");
  request.query = {{"userId", "u1"}, {"page", "100001"}};
  EXPECT_EQ(ParseV3LoginHistoryParams(request, "pool-a", kTimeout).status().message(),
            "page: page 100001 of 10 starts past the first 1000000 records");
}

TEST(AuthingV3Params, LoginHistoryBody) {
  AL_ASSERT_OK_AND_ASSIGN(
      const query::Query query,
      ParseV3LoginHistoryBody(R"({"userId":"u1","appId":null,"page":1,"limit":10})", "pool-a",
                              kTimeout));
  EXPECT_EQ(query.limit, 10u);
  EXPECT_TRUE(query::Matches(query.filter, Login()));
  EXPECT_EQ(ParseV3LoginHistoryBody(R"({"userId":{"a":1}})", "pool-a", kTimeout).status().message(),
            "userId: expected a string or a number");
  EXPECT_EQ(
      ParseV3LoginHistoryBody(R"({"userId":"u1","x":1})", "pool-a", kTimeout).status().message(),
      "x: unknown parameter");
}

TEST(AuthingV3Params, LoginHistory) {
  http::Request request;
  request.query = {{"userId", "u1"}, {"userIdType", "user_id"}, {"page", "1"}, {"limit", "10"}};
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query,
                          ParseV3LoginHistoryParams(request, "pool-a", kTimeout));
  EXPECT_TRUE(query::Matches(query.filter, Login()));
  Event other = Login();
  other.type = "logout";
  EXPECT_FALSE(query::Matches(query.filter, other));

  request.query = {{"userId", "lis"}, {"userIdType", "username"}};
  AL_ASSERT_OK_AND_ASSIGN(const query::Query by_name,
                          ParseV3LoginHistoryParams(request, "pool-a", kTimeout));
  EXPECT_TRUE(query::Matches(by_name.filter, Login()));

  request.query = {{"userIdType", "user_id"}};
  EXPECT_EQ(ParseV3LoginHistoryParams(request, "pool-a", kTimeout).status().message(),
            "userId: required");
  request.query = {{"userId", "1"}, {"userIdType", "phone"}};
  EXPECT_FALSE(ParseV3LoginHistoryParams(request, "pool-a", kTimeout).ok());
  request.query = {{"userId", "1"}, {"limit", "51"}};
  EXPECT_FALSE(ParseV3LoginHistoryParams(request, "pool-a", kTimeout).ok());
}

}  // namespace
}  // namespace auditlog::api::authing

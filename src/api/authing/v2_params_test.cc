#include "api/authing/v2_params.h"

#include <gtest/gtest.h>

#include "query/matcher.h"
#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

using event::Event;

http::Request RequestWith(std::vector<http::NameValue> query) {
  http::Request request;
  request.method = "GET";
  request.path = "/api/v2/analysis/audit";
  request.query = std::move(query);
  return request;
}

Result<query::Query> Parse(std::vector<http::NameValue> params, LogKind kind = LogKind::kAudit,
                           std::string* field = nullptr) {
  return ParseV2ListParams(RequestWith(std::move(params)), kind, "pool-a",
                           std::chrono::milliseconds(1000), field);
}

Event Admin(std::string type = "createUser") {
  Event event;
  event.type = std::move(type);
  event.actor.id = "u1";
  event.ip = "1.2.3.4";
  event.client.id = "app-1";
  event.timestamp = 1'631'000'000'000'000;
  return event;
}

void ExpectError(std::vector<http::NameValue> params, std::string_view field,
                 std::string_view message_start) {
  std::string error_field;
  auto parsed = Parse(std::move(params), LogKind::kUserAction, &error_field);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(parsed.status().message().starts_with(message_start)) << parsed.status().message();
  EXPECT_EQ(error_field, field);
}

TEST(AuthingV2Params, DefaultsArePageOneOfTenNewestFirst) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query, Parse({}));
  EXPECT_EQ(query.tenant, "pool-a");
  EXPECT_EQ(query.limit, 10u);
  EXPECT_EQ(query.offset, 0u);
  EXPECT_TRUE(query.sort.empty());  // timestamp descending
  EXPECT_TRUE(query.include_totals);
  AL_EXPECT_OK(query::ValidateQuery(query));
}

TEST(AuthingV2Params, PageAndLimitGiveTheOffset) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query, Parse({{"page", "3"}, {"limit", "6"}}));
  EXPECT_EQ(query.limit, 6u);
  EXPECT_EQ(query.offset, 12u);
}

TEST(AuthingV2Params, EveryValidationError) {
  ExpectError({{"page", "0"}}, "page", "page: must be a whole number from 1");
  ExpectError({{"page", "x"}}, "page", "page: must be a whole number from 1");
  ExpectError({{"limit", "0"}}, "limit", "limit: must be a whole number from 1 to 200");
  ExpectError({{"limit", "201"}}, "limit", "limit: must be a whole number from 1 to 200");
  ExpectError({{"limit", "-1"}}, "limit", "limit:");
  ExpectError({{"page", "100000"}, {"limit", "200"}}, "page", "page: page 100000 of 200");
  ExpectError({{"start", "yesterday"}}, "start", "start: must be a time in epoch milliseconds");
  ExpectError({{"end", "1.5"}}, "end", "end: must be a time in epoch milliseconds");
  ExpectError({{"start", "2000"}, {"end", "1000"}}, "start", "start: must not be after end");
  ExpectError({{"operator_arn", "user:1"}}, "operator_arn", "operator_arn: expected");
  ExpectError({{"eventResultCode", "maybe"}}, "eventResultCode", "eventResultCode: expected");
  ExpectError({{"exclude_non_app_records", "yes"}}, "exclude_non_app_records",
              "exclude_non_app_records: expected");
}

TEST(AuthingV2Params, ArnsInBothForms) {
  AL_ASSERT_OK_AND_ASSIGN(const OperatorArn short_form,
                          ParseOperatorArn("arn:cn:authing:user:61384cf9"));
  EXPECT_EQ(short_form, (OperatorArn{"", "61384cf9"}));
  AL_ASSERT_OK_AND_ASSIGN(const OperatorArn long_form,
                          ParseOperatorArn("arn:cn:authing:pool-a:user:61384cf9"));
  EXPECT_EQ(long_form, (OperatorArn{"pool-a", "61384cf9"}));
  for (const char* bad : {"", "arn:cn:authing:", "arn:cn:authing:user:", "arn:aws:iam::1:user/x",
                          "arn:cn:authing:pool:role:x", "arn:cn:authing::user:x"}) {
    EXPECT_FALSE(ParseOperatorArn(bad).ok()) << bad;
  }
}

TEST(AuthingV2Params, ArnOfAnotherPoolMatchesNothing) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query mine,
                          Parse({{"operator_arn", "arn:cn:authing:pool-a:user:u1"}}));
  EXPECT_TRUE(query::Matches(mine.filter, Admin()));
  AL_ASSERT_OK_AND_ASSIGN(const query::Query other,
                          Parse({{"operator_arn", "arn:cn:authing:pool-b:user:u1"}}));
  EXPECT_FALSE(query::Matches(other.filter, Admin()));
  AL_ASSERT_OK_AND_ASSIGN(const query::Query short_form,
                          Parse({{"operator_arn", "arn:cn:authing:user:u1"}}));
  EXPECT_TRUE(query::Matches(short_form.filter, Admin()));
}

TEST(AuthingV2Params, RepeatedKeysAndBracketFormsBothMatchAny) {
  for (const char* name : {"operation_name", "operation_name[]"}) {
    AL_ASSERT_OK_AND_ASSIGN(const query::Query query,
                            Parse({{name, "deleteUser"}, {name, "createUser"}}));
    EXPECT_TRUE(query::Matches(query.filter, Admin("createUser"))) << name;
    EXPECT_FALSE(query::Matches(query.filter, Admin("importUser"))) << name;
  }
  AL_ASSERT_OK_AND_ASSIGN(const query::Query apps,
                          Parse({{"app_id[]", "app-9"}, {"app_id[]", "app-1"}}));
  EXPECT_TRUE(query::Matches(apps.filter, Admin()));
}

TEST(AuthingV2Params, EmptyValuesAreNoFilter) {
  AL_ASSERT_OK_AND_ASSIGN(
      const query::Query query,
      Parse({{"clientip", ""}, {"operation_name", ""}, {"operator_arn", ""}, {"page", ""}}));
  EXPECT_TRUE(query::Matches(query.filter, Admin()));
  EXPECT_EQ(query.limit, 10u);
}

TEST(AuthingV2Params, NumericOperationNameIsThePythonSdksPageAndIsDropped) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query,
                          Parse({{"operation_name", "10"},
                                 {"operator_arn", "arn:cn:authing:user:u1"},
                                 {"app_id", "app-1"}}));
  EXPECT_TRUE(query::Matches(query.filter, Admin()));
  EXPECT_EQ(query.limit, 10u);  // not read as a limit either
}

TEST(AuthingV2Params, KindSplitsAuditFromUserActions) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query audit, Parse({}, LogKind::kAudit));
  AL_ASSERT_OK_AND_ASSIGN(const query::Query actions, Parse({}, LogKind::kUserAction));
  EXPECT_TRUE(query::Matches(audit.filter, Admin("createUser")));
  EXPECT_FALSE(query::Matches(audit.filter, Admin("login")));
  EXPECT_TRUE(query::Matches(actions.filter, Admin("login")));
  EXPECT_FALSE(query::Matches(actions.filter, Admin("createUser")));
}

TEST(AuthingV2Params, CamelCaseExtrasOnBothEndpoints) {
  for (const LogKind kind : {LogKind::kAudit, LogKind::kUserAction}) {
    const std::string type = kind == LogKind::kAudit ? "createUser" : "login";
    AL_ASSERT_OK_AND_ASSIGN(
        const query::Query query,
        Parse({{"userId", "u1"}, {"eventType", type}, {"app_id", "app-1"}}, kind));
    EXPECT_TRUE(query::Matches(query.filter, Admin(type)));
    Event other = Admin(type);
    other.actor.id = "u2";
    EXPECT_FALSE(query::Matches(query.filter, other));
  }
}

TEST(AuthingV2Params, JavaSdkExtras) {
  Event event = Admin("login");
  event.request_id = "r1";
  event.operation.type = "login";
  event.resource.type = "user";
  event.actor.name = "lis";
  event.result = event::Outcome::kSuccess;
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query, Parse({{"request_id", "r1"},
                                                           {"operationType", "login"},
                                                           {"resourceName", "user"},
                                                           {"userName", "lis"},
                                                           {"appId", "app-1"},
                                                           {"eventResultCode", "success"},
                                                           {"exclude_non_app_records", "1"}},
                                                          LogKind::kUserAction));
  EXPECT_TRUE(query::Matches(query.filter, event));
  event.client.id.clear();
  EXPECT_FALSE(query::Matches(query.filter, event));
}

TEST(AuthingV2Params, StartAndEndAreInclusiveEpochMillis) {
  AL_ASSERT_OK_AND_ASSIGN(const query::Query query,
                          Parse({{"start", "1631000000000"}, {"end", "1631000000000"}}));
  EXPECT_TRUE(query::InTimeRange(query.time, Admin()));
  AL_ASSERT_OK_AND_ASSIGN(const query::Query later, Parse({{"start", "1631000000001"}}));
  EXPECT_FALSE(query::InTimeRange(later.time, Admin()));
}

}  // namespace
}  // namespace auditlog::api::authing

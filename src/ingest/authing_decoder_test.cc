// The Authing seed samples (docs/dialects/authing.md), field by field.

#include <gtest/gtest.h>

#include "event/time.h"
#include "ingest/decoder_test_util.h"
#include "testing/status_matchers.h"

namespace auditlog::ingest {
namespace {

using ::auditlog::testing::StatusIs;
using event::Event;
using event::Outcome;
using ::testing::HasSubstr;

constexpr event::UnixMicros kLineTime = 1632296841559000;  // 2021-09-22T07:47:21.559-0000

// What the raw log line carries, in whichever shape it arrives.
void ExpectLineFields(const Event& event) {
  EXPECT_EQ(event.id, "c72c118e-c1a9-4fbd-bafe-c45d00da173b");
  EXPECT_EQ(event.tenant, "61384d3e302f1f75e69ce95a");
  EXPECT_EQ(event.timestamp, kLineTime);
  EXPECT_EQ(event.type, "createUser");
  EXPECT_EQ(event.result, Outcome::kSuccess);
  EXPECT_EQ(event.result_message, "");
  EXPECT_EQ(event.operation.type, "create");
  EXPECT_EQ(event.operation.mode, "sdk");
  EXPECT_EQ(event.resource.type, "user") << "resourceName: the kind of thing";
  EXPECT_EQ(event.resource.name, "shxbxpbodj") << "resourceDetails: the thing itself";
  EXPECT_EQ(event.resource.id, "");
  EXPECT_EQ(event.origin_value, "");
  EXPECT_EQ(event.target_value, "");
  EXPECT_EQ(event.actor.id, "61384cf9628539c0f83943e7");
  EXPECT_EQ(event.actor.name, "lishaodong@authing.cn");
  EXPECT_EQ(event.actor.role, "admin");
  EXPECT_EQ(event.client.id, "") << "appId=null is absent";
  EXPECT_EQ(event.request_id, "6939cb03-9013-4c08-8954-2920babeed35");
  EXPECT_EQ(event.ip, "111.202.167.58");
  EXPECT_EQ(event.user_agent, "python-requests/2.26.0");
}

TEST(AuthingDecoder, RawLineSample) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeTestData(Dialect::kAuthing, "seeds/authing_log_line.txt"));
  EXPECT_EQ(batch.format, BodyFormat::kLogLines);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_TRUE(batch.errors.empty());
  const Event& event = batch.events[0];
  ExpectLineFields(event);
  EXPECT_EQ(event.name, "");
  EXPECT_EQ(event.description, "") << "eventDetails=null";
  EXPECT_EQ(event.details, R"({"resourceType":"DATA"})") << "the other unmapped members are null";
  EXPECT_TRUE(event.geo.empty());
  EXPECT_TRUE(event.ua.empty());
}

void ExpectDocumentFields(const Event& event) {
  ExpectLineFields(event);
  EXPECT_EQ(event.name, "Create a user") << "the document's eventType display text, trimmed";
  EXPECT_EQ(event.geo.country_code, "CN");
  EXPECT_EQ(event.geo.country_code3, "CN");
  EXPECT_EQ(event.geo.country_name, "China");
  EXPECT_EQ(event.geo.region_code, "BJ");
  EXPECT_EQ(event.geo.region_name, "Beijing");
  EXPECT_EQ(event.geo.city_name, "Beijing");
  EXPECT_EQ(event.geo.latitude, 39.9288);
  EXPECT_EQ(event.geo.longitude, 116.3889);
  EXPECT_EQ(event.geo.time_zone, "Asia/Shanghai");
  EXPECT_EQ(event.geo.continent_code, "AS");
  EXPECT_EQ(event.ua.name, "Python Requests");
  EXPECT_EQ(event.ua.major, "2");
  EXPECT_EQ(event.ua.minor, "26");
  EXPECT_EQ(event.ua.os, "Other");
  EXPECT_EQ(event.ua.device, "Other");
  EXPECT_EQ(event.ua.patch, "");
}

// The line's unmapped member first, then Logstash bookkeeping and the
// document's own (truncated or localized) copies of line values, in document
// order; the document's resourceType clashes with the line's and becomes
// "@resourceType".
constexpr std::string_view kDocumentDetails =
    R"({"resourceType":"DATA",)"
    R"("photoUrl":"https://files.authing.co/authing-console/default-user-avatar.png",)"
    R"("@timestamp":"2021-09-22T07:47:21.897Z","host":"logstash-ds-q4xg9",)"
    R"("path":"/var/log/authing-server/audit.2021-09-22.log","userPoolName":"newSDK","@resourceType":"data",)"
    R"("@version":"1","ua.os_name":"Other","filedate":"2021.09.22",)"
    R"("logId":"c72c118e-c1a9-4fbd-bafe-c45d00da17","userPoolId":"61384d3e302f1f75e69c",)"
    R"("operationMode":"SDK","resourceName":"用户","userId":"61384cf9628539c0f839",)"
    R"("userName":"lis","roleName":"管理员","requestId":"6939cb03-9013-4c08-8954-2920babe5"})";

TEST(AuthingDecoder, ListResponseSampleChinese) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeTestData(Dialect::kAuthing, "seeds/authing_audit_list_zh.json"));
  EXPECT_EQ(batch.format, BodyFormat::kObject);
  ASSERT_EQ(batch.record_count, 1u) << "the record inside data.list";
  ASSERT_EQ(batch.events.size(), 1u);
  const Event& event = batch.events[0];
  ExpectDocumentFields(event);
  EXPECT_EQ(event.description, "创建「 shxbxpbodj 」共 1 个用户");
  EXPECT_EQ(event.details, kDocumentDetails);
}

TEST(AuthingDecoder, ListResponseSampleEnglish) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeTestData(Dialect::kAuthing, "seeds/authing_audit_list_en.json"));
  ASSERT_EQ(batch.events.size(), 1u);
  ExpectDocumentFields(batch.events[0]);
  EXPECT_EQ(batch.events[0].description, "Create「 shxbxpbodj 」Total 1 users");
}

TEST(AuthingDecoder, DocumentWithoutMessageUsesItsOwnValues) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kAuthing, R"({
    "logId":"l1","eventType":" 创建用户","operationType":"创建","eventResultCode":"成功","appId":"null",
    "userPoolId":"p1","userId":"u1","appName":"Console","@timestamp":"2021-09-22T07:47:21.897Z"})"));
  ASSERT_EQ(batch.events.size(), 1u) << (batch.errors.empty() ? "" : batch.errors[0].message);
  const Event& event = batch.events[0];
  EXPECT_EQ(event.id, "l1");
  EXPECT_EQ(event.type, "创建用户");
  EXPECT_EQ(event.operation.type, "创建");
  EXPECT_EQ(event.result, Outcome::kSuccess);
  EXPECT_EQ(event.client.id, "");
  EXPECT_EQ(event.client.name, "Console");
  EXPECT_EQ(event.tenant, "p1");
  EXPECT_EQ(event.timestamp, *event::ParseDateTime("2021-09-22T07:47:21.897Z"))
      << "@timestamp as fallback";
  EXPECT_EQ(event.details, R"({"@timestamp":"2021-09-22T07:47:21.897Z"})");
}

TEST(AuthingDecoder, FailureAndUnknownResultCodes) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch, DecodeText(Dialect::kAuthing,
                             "[2021-09-22T07:47:21Z] eventType=login eventResultCode=failed "
                             "eventResultMsg=wrong password given\n"
                             "[2021-09-22T07:47:22Z] eventType=login eventResultCode=partial\n"));
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].result, Outcome::kFailure);
  EXPECT_EQ(batch.events[0].result_message, "wrong password given");
  EXPECT_EQ(batch.events[1].result, Outcome::kUnset);
  EXPECT_EQ(batch.events[1].details, R"({"eventResultCode":"partial"})");
}

TEST(AuthingDecoder, BadLinesAreReportedByLine) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kAuthing,
                                                 "[2021-09-22T07:47:21Z] eventType=login\n"
                                                 "[99999-09-22T07:47:21Z] eventType=login\n"
                                                 "[2021-09-22T07:47:21Z] userId=a b\n"
                                                 "[2021-09-22T07:47:21Z] userId=a\n"
                                                 "[2021-09-22T07:47:21Z] eventType=\xff\n"));
  EXPECT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.errors.size(), 4u);
  EXPECT_EQ(batch.errors[0],
            (RecordError{1, 2, "log line: time: year 99999 out of range 1970..9999"}));
  EXPECT_EQ(batch.errors[1], (RecordError{2, 3, "log line: userId: unexpected space in value"}));
  EXPECT_EQ(batch.errors[2], (RecordError{3, 4, "type: required"}));
  EXPECT_EQ(batch.errors[3], (RecordError{4, 5, "log line: invalid UTF-8"}));
}

TEST(AuthingDecoder, WrongTypesNameTheAuthingField) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch, DecodeText(Dialect::kAuthing, R"({"eventType":"x","geoip":{"latitude":"n"}})"));
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].message, "geoip.latitude: not a number");
  AL_ASSERT_OK_AND_ASSIGN(batch,
                          DecodeText(Dialect::kAuthing, R"({"eventType":"x","userId":{"a":1}})"));
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].message, "userId: not a string");
}

}  // namespace
}  // namespace auditlog::ingest

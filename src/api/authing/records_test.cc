// The v2 document and the v3 DTOs; the mapping tested both ways against the
// ingest decoder (ingest/authing_decoder.cc).

#include "api/authing/records.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "event/json_buffer.h"
#include "event/json_codec.h"
#include "event/time.h"
#include "ingest/record_decoder.h"
#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

using event::Event;
using nlohmann::json;

// The list element of Authing's documented sample (English docs page), as
// published.
constexpr std::string_view kSeedDocument = R"json({
  "photoUrl": "https://files.authing.co/authing-console/default-user-avatar.png",
  "eventType": " Create a user",
  "@timestamp": "2021-09-22T07:47:21.897Z",
  "userId": "61384cf9628539c0f839",
  "logId": "c72c118e-c1a9-4fbd-bafe-c45d00da17",
  "userAgent": "python-requests/2.26.0",
  "resourceName": "用户",
  "message": "[2021-09-22T07:47:21.559-0000] logId=c72c118e-c1a9-4fbd-bafe-c45d00da173b appId=null userName=lishaodong@authing.cn userPoolId=61384d3e302f1f75e69ce95a userId=61384cf9628539c0f83943e7 requestId=6939cb03-9013-4c08-8954-2920babeed35 roleName=admin roleCode=null roleId=null userAgent=python-requests/2.26.0 clientIp=111.202.167.58 eventType=createUser eventDetails=null resourceType=DATA resourceName=user resourceDetails=shxbxpbodj operationType=create operationMode=sdk originValue=null targetValue=null eventResultCode=success operationParam=null eventResultMsg=null",
  "operationParam": "null",
  "eventResultMsg": "null",
  "userPoolId": "61384d3e302f1f75e69c",
  "roleId": "null",
  "requestId": "6939cb03-9013-4c08-8954-2920babe5",
  "operationType": "create",
  "targetValue": "null",
  "operationMode": "SDK",
  "eventResultCode": "success",
  "timestamp": "2021-09-22T07:47:21.559-0000",
  "host": "logstash-ds-q4xg9",
  "appId": "null",
  "path": "/var/log/authing-server/audit.2021-09-22.log",
  "resourceDetails": "shxbxpbodj",
  "roleCode": "null",
  "userName": "lis",
  "userPoolName": "newSDK",
  "resourceType": "data",
  "@version": "1",
  "originValue": "null",
  "eventDetails": "Create「 shxbxpbodj 」Total 1 users",
  "geoip": {"region_code": "BJ", "region_name": "Beijing", "country_code2": "CN", "continent_code": "AS", "ip": "111.202.167.58", "longitude": 116.3889, "country_code3": "CN", "latitude": 39.9288, "location": {"lat": 39.9288, "lon": 116.3889}, "country_name": "China", "city_name": "Beijing", "timezone": "Asia/Shanghai"},
  "roleName": "管理员",
  "clientIp": "111.202.167.58",
  "ua": {"major": "2", "os_name": "Other", "name": "Python Requests", "build": "", "device": "Other", "os": "Other", "minor": "26"},
  "filedate": "2021.09.22"
})json";

Result<Event> Decode(std::string_view document) {
  auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kAuthing);
  event::PaddedBuffer buffer(document);
  Event event;
  AL_RETURN_IF_ERROR(decoder->DecodeJson(buffer.view(), &event));
  return event;
}

std::string Render(const Event& event) {
  std::string out;
  event::JsonWriter writer(&out);
  WriteV2Document(event, writer);
  return out;
}

json DetailsOf(const Event& event) {
  return event.details.empty() ? json::object() : json::parse(event.details);
}

// An event with every field the Authing document carries.
Event FullEvent() {
  Event event;
  event.id = "log-0001";
  event.tenant = "pool-a";
  event.timestamp = 1632296841559000;  // 2021-09-22T07:47:21.559Z
  event.type = "createUser";
  event.name = "Create a user";
  event.description = "Create shxbxpbodj";
  event.result = event::Outcome::kFailure;
  event.result_message = "quota exceeded";
  event.operation = {"create", "sdk"};
  event.resource.type = "user";
  event.resource.name = "shxbxpbodj";
  event.origin_value = "old";
  event.target_value = "new";
  event.actor.id = "user-1";
  event.actor.name = "lis";
  event.actor.role = "admin";
  event.client = {"app-1", "Console"};
  event.request_id = "req-1";
  event.ip = "111.202.167.58";
  event.user_agent = "python-requests/2.26.0";
  event.details = R"({"resourceType":"DATA","photoUrl":"https://example.invalid/a.png"})";
  event.geo.country_code = "CN";
  event.geo.country_code3 = "CN";
  event.geo.country_name = "China";
  event.geo.region_code = "BJ";
  event.geo.region_name = "Beijing";
  event.geo.city_name = "Beijing";
  event.geo.latitude = 39.9288;
  event.geo.longitude = 116.3889;
  event.geo.time_zone = "Asia/Shanghai";
  event.geo.continent_code = "AS";
  event.ua.name = "Python Requests";
  event.ua.major = "2";
  event.ua.minor = "26";
  event.ua.os = "Other";
  event.ua.device = "Other";
  return event;
}

TEST(AuthingRecords, TimesInAuthingForms) {
  EXPECT_EQ(AuthingLineTime(1632296841559000), "2021-09-22T07:47:21.559-0000");
  EXPECT_EQ(AuthingV3Time(1632296841559000), "2021-09-22T07:47:21.559+0000");
  EXPECT_EQ(AuthingFileDate(1632296841559000), "2021.09.22");
  EXPECT_EQ(AuthingLineTime(0), "1970-01-01T00:00:00.000-0000");
  EXPECT_EQ(AuthingFileDate(951782400000000), "2000.02.29");
  // Before 1970 the millisecond and day round down, not toward zero.
  EXPECT_EQ(AuthingLineTime(-1), "1969-12-31T23:59:59.999-0000");
  EXPECT_EQ(AuthingV3Time(-1'500), "1969-12-31T23:59:59.998+0000");
  EXPECT_EQ(AuthingFileDate(-1), "1969.12.31");
  EXPECT_EQ(AuthingLineTime(-86'400'000'000), "1969-12-31T00:00:00.000-0000");
}

TEST(AuthingRecords, LogstashTimestampHasMilliseconds) {
  Event event = FullEvent();
  event.received_at = 1632296841897123;  // sub-millisecond digits are dropped
  const json doc = json::parse(Render(event));
  EXPECT_EQ(doc["@timestamp"], "2021-09-22T07:47:21.897Z");
}

TEST(AuthingRecords, ALinesOwnTimestampTextIsNotWrittenAsLogstashTime) {
  // Found by authing_api_fuzz: a message line carrying "@timestamp=" text
  // took the plain name in the details, and the document written from them
  // had an "@timestamp" that does not read as a time.
  std::string document(kSeedDocument);
  const std::string from = "operationMode=sdk";
  const size_t at = document.find(from);
  ASSERT_NE(at, std::string::npos);
  document.replace(at, from.size(), "operationMode=sdk @timestamp=61384d3e-not-a-time");
  AL_ASSERT_OK_AND_ASSIGN(const Event event, Decode(document));
  const std::string written = Render(event);
  const json doc = json::parse(written);
  EXPECT_TRUE(
      event::ParseTimeText(doc["@timestamp"].get<std::string>(), event::EpochUnit::kMilliseconds)
          .ok())
      << written;
  AL_ASSERT_OK_AND_ASSIGN(const Event again, Decode(written));
  EXPECT_EQ(again.timestamp, event.timestamp);
}

TEST(AuthingRecords, UserPoolIdIsTheEventsPool) {
  Event event = FullEvent();
  event.tenant = "pool-a";
  event.details = R"({"userPoolId":"someone-elses-pool"})";
  const json doc = json::parse(Render(event));
  EXPECT_EQ(doc["userPoolId"], "pool-a");
  EXPECT_NE(doc["message"].get<std::string>().find(" userPoolId=pool-a "), std::string::npos);
}

TEST(AuthingRecords, MessageLineValuesCannotForgeMembers) {
  Event event = FullEvent();
  event.description = "line one\r\nuserId=evil\tx eventResultCode=success\nfoo=bar";
  event.actor.name = "lis operationType=delete";
  const std::string line = AuthingMessageLine(event);
  EXPECT_EQ(line.find_first_of("\r\n\t"), std::string::npos);
  EXPECT_NE(line.find(" eventDetails=line one  userId:evil x eventResultCode:success foo=bar "),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(" userName=lis operationType:delete "), std::string::npos) << line;
  // The JSON members keep the values whole, and the line decodes to the
  // event's own fields.
  const json doc = json::parse(Render(event));
  EXPECT_EQ(doc["eventDetails"], event.description);
  EXPECT_EQ(doc["userName"], event.actor.name);
  AL_ASSERT_OK_AND_ASSIGN(const Event decoded, Decode(Render(event)));
  EXPECT_EQ(decoded.actor.id, "user-1");
  EXPECT_EQ(decoded.operation.type, "create");
  EXPECT_EQ(decoded.result, event::Outcome::kFailure);
}

TEST(AuthingRecords, AdminDtoResourceTypeFallsBackToTheDocumentsCopy) {
  Event event = FullEvent();
  event.details = R"({"resourceType":null,"@resourceType":"API"})";
  std::string out;
  event::JsonWriter writer(&out);
  WriteAdminAuditLogDto(event, writer);
  EXPECT_EQ(json::parse(out)["resourceType"], "API");
  event.details = R"({"resourceType":"DATA","@resourceType":"data"})";
  out.clear();
  event::JsonWriter again(&out);
  WriteAdminAuditLogDto(event, again);
  EXPECT_EQ(json::parse(out)["resourceType"], "DATA");
}

TEST(AuthingRecords, DtoSuccessIsNotFailure) {
  Event event = FullEvent();
  for (const auto& [result, success] :
       std::vector<std::pair<event::Outcome, bool>>{{event::Outcome::kSuccess, true},
                                                    {event::Outcome::kUnset, true},
                                                    {event::Outcome::kFailure, false}}) {
    event.result = result;
    std::string out;
    event::JsonWriter writer(&out);
    WriteUserActionLogDto(event, writer);
    EXPECT_EQ(json::parse(out)["success"], success);
  }
}

TEST(AuthingRecords, MessageLineHasEveryKeyWithLiteralNulls) {
  Event event;
  event.timestamp = 1632296841559000;
  event.id = "log-1";
  event.type = "login";
  event.result = event::Outcome::kSuccess;
  EXPECT_EQ(AuthingMessageLine(event),
            "[2021-09-22T07:47:21.559-0000] logId=log-1 appId=null userName=null userPoolId=null "
            "userId=null requestId=null roleName=null roleCode=null roleId=null userAgent=null "
            "clientIp=null eventType=login eventDetails=null resourceType=null resourceName=null "
            "resourceDetails=null operationType=null operationMode=null originValue=null "
            "targetValue=null eventResultCode=success operationParam=null eventResultMsg=null");
}

TEST(AuthingRecords, EventWithoutTimeHasNoLine) {
  Event event;
  event.id = "x";
  event.type = "login";
  const json doc = json::parse(Render(event));
  EXPECT_EQ(doc["message"], "null");
  EXPECT_EQ(doc["timestamp"], "null");
  EXPECT_FALSE(doc.contains("filedate"));
  EXPECT_FALSE(doc.contains("@timestamp"));
}

TEST(AuthingRecords, UserActionRuleIsTheTypeList) {
  EXPECT_TRUE(IsUserActionType("login"));
  EXPECT_TRUE(IsUserActionType("updatePassword"));
  EXPECT_TRUE(IsUserActionType("logout"));
  EXPECT_FALSE(IsUserActionType("createUser"));
  EXPECT_FALSE(IsUserActionType("deleteUsers"));
  EXPECT_FALSE(IsUserActionType(""));
}

TEST(AuthingRecords, DocumentHasTheLogstashShape) {
  const json doc = json::parse(Render(FullEvent()));
  EXPECT_EQ(doc["logId"], "log-0001");
  EXPECT_EQ(doc["userPoolId"], "pool-a");
  EXPECT_EQ(doc["eventType"], "Create a user");
  EXPECT_EQ(doc["eventResultCode"], "failure");
  EXPECT_EQ(doc["timestamp"], "2021-09-22T07:47:21.559-0000");
  EXPECT_EQ(doc["@timestamp"], "2021-09-22T07:47:21.559Z");
  EXPECT_EQ(doc["filedate"], "2021.09.22");
  EXPECT_EQ(doc["roleCode"], "null");
  EXPECT_EQ(doc["operationParam"], "null");
  EXPECT_EQ(doc["resourceType"], "DATA");
  EXPECT_EQ(doc["photoUrl"], "https://example.invalid/a.png");
  EXPECT_EQ(doc["appName"], "Console");
  EXPECT_EQ(doc["geoip"]["ip"], "111.202.167.58");
  EXPECT_EQ(doc["geoip"]["location"]["lat"], 39.9288);
  EXPECT_EQ(doc["ua"]["name"], "Python Requests");
  EXPECT_TRUE(doc["message"].get<std::string>().starts_with(
      "[2021-09-22T07:47:21.559-0000] logId=log-0001 appId=app-1 userName=lis"));
}

TEST(AuthingRecords, AbsentValuesAreNullStrings) {
  Event event;
  event.id = "x";
  event.tenant = "t";
  event.type = "login";
  event.timestamp = 1'000'000;
  const json doc = json::parse(Render(event));
  for (const char* key : {"appId", "userId", "userName", "roleName", "requestId", "clientIp",
                          "eventDetails", "originValue", "targetValue", "eventResultCode",
                          "eventResultMsg", "roleId", "roleCode", "operationParam"}) {
    EXPECT_EQ(doc[key], "null") << key;
  }
  EXPECT_FALSE(doc.contains("geoip"));
  EXPECT_FALSE(doc.contains("ua"));
  EXPECT_FALSE(doc.contains("appName"));
}

// Canonical -> document -> canonical gives the same event, except (all
// documented in docs/dialects/authing.md):
//   - details gains Logstash's `@timestamp` and `filedate`, and `ua.os_name`
//     (the `ua` object repeats the OS there);
//   - fields with no Authing name are lost (below: actor.email, actor.type,
//     session_id, ...; FullEvent sets none of them).
TEST(AuthingRecords, CanonicalRoundTripsThroughTheDocument) {
  const Event original = FullEvent();
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(Render(original)));
  json details = DetailsOf(decoded);
  EXPECT_EQ(details["@timestamp"], "2021-09-22T07:47:21.559Z");
  EXPECT_EQ(details["filedate"], "2021.09.22");
  EXPECT_EQ(details["ua.os_name"], "Other");
  details.erase("@timestamp");
  details.erase("filedate");
  details.erase("ua.os_name");
  EXPECT_EQ(details, DetailsOf(original));
  decoded.details = original.details;
  EXPECT_EQ(decoded, original);
}

TEST(AuthingRecords, EventWithoutNameKeepsTypeAsEventType) {
  Event original = FullEvent();
  original.name.clear();
  original.geo = {};
  original.ua = {};
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(Render(original)));
  decoded.details = original.details;
  EXPECT_EQ(decoded, original);
}

// Document -> canonical -> document gives the seed back, except:
//   - eventType loses its leading space (the decoder trims it into `name`);
//   - the line's eventDetails=null becomes the document's eventDetails (the
//     event keeps one description);
//   - userPoolId and logId are the event's (the line's), not the sample's
//     truncated document copies.
TEST(AuthingRecords, SeedDocumentRoundTrips) {
  AL_ASSERT_OK_AND_ASSIGN(const Event event, Decode(kSeedDocument));
  json rendered = json::parse(Render(event));
  json seed = json::parse(kSeedDocument);
  EXPECT_EQ(rendered["eventType"], "Create a user");
  seed["eventType"] = "Create a user";
  EXPECT_EQ(rendered["userPoolId"], event.tenant);
  seed["userPoolId"] = event.tenant;
  EXPECT_EQ(rendered["logId"], event.id);
  seed["logId"] = event.id;
  std::string line = seed["message"];
  const std::string null_details = "eventDetails=null";
  line.replace(line.find(null_details), null_details.size(),
               "eventDetails=Create「 shxbxpbodj 」Total 1 users");
  seed["message"] = line;
  EXPECT_EQ(rendered, seed) << "diff: " << json::diff(seed, rendered).dump();
  // And the rendered document decodes to the same event; only the order of
  // the members of `details` may differ.
  AL_ASSERT_OK_AND_ASSIGN(Event again, Decode(Render(event)));
  json details = DetailsOf(event);
  details.erase("userPoolId");
  details.erase("logId");
  EXPECT_EQ(DetailsOf(again), details);
  again.details = event.details;
  EXPECT_EQ(event::EventToJson(again), event::EventToJson(event));
}

TEST(AuthingRecords, V3DtosCarryTheirMembers) {
  const Event event = FullEvent();
  std::string out;
  event::JsonWriter writer(&out);
  writer.BeginArray();
  WriteAdminAuditLogDto(event, writer);
  WriteUserActionLogDto(event, writer);
  WriteUserLoginHistoryDto(event, writer);
  writer.EndArray();
  const json dtos = json::parse(out);
  const json& admin = dtos[0];
  EXPECT_EQ(admin["adminUserId"], "user-1");
  EXPECT_EQ(admin["adminUserDisplayName"], "lis");
  EXPECT_EQ(admin["adminUserAvatar"], "https://example.invalid/a.png");
  EXPECT_EQ(admin["operationType"], "create");
  // Authing's category from details; `user` (resource.type) is resourceName.
  EXPECT_EQ(admin["resourceType"], "DATA");
  EXPECT_EQ(admin["success"], false);
  EXPECT_EQ(admin["timestamp"], "2021-09-22T07:47:21.559+0000");
  EXPECT_EQ(admin["parsedUserAgent"]["browser"], "Python Requests 2.26");
  EXPECT_EQ(admin["geoip"]["city_name"], "Beijing");
  EXPECT_FALSE(admin["geoip"].contains("ip"));
  EXPECT_EQ(admin["requestId"], "req-1");
  const json& action = dtos[1];
  EXPECT_EQ(action["userId"], "user-1");
  EXPECT_EQ(action["eventType"], "createUser");
  EXPECT_EQ(action["appId"], "app-1");
  EXPECT_EQ(action["appName"], "Console");
  EXPECT_EQ(action["eventDetail"], "Create shxbxpbodj");
  EXPECT_EQ(action["userLoginsCount"], 0);
  const json& login = dtos[2];
  EXPECT_EQ(login["appId"], "app-1");
  EXPECT_EQ(login["clientIp"], "111.202.167.58");
  EXPECT_EQ(login["time"], "2021-09-22T07:47:21.559+0000");
}

}  // namespace
}  // namespace auditlog::api::authing

// The EnOS mapping tested both ways: canonical events rendered as
// AuditLogEntry objects and read back by the EnOS ingest decoder, and the
// seed's sample entries decoded and rendered back to the same JSON
// (docs/dialects/enos.md, "Mapping").

#include "api/enos/render.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "event/json_buffer.h"
#include "ingest/record_decoder.h"
#include "testing/status_matchers.h"
#include "testing/testdata.h"

namespace auditlog::api::enos {
namespace {

using event::Event;
using nlohmann::json;

std::string EntryText(const Event& event) {
  std::string text;
  event::JsonWriter writer(&text);
  WriteAuditLogEntry(writer, event);
  return text;
}

Result<Event> Decode(std::string_view entry) {
  auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kEnos);
  const event::PaddedBuffer buffer(entry);
  Event event;
  if (Status decoded = decoder->DecodeJson(buffer.view(), &event); !decoded.ok()) return decoded;
  return event;
}

// Events compared with `details` as JSON values: the decoder writes members
// in the order of the entry, which need not be the original's.
void ExpectSameEvent(const Event& decoded, const Event& original) {
  Event a = decoded;
  Event b = original;
  const json details_a = a.details.empty() ? json() : json::parse(a.details);
  const json details_b = b.details.empty() ? json() : json::parse(b.details);
  EXPECT_EQ(details_a, details_b);
  a.details.clear();
  b.details.clear();
  EXPECT_EQ(a, b) << "entry: " << EntryText(original);
}

Event FullEnosEvent() {
  Event event;
  event.timestamp = 1631960934544000;
  event.type = "Log in";
  event.name = "Log in";
  event.description = "Login from the portal";
  event.resource.type = "User";
  event.resource.name = "user1";
  event.actor.id = "u123";
  event.actor.name = "user1";
  event.actor.email = "user1@example.com";
  event.actor.type = "OU Administrator";
  event.ip = "10.8.1.2";
  event.details =
      R"({"resources.id":"r-1","account.domain":"corp","account.phone":"123","channel":{"kind":"web","n":2}})";
  return event;
}

TEST(EnosRender, EveryMappedFieldRoundTripsThroughTheDecoder) {
  const Event original = FullEnosEvent();
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(EntryText(original)));
  ExpectSameEvent(decoded, original);
}

TEST(EnosRender, EntryShape) {
  EXPECT_EQ(json::parse(EntryText(FullEnosEvent())), json::parse(R"({
    "eventTime": 1631960934544, "ipAddress": "10.8.1.2",
    "resources": [{"type": "User", "content": "user1", "id": "r-1"}],
    "eventName": "Log in", "description": "Login from the portal",
    "account": {"domain": "corp", "name": "user1", "id": "u123", "userType": "OU Administrator",
                "email": "user1@example.com", "phone": "123"},
    "channel": {"kind": "web", "n": 2}})"));
}

TEST(EnosRender, SeveralResourcesRoundTrip) {
  Event original;
  original.timestamp = 1000;
  original.type = original.name = "Delete";
  original.resource.type = "User";
  original.resource.name = "a";
  original.details =
      R"({"resources":[{"type":"User","content":"a"},{"type":"Role","content":"admin"}]})";
  const std::string entry = EntryText(original);
  EXPECT_EQ(json::parse(entry)["resources"],
            json::parse(R"([{"type":"User","content":"a"},{"type":"Role","content":"admin"}])"));
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(entry));
  ExpectSameEvent(decoded, original);
}

TEST(EnosRender, EventWithoutResourceOrActor) {
  Event original;
  original.timestamp = 1626796800000000;
  original.type = original.name = "Export";
  const std::string entry = EntryText(original);
  EXPECT_EQ(json::parse(entry), json::parse(R"({"eventTime":1626796800000,"ipAddress":"",
      "resources":[],"eventName":"Export",
      "account":{"domain":"","name":"","id":"","userType":"","email":""}})"));
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(entry));
  ExpectSameEvent(decoded, original);
}

// The documented exceptions: what EnOS has no place for.
TEST(EnosRender, DocumentedExceptionsToTheRoundTrip) {
  Event original = FullEnosEvent();
  original.type = "s";                    // eventName carries the name only
  original.timestamp = 1631960934544999;  // microseconds below the millisecond
  original.resource.name.clear();         // content falls back on the id
  original.resource.id = "r-9";
  original.result = event::Outcome::kFailure;  // no EnOS name
  original.client.id = "app";                  // no EnOS name
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(EntryText(original)));
  EXPECT_EQ(decoded.type, "Log in");
  EXPECT_EQ(decoded.timestamp, 1631960934544000);
  EXPECT_EQ(decoded.resource.name, "r-9");
  EXPECT_EQ(decoded.resource.id, "");
  EXPECT_EQ(decoded.result, event::Outcome::kUnset);
  EXPECT_EQ(decoded.client.id, "");
}

std::string SeedResponse() {
  std::string body = testing::ReadTestData("seeds/enos_query_response.json");
  // The vendor's sample has `"name": "user2,`; docs/dialects/enos.md.
  const size_t typo = body.find("\"user2,");
  if (typo != std::string::npos) body.replace(typo, 7, "\"user2\",");
  return body;
}

TEST(EnosRender, SeedSampleEntriesRenderBackAsSent) {
  const json response = json::parse(SeedResponse());
  ASSERT_EQ(response["data"]["auditLog"].size(), 2u);
  for (const json& entry : response["data"]["auditLog"]) {
    AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(entry.dump()));
    EXPECT_EQ(json::parse(EntryText(decoded)), entry);
  }
}

TEST(EnosRender, EnosRecordsWithExtrasRenderBackAsSent) {
  const json entry = json::parse(R"({"eventTime":1631960934544,"ipAddress":"10.8.xxx.x",
      "resources":[{"type":"User","content":"user1","id":"r1"},{"type":"App","content":"a1"}],
      "eventName":"Log in","description":"d",
      "account":{"domain":"corp","name":"user1","id":"u1","userType":"OU Administrator",
                 "email":"***","title":"ops"},
      "requestId":"q-1","extra":{"a":[1,2]}})");
  AL_ASSERT_OK_AND_ASSIGN(Event decoded, Decode(entry.dump()));
  EXPECT_EQ(json::parse(EntryText(decoded)), entry);
}

TEST(EnosRender, LogQueryDataWritesBothPaginationNamings) {
  query::SearchResult result;
  result.total = 2835;
  result.events.push_back(FullEnosEvent());
  const LogQueryRequest request{.start_ms = 0, .end_ms = 1, .page_no = 0, .page_size = 2};
  const json data = json::parse(RenderLogQueryData(request, result));
  EXPECT_EQ(data["pagination"], json::parse(R"({"total":2835,"limit":2,"currentPage":0,
      "pageNo":0,"pageSize":2,"totalElements":2835})"));
  ASSERT_EQ(data["auditLog"].size(), 1u);
  EXPECT_EQ(data["auditLog"][0]["eventName"], "Log in");
}

TEST(EnosRender, ProducedEventAsEventLogAndAsAuditLog) {
  const ProduceRequest request{.subject_id = "menu-1",
                               .subject_type = "menu",
                               .upstream_id = "app-9",
                               .upstream_type = "app"};
  Event event = EventFromProduce(request, "key-1", 1700000000123456);
  EXPECT_EQ(event.type, kEventLogType);
  EXPECT_EQ(event.resource.type, "menu");
  EXPECT_EQ(event.resource.id, "menu-1");
  EXPECT_EQ(event.actor.id, "key-1");
  EXPECT_EQ(event.details, R"({"upstreamId":"app-9","upstreamType":"app"})");
  event.tenant = "acme";

  std::string log;
  event::JsonWriter writer(&log);
  WriteEventLog(writer, event);
  EXPECT_EQ(json::parse(log), json::parse(R"({"subjectId":"menu-1","subjectType":"menu",
      "subjectName":"","upstreamId":"app-9","upstreamType":"app","upstreamName":"",
      "organizationId":"acme","userId":"key-1","eventTime":1700000000123})"));

  EXPECT_EQ(json::parse(EntryText(event)), json::parse(R"({"eventTime":1700000000123,
      "ipAddress":"","resources":[{"type":"menu","content":"menu-1"}],"eventName":"event.log",
      "account":{"domain":"","name":"","id":"key-1","userType":"api_key","email":""},
      "upstreamId":"app-9","upstreamType":"app"})"));
}

TEST(EnosRender, ProducedEventWithoutUpstreamHasNoDetails) {
  const Event event = EventFromProduce(
      {.subject_id = "m", .subject_type = "menu", .upstream_id = "", .upstream_type = ""}, "k", 1);
  EXPECT_EQ(event.details, "");
}

}  // namespace
}  // namespace auditlog::api::enos

// The Auth0 seed sample (docs/dialects/auth0.md), field by field.

#include <gtest/gtest.h>

#include "ingest/auth0_log_types.h"
#include "ingest/decoder_test_util.h"
#include "testing/status_matchers.h"

namespace auditlog::ingest {
namespace {

using event::Event;
using event::Outcome;

TEST(Auth0Decoder, UserLogsSampleFieldByField) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeTestData(Dialect::kAuth0, "seeds/auth0_user_logs_response.json"));
  EXPECT_EQ(batch.format, BodyFormat::kArray);
  ASSERT_EQ(batch.events.size(), 1u);
  const Event& event = batch.events[0];
  EXPECT_EQ(event.timestamp, 1456257449532000);  // 2016-02-23T19:57:29.532Z
  EXPECT_EQ(event.type, "sapi");
  EXPECT_EQ(event.name, "Success API Operation") << "from the type code table";
  EXPECT_EQ(event.result, Outcome::kSuccess) << "from the type code table";
  EXPECT_EQ(event.description, "<string>");
  EXPECT_EQ(event.connection, "<string>");
  EXPECT_EQ(event.client.id, "AaiyAPdpYdesoKnqjj8HJqRn4T5titww");
  EXPECT_EQ(event.client.name, "My application Name");
  EXPECT_EQ(event.ip, "190.257.209.19") << "not a valid address, kept as sent";
  EXPECT_EQ(event.hostname, "190.257.209.19");
  EXPECT_EQ(event.actor.id, "auth0|56c75c4e42b6359e98374bc2");
  EXPECT_EQ(event.actor.name, "<string>");
  EXPECT_EQ(event.audience, "<string>");
  EXPECT_EQ(event.scope, "") << "\"\" is absent";
  EXPECT_EQ(event.strategy, "<string>");
  EXPECT_EQ(event.id, "<string>");
  EXPECT_EQ(event.ua.is_mobile, true);
  EXPECT_EQ(event.user_agent, "<string>");
  EXPECT_EQ(event.security_context.ja3, "<string>");
  EXPECT_EQ(event.security_context.ja4, "<string>");
  EXPECT_EQ(event.geo.country_code, "<string>");
  EXPECT_EQ(event.geo.country_code3, "<string>");
  EXPECT_EQ(event.geo.country_name, "<string>");
  EXPECT_EQ(event.geo.city_name, "<string>");
  EXPECT_EQ(event.geo.latitude, 123.0) << "placeholder coordinates are kept";
  EXPECT_EQ(event.geo.longitude, 123.0);
  EXPECT_EQ(event.geo.time_zone, "<string>");
  EXPECT_EQ(event.geo.continent_code, "<string>");
  EXPECT_EQ(event.details, R"({"connection_id":"<string>","strategy_type":"<string>"})")
      << "an empty details object plus the members with no canonical field";
}

TEST(Auth0Decoder, IncludeTotalsEnvelopeDetailsMergeAndMongoId) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch, DecodeText(Dialect::kAuth0, R"({"start":0,"limit":50,"length":2,"total":2,"logs":[
    {"_id":"9001","log_id":"9001","date":"2024-01-02T03:04:05.678Z","type":"fp","user_id":"auth0|1",
     "details":{"error":{"message":"Wrong email or password."},"connection_id":"inner"},
     "connection_id":"con_1","organization_id":"org_1"},
    {"_id":"mongo","log_id":"9002","date":"2024-01-02T03:04:06Z","type":"gd_unknown_future_code"}
  ]})"));
  ASSERT_EQ(batch.events.size(), 2u) << (batch.errors.empty() ? "" : batch.errors[0].message);
  const Event& failed = batch.events[0];
  EXPECT_EQ(failed.id, "9001");
  EXPECT_EQ(failed.result, Outcome::kFailure);
  EXPECT_EQ(failed.name, "Failed Login (Incorrect Password)");
  EXPECT_EQ(
      failed.details,
      R"({"error":{"message":"Wrong email or password."},"connection_id":"inner","@connection_id":"con_1",)"
      R"("organization_id":"org_1"})");
  const Event& unknown = batch.events[1];
  EXPECT_EQ(unknown.result, Outcome::kUnset);
  EXPECT_EQ(unknown.name, "");
  EXPECT_EQ(unknown.details, R"({"_id":"mongo"})");
}

TEST(Auth0Decoder, BadRecordsInAnArrayAreReportedByIndex) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kAuth0, R"([
    {"type":"s","date":"2024-01-02T03:04:05Z"},
    {"type":"s","user_id":7.5e400},
    {"type":"s","isMobile":"yes"},
    {"type":"s","details":"text"},
    {"type":"s","location_info":{"latitude":"x"}},
    "not an object",
    {"type":"f"}
  ])"));
  EXPECT_EQ(batch.event_indexes, (std::vector<size_t>{0, 6}));
  ASSERT_EQ(batch.errors.size(), 5u);
  EXPECT_EQ(batch.errors[0], (RecordError{1, 3, "user_id: malformed or out-of-range number"}));
  EXPECT_EQ(batch.errors[1], (RecordError{2, 4, "isMobile: not a boolean"}));
  EXPECT_EQ(batch.errors[2], (RecordError{3, 5, "details: not an object"}));
  EXPECT_EQ(batch.errors[3], (RecordError{4, 6, "location_info.latitude: not a number"}));
  EXPECT_EQ(batch.errors[4], (RecordError{5, 7, "record: not a JSON object"}));
}

TEST(Auth0LogTypes, SuccessAndFailureCodes) {
  EXPECT_EQ(FindAuth0LogType("s")->outcome, Outcome::kSuccess);
  EXPECT_EQ(FindAuth0LogType("f")->outcome, Outcome::kFailure);
  EXPECT_EQ(FindAuth0LogType("w")->outcome, Outcome::kUnset);
  EXPECT_FALSE(FindAuth0LogType("zzz").has_value());
}

}  // namespace
}  // namespace auditlog::ingest

namespace auditlog::ingest {
namespace {

TEST(Auth0Decoder, OneBadRecordInAnEnvelopeKeepsTheOthers) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch,
      DecodeText(
          Dialect::kAuth0,
          "{\"total\":2,\"logs\":[{\"type\":\"s\"},{\"type\":\"f\",\"user_name\":\"\xff\"}]}"));
  EXPECT_EQ(batch.record_count, 2u);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].type, "s");
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].index, 1u);
  EXPECT_EQ(batch.errors[0].message, "record: malformed JSON at line 1, column 58: invalid UTF-8");
  // Broken JSON after the list: not an envelope, so one bad record, not a silent pass.
  AL_ASSERT_OK_AND_ASSIGN(batch,
                          DecodeText(Dialect::kAuth0, R"({"logs":[{"type":"s"}], "x": [1,})"));
  EXPECT_TRUE(batch.events.empty());
  EXPECT_EQ(batch.errors.size(), 1u);
}

TEST(Auth0Decoder, RepeatedDetailsKeepBoth) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch, DecodeText(Dialect::kAuth0,
                             R"({"details":{"a":1},"data":{"type":"s","details":{"b":2},"a":5}})"));
  ASSERT_EQ(batch.events.size(), 1u) << batch.errors[0].message;
  EXPECT_EQ(batch.events[0].details, R"({"b":2,"details":{"a":1},"a":5})");
}

TEST(Auth0Decoder, ManyClashingNamesStayLinear) {
  std::string record = R"({"type":"s","details":{"k":0})";
  for (int member_idx = 1; member_idx <= 3000; ++member_idx) {
    record += ",\"k\":" + std::to_string(member_idx);
  }
  record += "}";
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kAuth0, record));
  ASSERT_EQ(batch.events.size(), 1u);
  const std::string& details = batch.events[0].details;
  EXPECT_NE(details.find(R"("@k":1,"@k#2":2,"@k#3":3)"), std::string::npos)
      << details.substr(0, 80);
  EXPECT_NE(details.find(R"("@k#3000":3000})"), std::string::npos);
  EXPECT_LT(details.size(), record.size() * 2) << "output grows linearly with the input";
}

TEST(Auth0Decoder, ScopeArraysAndLogStreamWrappers) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch,
      DecodeText(
          Dialect::kAuth0,
          R"({"log_id":"900","data":{"date":"2024-01-02T03:04:05Z","type":"s","user_id":"auth0|1","scope":["openid","profile"]}}
{"type":"s","scope":["openid",7]}
)"));
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].id, "900");
  EXPECT_EQ(batch.events[0].type, "s");
  EXPECT_EQ(batch.events[0].actor.id, "auth0|1");
  EXPECT_EQ(batch.events[0].scope, "openid profile");
  EXPECT_EQ(batch.events[0].result, event::Outcome::kSuccess);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].message, "scope[1]: not a string");
}

}  // namespace
}  // namespace auditlog::ingest

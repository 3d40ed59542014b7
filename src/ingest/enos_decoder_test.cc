// The EnOS seed sample (docs/dialects/enos.md), field by field.

#include <gtest/gtest.h>

#include "event/time.h"
#include "ingest/decoder_test_util.h"
#include "testing/status_matchers.h"

namespace auditlog::ingest {
namespace {

using event::Event;

TEST(EnosDecoder, DocumentedSampleIsBrokenJsonAndSaysWhere) {
  // The vendor's return sample has `"name": "user2,` (an unterminated string).
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeTestData(Dialect::kEnos, "seeds/enos_query_response.json"));
  EXPECT_TRUE(batch.events.empty());
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].index, 0u);
  EXPECT_EQ(batch.errors[0].message,
            "record: malformed JSON at line 40, column 36: unterminated string: line break "
            "before the closing quote");
}

TEST(EnosDecoder, SampleRecordsFieldByField) {
  std::string body = testing::ReadTestData("seeds/enos_query_response.json");
  const size_t typo = body.find("\"user2,");
  ASSERT_NE(typo, std::string::npos);
  body.replace(typo, 7, "\"user2\",");
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kEnos, body));
  EXPECT_EQ(batch.record_count, 2u) << "the records inside data.auditLog";
  ASSERT_EQ(batch.events.size(), 2u);

  const Event& login = batch.events[0];
  EXPECT_EQ(login.timestamp, 1631960934544000);
  EXPECT_EQ(login.ip, "10.8.xxx.x") << "masked addresses are kept as sent";
  EXPECT_EQ(login.resource.type, "User");
  EXPECT_EQ(login.resource.name, "user1");
  EXPECT_EQ(login.type, "Log in");
  EXPECT_EQ(login.name, "Log in");
  EXPECT_EQ(login.actor.id, "uxxxxxxxxxxxxxx");
  EXPECT_EQ(login.actor.name, "user1");
  EXPECT_EQ(login.actor.email, "***");
  EXPECT_EQ(login.actor.type, "OU Administrator");
  EXPECT_EQ(login.details, "") << "account.domain is \"\": absent";
  EXPECT_EQ(login.description, "");
  EXPECT_EQ(login.id, "") << "EnOS entries carry no id; the server makes one";

  const Event& logout = batch.events[1];
  EXPECT_EQ(logout.timestamp, 1631960162863000);
  EXPECT_EQ(logout.type, "Log out");
  EXPECT_EQ(logout.actor.name, "user2");
  EXPECT_EQ(logout.actor.type, "Sub-Administrator");
  EXPECT_EQ(logout.resource.name, "user2");
}

TEST(EnosDecoder, TimeStringsResourceObjectsAndSeveralResources) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch,
      DecodeText(
          Dialect::kEnos,
          R"({"eventTime":"2018-11-20 10:04:20","eventName":"Update","description":"changed","resources":{"type":"App","content":"a1"}}
{"eventTime":"1631960934544","eventName":"Delete","resources":[{"type":"User","content":"u1"},{"type":"User","content":"u2"}]}
{"eventTime":true,"eventName":"x"}
)"));
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].timestamp, *event::ParseDateTime("2018-11-20T10:04:20Z"));
  EXPECT_EQ(batch.events[0].description, "changed");
  EXPECT_EQ(batch.events[0].resource.type, "App");
  EXPECT_EQ(batch.events[0].resource.name, "a1");
  EXPECT_EQ(batch.events[1].timestamp, 1631960934544000);
  EXPECT_EQ(batch.events[1].resource.name, "u1");
  EXPECT_EQ(batch.events[1].details,
            R"({"resources":[{"type":"User","content":"u1"},{"type":"User","content":"u2"}]})");
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0],
            (RecordError{2, 3, "eventTime: not a time (RFC 3339 string or epoch number)"}));
}

}  // namespace
}  // namespace auditlog::ingest

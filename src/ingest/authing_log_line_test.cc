#include "ingest/authing_log_line.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace auditlog::ingest {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(AuthingLogLine, SplitsMembersAndKeepsNullAsText) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto line, ParseAuthingLogLine("[2021-09-22T07:47:21.559-0000] logId=a appId=null userId=u"));
  EXPECT_EQ(line.time_text, "2021-09-22T07:47:21.559-0000");
  EXPECT_THAT(line.members,
              ElementsAre(Pair("logId", "a"), Pair("appId", "null"), Pair("userId", "u")));
}

TEST(AuthingLogLine, FreeTextValuesHoldSpacesUntilAKnownKey) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto line, ParseAuthingLogLine(
                     "[2021-09-22T07:47:21Z] userAgent=Mozilla/5.0 (X11; Linux x86_64) a=b "
                     "clientIp=1.2.3.4 eventDetails=创建「 x 」共 1 个用户 eventType=createUser"));
  EXPECT_THAT(line.members, ElementsAre(Pair("userAgent", "Mozilla/5.0 (X11; Linux x86_64) a=b"),
                                        Pair("clientIp", "1.2.3.4"),
                                        Pair("eventDetails", "创建「 x 」共 1 个用户"),
                                        Pair("eventType", "createUser")));
}

TEST(AuthingLogLine, UnknownKeysEndAtAnyKeyAndMayHoldSpaces) {
  AL_ASSERT_OK_AND_ASSIGN(auto line,
                          ParseAuthingLogLine("[2021-09-22T07:47:21Z] tag=two words other=x  "));
  EXPECT_THAT(line.members, ElementsAre(Pair("tag", "two words"), Pair("other", "x")));
}

TEST(AuthingLogLine, LongRunsOfSpacesInFreeText) {
  const std::string line =
      "[2021-09-22T07:47:21Z] userName=a" + std::string(200000, ' ') + "b eventType=x";
  AL_ASSERT_OK_AND_ASSIGN(auto parsed, ParseAuthingLogLine(line));
  ASSERT_EQ(parsed.members.size(), 2u);
  EXPECT_EQ(parsed.members[0].second.size(), 200002u);
  EXPECT_EQ(parsed.members[1],
            std::make_pair(std::string_view("eventType"), std::string_view("x")));
}

TEST(AuthingLogLine, EmptyValues) {
  AL_ASSERT_OK_AND_ASSIGN(auto line, ParseAuthingLogLine("[2021-09-22T07:47:21Z] appId= userId=u"));
  EXPECT_THAT(line.members, ElementsAre(Pair("appId", ""), Pair("userId", "u")));
}

TEST(AuthingLogLine, Errors) {
  EXPECT_THAT(ParseAuthingLogLine("logId=a"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected '['")));
  EXPECT_THAT(ParseAuthingLogLine("[2021-09-22 logId=a"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no ']'")));
  EXPECT_THAT(
      ParseAuthingLogLine("[2021-09-22T07:47:21Z] userId=a b clientIp=1"),
      StatusIs(StatusCode::kInvalidArgument, "log line: userId: unexpected space in value"));
  EXPECT_THAT(ParseAuthingLogLine("[2021-09-22T07:47:21Z] =x"),
              StatusIs(StatusCode::kInvalidArgument, "log line: expected key=value at byte 23"));
}

}  // namespace
}  // namespace auditlog::ingest

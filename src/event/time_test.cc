#include "event/time.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace auditlog::event {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

constexpr UnixMicros kSeedLineMicros = 1632296841559000;  // 2021-09-22T07:47:21.559Z

TEST(ParseDateTime, AcceptsEveryZoneSpelling) {
  for (const char* text :
       {"2021-09-22T07:47:21.559Z", "2021-09-22T07:47:21.559z", "2021-09-22T07:47:21.559-0000",
        "2021-09-22T07:47:21.559+00:00", "2021-09-22T15:47:21.559+08:00",
        "2021-09-22T15:47:21.559+0800", "2021-09-22T15:47:21.559+08", "2021-09-22 07:47:21.559Z",
        "2021-09-22T07:47:21.559"}) {
    AL_ASSERT_OK_AND_ASSIGN(UnixMicros micros, ParseDateTime(text));
    EXPECT_EQ(micros, kSeedLineMicros) << text;
  }
}

TEST(ParseDateTime, FractionDigitsFromOneToNine) {
  EXPECT_EQ(*ParseDateTime("1970-01-01T00:00:00.5Z"), 500000);
  EXPECT_EQ(*ParseDateTime("1970-01-01T00:00:00.123456Z"), 123456);
  EXPECT_EQ(*ParseDateTime("1970-01-01T00:00:00.123456789Z"), 123456);
  EXPECT_THAT(ParseDateTime("2021-09-22T07:47.5Z"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("a fraction needs seconds")));
  EXPECT_THAT(ParseDateTime("1970-01-01T00:00:00.Z"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("fraction")));
}

TEST(ParseDateTime, DateOnlyAndZonelessSpaceForm) {
  EXPECT_EQ(*ParseDateTime("2018-11-20"), 1542672000000000);
  EXPECT_EQ(*ParseDateTime("2018-11-20 10:04:20"), 1542708260000000);
}

TEST(ParseDateTime, RejectsOutOfRangeParts) {
  EXPECT_THAT(ParseDateTime("99999-01-01T00:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument, "year 99999 out of range 1970..9999"));
  EXPECT_THAT(ParseDateTime("1969-12-31T23:59:59Z"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("before 1970")));
  EXPECT_THAT(ParseDateTime("2021-13-01T00:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument, "month 13 out of range"));
  EXPECT_THAT(ParseDateTime("2021-02-29T00:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("day 29")));
  EXPECT_TRUE(ParseDateTime("2024-02-29T00:00:00Z").ok());
  EXPECT_THAT(ParseDateTime("2021-01-01T24:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument, "hour 24 out of range"));
  EXPECT_THAT(ParseDateTime("2021-01-01T00:00:00+25:00"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("zone")));
  EXPECT_THAT(ParseDateTime("2021-01-01T00:00:00Zjunk"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("offset 20")));
  EXPECT_THAT(ParseDateTime("yesterday"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("4-digit year")));
  EXPECT_THAT(ParseDateTime(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("4-digit year")));
}

TEST(ParseDateTime, UpperBoundIsTheLastMicrosecondOf9999) {
  EXPECT_EQ(*ParseDateTime("9999-12-31T23:59:59.999999Z"), kMaxTimeMicros);
  EXPECT_THAT(ParseDateTime("9999-12-31T23:59:59.999999-01:00"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("after 9999")));
}

TEST(EpochTime, MillisecondsAsNumberOrText) {
  EXPECT_EQ(*EpochToMicros(int64_t{1631960934544}, EpochUnit::kMilliseconds), 1631960934544000);
  EXPECT_EQ(*ParseEpochText("1631960934544", EpochUnit::kMilliseconds), 1631960934544000);
  EXPECT_EQ(*ParseTimeText("1631960934544", EpochUnit::kMilliseconds), 1631960934544000);
  EXPECT_EQ(*EpochToMicros(1631960934.5, EpochUnit::kSeconds), 1631960934500000);
  EXPECT_EQ(*EpochToMicros(int64_t{1631960934}, EpochUnit::kSeconds), 1631960934000000);
  EXPECT_EQ(*ParseEpochText("00000000000000000000001631960934544", EpochUnit::kMilliseconds),
            1631960934544000)
      << "leading zeros do not count towards the length limit";
}

TEST(EpochTime, RejectsNegativeAndFarFuture) {
  EXPECT_THAT(EpochToMicros(int64_t{-1}, EpochUnit::kMilliseconds),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("before 1970")));
  EXPECT_THAT(EpochToMicros(int64_t{253402300800000}, EpochUnit::kMilliseconds),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("after 9999")));
  EXPECT_THAT(ParseEpochText("9999999999999999999999", EpochUnit::kMilliseconds),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("after 9999")));
  EXPECT_THAT(EpochToMicros(1e300, EpochUnit::kSeconds),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("after")));
}

TEST(FormatRfc3339, MillisecondsUnlessFiner) {
  EXPECT_EQ(FormatRfc3339(kSeedLineMicros), "2021-09-22T07:47:21.559Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatRfc3339(kMaxTimeMicros), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatRfc3339, RoundTripsThroughTheParserOnEveryDayOfFourCenturies) {
  for (int64_t day = 0; day < 146097 * 2; day += 7) {
    const UnixMicros micros = day * 86400000000 + (day % 86400) * 1000003;
    AL_ASSERT_OK_AND_ASSIGN(UnixMicros parsed, ParseDateTime(FormatRfc3339(micros)));
    ASSERT_EQ(parsed, micros) << FormatRfc3339(micros);
  }
}

}  // namespace
}  // namespace auditlog::event

#include "query/time_zone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <random>

#include "testing/status_matchers.h"

namespace auditlog::query {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

// 2025-03-09T00:00:00Z and friends, in micros.
constexpr int64_t Utc(int64_t days_since_epoch, int64_t hours = 0, int64_t minutes = 0) {
  return days_since_epoch * kDay + hours * kHour + minutes * 60 * kSecond;
}
constexpr int64_t k2025_03_09 = 20156;  // days since 1970-01-01
constexpr int64_t k2025_11_02 = 20394;

TimeZone Zone(std::string_view name) {
  auto zone = TimeZone::Load(name);
  EXPECT_TRUE(zone.ok()) << zone.status().ToString();
  return zone.ok() ? *zone : TimeZone::Utc();
}

TEST(TimeZone, FixedOffsets) {
  EXPECT_EQ(Zone("UTC").OffsetSecondsAt(0), 0);
  EXPECT_EQ(Zone("+08:00").OffsetSecondsAt(0), 8 * 3600);
  EXPECT_EQ(Zone("-0530").OffsetSecondsAt(0), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(Zone("+08").OffsetSecondsAt(0), 8 * 3600);
  EXPECT_TRUE(Zone("+05:30").fixed());
  EXPECT_EQ(Zone("+05:30").LocalToUtc(Utc(100, 5, 30)), Utc(100));
}

TEST(TimeZone, BadNamesAreInvalidArguments) {
  for (const char* bad : {"", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "+25:00", "+08:60",
                          "Asia/../UTC", "8"})
    EXPECT_THAT(TimeZone::Load(bad), StatusIs(StatusCode::kInvalidArgument, HasSubstr("time zone")))
        << bad;
}

TEST(TimeZone, NewYorkAroundBothChangesOf2025AndInTheFooterYears) {
  const TimeZone zone = Zone("America/New_York");
  // 2025-03-09 02:00 EST → 03:00 EDT, at 07:00Z.
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_09, 6, 59)), -5 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_09, 7)), -4 * 3600);
  // 2025-11-02 02:00 EDT → 01:00 EST, at 06:00Z.
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_11_02, 5, 59)), -4 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_11_02, 6)), -5 * 3600);
  // Local 02:30 on 2025-03-09 does not exist: the gap ends at 07:00Z.
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_03_09, 2, 30)), Utc(k2025_03_09, 7));
  // Local 01:30 on 2025-11-02 happens twice: the earlier (EDT) one.
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_11_02, 1, 30)), Utc(k2025_11_02, 5, 30));
  // Day buckets of 23 and 25 hours.
  const int64_t march_9 = CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kDay, zone);
  EXPECT_EQ(march_9, Utc(k2025_03_09, 5));
  EXPECT_EQ(NextCalendarBucketStart(march_9, CalendarUnit::kDay, zone) - march_9, 23 * kHour);
  const int64_t nov_2 = CalendarBucketStart(Utc(k2025_11_02, 12), CalendarUnit::kDay, zone);
  EXPECT_EQ(NextCalendarBucketStart(nov_2, CalendarUnit::kDay, zone) - nov_2, 25 * kHour);
}

TEST(Calendar, WeeksStartMondayMonthsQuartersYears) {
  const TimeZone utc = TimeZone::Utc();
  // 2025-03-09 is a Sunday: its ISO week began Monday 2025-03-03.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kWeek, utc),
            Utc(k2025_03_09 - 6));
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kMonth, utc),
            Utc(k2025_03_09 - 8));  // 2025-03-01
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2025_03_09 - 8), CalendarUnit::kMonth, utc),
            Utc(k2025_03_09 - 8 + 31));
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09), CalendarUnit::kQuarter, utc),
            Utc(k2025_03_09 - 8 - 59));  // 2025-01-01
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09), CalendarUnit::kYear, utc),
            Utc(k2025_03_09 - 8 - 59));
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2025_03_09 - 67), CalendarUnit::kQuarter, utc),
            Utc(k2025_03_09 - 67 + 90));  // 2025-04-01
  // Before 1970.
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kDay, utc), -kDay);
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kYear, utc), -365 * kDay);
  EXPECT_EQ(FixedBucketStart(-1, kHour, utc), -kHour);
  // Shanghai midnight is 16:00Z the day before.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 17), CalendarUnit::kDay, Zone("Asia/Shanghai")),
            Utc(k2025_03_09, 16));
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 17, 10), kHour, Zone("+05:30")),
            Utc(k2025_03_09, 16, 30));
}

// The zone's offsets agree with the C library's for random instants from
// 1950 to 2060 (the footer rule covers the years after the last transition).
TEST(TimeZone, AgreesWithTheCLibrary) {
  std::mt19937_64 random(42);
  for (const char* name :
       {"America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe",
        "America/Sao_Paulo", "Europe/Dublin", "Asia/Kathmandu", "Pacific/Chatham"}) {
    const TimeZone zone = Zone(name);
    setenv("TZ", name, 1);
    tzset();
    for (int i = 0; i < 400; ++i) {
      const time_t at =
          static_cast<time_t>(-631152000 + static_cast<int64_t>(random() % 3471292800));
      tm local{};
      localtime_r(&at, &local);
      ASSERT_EQ(zone.OffsetSecondsAt(int64_t{at} * kSecond), local.tm_gmtoff)
          << name << " at " << at;
    }
  }
  unsetenv("TZ");
  tzset();
}

}  // namespace
}  // namespace auditlog::query

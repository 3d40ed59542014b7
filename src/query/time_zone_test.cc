#include "query/time_zone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "testing/status_matchers.h"

// Named zones come from the system's zoneinfo (Debian's tzdata package). The
// expected values below were read off `TZ=<zone> date` for tzdata 2025b; the
// randomized tests compare against glibc's reading of the same files, so they
// hold for any tzdata release.

namespace auditlog::query {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// An instant in micros: a day number (days since 1970-01-01) plus a UTC time
// of day. Also used for local wall times, which count the same way.
constexpr int64_t Utc(int64_t days_since_epoch, int64_t hours = 0, int64_t minutes = 0) {
  return days_since_epoch * kDay + hours * kHour + minutes * kMinute;
}
// Days since 1970-01-01 of the dates the tests use.
constexpr int64_t k2011_12_29 = 15337;  // Thursday; Samoa skipped the 30th
constexpr int64_t k2024_12_30 = 20087;  // Monday
constexpr int64_t k2025_03_09 = 20156;  // Sunday
constexpr int64_t k2025_03_30 = 20177;  // Sunday
constexpr int64_t k2025_04_05 = 20183;  // Saturday
constexpr int64_t k2025_09_07 = 20338;  // Sunday
constexpr int64_t k2025_10_04 = 20365;  // Saturday
constexpr int64_t k2025_10_26 = 20387;  // Sunday
constexpr int64_t k2025_11_02 = 20394;  // Sunday
constexpr int64_t k2040_03_11 = 25637;  // Sunday
constexpr int64_t k2040_11_04 = 25875;  // Sunday

TimeZone Zone(std::string_view name) {
  auto zone = TimeZone::Load(name);
  EXPECT_TRUE(zone.ok()) << zone.status() << " (is the tzdata package installed?)";
  return zone.ok() ? *zone : TimeZone::Utc();
}

int64_t DayLength(const TimeZone& zone, int64_t at) {
  const int64_t start = CalendarBucketStart(at, CalendarUnit::kDay, zone);
  return NextCalendarBucketStart(start, CalendarUnit::kDay, zone) - start;
}

TEST(TimeZone, UtcAndFixedOffsets) {
  EXPECT_EQ(TimeZone::Utc().name(), "UTC");
  EXPECT_TRUE(TimeZone::Utc().fixed());
  EXPECT_EQ(Zone("UTC").OffsetSecondsAt(0), 0);
  EXPECT_EQ(Zone("Z").OffsetSecondsAt(Utc(k2025_03_09)), 0);
  EXPECT_EQ(Zone("+08:00").OffsetSecondsAt(0), 8 * 3600);
  EXPECT_EQ(Zone("+08:00").name(), "+08:00");
  EXPECT_EQ(Zone("-0530").OffsetSecondsAt(0), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(Zone("+08").OffsetSecondsAt(-kDay * 10000), 8 * 3600);
  EXPECT_TRUE(Zone("+05:30").fixed());
  EXPECT_EQ(Zone("+05:30").LocalToUtc(Utc(100, 5, 30)), Utc(100));
  EXPECT_EQ(Zone("-0530").LocalToUtc(Utc(-100)), Utc(-100, 5, 30));
  EXPECT_EQ(Zone("UTC").LocalToUtc(-1), -1);
}

TEST(TimeZone, BadNamesAreInvalidArgumentsNamingTheZone) {
  for (const char* bad :
       {"", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "/usr/share/zoneinfo/UTC",
        "Asia/../UTC", "+25:00", "+08:60", "+8", "+08:0", "8", "America", "Asia/Shanghai\n"})
    EXPECT_THAT(TimeZone::Load(bad), StatusIs(StatusCode::kInvalidArgument, HasSubstr("time zone")))
        << bad;
  EXPECT_THAT(TimeZone::Load("Mars/Olympus"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Mars/Olympus")));
  EXPECT_THAT(TimeZone::Load("+25:00"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("+25:00")));
}

TEST(TimeZone, Shanghai) {
  const TimeZone zone = Zone("Asia/Shanghai");
  EXPECT_EQ(zone.name(), "Asia/Shanghai");
  EXPECT_FALSE(zone.fixed());
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_09)), 8 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(6726)), 9 * 3600);   // 1988-06-01: China had DST 1986-91
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(-3653)), 8 * 3600);  // 1960-01-01
  // Shanghai midnight is 16:00Z the day before.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 17), CalendarUnit::kDay, zone),
            Utc(k2025_03_09, 16));
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 15), CalendarUnit::kDay, zone),
            Utc(k2025_03_09 - 1, 16));
}

TEST(TimeZone, NewYorkAroundBothChangesOf2025) {
  const TimeZone zone = Zone("America/New_York");
  // 2025-03-09 02:00 EST → 03:00 EDT, at 07:00Z.
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_09, 7) - 1), -5 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_09, 7)), -4 * 3600);
  // 2025-11-02 02:00 EDT → 01:00 EST, at 06:00Z.
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_11_02, 6) - 1), -4 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_11_02, 6)), -5 * 3600);
  // Local 02:30 on 2025-03-09 does not exist: the gap ends at 07:00Z.
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_03_09, 2, 30)), Utc(k2025_03_09, 7));
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_03_09, 1, 59)), Utc(k2025_03_09, 6, 59));
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_03_09, 3)), Utc(k2025_03_09, 7));
  // Local 01:30 on 2025-11-02 happens twice: the earlier (EDT) one.
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_11_02, 1, 30)), Utc(k2025_11_02, 5, 30));
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_11_02, 2)), Utc(k2025_11_02, 7));
  // Day buckets of 23 and 25 hours.
  const int64_t march_9 = CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kDay, zone);
  EXPECT_EQ(march_9, Utc(k2025_03_09, 5));
  EXPECT_EQ(DayLength(zone, Utc(k2025_03_09, 12)), 23 * kHour);
  const int64_t nov_2 = CalendarBucketStart(Utc(k2025_11_02, 12), CalendarUnit::kDay, zone);
  EXPECT_EQ(nov_2, Utc(k2025_11_02, 4));
  EXPECT_EQ(DayLength(zone, Utc(k2025_11_02, 12)), 25 * kHour);
  // Both hours of the repeated 01:00-02:00 belong to 2025-11-02.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_11_02, 6, 30), CalendarUnit::kDay, zone), nov_2);
  EXPECT_EQ(DayLength(zone, Utc(k2025_11_02 + 1, 12)), 24 * kHour);
  // Months across a change: 2025-03-01 is EST, 2025-04-01 EDT.
  const int64_t march = CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kMonth, zone);
  EXPECT_EQ(march, Utc(k2025_03_09 - 8, 5));
  EXPECT_EQ(NextCalendarBucketStart(march, CalendarUnit::kMonth, zone),
            Utc(k2025_03_09 - 8 + 31, 4));
}

// The 64-bit data of Debian's files end in 2037; later instants come from
// the POSIX rule in the footer.
TEST(TimeZone, NewYorkIn2040FromTheFooterRule) {
  const TimeZone zone = Zone("America/New_York");
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2040_03_11, 7) - 1), -5 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2040_03_11, 7)), -4 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2040_11_04, 6) - 1), -4 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2040_11_04, 6)), -5 * 3600);
  EXPECT_EQ(zone.LocalToUtc(Utc(k2040_03_11, 2, 30)), Utc(k2040_03_11, 7));
  EXPECT_EQ(zone.LocalToUtc(Utc(k2040_11_04, 1, 30)), Utc(k2040_11_04, 5, 30));
  EXPECT_EQ(DayLength(zone, Utc(k2040_03_11, 12)), 23 * kHour);
  EXPECT_EQ(DayLength(zone, Utc(k2040_11_04, 12)), 25 * kHour);
}

TEST(TimeZone, London) {
  const TimeZone zone = Zone("Europe/London");
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_30, 1) - 1), 0);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_03_30, 1)), 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_10_26, 1) - 1), 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_10_26, 1)), 0);
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_03_30, 1, 30)), Utc(k2025_03_30, 1));
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_10_26, 1, 30)), Utc(k2025_10_26, 0, 30));
  EXPECT_EQ(DayLength(zone, Utc(k2025_03_30, 12)), 23 * kHour);
  EXPECT_EQ(DayLength(zone, Utc(k2025_10_26, 12)), 25 * kHour);
  // Summer midnight is 23:00Z the day before.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_30 + 1, 0, 30), CalendarUnit::kDay, zone),
            Utc(k2025_03_30, 23));
}

// Lord Howe Island moves its clocks by 30 minutes: +10:30 in winter, +11 in
// summer.
TEST(TimeZone, LordHoweHalfHourDaylightSaving) {
  auto loaded = TimeZone::Load("Australia/Lord_Howe");
  if (!loaded.ok()) GTEST_SKIP() << loaded.status();
  const TimeZone zone = *loaded;
  // 2025-04-06 02:00 +11 → 01:30 +10:30, at 2025-04-05 15:00Z.
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_04_05, 15) - 1), 11 * 3600);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_04_05, 15)), 10 * 3600 + 1800);
  // 2025-10-05 02:00 +10:30 → 02:30 +11, at 2025-10-04 15:30Z.
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_10_04, 15, 30) - 1), 10 * 3600 + 1800);
  EXPECT_EQ(zone.OffsetSecondsAt(Utc(k2025_10_04, 15, 30)), 11 * 3600);
  // 01:45 on 2025-04-06 happens twice, 02:15 on 2025-10-05 not at all.
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_04_05 + 1, 1, 45)), Utc(k2025_04_05, 14, 45));
  EXPECT_EQ(zone.LocalToUtc(Utc(k2025_10_04 + 1, 2, 15)), Utc(k2025_10_04, 15, 30));
  EXPECT_EQ(DayLength(zone, Utc(k2025_04_05, 20)), 24 * kHour + 30 * kMinute);
  EXPECT_EQ(DayLength(zone, Utc(k2025_10_04, 20)), 23 * kHour + 30 * kMinute);
}

// Havana and Santiago move their clocks forward at midnight: those days
// start at 01:00, the first instant of the local day.
TEST(Calendar, DaysWhoseMidnightDoesNotExist) {
  const TimeZone havana = Zone("America/Havana");
  // 2025-03-09 00:00 CST → 01:00 CDT, at 05:00Z.
  const int64_t march_9 = CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kDay, havana);
  EXPECT_EQ(march_9, Utc(k2025_03_09, 5));
  EXPECT_EQ(havana.OffsetSecondsAt(march_9), -4 * 3600);
  EXPECT_EQ(DayLength(havana, Utc(k2025_03_09, 12)), 23 * kHour);
  EXPECT_EQ(NextCalendarBucketStart(march_9 - kDay, CalendarUnit::kDay, havana), march_9);
  // The week and month buckets holding it start on ordinary midnights.
  EXPECT_EQ(CalendarBucketStart(march_9, CalendarUnit::kWeek, havana), Utc(k2025_03_09 - 6, 5));
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2025_03_09 - 6, 5), CalendarUnit::kWeek, havana),
            Utc(k2025_03_09 + 1, 4));

  const TimeZone santiago = Zone("America/Santiago");
  // 2025-09-06 24:00 -04 → 2025-09-07 01:00 -03, at 04:00Z.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_09_07, 12), CalendarUnit::kDay, santiago),
            Utc(k2025_09_07, 4));
  EXPECT_EQ(DayLength(santiago, Utc(k2025_09_07, 12)), 23 * kHour);
  // 2025-04-05 24:00 -03 → 23:00 -04: Saturday has 25 hours, Sunday starts once.
  EXPECT_EQ(DayLength(santiago, Utc(k2025_04_05, 12)), 25 * kHour);
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_04_05 + 1, 12), CalendarUnit::kDay, santiago),
            Utc(k2025_04_05 + 1, 4));
}

// Samoa skipped 2011-12-30 when it moved across the date line.
TEST(Calendar, ADaySkippedEntirely) {
  const TimeZone zone = Zone("Pacific/Apia");
  const int64_t dec_29 = CalendarBucketStart(Utc(k2011_12_29, 20), CalendarUnit::kDay, zone);
  EXPECT_EQ(dec_29, Utc(k2011_12_29, 10));
  const int64_t dec_31 = NextCalendarBucketStart(dec_29, CalendarUnit::kDay, zone);
  EXPECT_EQ(dec_31, Utc(k2011_12_29 + 1, 10));
  EXPECT_EQ(zone.OffsetSecondsAt(dec_31), 14 * 3600);
  EXPECT_EQ(NextCalendarBucketStart(dec_31, CalendarUnit::kDay, zone) - dec_31, kDay);
}

TEST(Calendar, WeeksStartMondayMonthsQuartersYears) {
  const TimeZone utc = TimeZone::Utc();
  // 2025-03-09 is a Sunday: its ISO week began Monday 2025-03-03.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kWeek, utc),
            Utc(k2025_03_09 - 6));
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09 + 1), CalendarUnit::kWeek, utc),
            Utc(k2025_03_09 + 1));
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2025_03_09 - 6), CalendarUnit::kWeek, utc),
            Utc(k2025_03_09 + 1));
  // Weeks span years: Wednesday 2025-01-01 is in the week of Monday 2024-12-30.
  EXPECT_EQ(CalendarBucketStart(Utc(k2024_12_30 + 2, 9), CalendarUnit::kWeek, utc),
            Utc(k2024_12_30));
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09, 12), CalendarUnit::kMonth, utc),
            Utc(k2025_03_09 - 8));  // 2025-03-01
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2025_03_09 - 8), CalendarUnit::kMonth, utc),
            Utc(k2025_03_09 - 8 + 31));
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2024_12_30 - 29), CalendarUnit::kMonth, utc),
            Utc(k2024_12_30 + 2));  // 2024-12-01 → 2025-01-01
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2024_12_30 + 2 + 31), CalendarUnit::kMonth, utc),
            Utc(k2024_12_30 + 2 + 31 + 28));  // February 2025 has 28 days
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09), CalendarUnit::kQuarter, utc),
            Utc(k2025_03_09 - 8 - 59));  // 2025-01-01
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_11_02), CalendarUnit::kQuarter, utc),
            Utc(k2024_12_30 + 2 + 273));  // 2025-10-01
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2024_12_30 + 2 + 273), CalendarUnit::kQuarter, utc),
            Utc(k2024_12_30 + 2 + 365));  // 2026-01-01
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09), CalendarUnit::kYear, utc),
            Utc(k2025_03_09 - 8 - 59));
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2025_03_09 - 67), CalendarUnit::kQuarter, utc),
            Utc(k2025_03_09 - 67 + 90));  // 2025-04-01
  EXPECT_EQ(NextCalendarBucketStart(Utc(k2024_12_30 + 2), CalendarUnit::kYear, utc),
            Utc(k2024_12_30 + 2 + 365));
  // In Shanghai the year 2025 began at 2024-12-31T16:00Z.
  EXPECT_EQ(CalendarBucketStart(Utc(k2025_03_09), CalendarUnit::kYear, Zone("Asia/Shanghai")),
            Utc(k2024_12_30 + 1, 16));
}

TEST(Calendar, BeforeNineteenSeventy) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kDay, utc), -kDay);
  EXPECT_EQ(CalendarBucketStart(-kDay, CalendarUnit::kDay, utc), -kDay);
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kWeek, utc), -3 * kDay);  // Mon 1969-12-29
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kMonth, utc), -31 * kDay);
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kQuarter, utc), -92 * kDay);
  EXPECT_EQ(CalendarBucketStart(-1, CalendarUnit::kYear, utc), -365 * kDay);
  EXPECT_EQ(NextCalendarBucketStart(-365 * kDay, CalendarUnit::kYear, utc), 0);
  EXPECT_EQ(NextCalendarBucketStart(-3 * kDay, CalendarUnit::kWeek, utc), 4 * kDay);
  // 1900 was not a leap year; 1600 was.
  EXPECT_EQ(NextCalendarBucketStart(Utc(-25536), CalendarUnit::kMonth, utc), Utc(-25536 + 28));
  EXPECT_EQ(NextCalendarBucketStart(Utc(-135109), CalendarUnit::kMonth, utc), Utc(-135109 + 29));
  EXPECT_EQ(FixedBucketStart(-1, kHour, utc), -kHour);
  EXPECT_EQ(FixedBucketStart(-1, kDay, Zone("+05:30")), -(5 * kHour + 30 * kMinute));
  // New York kept daylight saving time in 1960 (from the file's transitions).
  const TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(new_york.OffsetSecondsAt(Utc(-3471)), -4 * 3600);  // 1960-07-01
  EXPECT_EQ(new_york.OffsetSecondsAt(Utc(-3653)), -5 * 3600);  // 1960-01-01
  EXPECT_EQ(CalendarBucketStart(Utc(-3471, 12), CalendarUnit::kDay, new_york), Utc(-3471, 4));
  EXPECT_EQ(CalendarBucketStart(Utc(-3471, 12), CalendarUnit::kYear, new_york), Utc(-3653, 5));
}

TEST(Calendar, FixedIntervalsAlignInLocalTime) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 17, 10), kHour, Zone("+05:30")),
            Utc(k2025_03_09, 16, 30));
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 17, 10), 15 * kMinute, utc), Utc(k2025_03_09, 17));
  // Seven-day intervals count from Thursday 1970-01-01.
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 12), 7 * kDay, utc), Utc(k2025_03_09 - 3));
  // One-day intervals in New York start at local midnight, with each
  // instant's own offset.
  const TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 3), kDay, new_york), Utc(k2025_03_09 - 1, 5));
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 12), kDay, new_york), Utc(k2025_03_09, 4));
  EXPECT_EQ(FixedBucketStart(Utc(k2025_03_09, 12), 1, new_york), Utc(k2025_03_09, 12));
}

TEST(TimeZone, CopiesAreSharedSafelyAcrossThreads) {
  const TimeZone zone = Zone("Europe/London");
  std::vector<std::thread> threads;
  std::vector<int64_t> sums(4);
  for (size_t thread_idx = 0; thread_idx < sums.size(); ++thread_idx)
    threads.emplace_back([zone, &sums, thread_idx] {
      for (int64_t day = 0; day < 2000; ++day)
        sums[thread_idx] += CalendarBucketStart(Utc(day * 11, 12), CalendarUnit::kMonth, zone);
    });
  for (std::thread& thread : threads) thread.join();
  for (int64_t sum : sums) EXPECT_EQ(sum, sums[0]);
}

// ---- zoneinfo files written by the test, read with LoadFrom

struct TzifType {
  int32_t offset_seconds;
  bool dst;
};

void AppendBig(std::string* out, int64_t value, int width_bytes) {
  for (int shift = 8 * (width_bytes - 1); shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((static_cast<uint64_t>(value) >> shift) & 0xff));
}

// A TZif file (RFC 8536). Version '\0' writes one 32-bit block and no footer;
// '2' and '3' an empty 32-bit block, the 64-bit one and the footer, as zic's
// "slim" output does.
std::string Tzif(char version, const std::vector<std::pair<int64_t, uint8_t>>& transitions,
                 const std::vector<TzifType>& types, std::string_view footer) {
  std::string out;
  auto block = [&](int width_bytes, bool empty) {
    out += "TZif";
    out.push_back(version);
    out.append(15, '\0');
    const size_t time_count = empty ? 0 : transitions.size();
    const size_t type_count = empty ? 1 : types.size();
    for (size_t count : {size_t{0}, size_t{0}, size_t{0}, time_count, type_count, size_t{4}})
      AppendBig(&out, static_cast<int64_t>(count), 4);
    for (size_t i = 0; i < time_count; ++i) AppendBig(&out, transitions[i].first, width_bytes);
    for (size_t i = 0; i < time_count; ++i) out.push_back(static_cast<char>(transitions[i].second));
    for (size_t i = 0; i < type_count; ++i) {
      AppendBig(&out, empty ? 0 : types[i].offset_seconds, 4);
      out.push_back(!empty && types[i].dst ? 1 : 0);
      out.push_back(0);  // designation index: "ZZZ"
    }
    out.append("ZZZ", 4);
  };
  if (version == '\0') {
    block(4, false);
    return out;
  }
  block(4, true);
  block(8, false);
  out += '\n';
  out += footer;
  out += '\n';
  return out;
}

class TimeZoneFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("time_zone_test." + std::to_string(getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "Test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  Result<TimeZone> Load(std::string_view name) { return TimeZone::LoadFrom(dir_.string(), name); }

  std::filesystem::path dir_;
};

// A slim file lists transitions only up to the point the footer rule takes
// over; here that is 1970, so every later change comes from the rule.
TEST_F(TimeZoneFiles, SlimFileTakesItsDaylightSavingFromTheFooter) {
  Write("Test/Slim", Tzif('2', {{0, 0}}, {{-5 * 3600, false}}, "EST5EDT,M3.2.0,M11.1.0"));
  AL_ASSERT_OK_AND_ASSIGN(const TimeZone slim, Load("Test/Slim"));
  EXPECT_EQ(slim.name(), "Test/Slim");
  EXPECT_EQ(slim.OffsetSecondsAt(Utc(k2025_03_09, 7) - 1), -5 * 3600);
  EXPECT_EQ(slim.OffsetSecondsAt(Utc(k2025_03_09, 7)), -4 * 3600);
  EXPECT_EQ(slim.LocalToUtc(Utc(k2025_11_02, 1, 30)), Utc(k2025_11_02, 5, 30));
  EXPECT_EQ(DayLength(slim, Utc(k2025_03_09, 12)), 23 * kHour);
  // The rule has been New York's since 2007.
  const TimeZone new_york = Zone("America/New_York");
  std::mt19937_64 random(7);
  for (int i = 0; i < 500; ++i) {
    const int64_t at = Utc(13514) + static_cast<int64_t>(random() % (uint64_t{100} * 365 * kDay));
    ASSERT_EQ(slim.OffsetSecondsAt(at), new_york.OffsetSecondsAt(at)) << at;
  }
}

// Version 3 footers may put transition times outside 0-24h (Jerusalem's
// Friday before the last Sunday of March is "Thursday 26:00").
TEST_F(TimeZoneFiles, Version3FooterWithHoursPastMidnight) {
  Write("Test/V3", Tzif('3', {}, {{2 * 3600, false}}, "IST-2IDT,M3.4.4/26,M10.5.0"));
  AL_ASSERT_OK_AND_ASSIGN(const TimeZone v3, Load("Test/V3"));
  // 2025-03-28 02:00 IST → 03:00 IDT, at 00:00Z.
  EXPECT_EQ(v3.OffsetSecondsAt(Utc(k2025_03_30 - 2) - 1), 2 * 3600);
  EXPECT_EQ(v3.OffsetSecondsAt(Utc(k2025_03_30 - 2)), 3 * 3600);
  // 2025-10-26 02:00 IDT → 01:00 IST, at 23:00Z the day before.
  EXPECT_EQ(v3.OffsetSecondsAt(Utc(k2025_10_26 - 1, 23) - 1), 3 * 3600);
  EXPECT_EQ(v3.OffsetSecondsAt(Utc(k2025_10_26 - 1, 23)), 2 * 3600);
}

// No zone uses these forms today; the rules follow POSIX.
TEST_F(TimeZoneFiles, FooterRulesNearNewYearAndJulianDays) {
  // Daylight saving from 01:00 on Jan 1 (zero-based day 0), local time +14:
  // 2024-12-31T11:00Z, still 2024 in UTC.
  Write("Test/NewYear", Tzif('2', {}, {{14 * 3600, false}}, "<+14>-14<+15>,0/1,J300"));
  AL_ASSERT_OK_AND_ASSIGN(const TimeZone new_year, Load("Test/NewYear"));
  constexpr int64_t k2024_12_31 = 20088;
  EXPECT_EQ(new_year.OffsetSecondsAt(Utc(k2024_12_31, 11) - 1), 14 * 3600);
  EXPECT_EQ(new_year.OffsetSecondsAt(Utc(k2024_12_31, 11)), 15 * 3600);
  // "Jn" never counts February 29: J60 is March 1, in leap years too.
  Write("Test/Julian", Tzif('2', {}, {{0, false}}, "AAA0BBB,J60/0,J300/0"));
  AL_ASSERT_OK_AND_ASSIGN(const TimeZone julian, Load("Test/Julian"));
  constexpr int64_t k2024_02_29 = 19782;
  EXPECT_EQ(julian.OffsetSecondsAt(Utc(k2024_02_29, 12)), 0);
  EXPECT_EQ(julian.OffsetSecondsAt(Utc(k2024_02_29 + 1)), 3600);
}

TEST_F(TimeZoneFiles, Version1FileWithoutFooter) {
  // LMT +0:30, then +1 from t=0 and +2 (daylight) from t=1000 on.
  Write("Test/V1",
        Tzif('\0', {{0, 1}, {1000, 2}}, {{1800, false}, {3600, false}, {7200, true}}, ""));
  AL_ASSERT_OK_AND_ASSIGN(const TimeZone v1, Load("Test/V1"));
  EXPECT_EQ(v1.OffsetSecondsAt(-1), 1800);
  EXPECT_EQ(v1.OffsetSecondsAt(0), 3600);
  EXPECT_EQ(v1.OffsetSecondsAt(999 * kSecond), 3600);
  EXPECT_EQ(v1.OffsetSecondsAt(1000 * kSecond), 7200);
  EXPECT_EQ(v1.OffsetSecondsAt(Utc(k2040_03_11)), 7200);
}

TEST_F(TimeZoneFiles, LoadReadsTzdir) {
  Write("Test/Slim", Tzif('2', {}, {{-5 * 3600, false}}, "EST5EDT,M3.2.0,M11.1.0"));
  const char* saved = std::getenv("TZDIR");
  const std::string saved_value = saved ? saved : "";
  setenv("TZDIR", dir_.c_str(), 1);
  auto loaded = TimeZone::Load("Test/Slim");
  if (saved)
    setenv("TZDIR", saved_value.c_str(), 1);
  else
    unsetenv("TZDIR");
  AL_ASSERT_OK(loaded);
  EXPECT_EQ(loaded->OffsetSecondsAt(Utc(k2025_03_09, 7)), -4 * 3600);
}

TEST_F(TimeZoneFiles, DamagedFilesAreInvalidArguments) {
  const std::string good = Tzif('2', {{0, 0}}, {{-5 * 3600, false}}, "EST5EDT,M3.2.0,M11.1.0");
  // Cut in the headers, the data, and the footer (whose closing newline is
  // how a reader knows the rule is whole).
  for (size_t length : {size_t{0}, size_t{4}, size_t{43}, size_t{60}, good.size() - 30,
                        good.size() - 24, good.size() - 5, good.size() - 1}) {
    Write("Test/Cut", good.substr(0, length));
    EXPECT_THAT(Load("Test/Cut"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("Test/Cut")))
        << length;
  }
  Write("Test/Text", "# not a zone file\n");
  EXPECT_THAT(Load("Test/Text"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("Test/Text")));
  Write("Test/BadRule", Tzif('2', {}, {{0, false}}, "EST5EDT,M13.2.0,M11.1.0"));
  EXPECT_THAT(Load("Test/BadRule"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Test/BadRule")));
  EXPECT_THAT(Load("Test/Missing"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown")));
}

// ---- against the C library

// The zones of the randomized tests: both hemispheres, half-hour and
// 45-minute offsets, negative daylight saving (Dublin), changes at midnight
// (Havana, Beirut, Santiago), footers with hours past 24 (Jerusalem) or below
// zero (Nuuk), and a skipped day (Apia).
constexpr const char* kZones[] = {
    "America/New_York",  "Europe/London", "Asia/Shanghai",     "Australia/Lord_Howe",
    "America/Sao_Paulo", "Europe/Dublin", "Asia/Kathmandu",    "Pacific/Chatham",
    "America/Havana",    "Asia/Beirut",   "America/Santiago",  "Asia/Jerusalem",
    "America/Nuuk",      "Pacific/Apia",  "Africa/Casablanca", "Australia/Sydney",
};

// Sets TZ for glibc's localtime_r for the life of the object. Test-only:
// setenv is not thread-safe, and these tests run on one thread.
class ScopedTz {
 public:
  explicit ScopedTz(const char* name) {
    setenv("TZ", name, 1);
    tzset();
  }
  ~ScopedTz() {
    unsetenv("TZ");
    tzset();
  }
};

tm LocalTm(int64_t at_seconds) {
  const time_t at = static_cast<time_t>(at_seconds);
  tm local{};
  localtime_r(&at, &local);
  return local;
}

// Wall-clock seconds since the epoch of a broken-down local time.
int64_t WallSeconds(const tm& local) {
  tm copy = local;
  return static_cast<int64_t>(timegm(&copy));
}

int64_t LocalDays(const tm& local) {
  tm date{};
  date.tm_year = local.tm_year;
  date.tm_mon = local.tm_mon;
  date.tm_mday = local.tm_mday;
  return static_cast<int64_t>(timegm(&date)) / 86400;
}

// Which bucket of `unit` a local time falls in, by glibc's calendar.
int64_t BucketKey(const tm& local, CalendarUnit unit) {
  switch (unit) {
    case CalendarUnit::kDay:
      return LocalDays(local);
    case CalendarUnit::kWeek:
      return LocalDays(local) - (local.tm_wday + 6) % 7;
    case CalendarUnit::kMonth:
      return int64_t{local.tm_year} * 12 + local.tm_mon;
    case CalendarUnit::kQuarter:
      return int64_t{local.tm_year} * 4 + local.tm_mon / 3;
    case CalendarUnit::kYear:
      return local.tm_year;
  }
  return 0;
}

// The first instant within a year after `at_seconds` whose offset differs
// from the one at `at_seconds`, or `at_seconds` when there is none.
int64_t NextChangeSeconds(int64_t at_seconds) {
  const long offset_seconds = LocalTm(at_seconds).tm_gmtoff;
  for (int64_t probe = at_seconds + 86400; probe < at_seconds + 366 * 86400; probe += 86400) {
    if (LocalTm(probe).tm_gmtoff == offset_seconds) continue;
    int64_t low = probe - 86400, high = probe;
    while (high - low > 1) {
      const int64_t mid = low + (high - low) / 2;
      (LocalTm(mid).tm_gmtoff == offset_seconds ? low : high) = mid;
    }
    return high;
  }
  return at_seconds;
}

// Random seconds from 1950 to 2060, which includes the footer years.
int64_t RandomSeconds(std::mt19937_64& random) {
  return -631152000 + static_cast<int64_t>(random() % 3471292800);
}

TEST(TimeZone, AgreesWithTheCLibrary) {
  std::mt19937_64 random(42);
  for (const char* name : kZones) {
    const TimeZone zone = Zone(name);
    ScopedTz tz(name);
    for (int i = 0; i < 400; ++i) {
      const int64_t at = RandomSeconds(random);
      ASSERT_EQ(zone.OffsetSecondsAt(at * kSecond), LocalTm(at).tm_gmtoff) << name << " at " << at;
      ASSERT_EQ(zone.OffsetSecondsAt(at * kSecond + kSecond - 1), LocalTm(at).tm_gmtoff)
          << name << " at " << at;
    }
  }
}

// LocalToUtc gives an instant glibc shows as the asked wall time, the
// earliest such, or when there is none the end of the gap.
TEST(TimeZone, LocalToUtcAgreesWithTheCLibrary) {
  std::mt19937_64 random(43);
  for (const char* name : kZones) {
    const TimeZone zone = Zone(name);
    ScopedTz tz(name);
    for (int i = 0; i < 400; ++i) {
      // Half the wall times within two hours of a change, where the gaps and
      // overlaps are.
      int64_t wall = RandomSeconds(random);
      if (i % 2 == 0) {
        const int64_t change = NextChangeSeconds(RandomSeconds(random));
        wall = change + LocalTm(change).tm_gmtoff + static_cast<int64_t>(random() % 14400) - 7200;
      }
      const int64_t utc = zone.LocalToUtc(wall * kSecond);
      ASSERT_EQ(utc % kSecond, 0) << name << " wall " << wall;
      const int64_t utc_seconds = utc / kSecond;
      if (WallSeconds(LocalTm(utc_seconds)) == wall) {
        // No earlier instant shows the same wall time.
        for (int64_t probe_seconds :
             {wall - LocalTm(wall - 86400).tm_gmtoff, wall - LocalTm(wall + 86400).tm_gmtoff}) {
          if (WallSeconds(LocalTm(probe_seconds)) == wall) {
            ASSERT_GE(probe_seconds, utc_seconds) << name << " wall " << wall;
          }
        }
      } else {
        // A gap: the wall clock jumped over `wall` at `utc`.
        ASSERT_LT(WallSeconds(LocalTm(utc_seconds - 1)), wall) << name << " wall " << wall;
        ASSERT_GT(WallSeconds(LocalTm(utc_seconds)), wall) << name << " wall " << wall;
      }
    }
  }
}

// Each bucket starts at the first instant of its local day, week, month,
// quarter or year by glibc's reading of the zone, and ends where the next
// begins.
TEST(Calendar, BucketsAgreeWithTheCLibrary) {
  std::mt19937_64 random(44);
  for (const char* name : kZones) {
    const TimeZone zone = Zone(name);
    ScopedTz tz(name);
    for (int i = 0; i < 300; ++i) {
      const int64_t at = RandomSeconds(random) * kSecond + static_cast<int64_t>(random() % kSecond);
      const int64_t at_seconds = at >= 0 ? at / kSecond : (at - kSecond + 1) / kSecond;
      for (CalendarUnit unit : {CalendarUnit::kDay, CalendarUnit::kWeek, CalendarUnit::kMonth,
                                CalendarUnit::kQuarter, CalendarUnit::kYear}) {
        const int64_t key = BucketKey(LocalTm(at_seconds), unit);
        const int64_t start = CalendarBucketStart(at, unit, zone);
        const int64_t next = NextCalendarBucketStart(start, unit, zone);
        const std::string where = std::string(name) + " at " + std::to_string(at) + " unit " +
                                  std::to_string(static_cast<int>(unit));
        ASSERT_EQ(start % kSecond, 0) << where;
        ASSERT_LE(start, at) << where;
        ASSERT_GT(next, at) << where;
        ASSERT_EQ(BucketKey(LocalTm(start / kSecond), unit), key) << where;
        ASSERT_NE(BucketKey(LocalTm(start / kSecond - 1), unit), key) << where;
        ASSERT_EQ(BucketKey(LocalTm(next / kSecond - 1), unit), key) << where;
        ASSERT_NE(BucketKey(LocalTm(next / kSecond), unit), key) << where;
        ASSERT_EQ(CalendarBucketStart(start, unit, zone), start) << where;
      }
    }
  }
}

}  // namespace
}  // namespace auditlog::query

#include "common/clock.h"

#include <gtest/gtest.h>

namespace auditlog {
namespace {

TEST(SystemClock, IsAfter2024AndMonotonicDoesNotGoBack) {
  EXPECT_GT(SystemClock().NowMicros(), int64_t{1704067200} * 1000000);
  const int64_t first = SystemClock().MonotonicNanos();
  EXPECT_GE(SystemClock().MonotonicNanos(), first);
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMicros(), 1000);
  clock.AdvanceMicros(500);
  EXPECT_EQ(clock.NowMicros(), 1500);
  EXPECT_EQ(clock.MonotonicNanos(), 1500000);
  clock.SetMicros(7);
  EXPECT_EQ(clock.NowMicros(), 7);
}

}  // namespace
}  // namespace auditlog

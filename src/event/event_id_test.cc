#include "event/event_id.h"

#include <gtest/gtest.h>

#include "common/random.h"
#include "testing/status_matchers.h"

namespace auditlog::event {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Ulid, KnownEncoding) {
  // Time 0x01 and all-zero randomness: the time sits in the first 10 chars.
  EXPECT_EQ(EncodeUlid(1, {}), "00000000010000000000000000");
  std::array<uint8_t, 10> ones;
  ones.fill(0xff);
  EXPECT_EQ(EncodeUlid(0xFFFFFFFFFFFF, ones), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
}

TEST(Ulid, EncodesTheTimeItWasGiven) {
  SeededRandom random(3);
  EventIdGenerator generator(random);
  const int64_t now_ms = 1742083302549;  // 2025-03-16T00:01:42.549Z
  const std::string id = generator.Next(now_ms);
  ASSERT_TRUE(IsUlid(id)) << id;
  EXPECT_EQ(UlidTimeMs(id), static_cast<uint64_t>(now_ms));
  EXPECT_EQ(id.substr(0, 10), "01JPE4394N");
}

TEST(Ulid, StrictlyIncreasingWithinAndAcrossMilliseconds) {
  SeededRandom random(5);
  EventIdGenerator generator(random);
  std::string previous = generator.Next(1000);
  for (int draw = 0; draw < 10000; ++draw) {
    // Several ids per millisecond, and a clock that steps back once.
    const int64_t now_ms = draw == 5000 ? 900 : 1000 + draw / 7;
    const std::string id = generator.Next(now_ms);
    ASSERT_LT(previous, id) << "draw " << draw;
    previous = id;
  }
}

TEST(Ulid, RecognisesWellFormedIdsOnly) {
  EXPECT_TRUE(IsUlid("01JPE41QSYFJ5EPE3FGP8ZHK9T"));
  EXPECT_TRUE(IsUlid("01jpe41qsyfj5epe3fgp8zhk9t"));
  EXPECT_FALSE(IsUlid("01JPE41QSYFJ5EPE3FGP8ZHK9"));   // 25 chars
  EXPECT_FALSE(IsUlid("81JPE41QSYFJ5EPE3FGP8ZHK9T"));  // overflows 128 bits
  EXPECT_FALSE(IsUlid("01JPE41QSYFJ5EPE3FGP8ZHK9U"));  // U is not Crockford
}

TEST(ClientId, AcceptsPrintableAsciiUpTo128Bytes) {
  AL_EXPECT_OK(ValidateClientId("c72c118e-c1a9-4fbd-bafe-c45d00da173b"));
  AL_EXPECT_OK(ValidateClientId("90020211201185132572079310688835925971249535794074878050"));
  AL_EXPECT_OK(ValidateClientId(std::string(128, 'a')));
  EXPECT_THAT(ValidateClientId(std::string(129, 'a')),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("128")));
  EXPECT_THAT(ValidateClientId(""), StatusIs(StatusCode::kInvalidArgument, "empty id"));
  EXPECT_THAT(ValidateClientId("a b"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("byte 1 is 0x20")));
  EXPECT_THAT(ValidateClientId("caf\xc3\xa9"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("0xc3")));
}

}  // namespace
}  // namespace auditlog::event

#include "common/random.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace auditlog {
namespace {

TEST(SeededRandom, SameSeedSameSequence) {
  SeededRandom first(42);
  SeededRandom second(42);
  SeededRandom other(43);
  bool differs = false;
  for (int draw = 0; draw < 100; ++draw) {
    const uint64_t value = first.Next64();
    EXPECT_EQ(value, second.Next64());
    differs = differs || value != other.Next64();
  }
  EXPECT_TRUE(differs);
}

TEST(Random, UniformStaysInBoundAndCoversIt) {
  SeededRandom random(7);
  std::set<uint64_t> seen;
  for (int draw = 0; draw < 1000; ++draw) {
    const uint64_t value = random.Uniform(10);
    ASSERT_LT(value, 10u);
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(Random, FillCoversOddLengths) {
  SeededRandom random(1);
  std::array<uint8_t, 13> bytes{};
  random.Fill(bytes);
  int nonzero = 0;
  for (uint8_t byte : bytes) nonzero += byte != 0;
  EXPECT_GT(nonzero, 8);
}

TEST(SecureRandom, DrawsDiffer) { EXPECT_NE(SecureRandom().Next64(), SecureRandom().Next64()); }

}  // namespace
}  // namespace auditlog

// ValueFilter: no false negatives, about 1% false positives, and a damaged
// layout refused.

#include "storage/segment/value_filter.h"

#include <gtest/gtest.h>

#include <string>

#include "common/coding.h"
#include "testing/status_matchers.h"

namespace auditlog::storage::segment {
namespace {

std::string Key(const char* prefix, int i) { return std::string(prefix) + std::to_string(i); }

ValueFilter BuildOf(int keys) {
  ValueFilterBuilder builder;
  for (int i = 0; i < keys; ++i) builder.Add(FilterKeyHash(3, FilterKeyKind::kValue, Key("v", i)));
  auto filter = ValueFilter::Parse(builder.Finish());
  EXPECT_TRUE(filter.ok()) << filter.status().ToString();
  return std::move(*filter);
}

TEST(ValueFilter, EveryAddedKeyIsFound) {
  for (int keys : {0, 1, 7, 100, 100'000}) {
    const ValueFilter filter = BuildOf(keys);
    for (int i = 0; i < keys; ++i)
      ASSERT_TRUE(filter.MayContain(FilterKeyHash(3, FilterKeyKind::kValue, Key("v", i))))
          << keys << " keys, key " << i;
  }
}

TEST(ValueFilter, FalsePositivesStayNearOnePercent) {
  const ValueFilter filter = BuildOf(100'000);
  EXPECT_EQ(filter.memory_bytes(), 125'024u);  // 10 bits per key, in whole 32-byte blocks
  int false_positives = 0;
  for (int i = 0; i < 100'000; ++i)
    false_positives += filter.MayContain(FilterKeyHash(3, FilterKeyKind::kValue, Key("absent", i)));
  EXPECT_LT(false_positives, 2'000);  // 2%
  EXPECT_GT(false_positives, 100);    // a filter that is mostly empty bits would be mis-sized
}

TEST(ValueFilter, AKeyOfAnotherFieldOrKindIsAnotherKey) {
  const ValueFilter filter = BuildOf(1'000);
  int found = 0;
  for (int i = 0; i < 1'000; ++i) {
    found += filter.MayContain(FilterKeyHash(4, FilterKeyKind::kValue, Key("v", i)));
    found += filter.MayContain(FilterKeyHash(3, FilterKeyKind::kToken, Key("v", i)));
  }
  EXPECT_LT(found, 60);
}

TEST(ValueFilter, HashesArePersistedValues) {
  // Segments on disk hold these bits: the hash of a key may never change.
  EXPECT_EQ(FilterKeyHash(0, FilterKeyKind::kValue, ""), 0x29ace27253cc6fd3u);
  EXPECT_EQ(FilterKeyHash(12, FilterKeyKind::kToken, "login"), 0x20a2e6ccee4f05e8u);
}

TEST(ValueFilter, ParseRefusesABadLayout) {
  EXPECT_EQ(ValueFilter::Parse("").status().code(), StatusCode::kCorruption);
  std::string zero_blocks;
  PutFixed32(&zero_blocks, 0);
  EXPECT_EQ(ValueFilter::Parse(zero_blocks).status().code(), StatusCode::kCorruption);
  std::string short_block;
  PutFixed32(&short_block, 1);
  short_block.append(31, '\0');
  EXPECT_EQ(ValueFilter::Parse(short_block).status().code(), StatusCode::kCorruption);
  short_block.push_back('\0');
  AL_EXPECT_OK(ValueFilter::Parse(short_block).status());
  short_block.push_back('\0');
  EXPECT_EQ(ValueFilter::Parse(short_block).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace auditlog::storage::segment

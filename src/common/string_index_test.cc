#include "common/string_index.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace auditlog {
namespace {

TEST(StringIndex, NumbersStringsInOrderOfFirstInsertion) {
  std::vector<std::string> strings;
  StringIndex index;
  auto at = [&](uint32_t number) { return std::string_view(strings[number]); };
  auto insert = [&](const std::string& text) {
    auto [number, inserted] = index.FindOrInsert(text, StringIndex::Hash(text), at);
    if (inserted) strings.push_back(text);
    return std::pair(number, inserted);
  };
  EXPECT_EQ(insert("b"), std::pair(0u, true));
  EXPECT_EQ(insert("a"), std::pair(1u, true));
  EXPECT_EQ(insert("b"), std::pair(0u, false));
  EXPECT_EQ(insert(""), std::pair(2u, true));  // the empty string is a string like any other
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Find("a", StringIndex::Hash("a"), at), 1u);
  EXPECT_EQ(index.Find("c", StringIndex::Hash("c"), at), StringIndex::kNone);
}

TEST(StringIndex, EmptyIndexFindsNothing) {
  const StringIndex index;
  EXPECT_EQ(index.Find("x", StringIndex::Hash("x"), [](uint32_t) { return std::string_view(); }),
            StringIndex::kNone);
}

// Equal 32 hash bits must fall back to comparing bytes: a hash that puts
// every string in one probe chain with one tag still numbers them apart.
TEST(StringIndex, CollidingHashesCompareBytes) {
  std::vector<std::string> strings;
  StringIndex index;
  auto at = [&](uint32_t number) { return std::string_view(strings[number]); };
  for (int i = 0; i < 1000; ++i) {
    const std::string text = std::to_string(i);
    auto [number, inserted] = index.FindOrInsert(text, /*hash=*/42, at);
    ASSERT_TRUE(inserted);
    ASSERT_EQ(number, static_cast<uint32_t>(i));
    strings.push_back(text);
  }
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(index.Find(std::to_string(i), 42, at), static_cast<uint32_t>(i));
}

// Against std::unordered_map as the oracle, across growth.
RC_GTEST_PROP(StringIndexProperty, AgreesWithAMap, (const std::vector<std::string>& inputs)) {
  std::vector<std::string> strings;
  std::unordered_map<std::string, uint32_t> oracle;
  StringIndex index(*rc::gen::inRange<size_t>(0, 64));
  auto at = [&](uint32_t number) { return std::string_view(strings[number]); };
  for (const std::string& text : inputs) {
    auto [number, inserted] = index.FindOrInsert(text, StringIndex::Hash(text), at);
    auto [it, oracle_inserted] = oracle.try_emplace(text, static_cast<uint32_t>(oracle.size()));
    RC_ASSERT(inserted == oracle_inserted);
    RC_ASSERT(number == it->second);
    if (inserted) strings.push_back(text);
  }
  RC_ASSERT(index.size() == oracle.size());
  for (const auto& [text, number] : oracle)
    RC_ASSERT(index.Find(text, StringIndex::Hash(text), at) == number);
}

}  // namespace
}  // namespace auditlog

#include "common/sharded_lru_cache.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace auditlog {
namespace {

uint64_t HashOf(std::string_view key) { return std::hash<std::string_view>{}(key); }

TEST(ShardedLruCache, RemembersWhatWasInserted) {
  ShardedLruCache<int> cache(10, 4);
  int value = 0;
  EXPECT_FALSE(cache.Lookup("a", HashOf("a"), &value));
  cache.Insert("a", HashOf("a"), 1);
  cache.Insert("b", HashOf("b"), 2);
  ASSERT_TRUE(cache.Lookup("a", HashOf("a"), &value));
  EXPECT_EQ(value, 1);
  ASSERT_TRUE(cache.Lookup("b", HashOf("b"), &value));
  EXPECT_EQ(value, 2);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.entries, 2u);
}

// Keys that share a hash are told apart by their text.
TEST(ShardedLruCache, KeysWithOneHashStayApart) {
  ShardedLruCache<std::string> cache(10, 1);
  cache.Insert("a", 7, "first");
  cache.Insert("b", 7, "second");
  std::string value;
  ASSERT_TRUE(cache.Lookup("a", 7, &value));
  EXPECT_EQ(value, "first");
  ASSERT_TRUE(cache.Lookup("b", 7, &value));
  EXPECT_EQ(value, "second");
  EXPECT_FALSE(cache.Lookup("c", 7, &value));
}

// One shard of three entries: one not used since the others goes first, and
// a lookup or a repeated insert counts as a use.
TEST(ShardedLruCache, EvictsTheLeastRecentlyUsed) {
  ShardedLruCache<int> cache(3, 1);
  int value = 0;
  cache.Insert("a", HashOf("a"), 1);
  cache.Insert("b", HashOf("b"), 2);
  cache.Insert("c", HashOf("c"), 3);
  ASSERT_TRUE(cache.Lookup("a", HashOf("a"), &value));  // b is now the oldest
  cache.Insert("d", HashOf("d"), 4);
  EXPECT_FALSE(cache.Lookup("b", HashOf("b"), &value));
  cache.Insert("c", HashOf("c"), 30);  // refreshed, value kept: a is now the oldest
  cache.Insert("e", HashOf("e"), 5);
  EXPECT_FALSE(cache.Lookup("a", HashOf("a"), &value));
  ASSERT_TRUE(cache.Lookup("c", HashOf("c"), &value));
  EXPECT_EQ(value, 3);
  EXPECT_EQ(cache.stats().entries, 3u);
}

// Keys whose hashes share their low bits all probe from one slot; evicting
// and reusing entries among them must keep every cached key reachable and
// answer each with its own value (the index shifts entries back when one
// leaves, without tombstones).
TEST(ShardedLruCache, ChurnKeepsEveryCachedKeyReachable) {
  ShardedLruCache<int> cache(50, 1);
  std::vector<std::string> keys;
  // Low 32 bits from a handful of values, so probes collide and wrap.
  auto hash_of = [](int i) { return (uint64_t{static_cast<uint32_t>(i)} << 32) | (i % 5); };
  for (int i = 0; i < 2'000; ++i) {
    keys.push_back("key-" + std::to_string(i));
    cache.Insert(keys.back(), hash_of(i), i);
    int value = -1;
    ASSERT_TRUE(cache.Lookup(keys.back(), hash_of(i), &value)) << i;
    ASSERT_EQ(value, i);
    // Some keys are used again (when still cached), so sweeps skip them.
    if (i >= 3 && i % 3 == 0) (void)cache.Lookup(keys[i - 1], hash_of(i - 1), &value);
  }
  size_t found = 0;
  for (int i = 0; i < 2'000; ++i) {
    int value = -1;
    if (!cache.Lookup(keys[i], hash_of(i), &value)) continue;
    ++found;
    EXPECT_EQ(value, i);
  }
  EXPECT_EQ(found, 50u);
  EXPECT_EQ(cache.stats().entries, 50u);
}

// A used entry survives a sweep that evicts its unused neighbours.
TEST(ShardedLruCache, UsedEntriesOutliveUnusedOnes) {
  ShardedLruCache<int> cache(4, 1);
  for (int i = 0; i < 4; ++i) cache.Insert(std::to_string(i), HashOf(std::to_string(i)), i);
  int value = 0;
  ASSERT_TRUE(cache.Lookup("0", HashOf("0"), &value));
  ASSERT_TRUE(cache.Lookup("2", HashOf("2"), &value));
  cache.Insert("4", HashOf("4"), 4);  // evicts 1
  cache.Insert("5", HashOf("5"), 5);  // evicts 3
  EXPECT_TRUE(cache.Lookup("0", HashOf("0"), &value));
  EXPECT_TRUE(cache.Lookup("2", HashOf("2"), &value));
  EXPECT_FALSE(cache.Lookup("1", HashOf("1"), &value));
  EXPECT_FALSE(cache.Lookup("3", HashOf("3"), &value));
  EXPECT_TRUE(cache.Lookup("4", HashOf("4"), &value));
  EXPECT_TRUE(cache.Lookup("5", HashOf("5"), &value));
}

// Never more than the entries asked for, however they fall into shards.
TEST(ShardedLruCache, HoldsAtMostItsEntriesOverAllShards) {
  ShardedLruCache<int> cache(100, 16);
  for (int i = 0; i < 10'000; ++i) {
    const std::string key = "key-" + std::to_string(i);
    cache.Insert(key, HashOf(key), i);
  }
  EXPECT_LE(cache.stats().entries, 100u);
  EXPECT_GT(cache.stats().entries, 0u);
}

TEST(ShardedLruCache, ThreadsShareIt) {
  ShardedLruCache<std::string> cache(64, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5'000; ++i) {
        const std::string key = std::to_string((i * 7 + t) % 200);
        std::string value;
        if (cache.Lookup(key, HashOf(key), &value)) {
          EXPECT_EQ(value, "v" + key);
        } else {
          cache.Insert(key, HashOf(key), "v" + key);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, 20'000u);
  EXPECT_LE(stats.entries, 64u);
}

}  // namespace
}  // namespace auditlog

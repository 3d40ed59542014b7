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

// One shard of three entries: the least recently used one goes first, and a
// lookup or a repeated insert counts as a use.
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

#pragma once

// ShardedLruCache remembers the values of recently used string keys (parsed
// user agents, located addresses), keeping at most a fixed number of entries
// and evicting the least recently used. The cache is split into shards, each
// with its own mutex and picked by the key's hash, so that threads looking up
// different keys rarely wait on one another.
//
// The caller hashes the key (once, for both the lookup and the insert that
// follows a miss); any well-mixed 64-bit hash will do.
//
// Thread-safety: every method may be called from any number of threads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace auditlog {

template <typename Value>
class ShardedLruCache {
 public:
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t entries = 0;  // held now
  };

  // At most `max_entries` over all shards (each holds its share); `shards`
  // is clamped to 1..max_entries. REQUIRES: max_entries > 0.
  ShardedLruCache(size_t max_entries, size_t shards)
      : shard_count_(std::max<size_t>(1, std::min(shards, max_entries))),
        shards_(std::make_unique<Shard[]>(shard_count_)) {
    for (size_t shard_idx = 0; shard_idx < shard_count_; ++shard_idx) {
      const bool takes_remainder = shard_idx < max_entries % shard_count_;
      shards_[shard_idx].capacity = max_entries / shard_count_ + (takes_remainder ? 1 : 0);
    }
  }
  ShardedLruCache(const ShardedLruCache&) = delete;
  ShardedLruCache& operator=(const ShardedLruCache&) = delete;

  // Copies the value cached for `key` (whose hash is `hash`) to `*out` and
  // marks it most recently used; false (a miss) when it is not cached.
  bool Lookup(std::string_view key, uint64_t hash, Value* out) {
    Shard& shard = ShardFor(hash);
    std::lock_guard<std::mutex> lock(shard.mu);
    const auto found = shard.index.find(KeyRef{key, hash});
    if (found == shard.index.end()) {
      ++shard.misses;
      return false;
    }
    ++shard.hits;
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    *out = found->second->value;
    return true;
  }

  // Caches `value` for `key`, evicting the shard's least recently used entry
  // when it is full. A key another thread cached meanwhile is refreshed.
  void Insert(std::string_view key, uint64_t hash, const Value& value) {
    Shard& shard = ShardFor(hash);
    std::lock_guard<std::mutex> lock(shard.mu);
    const auto found = shard.index.find(KeyRef{key, hash});
    if (found != shard.index.end()) {
      shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
      return;
    }
    if (shard.lru.size() >= shard.capacity) {
      const Entry& oldest = shard.lru.back();
      // The map's key views the entry's string: erase it first.
      shard.index.erase(KeyRef{oldest.key, oldest.hash});
      shard.lru.pop_back();
    }
    shard.lru.push_front(Entry{std::string(key), hash, value});
    const Entry& added = shard.lru.front();
    shard.index.emplace(KeyRef{added.key, added.hash}, shard.lru.begin());
  }

  Stats stats() const {
    Stats stats;
    for (size_t shard_idx = 0; shard_idx < shard_count_; ++shard_idx) {
      const Shard& shard = shards_[shard_idx];
      std::lock_guard<std::mutex> lock(shard.mu);
      stats.hits += shard.hits;
      stats.misses += shard.misses;
      stats.entries += shard.lru.size();
    }
    return stats;
  }

 private:
  struct Entry {
    std::string key;
    uint64_t hash;
    Value value;
  };
  using EntryList = std::list<Entry>;

  // A key viewing either the caller's string (lookups) or an entry's string
  // (stored keys, valid while the entry is in the list).
  struct KeyRef {
    std::string_view text;
    uint64_t hash;
    friend bool operator==(const KeyRef& a, const KeyRef& b) {
      return a.hash == b.hash && a.text == b.text;
    }
  };
  struct KeyRefHash {
    size_t operator()(const KeyRef& key) const { return static_cast<size_t>(key.hash); }
  };

  struct alignas(64) Shard {  // its own cache line: no false sharing of mutexes
    mutable std::mutex mu;
    size_t capacity = 0;  // set once, before any use
    EntryList lru;        // most recently used first; guarded by mu
    std::unordered_map<KeyRef, typename EntryList::iterator, KeyRefHash> index;  // guarded by mu
    uint64_t hits = 0;                                                           // guarded by mu
    uint64_t misses = 0;                                                         // guarded by mu
  };

  Shard& ShardFor(uint64_t hash) {
    // The map buckets by the low bits (modulo a prime); pick shards by the
    // high ones so that a shard's keys still spread over its buckets.
    return shards_[(hash >> 40) % shard_count_];
  }

  const size_t shard_count_;
  const std::unique_ptr<Shard[]> shards_;
};

}  // namespace auditlog

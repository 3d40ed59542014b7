#pragma once

// ShardedLruCache remembers the values of recently used string keys (parsed
// user agents, located addresses), keeping at most a fixed number of entries
// and evicting one that has not been used recently. The cache is split into
// shards, each with its own mutex and picked by the key's hash, so that
// threads looking up different keys rarely wait on one another.
//
// Eviction is CLOCK, the usual approximation of least-recently-used: a hit
// only marks its entry as used, and an insert into a full shard sweeps a hand
// over the entries, clearing marks, to the first unmarked one. A hit thus
// touches its index slot and its entry, where a true LRU list also rewrites
// both neighbours of the entry (a node-based map and list made a hit four to
// six cache misses, a large part of enriching an event at ingest).
//
// The caller hashes the key (once, for both the lookup and the insert that
// follows a miss); any well-mixed 64-bit hash will do.
//
// Thread-safety: every method may be called from any number of threads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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
  // marks it used; false (a miss) when it is not cached.
  bool Lookup(std::string_view key, uint64_t hash, Value* out) {
    Shard& shard = ShardFor(hash);
    std::lock_guard<std::mutex> lock(shard.mu);
    const size_t slot = shard.Find(key, hash);
    if (slot == kNotFound) {
      ++shard.misses;
      return false;
    }
    ++shard.hits;
    Entry& entry = shard.entries[shard.slots[slot].entry];
    entry.used = true;
    *out = entry.value;
    return true;
  }

  // Caches `value` for `key`, evicting an entry not used recently when the
  // shard is full. A key another thread cached meanwhile is marked used and
  // keeps its value.
  void Insert(std::string_view key, uint64_t hash, const Value& value) {
    Shard& shard = ShardFor(hash);
    std::lock_guard<std::mutex> lock(shard.mu);
    if (const size_t slot = shard.Find(key, hash); slot != kNotFound) {
      shard.entries[shard.slots[slot].entry].used = true;
      return;
    }
    uint32_t index;
    if (shard.entries.size() < shard.capacity) {
      index = static_cast<uint32_t>(shard.entries.size());
      shard.entries.push_back(Entry{std::string(key), hash, value, false});
      shard.GrowSlotsIfFull();
    } else {
      index = shard.Evict();
      Entry& entry = shard.entries[index];
      entry.key.assign(key);
      entry.hash = hash;
      entry.value = value;
      entry.used = false;
    }
    shard.Place(index);
  }

  Stats stats() const {
    Stats stats;
    for (size_t shard_idx = 0; shard_idx < shard_count_; ++shard_idx) {
      const Shard& shard = shards_[shard_idx];
      std::lock_guard<std::mutex> lock(shard.mu);
      stats.hits += shard.hits;
      stats.misses += shard.misses;
      stats.entries += shard.entries.size();
    }
    return stats;
  }

 private:
  static constexpr size_t kNotFound = SIZE_MAX;
  static constexpr uint32_t kEmpty = UINT32_MAX;

  struct Entry {
    std::string key;
    uint64_t hash;
    Value value;
    bool used;  // looked up (or inserted again) since the hand last passed
  };
  // An open-addressing index over a shard's entries, linear probing from
  // the hash's low bits, at most half full.
  struct Slot {
    uint32_t tag = 0;         // the hash's low 32 bits
    uint32_t entry = kEmpty;  // index into entries
  };

  struct alignas(64) Shard {  // its own cache line: no false sharing of mutexes
    mutable std::mutex mu;
    size_t capacity = 0;         // set once, before any use
    std::vector<Entry> entries;  // guarded by mu; grows to capacity, then entries are reused
    std::vector<Slot> slots;     // guarded by mu; a power of two in size, or empty
    size_t hand = 0;             // guarded by mu: where the next eviction sweep starts
    uint64_t hits = 0;           // guarded by mu
    uint64_t misses = 0;         // guarded by mu

    size_t Home(uint32_t tag) const { return tag & (slots.size() - 1); }

    // The slot holding `key`, or kNotFound.
    size_t Find(std::string_view key, uint64_t hash) const {
      if (slots.empty()) return kNotFound;
      const auto tag = static_cast<uint32_t>(hash);
      for (size_t i = Home(tag);; i = (i + 1) & (slots.size() - 1)) {
        const Slot slot = slots[i];
        if (slot.entry == kEmpty) return kNotFound;
        if (slot.tag == tag) {
          const Entry& entry = entries[slot.entry];
          if (entry.hash == hash && entry.key == key) return i;
        }
      }
    }

    // Indexes entries[index] (whose key is not indexed yet).
    void Place(uint32_t index) {
      const auto tag = static_cast<uint32_t>(entries[index].hash);
      size_t i = Home(tag);
      while (slots[i].entry != kEmpty) i = (i + 1) & (slots.size() - 1);
      slots[i] = Slot{tag, index};
    }

    // Doubles the index (re-placing every entry already in it) when one more
    // entry would make it more than half full. Called after an entry is
    // appended, before it is placed.
    void GrowSlotsIfFull() {
      if (entries.size() * 2 <= slots.size()) return;
      size_t size = std::max<size_t>(16, slots.size() * 2);
      while (entries.size() * 2 > size) size *= 2;
      slots.assign(size, Slot{});
      for (uint32_t index = 0; index + 1 < entries.size(); ++index) Place(index);
    }

    // Picks the entry to reuse and takes it out of the index.
    uint32_t Evict() {
      for (;; hand = (hand + 1) % entries.size()) {
        Entry& entry = entries[hand];
        if (!entry.used) break;
        entry.used = false;
      }
      const auto victim = static_cast<uint32_t>(hand);
      hand = (hand + 1) % entries.size();
      Unplace(Find(entries[victim].key, entries[victim].hash));
      return victim;
    }

    // Empties slot `hole`, shifting back the entries after it that probed
    // past it, so that every probe still reaches its key (no tombstones).
    void Unplace(size_t hole) {
      const size_t mask = slots.size() - 1;
      for (size_t next = (hole + 1) & mask; slots[next].entry != kEmpty; next = (next + 1) & mask) {
        const size_t home = Home(slots[next].tag);
        // The entry at `next` may fill the hole unless its home lies
        // cyclically in (hole, next]: then it would move before its home.
        const bool home_after_hole =
            hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (home_after_hole) continue;
        slots[hole] = slots[next];
        hole = next;
      }
      slots[hole] = Slot{};
    }
  };

  Shard& ShardFor(uint64_t hash) {
    // A shard's index probes from the low bits; pick shards by the high ones
    // so that a shard's keys still spread over its slots.
    return shards_[(hash >> 40) % shard_count_];
  }

  const size_t shard_count_;
  const std::unique_ptr<Shard[]> shards_;
};

}  // namespace auditlog

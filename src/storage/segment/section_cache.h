#pragma once

// SectionCache keeps decoded segment sections (dictionaries, code columns,
// posting lists, ...) in memory, least recently used first out, within a
// byte budget. Sections are immutable, so readers share them freely; one
// evicted while in use lives on until its last user lets go.
//
// Thread-safety: thread-safe.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace auditlog::storage::segment {

// A decoded section. Subclasses are in segment_reader.h.
class SectionData {
 public:
  virtual ~SectionData() = default;
  // Approximate heap bytes held, for the cache budget.
  virtual size_t memory_bytes() const = 0;
};

class SectionCache {
 public:
  explicit SectionCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}
  SectionCache(const SectionCache&) = delete;
  SectionCache& operator=(const SectionCache&) = delete;

  // What a segment caches: a whole section by its index, or one part of a
  // section read on its own (one token's row list) by PartItem.
  static uint64_t SectionItem(uint32_t section) { return section; }
  static uint64_t PartItem(uint32_t section, uint32_t part) {
    return ((uint64_t{section} + 1) << 32) | part;
  }

  // The cached item `item` of segment `segment_id`, or null.
  std::shared_ptr<const SectionData> Lookup(uint64_t segment_id, uint64_t item);
  void Insert(uint64_t segment_id, uint64_t item, std::shared_ptr<const SectionData> data);
  // Drops every section of segment `segment_id` (a segment that compaction or
  // retention removed: its sections can never be asked for again, and would
  // otherwise hold the budget until they age out).
  void EraseSegment(uint64_t segment_id);

  size_t usage_bytes() const;
  size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Key {
    uint64_t segment_id;
    uint64_t item;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return static_cast<size_t>((key.segment_id * 0x9e3779b97f4a7c15u) ^ key.item);
    }
  };
  struct Entry {
    Key key;
    std::shared_ptr<const SectionData> data;
    size_t bytes;
    // inserts_ when it last went to the front. A hit moves it again only
    // when an eighth of the entry count has been inserted since: it is still
    // in the most recent eighth, far from eviction, and a section used again
    // and again costs no list splice (three cache misses) on every hit.
    uint64_t moved_at;
  };

  // Whether a hit on `entry` moves it to the front. Needs mu_, shared.
  bool MoveDue(const Entry& entry) const;

  const size_t capacity_bytes_;
  mutable std::shared_mutex mu_;
  std::list<Entry> lru_;  // front = most recent; guarded by mu_
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;  // guarded by mu_
  size_t usage_bytes_ = 0;                                              // guarded by mu_
  uint64_t inserts_ = 0;                                                // guarded by mu_
};

}  // namespace auditlog::storage::segment

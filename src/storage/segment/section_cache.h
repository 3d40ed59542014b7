#pragma once

// SectionCache keeps decoded segment sections (dictionaries, code columns,
// posting lists, ...) in memory within a byte budget. Sections are
// immutable, so readers share them freely; one evicted while in use lives
// on until its last user lets go.
//
// Eviction is CLOCK (second chance), an approximation of least recently
// used: a hit sets a flag on its entry, and the hand looking for a victim
// spares a flagged entry once, clearing the flag. New entries start
// flagged, as a hit would leave them: entries left unflagged went first,
// before the old working set's flagged ones, so a query following a large
// one evicted its own sections (Q4 after Q3 at 10M: warm runs of 30 ms
// instead of 0.5). A page of
// events looks up a thousand blocks or more, so a hit must cost little: one
// probe of an open-addressed table, no list to reorder, a plain mutex held
// for that probe. (Tables split by key, each evicting for itself, were
// tried: a lookup over every segment, whose sections fill most of the
// budget, then missed in whichever table ran short first, three times as
// slow.)
//
// Thread-safety: thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

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
  explicit SectionCache(size_t capacity_bytes);
  ~SectionCache();
  SectionCache(const SectionCache&) = delete;
  SectionCache& operator=(const SectionCache&) = delete;

  // What a segment caches: a whole section by its index, or one part of a
  // section read on its own (one token's row list, one block) by PartItem.
  static uint64_t SectionItem(uint32_t section) { return section; }
  static uint64_t PartItem(uint32_t section, uint32_t part) {
    return ((uint64_t{section} + 1) << 32) | part;
  }

  // Bytes of bookkeeping counted against the budget for each entry, on top
  // of its data's memory_bytes().
  static constexpr size_t kEntryOverheadBytes = 64;

  // The cached item `item` of segment `segment_id`, or null.
  std::shared_ptr<const SectionData> Lookup(uint64_t segment_id, uint64_t item);
  // Caches `data`, evicting what the budget needs (never `data` itself);
  // keeps the entry there already when another reader decoded the same item
  // first.
  void Insert(uint64_t segment_id, uint64_t item, std::shared_ptr<const SectionData> data);
  // Drops every section of segment `segment_id` (a segment that compaction or
  // retention removed: its sections can never be asked for again, and would
  // otherwise hold the budget until they age out).
  void EraseSegment(uint64_t segment_id);

  size_t usage_bytes() const;
  size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Slot {
    uint64_t segment_id = 0;
    uint64_t item = 0;
    std::shared_ptr<const SectionData> data;  // null: the slot is free
    size_t bytes = 0;                         // counted against the budget
    bool referenced = false;                  // hit since the hand last passed
  };
  static constexpr size_t kNotFound = SIZE_MAX;

  static uint64_t Hash(uint64_t segment_id, uint64_t item);
  // The slot holding the key, or kNotFound. Needs mu_.
  size_t Find(uint64_t hash, uint64_t segment_id, uint64_t item) const;
  // Empties slot `at`, shifting later slots of its probe run back so that
  // every key stays reachable from its home slot. Needs mu_.
  void EraseAt(size_t at);
  // Doubles the table. Needs mu_.
  void Grow();
  // Evicts one entry other than the key (`keep_segment`, `keep_item`): the
  // first unflagged one from the hand on; false when there is none. Needs
  // mu_.
  bool EvictOne(uint64_t keep_segment, uint64_t keep_item);

  const size_t capacity_bytes_;
  mutable std::mutex mu_;
  // Linear probing over a power-of-two array, at most three quarters full.
  std::vector<Slot> slots_;  // guarded by mu_
  size_t used_ = 0;          // occupied slots; guarded by mu_
  size_t hand_ = 0;          // the clock hand; guarded by mu_
  size_t usage_bytes_ = 0;   // guarded by mu_
};

}  // namespace auditlog::storage::segment

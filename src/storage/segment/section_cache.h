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

  // The cached section `section` of segment `segment_id`, or null.
  std::shared_ptr<const SectionData> Lookup(uint64_t segment_id, uint32_t section);
  void Insert(uint64_t segment_id, uint32_t section, std::shared_ptr<const SectionData> data);
  // Drops every section of segment `segment_id` (a segment that compaction or
  // retention removed: its sections can never be asked for again, and would
  // otherwise hold the budget until they age out).
  void EraseSegment(uint64_t segment_id);

  size_t usage_bytes() const;
  size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Entry {
    uint64_t key;
    std::shared_ptr<const SectionData> data;
    size_t bytes;
  };
  static uint64_t Key(uint64_t segment_id, uint32_t section) {
    return (segment_id << 16) ^ section;
  }

  const size_t capacity_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front = most recent; guarded by mu_
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;  // guarded by mu_
  size_t usage_bytes_ = 0;                                          // guarded by mu_
};

}  // namespace auditlog::storage::segment

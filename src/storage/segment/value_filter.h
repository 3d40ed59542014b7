#pragma once

// ValueFilter: a split-block Bloom filter over the distinct values of every
// dictionary field of one segment and the index tokens of its text fields,
// kept in memory for as long as the segment is open. A lookup of a value
// the segment lacks (one ip, one id, a rare word) then skips the segment
// after one cache line, instead of a section-cache lookup and a binary
// search in each of the store's segments. Persisted as the segment's
// kValueFilter section (docs/format/segment.md): change only with a format
// version bump.
//
// Never a false negative; about 1% false positives (10 bits per key, eight
// bits set per key in one 32-byte block, the layout of Parquet's split-block
// Bloom filter).
//
// Thread-safety: a built ValueFilter is immutable; the builder is not
// thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace auditlog::storage::segment {

// What a filter key names: a field's whole value (its dictionary key) or
// one index token of a text field's values.
enum class FilterKeyKind : uint8_t { kValue = 0, kToken = 1 };

// The 64-bit hash a filter stores for `key` of registry field
// `field_index` (its index in AllFields()). Persisted: never change.
uint64_t FilterKeyHash(size_t field_index, FilterKeyKind kind, std::string_view key);

class ValueFilterBuilder {
 public:
  // Adds one key's hash; adding a key twice costs room, nothing else.
  void Add(uint64_t hash) { hashes_.push_back(hash); }
  size_t size() const { return hashes_.size(); }
  // The section's bytes: block_count:u32le, then block_count blocks of
  // eight u32le words.
  std::string Finish() const;

 private:
  std::vector<uint64_t> hashes_;
};

class ValueFilter {
 public:
  // Checks the layout (the caller has checked the section's CRC).
  static Result<ValueFilter> Parse(std::string_view bytes);

  // False only when no key with this hash was added.
  bool MayContain(uint64_t hash) const;
  size_t memory_bytes() const { return words_.size() * sizeof(uint32_t); }

 private:
  std::vector<uint32_t> words_;  // 8 per block
  uint64_t blocks_ = 0;
};

}  // namespace auditlog::storage::segment

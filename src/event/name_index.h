#pragma once

// NameIndex maps member names to values for the JSON decoders' per-member
// lookups, which run ~20 times per event on the ingest hot path. Names are
// bucketed by length and compared by first byte before the rest, which beats
// hashing every key for the few dozen short names a dialect has.
//
// Keys are views: the caller keeps the named strings alive (they are string
// literals of the field registry). Immutable after construction; safe to read
// from many threads.

#include <array>
#include <string_view>
#include <utility>
#include <vector>

namespace auditlog::event {

template <typename Value>
class NameIndex {
 public:
  // Later additions of an existing name are ignored.
  void Add(std::string_view name, Value value) {
    if (Find(name) != nullptr) return;
    buckets_[Bucket(name.size())].emplace_back(name, std::move(value));
  }

  const Value* Find(std::string_view name) const {
    for (const auto& [candidate, value] : buckets_[Bucket(name.size())]) {
      if (candidate.size() == name.size() &&
          SameBytes(candidate.data(), name.data(), name.size())) {
        return &value;
      }
    }
    return nullptr;
  }

  Value* FindMutable(std::string_view name) { return const_cast<Value*>(Find(name)); }

 private:
  // Names are short: an inline loop beats a call to memcmp.
  static bool SameBytes(const char* a, const char* b, size_t size) {
    for (size_t byte_idx = 0; byte_idx < size; ++byte_idx) {
      if (a[byte_idx] != b[byte_idx]) return false;
    }
    return true;
  }

  static constexpr size_t kBuckets = 48;
  // Empty names share bucket 0 with nothing else that could match them.
  static size_t Bucket(size_t length) { return length < kBuckets ? length : kBuckets - 1; }

  std::array<std::vector<std::pair<std::string_view, Value>>, kBuckets> buckets_;
};

}  // namespace auditlog::event

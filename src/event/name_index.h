#pragma once

// NameIndex maps member names to values for the JSON decoders' per-member
// lookups, which run ~25 times per event on the ingest hot path. A name is
// hashed from its length and three of its bytes into one of 256 buckets, so a
// lookup usually compares against one candidate, inline, with no call.
//
// Keys are views: the caller keeps the named strings alive (they are string
// literals of the field registry). Immutable after construction; safe to read
// from many threads.

#include <array>
#include <cstdint>
#include <cstring>
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
    buckets_[Hash(name)].emplace_back(name, std::move(value));
  }

  const Value* Find(std::string_view name) const {
    for (const auto& [candidate, value] : buckets_[Hash(name)]) {
      if (candidate.size() == name.size() &&
          SameBytes(candidate.data(), name.data(), name.size())) {
        return &value;
      }
    }
    return nullptr;
  }

  Value* FindMutable(std::string_view name) { return const_cast<Value*>(Find(name)); }

 private:
  static constexpr size_t kBuckets = 256;

  static size_t Hash(std::string_view name) {
    if (name.empty()) return 0;
    const auto first = static_cast<uint8_t>(name.front());
    const auto middle = static_cast<uint8_t>(name[name.size() / 2]);
    const auto last = static_cast<uint8_t>(name.back());
    return (name.size() * 29 + first * 7 + middle * 3 + last) % kBuckets;
  }

  // Names are short: eight bytes at a time, inline, beats a call to memcmp.
  static bool SameBytes(const char* a, const char* b, size_t size) {
    size_t offset = 0;
    for (; offset + 8 <= size; offset += 8) {
      uint64_t word_a;
      uint64_t word_b;
      std::memcpy(&word_a, a + offset, 8);
      std::memcpy(&word_b, b + offset, 8);
      if (word_a != word_b) return false;
    }
    for (; offset < size; ++offset) {
      if (a[offset] != b[offset]) return false;
    }
    return true;
  }

  std::array<std::vector<std::pair<std::string_view, Value>>, kBuckets> buckets_;
};

}  // namespace auditlog::event

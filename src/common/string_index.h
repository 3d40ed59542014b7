#pragma once

// StringIndex numbers distinct byte strings 0, 1, 2, ... in order of first
// insertion, without owning them: the caller keeps the strings (in a vector,
// an arena, its events) and says how to see string i. It replaces node-based
// hash maps on hot paths, where one allocation per key and a byte comparison
// per probe were the cost: a slot is 8 bytes (32 hash bits and the number),
// and bytes are compared only when the 32 bits agree.
//
// Open addressing with linear probing, at most 70% full.
//
// Not thread-safe.

// Inlined: the keys are short, and for them the library call costs as much
// as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace auditlog {

class StringIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Room for `expected` strings before the first growth.
  explicit StringIndex(size_t expected = 0) { Reserve(expected); }

  static uint64_t Hash(std::string_view text) { return XXH3_64bits(text.data(), text.size()); }

  // The number of `text` (whose Hash is `hash`), or kNone. `string_at(i)`
  // returns string i as a std::string_view.
  template <typename StringAt>
  uint32_t Find(std::string_view text, uint64_t hash, StringAt&& string_at) const {
    if (slots_.empty()) return kNone;
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Slot slot = slots_[i];
      if (slot.number == kNone) return kNone;
      if (slot.tag == tag && string_at(slot.number) == text) return slot.number;
    }
  }

  // The number of `text`, and false; or, when it is new, the next number
  // (size() before the call), and true. The caller must then make
  // `string_at` answer that number with `text`.
  template <typename StringAt>
  std::pair<uint32_t, bool> FindOrInsert(std::string_view text, uint64_t hash,
                                         StringAt&& string_at) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Reserve(size_ + 1);
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.number == kNone) {
        slot = Slot{tag, static_cast<uint32_t>(size_++)};
        return {slot.number, true};
      }
      if (slot.tag == tag && string_at(slot.number) == text) return {slot.number, false};
    }
  }

  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint32_t tag = 0;         // the hash's high 32 bits; the probe starts at tag & mask_
    uint32_t number = kNone;  // kNone: empty
  };

  // Grows to hold `count` strings at most 70% full: a power of two, >= 16.
  void Reserve(size_t count) {
    size_t capacity = 16;
    while (count * 10 > capacity * 7) capacity *= 2;
    if (capacity <= slots_.size()) return;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.number == kNone) continue;
      size_t i = slot.tag & mask_;
      while (slots_[i].number != kNone) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace auditlog

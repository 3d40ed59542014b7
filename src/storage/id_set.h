#pragma once

// IdSet remembers 64-bit fingerprints of every stored event id, so Append
// knows in one probe that an id is new (the common case) and looks for the
// stored event only on a hit. Open addressing, 8 bytes a slot: ~12 bytes per
// id at the default load, a tenth of a node-based set.
//
// Not thread-safe: the store guards it.

// Inlined: ids are short, and for them the library call costs as much as
// the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace auditlog::storage {

class IdSet {
 public:
  // Ids are per tenant: the tenant seeds the hash of its ids.
  static uint64_t TenantSeed(std::string_view tenant) {
    return XXH3_64bits(tenant.data(), tenant.size());
  }
  static uint64_t Fingerprint(uint64_t tenant_seed, std::string_view id) {
    uint64_t fingerprint = XXH3_64bits_withSeed(id.data(), id.size(), tenant_seed);
    return fingerprint == 0 ? 1 : fingerprint;  // 0 marks an empty slot
  }

  // Starts loading the slot where a probe for `fingerprint` begins. The set
  // is larger than the caches once the store holds millions of ids, so each
  // probe misses them; a batch prefetches all its slots first and then
  // probes, with the misses overlapped instead of one after another.
  void Prefetch(uint64_t fingerprint) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[fingerprint & mask_]);
  }
  bool Contains(uint64_t fingerprint) const {
    if (slots_.empty()) return false;
    for (size_t i = fingerprint & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == fingerprint) return true;
      if (slots_[i] == 0) return false;
    }
  }

  // Adds `fingerprint`; false when it was there already.
  bool Insert(uint64_t fingerprint) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    for (size_t i = fingerprint & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == fingerprint) return false;
      if (slots_[i] == 0) {
        slots_[i] = fingerprint;
        ++size_;
        return true;
      }
    }
  }

  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.size() * sizeof(uint64_t); }

 private:
  void Grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (uint64_t fingerprint : old)
      if (fingerprint != 0) Insert(fingerprint);
  }

  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace auditlog::storage

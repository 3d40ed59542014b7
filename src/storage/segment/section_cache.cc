#include "storage/segment/section_cache.h"

#include <utility>

namespace auditlog::storage::segment {
namespace {

// Slots the table starts with.
constexpr size_t kInitialSlots = 1024;

}  // namespace

SectionCache::SectionCache(size_t capacity_bytes)
    : capacity_bytes_(capacity_bytes), slots_(kInitialSlots) {}

SectionCache::~SectionCache() = default;

uint64_t SectionCache::Hash(uint64_t segment_id, uint64_t item) {
  // Both halves mixed into the low bits, which pick the home slot.
  uint64_t x = segment_id * 0x9e3779b97f4a7c15u ^ (item + 0x632be59bd9b4e019u);
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93u;
  x ^= x >> 32;
  return x;
}

size_t SectionCache::Find(uint64_t hash, uint64_t segment_id, uint64_t item) const {
  const size_t mask = slots_.size() - 1;
  for (size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot& slot = slots_[at];
    if (!slot.data) return kNotFound;
    if (slot.segment_id == segment_id && slot.item == item) return at;
  }
}

std::shared_ptr<const SectionData> SectionCache::Lookup(uint64_t segment_id, uint64_t item) {
  const uint64_t hash = Hash(segment_id, item);
  std::lock_guard lock(mu_);
  const size_t at = Find(hash, segment_id, item);
  if (at == kNotFound) return nullptr;
  Slot& slot = slots_[at];
  slot.referenced = true;
  return slot.data;
}

void SectionCache::Insert(uint64_t segment_id, uint64_t item,
                          std::shared_ptr<const SectionData> data) {
  const size_t bytes = data->memory_bytes() + kEntryOverheadBytes;
  const uint64_t hash = Hash(segment_id, item);
  std::lock_guard lock(mu_);
  if (Find(hash, segment_id, item) != kNotFound) return;  // decoded twice
  if ((used_ + 1) * 4 > slots_.size() * 3) Grow();
  const size_t mask = slots_.size() - 1;
  size_t at = hash & mask;
  while (slots_[at].data) at = (at + 1) & mask;
  slots_[at] = Slot{segment_id, item, std::move(data), bytes, true};
  ++used_;
  usage_bytes_ += bytes;
  while (usage_bytes_ > capacity_bytes_ && EvictOne(segment_id, item)) {
  }
}

bool SectionCache::EvictOne(uint64_t keep_segment, uint64_t keep_item) {
  const size_t mask = slots_.size() - 1;
  // Two turns of the hand: the first may only clear flags.
  for (size_t steps = 0; steps < 2 * slots_.size(); ++steps) {
    Slot& slot = slots_[hand_];
    const bool kept = slot.segment_id == keep_segment && slot.item == keep_item;
    if (!slot.data || kept) {
      hand_ = (hand_ + 1) & mask;
    } else if (slot.referenced) {
      slot.referenced = false;
      hand_ = (hand_ + 1) & mask;
    } else {
      // The hand stays: EraseAt may move the next entry into this slot.
      EraseAt(hand_);
      return true;
    }
  }
  return false;
}

void SectionCache::EraseAt(size_t at) {
  const size_t mask = slots_.size() - 1;
  usage_bytes_ -= slots_[at].bytes;
  slots_[at] = Slot{};
  --used_;
  // Backward shift: a later entry of the run moves into the hole unless its
  // home lies cyclically in (hole, entry], where it is found without it.
  size_t hole = at;
  for (size_t next = (hole + 1) & mask; slots_[next].data; next = (next + 1) & mask) {
    const size_t home = Hash(slots_[next].segment_id, slots_[next].item) & mask;
    const bool reachable = ((next - home) & mask) < ((next - hole) & mask);
    if (reachable) continue;
    slots_[hole] = std::move(slots_[next]);
    slots_[next] = Slot{};
    hole = next;
  }
}

void SectionCache::Grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots_.size() * 2));
  const size_t mask = slots_.size() - 1;
  for (Slot& slot : old) {
    if (!slot.data) continue;
    size_t at = Hash(slot.segment_id, slot.item) & mask;
    while (slots_[at].data) at = (at + 1) & mask;
    slots_[at] = std::move(slot);
  }
  hand_ = 0;
}

void SectionCache::EraseSegment(uint64_t segment_id) {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> items;
  for (const Slot& slot : slots_)
    if (slot.data && slot.segment_id == segment_id) items.push_back(slot.item);
  for (uint64_t item : items) EraseAt(Find(Hash(segment_id, item), segment_id, item));
}

size_t SectionCache::usage_bytes() const {
  std::lock_guard lock(mu_);
  return usage_bytes_;
}

}  // namespace auditlog::storage::segment

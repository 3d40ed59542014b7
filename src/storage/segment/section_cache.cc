#include "storage/segment/section_cache.h"

#include <algorithm>

namespace auditlog::storage::segment {

bool SectionCache::MoveDue(const Entry& entry) const {
  return inserts_ - entry.moved_at >= std::max<uint64_t>(1, lru_.size() / 8);
}

std::shared_ptr<const SectionData> SectionCache::Lookup(uint64_t segment_id, uint64_t item) {
  const Key key{segment_id, item};
  {
    // Most hits leave the list alone: readers share the lock.
    std::shared_lock lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    if (!MoveDue(*it->second)) return it->second->data;
  }
  std::lock_guard lock(mu_);
  auto it = index_.find(key);  // may have been evicted in between
  if (it == index_.end()) return nullptr;
  Entry& entry = *it->second;
  if (MoveDue(entry)) {
    entry.moved_at = inserts_;
    lru_.splice(lru_.begin(), lru_, it->second);
  }
  return entry.data;
}

void SectionCache::Insert(uint64_t segment_id, uint64_t item,
                          std::shared_ptr<const SectionData> data) {
  const Key key{segment_id, item};
  const size_t bytes = data->memory_bytes() + 64;
  std::lock_guard lock(mu_);
  if (index_.count(key) != 0) return;  // another reader decoded it first
  lru_.push_front(Entry{key, std::move(data), bytes, ++inserts_});
  index_[key] = lru_.begin();
  usage_bytes_ += bytes;
  while (usage_bytes_ > capacity_bytes_ && lru_.size() > 1) {
    usage_bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void SectionCache::EraseSegment(uint64_t segment_id) {
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.segment_id != segment_id) {
      ++it;
      continue;
    }
    usage_bytes_ -= it->bytes;
    index_.erase(it->key);
    it = lru_.erase(it);
  }
}

size_t SectionCache::usage_bytes() const {
  std::shared_lock lock(mu_);
  return usage_bytes_;
}

}  // namespace auditlog::storage::segment

#pragma once

// Memtable holds the events appended since the last flush, per tenant, so
// they are searchable the moment Append returns. A full memtable becomes
// immutable and is flushed to segments in the background while a fresh one
// takes new events.
//
// Thread-safety: thread-safe; readers share a lock, Add takes it alone.

#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event/event.h"

namespace auditlog::storage {

class Memtable {
 public:
  // `wal_number` is the WAL file whose records this memtable holds.
  explicit Memtable(uint64_t wal_number) : wal_number_(wal_number) {}
  Memtable(const Memtable&) = delete;
  Memtable& operator=(const Memtable&) = delete;

  // Adds events of `tenant` (seq and id assigned, ids new to the tenant).
  void Add(const std::string& tenant, std::vector<event::Event> events);

  std::optional<event::Event> Get(const std::string& tenant, std::string_view id) const;

  // Calls `visit(event)` for each event of `tenant`, in the order added,
  // under the read lock (`visit` must not call back into the memtable).
  // Events never move or change once added: a reference taken here stays
  // valid for as long as the memtable lives.
  template <typename Visit>
  void ForEach(const std::string& tenant, Visit visit) const {
    std::shared_lock lock(mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return;
    for (const event::Event& event : it->second.events) visit(event);
  }

  // Every tenant with events here.
  std::vector<std::string> Tenants() const;
  size_t CountFor(const std::string& tenant) const;

  // Approximate heap bytes held (the flush trigger).
  size_t approximate_bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t events() const { return events_.load(std::memory_order_relaxed); }
  uint64_t wal_number() const { return wal_number_; }

  // Batches written to this memtable's WAL but not yet added: a flush waits
  // for them to land (guarded by the store's lock).
  int pending_batches = 0;

 private:
  struct TenantEvents {
    std::deque<event::Event> events;  // a deque: events never move, so ids can be keys
    std::unordered_map<std::string_view, uint32_t> by_id;  // views of events[i].id
  };

  const uint64_t wal_number_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, TenantEvents> tenants_;  // guarded by mu_
  std::atomic<size_t> bytes_{0};
  std::atomic<size_t> events_{0};
};

// Heap bytes an event holds, roughly: the struct and its long strings.
size_t ApproximateEventBytes(const event::Event& event);

}  // namespace auditlog::storage

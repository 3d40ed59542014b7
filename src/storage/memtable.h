#pragma once

// Memtable holds the events appended since the last flush, per tenant, so
// they are searchable the moment Append returns. A full memtable becomes
// immutable and is flushed to segments in the background while a fresh one
// takes new events.
//
// Events are kept in their binary row encoding (event/event_codec.h), the
// very bytes of their WAL batch, copied into large blocks: adding a batch is
// one copy and a few index entries, a flushed memtable is freed in a few
// calls, and recovery rebuilds one from WAL records without building an Event
// per row. Each row remembers its id, timestamp and seq, so lookups by id,
// time pruning and statistics read no encoding; everything else decodes the
// rows it visits (2-3 GB/s) into a scratch Event.
//
// Rows of a tenant are numbered 0, 1, 2, ... in the order added; a number
// names the same event for as long as the memtable lives.
//
// Thread-safety: thread-safe; readers share a lock, Add takes it alone.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/string_index.h"
#include "event/event.h"
#include "event/event_codec.h"

namespace auditlog::storage {

class Memtable {
 public:
  // `wal_number` is the WAL file whose records this memtable holds.
  explicit Memtable(uint64_t wal_number) : wal_number_(wal_number) {}
  Memtable(const Memtable&) = delete;
  Memtable& operator=(const Memtable&) = delete;

  // Adds the `count` events of `tenant` encoded back to back in `encoded`,
  // skipping those whose seq is <= `skip_through` (already in segments).
  // Every event must carry an id, a timestamp and a seq; ids must be new to
  // the tenant. Calls `on_added(id, seq)` for each row added, with `id` a
  // view valid while the memtable lives. Returns kCorruption, adding
  // nothing, when the bytes are not `count` such events as far as their
  // lengths tell; the canonical form is the caller's to vouch for (the
  // store encoded them a moment ago, or checked them when reading the WAL).
  template <typename OnAdded>
  Status Add(const std::string& tenant, std::string_view encoded, size_t count,
             uint64_t skip_through, OnAdded on_added);
  Status Add(const std::string& tenant, std::string_view encoded, size_t count,
             uint64_t skip_through = 0) {
    return Add(tenant, encoded, count, skip_through, [](std::string_view, uint64_t) {});
  }

  std::optional<event::Event> Get(const std::string& tenant, std::string_view id) const;

  // Decodes row `row` of `tenant` into `*event`. REQUIRES: the row exists.
  void Read(const std::string& tenant, uint32_t row, event::Event* event) const;

  // Where a row sorts in a segment, read without decoding it.
  struct RowKey {
    int64_t timestamp;
    uint64_t seq;
    uint32_t row;
  };
  // The rows of `tenant` sorted by (timestamp, seq): the order of segments.
  std::vector<RowKey> SortedRows(const std::string& tenant) const;

  // Locates the fields of rows `rows` of `tenant` in place (no decoding)
  // into `*fields` (resized to rows.size()). The views stay valid while the
  // memtable lives.
  void LocateRows(const std::string& tenant, std::span<const RowKey> rows,
                  std::vector<event::EncodedEventFields>* fields) const;

  // Calls `visit(row, event)` for each event of `tenant` whose timestamp is
  // in [from, to), in the order added, with `event` decoded into a scratch
  // Event valid during the call only. Runs under the read lock (`visit` must
  // not call back into the memtable).
  template <typename Visit>
  void ForEach(const std::string& tenant, int64_t from, int64_t to, Visit visit) const;
  template <typename Visit>
  void ForEach(const std::string& tenant, Visit visit) const {
    ForEach(tenant, INT64_MIN, INT64_MAX, visit);
  }

  // Every tenant with events here.
  std::vector<std::string> Tenants() const;
  size_t CountFor(const std::string& tenant) const;
  // The earliest and latest timestamp of `tenant`'s events (none: nullopt).
  std::optional<std::pair<int64_t, int64_t>> TimeBoundsFor(const std::string& tenant) const;

  // Heap bytes held: encodings, row entries and the id index (the flush
  // trigger).
  size_t approximate_bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t events() const { return events_.load(std::memory_order_relaxed); }
  uint64_t wal_number() const { return wal_number_; }

  // Batches written to this memtable's WAL but not yet added: a flush waits
  // for them to land (guarded by the store's lock).
  int pending_batches = 0;

 private:
  struct Row {
    const char* data;  // the encoding, in blocks_
    uint32_t size;
    uint32_t id_size;
    const char* id;  // in the encoding
    int64_t timestamp;
    uint64_t seq;
    std::string_view id_view() const { return {id, id_size}; }
  };
  struct TenantRows {
    std::vector<Row> rows;
    StringIndex by_id;  // row numbers by id
    int64_t min_time = INT64_MAX;
    int64_t max_time = INT64_MIN;
  };

  // Room for `size` bytes that never move. REQUIRES: mu_ held alone.
  char* Allocate(size_t size);
  const TenantRows* Find(const std::string& tenant) const;  // REQUIRES: mu_ held
  static void Decode(const Row& row, event::Event* event);

  const uint64_t wal_number_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, TenantRows> tenants_;  // guarded by mu_
  std::vector<std::unique_ptr<char[]>> blocks_;  // the encodings; never move; guarded by mu_
  char* block_next_ = nullptr;                   // the free tail of the block small batches share
  size_t block_left_ = 0;
  std::atomic<size_t> bytes_{0};
  std::atomic<size_t> events_{0};
};

template <typename OnAdded>
Status Memtable::Add(const std::string& tenant, std::string_view encoded, size_t count,
                     uint64_t skip_through, OnAdded on_added) {
  // Checked before anything changes, so a bad batch adds nothing.
  std::vector<event::EncodedEventKeys> keys(count);
  std::string_view rest = encoded;
  for (size_t i = 0; i < count; ++i) {
    AL_RETURN_IF_ERROR(event::ScanEncodedEvent(rest, &keys[i]));
    if (keys[i].id.empty() || !keys[i].timestamp || keys[i].seq == 0)
      return Status::Corruption("memtable: a stored event lacks its id, timestamp or seq");
    rest.remove_prefix(keys[i].size);
  }
  if (!rest.empty()) return Status::Corruption("memtable: bytes after the last event");

  std::unique_lock lock(mu_);
  char* copy = Allocate(encoded.size());
  std::copy(encoded.begin(), encoded.end(), copy);
  TenantRows& table = tenants_[tenant];
  const size_t rows_before = table.rows.size();
  size_t offset = 0;
  for (const event::EncodedEventKeys& key : keys) {
    const char* data = copy + offset;
    offset += key.size;
    if (key.seq <= skip_through) continue;
    const Row row{data,
                  static_cast<uint32_t>(key.size),
                  static_cast<uint32_t>(key.id.size()),
                  copy + (key.id.data() - encoded.data()),  // the id within the copy
                  *key.timestamp,
                  key.seq};
    const bool is_new =
        table.by_id
            .FindOrInsert(row.id_view(), StringIndex::Hash(row.id_view()),
                          [&](uint32_t number) { return table.rows[number].id_view(); })
            .second;
    if (!is_new) continue;  // the store never adds a known id; numbering stays dense anyway
    table.rows.push_back(row);
    table.min_time = std::min(table.min_time, row.timestamp);
    table.max_time = std::max(table.max_time, row.timestamp);
    on_added(row.id_view(), row.seq);
  }
  const size_t added = table.rows.size() - rows_before;
  lock.unlock();
  bytes_.fetch_add(encoded.size() + added * (sizeof(Row) + 12), std::memory_order_relaxed);
  events_.fetch_add(added, std::memory_order_relaxed);
  return Status::OK();
}

template <typename Visit>
void Memtable::ForEach(const std::string& tenant, int64_t from, int64_t to, Visit visit) const {
  std::shared_lock lock(mu_);
  const TenantRows* table = Find(tenant);
  if (table == nullptr || table->max_time < from || table->min_time >= to) return;
  event::Event scratch;
  for (size_t number = 0; number < table->rows.size(); ++number) {
    const Row& row = table->rows[number];
    if (row.timestamp < from || row.timestamp >= to) continue;
    Decode(row, &scratch);
    visit(static_cast<uint32_t>(number), static_cast<const event::Event&>(scratch));
  }
}

}  // namespace auditlog::storage

#include "storage/memtable.h"

#include <algorithm>
#include <mutex>

#include "common/check.h"

namespace auditlog::storage {
namespace {

// Small batches share blocks this large; a batch over a quarter of it gets a
// block of its own.
constexpr size_t kBlockBytes = size_t{1} << 20;

}  // namespace

char* Memtable::Allocate(size_t size) {
  if (size > kBlockBytes / 4) {
    // A large batch gets an exact block, and the current block keeps its
    // tail for small ones: no block is left more than a quarter empty.
    return blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(size)).get();
  }
  if (size > block_left_) {
    block_next_ = blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(kBlockBytes)).get();
    block_left_ = kBlockBytes;
  }
  char* start = block_next_;
  block_next_ += size;
  block_left_ -= size;
  return start;
}

const Memtable::TenantRows* Memtable::Find(const std::string& tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? nullptr : &it->second;
}

void Memtable::Decode(const Row& row, event::Event* event) {
  std::string_view bytes(row.data, row.size);
  // Add checked these bytes, and they never change: a failure here is a bug.
  Status status = event::DecodeEvent(&bytes, event);
  AL_CHECK(status.ok(), "memtable row does not decode");
}

std::optional<event::Event> Memtable::Get(const std::string& tenant, std::string_view id) const {
  std::shared_lock lock(mu_);
  const TenantRows* table = Find(tenant);
  if (table == nullptr) return std::nullopt;
  const uint32_t number = table->by_id.Find(id, StringIndex::Hash(id),
                                            [&](uint32_t n) { return table->rows[n].id_view(); });
  if (number == StringIndex::kNone) return std::nullopt;
  event::Event event;
  Decode(table->rows[number], &event);
  return event;
}

void Memtable::Read(const std::string& tenant, uint32_t row, event::Event* event) const {
  std::shared_lock lock(mu_);
  const TenantRows* table = Find(tenant);
  AL_CHECK(table != nullptr && row < table->rows.size(), "memtable row out of range");
  Decode(table->rows[row], event);
}

std::vector<Memtable::RowKey> Memtable::SortedRows(const std::string& tenant) const {
  std::vector<RowKey> keys;
  {
    std::shared_lock lock(mu_);
    const TenantRows* table = Find(tenant);
    if (table == nullptr) return keys;
    keys.reserve(table->rows.size());
    for (size_t i = 0; i < table->rows.size(); ++i)
      keys.push_back({table->rows[i].timestamp, table->rows[i].seq, static_cast<uint32_t>(i)});
  }
  std::sort(keys.begin(), keys.end(), [](const RowKey& a, const RowKey& b) {
    return std::pair(a.timestamp, a.seq) < std::pair(b.timestamp, b.seq);
  });
  return keys;
}

void Memtable::LocateRows(const std::string& tenant, std::span<const RowKey> rows,
                          std::vector<event::EncodedEventFields>* fields) const {
  std::shared_lock lock(mu_);
  const TenantRows* table = Find(tenant);
  AL_CHECK(table != nullptr || rows.empty(), "memtable tenant missing");
  fields->resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    AL_CHECK(rows[i].row < table->rows.size(), "memtable row out of range");
    const Row& row = table->rows[rows[i].row];
    // Add checked these bytes, and they never change: a failure here is a bug.
    Status status = (*fields)[i].Locate(std::string_view(row.data, row.size));
    AL_CHECK(status.ok(), "memtable row does not scan");
  }
}

std::vector<std::string> Memtable::Tenants() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> tenants;
  for (const auto& [tenant, table] : tenants_) tenants.push_back(tenant);
  return tenants;
}

size_t Memtable::CountFor(const std::string& tenant) const {
  std::shared_lock lock(mu_);
  const TenantRows* table = Find(tenant);
  return table == nullptr ? 0 : table->rows.size();
}

std::optional<std::pair<int64_t, int64_t>> Memtable::TimeBoundsFor(
    const std::string& tenant) const {
  std::shared_lock lock(mu_);
  const TenantRows* table = Find(tenant);
  if (table == nullptr || table->rows.empty()) return std::nullopt;
  return std::pair(table->min_time, table->max_time);
}

}  // namespace auditlog::storage

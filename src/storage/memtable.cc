#include "storage/memtable.h"

#include <mutex>

#include "event/fields.h"

namespace auditlog::storage {

size_t ApproximateEventBytes(const event::Event& event) {
  // What malloc really hands out for a string past the small-string buffer:
  // the bytes and the terminator, a header, rounded up to 16.
  auto heap_bytes = [](const std::string& value) -> size_t {
    return value.size() > 15 ? (value.capacity() + 1 + 8 + 15) & ~size_t{15} : 0;
  };
  size_t bytes = sizeof(event::Event) + heap_bytes(event.details);
  for (const event::FieldSpec& field : event::AllFields())
    if (field.string_member != nullptr) bytes += heap_bytes(event::StringField(field, event));
  return bytes;
}

void Memtable::Add(const std::string& tenant, std::vector<event::Event> events) {
  size_t added_bytes = 0;
  std::unique_lock lock(mu_);
  TenantEvents& table = tenants_[tenant];
  const size_t count = events.size();
  for (event::Event& event : events) {
    const auto index = static_cast<uint32_t>(table.events.size());
    added_bytes += ApproximateEventBytes(event) + 48;  // + the id index entry
    const event::Event& added = table.events.emplace_back(std::move(event));
    table.by_id.emplace(added.id, index);
  }
  lock.unlock();
  bytes_.fetch_add(added_bytes, std::memory_order_relaxed);
  events_.fetch_add(count, std::memory_order_relaxed);
}

std::optional<event::Event> Memtable::Get(const std::string& tenant, std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return std::nullopt;
  auto found = it->second.by_id.find(id);
  if (found == it->second.by_id.end()) return std::nullopt;
  return it->second.events[found->second];
}

std::vector<std::string> Memtable::Tenants() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> tenants;
  for (const auto& [tenant, table] : tenants_) tenants.push_back(tenant);
  return tenants;
}

size_t Memtable::CountFor(const std::string& tenant) const {
  std::shared_lock lock(mu_);
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? 0 : it->second.events.size();
}

}  // namespace auditlog::storage

#include "enrich/mmdb_search_tree.h"

#include <fmt/format.h>
#include <maxminddb.h>

#include <algorithm>

namespace auditlog::enrich {
namespace {

// The data section starts 16 bytes (zeros) after the tree; a record value
// node_count + 16 + k points at its byte k.
constexpr uint32_t kDataSeparatorBytes = 16;

uint32_t Be24(const uint8_t* bytes) {
  return (uint32_t{bytes[0]} << 16) | (uint32_t{bytes[1]} << 8) | uint32_t{bytes[2]};
}

int BitAt(const uint8_t* bytes, int bit) { return (bytes[bit >> 3] >> (7 - (bit & 7))) & 1; }

}  // namespace

Result<MmdbSearchTree> MmdbSearchTree::Build(const uint8_t* tree, const Shape& shape) {
  if (shape.record_size != 24 && shape.record_size != 28 && shape.record_size != 32) {
    return Status::InvalidArgument(
        fmt::format("geoip: unsupported record size {} (24, 28 or 32)", shape.record_size));
  }
  if (shape.ip_version != 4 && shape.ip_version != 6) {
    return Status::InvalidArgument(
        fmt::format("geoip: unsupported IP version {} (4 or 6)", shape.ip_version));
  }
  MmdbSearchTree search_tree(tree, shape);
  // IPv4 addresses start below 96 zero bits in an IPv6 tree (::a.b.c.d).
  uint32_t ipv4_start = 0;
  if (shape.ip_version == 6) {
    for (int bit = 0; bit < 96 && ipv4_start < shape.node_count; ++bit) {
      ipv4_start = search_tree.ChildAnySize(ipv4_start, 0);
    }
    search_tree.ipv6_table_.resize(size_t{1} << kTableBits);
    if (shape.node_count > 0) search_tree.Fill(&search_tree.ipv6_table_, 0, 0, 0);
  }
  search_tree.ipv4_table_.resize(size_t{1} << kTableBits);
  search_tree.Fill(&search_tree.ipv4_table_, shape.node_count == 0 ? 0 : ipv4_start, 0, 0);
  return search_tree;
}

Result<MmdbSearchTree> MmdbSearchTree::Build(const MMDB_s& mmdb) {
  Shape shape;
  shape.node_count = mmdb.metadata.node_count;
  shape.record_size = mmdb.metadata.record_size;
  shape.ip_version = mmdb.metadata.ip_version;
  shape.data_section_size = mmdb.data_section_size;
  return Build(mmdb.file_content, shape);
}

template <int kRecordSize>
uint32_t MmdbSearchTree::Child(uint32_t node, int bit) const {
  const uint8_t* bytes = tree_ + size_t{node} * (kRecordSize / 4);
  if constexpr (kRecordSize == 24) {
    return Be24(bytes + 3 * bit);
  } else if constexpr (kRecordSize == 28) {
    // The middle byte holds the high nibble of each record.
    const uint32_t high = bit == 0 ? (bytes[3] >> 4) : (bytes[3] & 0x0f);
    return (high << 24) | Be24(bytes + (bit == 0 ? 0 : 4));
  } else {
    const uint8_t* record = bytes + 4 * bit;
    return (uint32_t{record[0]} << 24) | Be24(record + 1);
  }
}

uint32_t MmdbSearchTree::ChildAnySize(uint32_t node, int bit) const {
  switch (shape_.record_size) {
    case 24:
      return Child<24>(node, bit);
    case 28:
      return Child<28>(node, bit);
    default:
      return Child<32>(node, bit);
  }
}

template <int kRecordSize>
uint32_t MmdbSearchTree::Walk(uint32_t value, const uint8_t* bytes, int from_bit,
                              int bit_count) const {
  for (int bit = from_bit; bit < bit_count && value < shape_.node_count; ++bit) {
    value = Child<kRecordSize>(value, BitAt(bytes, bit));
  }
  return value;
}

void MmdbSearchTree::Fill(std::vector<uint32_t>* table, uint32_t value, int depth,
                          uint32_t prefix) const {
  if (depth == kTableBits || value >= shape_.node_count) {
    const int free_bits = kTableBits - depth;
    const auto first = table->begin() + (ptrdiff_t{prefix} << free_bits);
    std::fill(first, first + (ptrdiff_t{1} << free_bits), value);
    return;
  }
  Fill(table, ChildAnySize(value, 0), depth + 1, prefix << 1);
  Fill(table, ChildAnySize(value, 1), depth + 1, (prefix << 1) | 1);
}

std::optional<uint32_t> MmdbSearchTree::DataOffset(uint32_t value) const {
  // Values up to node_count are nodes or "no record"; the 16 above it would
  // point into the separator.
  if (value < shape_.node_count + uint64_t{kDataSeparatorBytes}) return std::nullopt;
  const uint64_t offset = uint64_t{value} - shape_.node_count - kDataSeparatorBytes;
  if (offset >= shape_.data_section_size) return std::nullopt;
  return static_cast<uint32_t>(offset);
}

std::optional<uint32_t> MmdbSearchTree::Find(const IpAddress& address) const {
  const bool is_ipv4 = address.family == IpAddress::Family::kIpv4;
  if (!is_ipv4 && shape_.ip_version != 6) return std::nullopt;
  const uint8_t* bytes = address.bytes.data();
  const std::vector<uint32_t>& table = is_ipv4 ? ipv4_table_ : ipv6_table_;
  uint32_t value = table[(uint32_t{bytes[0]} << 8) | bytes[1]];
  if (value < shape_.node_count) {
    const int bit_count = is_ipv4 ? 32 : 128;
    switch (shape_.record_size) {
      case 24:
        value = Walk<24>(value, bytes, kTableBits, bit_count);
        break;
      case 28:
        value = Walk<28>(value, bytes, kTableBits, bit_count);
        break;
      default:
        value = Walk<32>(value, bytes, kTableBits, bit_count);
        break;
    }
  }
  return DataOffset(value);
}

}  // namespace auditlog::enrich

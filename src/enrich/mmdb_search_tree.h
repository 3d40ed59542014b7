#pragma once

// MmdbSearchTree finds the record of an IP address in the binary search tree
// of a MaxMind DB file (https://maxmind.github.io/MaxMind-DB/, "Binary
// Search Tree Section"), as libmaxminddb's MMDB_lookup_sockaddr does, but
// faster: the first 16 levels are one lookup in a table of 65,536 entries
// (one table for IPv4 addresses, one for IPv6), and the levels below are
// read straight from the mapped file, with the record size fixed per walk.
//
// Why: a lookup is a walk of up to 32 (IPv4) or 128 (IPv6) dependent node
// reads, and on a large database (DB-IP's city file has 6.3M nodes) most of
// GeoIpDatabase::Lookup's time. The table skips the top of the tree, which
// every lookup crosses; libmaxminddb also reads each record through a
// function pointer chosen by the record size.
//
// The tree is trusted only as far as its own bounds: a record pointing at a
// node is followed only if the node exists, a walk stops after the address's
// bits, and a record pointing into the data section is checked to lie inside
// it, so a corrupt file gives "not found", never a read out of bounds.
//
// Thread-safety: immutable once built; Find() may be called from any number
// of threads at once.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.h"
#include "enrich/geoip_database.h"

struct MMDB_s;

namespace auditlog::enrich {

class MmdbSearchTree {
 public:
  // The metadata that shapes the tree.
  struct Shape {
    uint32_t node_count = 0;
    uint16_t record_size = 0;  // bits per record: 24, 28 or 32
    uint16_t ip_version = 0;   // 4 (IPv4 addresses only) or 6
    // Bytes of the data section, for checking where records point.
    uint64_t data_section_size = 0;
  };

  // Builds the tables for the tree at `tree` (node_count * record_size / 4
  // bytes, which the caller has checked lie in the mapping, and which must
  // outlive this object). kInvalidArgument for a record size other than 24,
  // 28 or 32, or an IP version other than 4 or 6.
  static Result<MmdbSearchTree> Build(const uint8_t* tree, const Shape& shape);
  // The same for a file libmaxminddb has opened, whose tree the caller has
  // checked lies in its mapping; `mmdb` must outlive this object.
  static Result<MmdbSearchTree> Build(const MMDB_s& mmdb);

  // The offset in the data section of the record for `address`; nullopt when
  // the tree holds none (the address's network is absent), when the address
  // is IPv6 and the tree IPv4 only, or when the tree points outside the data
  // section.
  std::optional<uint32_t> Find(const IpAddress& address) const;

 private:
  static constexpr int kTableBits = 16;

  MmdbSearchTree(const uint8_t* tree, const Shape& shape) : tree_(tree), shape_(shape) {}

  // The record value `bit` (0 left, 1 right) of node `node` (< node_count).
  template <int kRecordSize>
  uint32_t Child(uint32_t node, int bit) const;
  uint32_t ChildAnySize(uint32_t node, int bit) const;
  // Continues a walk from `value` at bit `from_bit` of the address's
  // `bit_count` bits; returns the final record value (>= node_count).
  template <int kRecordSize>
  uint32_t Walk(uint32_t value, const uint8_t* bytes, int from_bit, int bit_count) const;
  // Fills table entries for every 16-bit prefix under `value`, reached after
  // `depth` bits spelling `prefix`.
  void Fill(std::vector<uint32_t>* table, uint32_t value, int depth, uint32_t prefix) const;
  std::optional<uint32_t> DataOffset(uint32_t value) const;

  const uint8_t* tree_;
  Shape shape_;
  // Per 16-bit prefix, the record value after its 16 bits (or the terminal
  // value reached before them): from the IPv4 start node (the node after 96
  // zero bits in an IPv6 tree, the root in an IPv4 one), and from the root
  // for IPv6 addresses (IPv6 trees only).
  std::vector<uint32_t> ipv4_table_;
  std::vector<uint32_t> ipv6_table_;
};

}  // namespace auditlog::enrich

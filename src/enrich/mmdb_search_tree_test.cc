#include "enrich/mmdb_search_tree.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "enrich/testing/test_mmdb.h"
#include "testing/temp_dir.h"

namespace auditlog::enrich {
namespace {

// What libmaxminddb answers for `address`: the record's data offset, or
// nullopt.
std::optional<uint32_t> LibraryFind(const MMDB_s& mmdb, const IpAddress& address) {
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result;
  if (address.family == IpAddress::Family::kIpv4) {
    sockaddr_in ipv4{};
    ipv4.sin_family = AF_INET;
    std::memcpy(&ipv4.sin_addr, address.bytes.data(), 4);
    result = MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&ipv4), &error);
  } else {
    sockaddr_in6 ipv6{};
    ipv6.sin6_family = AF_INET6;
    std::memcpy(&ipv6.sin6_addr, address.bytes.data(), 16);
    result = MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&ipv6), &error);
  }
  // libmaxminddb reports an IPv6 address in an IPv4 tree as an error.
  if (error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
  return result.entry.offset;
}

class MmdbSearchTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto files = testing::MakeTestMmdbFiles(temp_.path());
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = std::move(files).value();
  }

  // Compares MmdbSearchTree with libmaxminddb on the database at `path` for
  // `addresses`; returns how many of them have a record.
  size_t CompareWithLibrary(const std::string& path, const std::vector<IpAddress>& addresses) {
    MMDB_s mmdb{};
    EXPECT_EQ(MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb), MMDB_SUCCESS) << path;
    auto tree = MmdbSearchTree::Build(mmdb);
    EXPECT_TRUE(tree.ok()) << tree.status();
    size_t found = 0;
    if (tree.ok()) {
      for (const IpAddress& address : addresses) {
        const std::optional<uint32_t> ours = tree->Find(address);
        EXPECT_EQ(ours, LibraryFind(mmdb, address))
            << path << " (record size " << mmdb.metadata.record_size << "), address bytes "
            << ::testing::PrintToString(address.bytes);
        found += ours.has_value() ? 1 : 0;
      }
    }
    MMDB_close(&mmdb);
    return found;
  }

  testing::TempDir temp_;
  testing::TestMmdbFiles files_;
};

IpAddress Parse(const char* text) {
  const std::optional<IpAddress> address = ParseIpAddress(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

// Addresses near those the test databases hold (each with one bit flipped
// at every position, so walks leave their networks at every depth), the
// aliases of IPv4 space in IPv6 (6to4, Teredo's neighbours), and random ones.
std::vector<IpAddress> ProbeAddresses() {
  std::vector<IpAddress> addresses;
  for (const char* text : {testing::kTestCityIpv4, testing::kTestCityIpv6, "81.2.69.1",
                           "2001:480::", "2002:5102:458e::1", "::ffff:81.2.69.142", "0.0.0.0",
                           "255.255.255.255", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    const IpAddress base = Parse(text);
    addresses.push_back(base);
    const int bits = base.family == IpAddress::Family::kIpv4 ? 32 : 128;
    for (int bit = 0; bit < bits; ++bit) {
      IpAddress flipped = base;
      flipped.bytes[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      addresses.push_back(flipped);
    }
  }
  std::mt19937_64 random(20261207);
  for (int idx = 0; idx < 20000; ++idx) {
    IpAddress address;
    address.family = idx % 2 == 0 ? IpAddress::Family::kIpv4 : IpAddress::Family::kIpv6;
    const int bytes = address.family == IpAddress::Family::kIpv4 ? 4 : 16;
    for (int byte = 0; byte < bytes; ++byte) address.bytes[byte] = static_cast<uint8_t>(random());
    // Half the IPv6 ones in 2000::/3, where the test networks are.
    if (address.family == IpAddress::Family::kIpv6 && idx % 4 == 1) {
      address.bytes[0] = static_cast<uint8_t>(0x20 | (address.bytes[0] & 0x01));
    }
    addresses.push_back(address);
  }
  return addresses;
}

TEST_F(MmdbSearchTreeTest, FindsWhatLibmaxminddbFindsInEveryTestDatabase) {
  const std::vector<IpAddress> addresses = ProbeAddresses();
  // Record sizes 28 (city), 24 (country) and 32 (ASN); IPv6 trees with IPv4
  // aliased in, and IPv4-only trees.
  for (const std::string* path :
       {&files_.maxmind_city, &files_.maxmind_country, &files_.asn, &files_.flat_city,
        &files_.flat_city_ipv6, &files_.flat_country, &files_.flat_asn}) {
    const size_t found = CompareWithLibrary(*path, addresses);
    EXPECT_GT(found, 0u) << *path << ": no probe found a record";
  }
}

TEST_F(MmdbSearchTreeTest, RejectsShapesItCannotRead) {
  const uint8_t tree[8] = {};
  MmdbSearchTree::Shape shape;
  shape.node_count = 1;
  shape.record_size = 26;
  shape.ip_version = 6;
  EXPECT_EQ(MmdbSearchTree::Build(tree, shape).status().code(), StatusCode::kInvalidArgument);
  shape.record_size = 32;
  shape.ip_version = 5;
  EXPECT_EQ(MmdbSearchTree::Build(tree, shape).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MmdbSearchTreeTest, RecordsPointingOutsideTheDataSectionAreNotFound) {
  // One node of 24-bit records: left points just past the separator
  // (offset 0 of the data), right 100 bytes into a data section of 10.
  const uint32_t node_count = 1;
  const auto record = [](uint32_t value, uint8_t* out) {
    out[0] = static_cast<uint8_t>(value >> 16);
    out[1] = static_cast<uint8_t>(value >> 8);
    out[2] = static_cast<uint8_t>(value);
  };
  uint8_t tree[6];
  record(node_count + 16, tree);
  record(node_count + 16 + 100, tree + 3);
  MmdbSearchTree::Shape shape;
  shape.node_count = node_count;
  shape.record_size = 24;
  shape.ip_version = 4;
  shape.data_section_size = 10;
  auto built = MmdbSearchTree::Build(tree, shape);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->Find(Parse("1.2.3.4")), std::optional<uint32_t>(0));
  EXPECT_EQ(built->Find(Parse("200.2.3.4")), std::nullopt);
  // An IPv4-only tree has nothing for IPv6 addresses.
  EXPECT_EQ(built->Find(Parse("2001:db8::1")), std::nullopt);
  // A record pointing into the 16-byte separator is corrupt.
  record(node_count + 5, tree);
  built = MmdbSearchTree::Build(tree, shape);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->Find(Parse("1.2.3.4")), std::nullopt);
}

TEST_F(MmdbSearchTreeTest, ATreeDeeperThanTheAddressFindsNothing) {
  // Node 0 points to itself both ways: a walk runs out of address bits.
  uint8_t tree[6] = {0, 0, 0, 0, 0, 0};
  MmdbSearchTree::Shape shape;
  shape.node_count = 1;
  shape.record_size = 24;
  shape.ip_version = 6;
  shape.data_section_size = 100;
  auto built = MmdbSearchTree::Build(tree, shape);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->Find(Parse("1.2.3.4")), std::nullopt);
  EXPECT_EQ(built->Find(Parse("2001:db8::1")), std::nullopt);
}

}  // namespace
}  // namespace auditlog::enrich

#include "common/crc32c.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace auditlog::crc32c {
namespace {

TEST(Crc32c, StandardCheckValue) {
  EXPECT_EQ(Value("123456789"), 0xE3069283u);
  EXPECT_EQ(ExtendPortable(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, Rfc3720Vectors) {
  // iSCSI (RFC 3720 B.4): 32 bytes of zeros, of 0xff, ascending, descending.
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int byte_idx = 0; byte_idx < 32; ++byte_idx) {
    ascending[static_cast<size_t>(byte_idx)] = static_cast<char>(byte_idx);
    descending[static_cast<size_t>(byte_idx)] = static_cast<char>(31 - byte_idx);
  }
  EXPECT_EQ(Value(zeros), 0x8a9136aau);
  EXPECT_EQ(Value(ones), 0x62a8ab43u);
  EXPECT_EQ(Value(ascending), 0x46dd794eu);
  EXPECT_EQ(Value(descending), 0x113fdb5cu);
}

TEST(Crc32c, ExtendEqualsWhole) {
  const std::string text = "hello audit world, a little longer than eight bytes";
  for (size_t split = 0; split <= text.size(); ++split) {
    EXPECT_EQ(Extend(Value(text.substr(0, split)), text.data() + split, text.size() - split),
              Value(text));
  }
}

TEST(Crc32c, MaskRoundTripsAndChangesTheValue) {
  const uint32_t crc = Value("foo");
  EXPECT_NE(Mask(crc), crc);
  EXPECT_NE(Mask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Mask(crc)), crc);
}

RC_GTEST_PROP(Crc32cProperty, HardwareMatchesPortable, (const std::string& data, uint32_t seed)) {
  RC_ASSERT(Extend(seed, data.data(), data.size()) ==
            ExtendPortable(seed, data.data(), data.size()));
}

}  // namespace
}  // namespace auditlog::crc32c

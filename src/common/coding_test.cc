#include "common/coding.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <string>

namespace auditlog {
namespace {

TEST(Coding, FixedIsLittleEndian) {
  std::string out;
  PutFixed32(&out, 0x04030201u);
  PutFixed64(&out, 0x0c0b0a0908070605ull);
  ASSERT_EQ(out.size(), 12u);
  for (int byte_idx = 0; byte_idx < 12; ++byte_idx)
    EXPECT_EQ(out[static_cast<size_t>(byte_idx)], byte_idx + 1);
  std::string_view input = out;
  uint32_t small = 0;
  uint64_t large = 0;
  ASSERT_TRUE(GetFixed32(&input, &small));
  ASSERT_TRUE(GetFixed64(&input, &large));
  EXPECT_EQ(small, 0x04030201u);
  EXPECT_EQ(large, 0x0c0b0a0908070605ull);
  EXPECT_TRUE(input.empty());
  EXPECT_FALSE(GetFixed32(&input, &small));
}

TEST(Coding, VarintBoundaries) {
  for (uint64_t value :
       {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{16383}, uint64_t{16384},
        uint64_t{UINT32_MAX}, std::numeric_limits<uint64_t>::max()}) {
    std::string out;
    PutVarint64(&out, value);
    EXPECT_EQ(out.size(), static_cast<size_t>(VarintLength(value))) << value;
    std::string_view input = out;
    uint64_t decoded = 0;
    ASSERT_TRUE(GetVarint64(&input, &decoded));
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(input.empty());
  }
  std::string max;
  PutVarint64(&max, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(max.size(), 10u);
}

TEST(Coding, VarintRejectsTruncatedAndOverlong) {
  std::string_view truncated("\x80\x80", 2);
  uint64_t value = 0;
  EXPECT_FALSE(GetVarint64(&truncated, &value));
  // Eleven continuation bytes can never be a valid 64-bit varint.
  std::string_view overlong("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  EXPECT_FALSE(GetVarint64(&overlong, &value));
  // A tenth byte above 1 would overflow 64 bits.
  std::string_view overflow("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
  EXPECT_FALSE(GetVarint64(&overflow, &value));
  std::string too_big_for_32;
  PutVarint64(&too_big_for_32, uint64_t{1} << 32);
  std::string_view input = too_big_for_32;
  uint32_t narrow = 0;
  EXPECT_FALSE(GetVarint32(&input, &narrow));
  EXPECT_EQ(input.size(), too_big_for_32.size()) << "a failed read leaves the input alone";
}

TEST(Coding, OrderedChunkIsBigEndianAndZeroPadded) {
  EXPECT_EQ(OrderedChunk("ab", 0), 0x6162000000000000u);
  EXPECT_EQ(OrderedChunk("0123456789", 8), 0x3839000000000000u);
  EXPECT_EQ(OrderedChunk("abc", 3), 0u);
  EXPECT_EQ(OrderedChunk("abc", 7), 0u);
  EXPECT_EQ(OrderedChunk(std::string("\xff\x01", 2), 0), 0xff01000000000000u);
}

// Unequal chunks order as the strings do (bytes compared unsigned).
RC_GTEST_PROP(Coding, OrderedChunksOrderAsTheStringsDo, (std::string a, std::string b)) {
  const uint64_t chunk_a = OrderedChunk(a, 0), chunk_b = OrderedChunk(b, 0);
  if (chunk_a < chunk_b) RC_ASSERT(a < b);
  if (chunk_b < chunk_a) RC_ASSERT(b < a);
}

TEST(Coding, LengthPrefixedRejectsShortPayload) {
  std::string out;
  PutLengthPrefixed(&out, "audit");
  std::string_view input = out;
  std::string_view payload;
  ASSERT_TRUE(GetLengthPrefixed(&input, &payload));
  EXPECT_EQ(payload, "audit");
  std::string_view cut = std::string_view(out).substr(0, 3);
  EXPECT_FALSE(GetLengthPrefixed(&cut, &payload));
}

RC_GTEST_PROP(CodingProperty, SequencesRoundTrip,
              (const std::vector<int64_t>& values, const std::string& blob)) {
  std::string out;
  for (int64_t value : values) {
    PutVarintSigned64(&out, value);
    PutFixed64(&out, static_cast<uint64_t>(value));
  }
  PutLengthPrefixed(&out, blob);
  std::string_view input = out;
  for (int64_t value : values) {
    int64_t zigzag = 0;
    uint64_t fixed = 0;
    RC_ASSERT(GetVarintSigned64(&input, &zigzag));
    RC_ASSERT(GetFixed64(&input, &fixed));
    RC_ASSERT(zigzag == value);
    RC_ASSERT(static_cast<int64_t>(fixed) == value);
  }
  std::string_view payload;
  RC_ASSERT(GetLengthPrefixed(&input, &payload));
  RC_ASSERT(payload == blob);
  RC_ASSERT(input.empty());
}

}  // namespace
}  // namespace auditlog

#include "common/base64.h"

#include <gtest/gtest.h>

namespace auditlog {
namespace {

TEST(Base64UrlTest, KnownVectorsWithoutPadding) {
  // RFC 4648 §10, padding dropped, '+' '/' replaced by '-' '_'.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int length = 0; length < 64; ++length) {
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(bytes), &decoded)) << length;
    EXPECT_EQ(decoded, bytes);
    bytes.push_back(static_cast<char>(length * 37 + 11));
  }
}

TEST(Base64UrlTest, RejectsForeignCharactersAndImpossibleLengths) {
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("Zm9v+", &out));
  EXPECT_FALSE(Base64UrlDecode("Zm9v=", &out));
  EXPECT_FALSE(Base64UrlDecode("Z", &out));  // 6 bits cannot end an encoding
}

}  // namespace
}  // namespace auditlog

#include "common/hmac.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

namespace auditlog {
namespace {

std::string Hex(const HmacSha256::Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

HmacSha256::Digest OneShot(std::string_view key, std::string_view message) {
  HmacSha256::Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  return digest;
}

// RFC 4231's test cases 1, 2, 6 and 7 (a key longer than a block is hashed).
TEST(HmacSha256, MatchesRfc4231) {
  EXPECT_EQ(Hex(HmacSha256(std::string(20, '\x0b')).Sign("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256("Jefe").Sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const HmacSha256 long_key(std::string(131, '\xaa'));
  EXPECT_EQ(Hex(long_key.Sign("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(Hex(long_key.Sign("This is a test using a larger than block-size key and a larger "
                              "than block-size data. The key needs to be hashed before being "
                              "used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// Keys and messages of every length around the block size, against OpenSSL's
// one-shot HMAC; one signer signs many messages (its states are reused).
TEST(HmacSha256, AgreesWithOneShotHmac) {
  std::mt19937 random(20261207);
  auto bytes = [&](size_t size) {
    std::string out(size, '\0');
    for (char& c : out) c = static_cast<char>(random());
    return out;
  };
  for (size_t key_size : {0, 1, 16, 32, 63, 64, 65, 200}) {
    const std::string key = bytes(key_size);
    const HmacSha256 signer(key);
    for (size_t message_size = 0; message_size <= 150; message_size += 7) {
      const std::string message = bytes(message_size);
      EXPECT_EQ(Hex(signer.Sign(message)), Hex(OneShot(key, message)))
          << "key " << key_size << " bytes, message " << message_size << " bytes";
    }
  }
}

TEST(HmacSha256, SignsFromManyThreadsAtOnce) {
  const HmacSha256 signer("a cursor key of thirty-two bytes");
  const std::string expected = Hex(OneShot("a cursor key of thirty-two bytes", "page 7"));
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i)
        if (Hex(signer.Sign("page 7")) != expected) ++wrong[static_cast<size_t>(t)];
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace auditlog

#include "api/authing/token.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
const TokenClaims kClaims{"abcdefghijklmnop", "pool-a", 1'700'000'000,
                          1'700'000'000 + kTokenLifetimeSeconds};

TEST(AuthingToken, LifetimeOutlastsTheSdksOneHourMargin) { EXPECT_GT(kTokenLifetimeSeconds, 3600); }

TEST(AuthingToken, ValidTokenVerifies) {
  const std::string token = MintToken(kClaims, kSecret);
  EXPECT_TRUE(LooksLikeJwt(token));
  AL_ASSERT_OK_AND_ASSIGN(const TokenClaims claims, VerifyToken(token, kSecret, kClaims.iat + 1));
  EXPECT_EQ(claims, kClaims);
}

TEST(AuthingToken, ExpiredTokenIsRefused) {
  const std::string token = MintToken(kClaims, kSecret);
  auto verified = VerifyToken(token, kSecret, kClaims.exp);
  EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(verified.status().message(), "token expired");
}

TEST(AuthingToken, TamperedTokenIsRefused) {
  const std::string token = MintToken(kClaims, kSecret);
  // Another tenant in the payload, signature kept.
  TokenClaims other = kClaims;
  other.tenant = "pool-b";
  const std::string forged_source = MintToken(other, kSecret);
  const std::string forged =
      forged_source.substr(0, forged_source.rfind('.')) + token.substr(token.rfind('.'));
  EXPECT_EQ(VerifyToken(forged, kSecret, kClaims.iat).status().message(),
            "invalid token: bad signature");
  EXPECT_EQ(VerifyToken(token, "another secret", kClaims.iat).status().message(),
            "invalid token: bad signature");
  // alg none.
  const std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") +
                           token.substr(token.find('.'), token.rfind('.') - token.find('.')) + ".";
  EXPECT_EQ(VerifyToken(none, kSecret, kClaims.iat).status().message(),
            "invalid token: unsupported header");
  EXPECT_FALSE(VerifyToken("al_abc_def", kSecret, kClaims.iat).ok());
  EXPECT_FALSE(VerifyToken("a.b.c", kSecret, kClaims.iat).ok());
}

TEST(AuthingToken, ApiKeysDoNotLookLikeJwts) {
  EXPECT_FALSE(LooksLikeJwt("al_abcdefghijklmnop_0123456789012345678901234567890123456789012"));
  EXPECT_TRUE(LooksLikeJwt("a.b.c"));
}

}  // namespace
}  // namespace auditlog::api::authing

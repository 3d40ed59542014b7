#include "api/authing/signature.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/random.h"
#include "env/mem_file_system.h"
#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

constexpr std::string_view kDate = "Sun, 22 Nov 2026 03:05:23 GMT";
constexpr int64_t kDateMicros = 1'795'316'723'000'000;  // the same instant

http::Request SdkRequest(std::string method, std::string path) {
  http::Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  // What authing-node-sdk 4.0.1 sends (sdk-requests §3), in its order.
  request.headers = {{"accept", "application/json"},
                     {"content-type", "application/json"},
                     {"x-authing-signature-nonce", "b33d5b0c2a1e4f6a8d9c7e5f3a1b2c4d"},
                     {"x-authing-signature-method", "HMAC-SHA1"},
                     {"x-authing-signature-version", "1.0"},
                     {"user-agent", "x"},
                     {"x-authing-sdk-version", "authing-node-sdk:4.0.1"},
                     {"x-authing-lang", "zh-CN"},
                     {"date", std::string(kDate)}};
  return request;
}

http::Request AdminAuditPost() {
  http::Request request = SdkRequest("POST", "/api/v3/get-admin-audit-logs");
  request.body = event::PaddedBuffer(std::string_view(
      R"({"userId":"61384cf9628539c0f83943e7","pagination":{"page":1,"limit":50}})"));
  return request;
}

TEST(AuthingSignature, StringToSignOfAPost) {
  AL_ASSERT_OK_AND_ASSIGN(const std::string text, StringToSign(AdminAuditPost()));
  EXPECT_EQ(text,
            "POST\ndate:Sun, 22 Nov 2026 03:05:23 GMT\nx-authing-lang:zh-CN\n"
            "x-authing-sdk-version:authing-node-sdk:4.0.1\nx-authing-signature-method:HMAC-SHA1\n"
            "x-authing-signature-nonce:b33d5b0c2a1e4f6a8d9c7e5f3a1b2c4d\n"
            "x-authing-signature-version:1.0\n/api/v3/get-admin-audit-logs?"
            "pagination={\"page\":1,\"limit\":50}&userId=61384cf9628539c0f83943e7");
  // Computed by authing-node-sdk 4.0.1's own buildAuthorization.
  EXPECT_EQ(SignString("al_abcdefghijklmnop_secret", text), "a667QzkO/4sK+6RMyAcrxr1ky2E=");
}

TEST(AuthingSignature, StringToSignOfAGetSortsTheQuery) {
  http::Request request = SdkRequest("GET", "/api/v3/get-user-login-history");
  request.query = {{"userId", "u1"},
                   {"userIdType", "user_id"},
                   {"start", "1627329952379"},
                   {"page", "1"},
                   {"limit", "10"}};
  AL_ASSERT_OK_AND_ASSIGN(const std::string text, StringToSign(request));
  EXPECT_TRUE(
      text.ends_with("/api/v3/get-user-login-history?limit=10&page=1&start=1627329952379&userId=u1&"
                     "userIdType=user_id"));
  EXPECT_EQ(SignString("al_abcdefghijklmnop_secret", text), "/9tAbWYowLOEThXlnmx6OzsTHuw=");
}

TEST(AuthingSignature, BodyThatIsNotAnObjectCannotBeSigned) {
  http::Request request = SdkRequest("POST", "/api/v3/get-admin-audit-logs");
  request.body = event::PaddedBuffer(std::string_view("[1,2]"));
  EXPECT_EQ(StringToSign(request).status().code(), StatusCode::kInvalidArgument);
}

TEST(AuthingSignature, AuthorizationHeaderParsing) {
  const auto parsed = ParseAuthingAuthorization("authing abc:c2ln=");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->access_key_id, "abc");
  EXPECT_EQ(parsed->signature, "c2ln=");
  EXPECT_TRUE(ParseAuthingAuthorization("AUTHING abc:x"));
  EXPECT_FALSE(ParseAuthingAuthorization("Bearer abc"));
  EXPECT_FALSE(ParseAuthingAuthorization("authing abc"));
  EXPECT_FALSE(ParseAuthingAuthorization("authing :x"));
  EXPECT_FALSE(ParseAuthingAuthorization("authing abc:"));
}

TEST(AuthingSignature, HttpDates) {
  EXPECT_EQ(ParseHttpDate(kDate), kDateMicros);
  EXPECT_FALSE(ParseHttpDate("Sun, 22 Foo 2026 03:05:23 GMT"));
  EXPECT_FALSE(ParseHttpDate("2026-11-22T03:05:23Z"));
  EXPECT_FALSE(ParseHttpDate("Sun, 22 Nov 2026 03:05:23 CET"));
  EXPECT_FALSE(ParseHttpDate(""));
}

class AuthingSignatureVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    http::TenantRegistryOptions options;
    options.dir = "/registry";
    options.fs = &fs_;
    options.clock = &clock_;
    options.random = &random_;
    AL_ASSERT_OK_AND_ASSIGN(registry_, http::TenantRegistry::Open(options));
    AL_ASSERT_OK(registry_->CreateTenant("pool-a", std::nullopt));
    AL_ASSERT_OK_AND_ASSIGN(key_, registry_->CreateKey("pool-a", 2));
  }

  // The request signed with `secret` (the key's by default).
  http::Request Signed(std::string_view secret = {}) {
    http::Request request = AdminAuditPost();
    const std::string text = *StringToSign(request);
    const std::string signature = SignString(secret.empty() ? key_.key : secret, text);
    request.headers.emplace_back("authorization", "authing " + key_.info.id + ":" + signature);
    return request;
  }

  env::MemFileSystem fs_;
  ManualClock clock_{kDateMicros};
  SeededRandom random_{7};
  std::unique_ptr<http::TenantRegistry> registry_;
  http::NewKey key_;
  SignatureVerifier verifier_;
};

TEST_F(AuthingSignatureVerify, GoodSignatureGivesTheKeysPrincipal) {
  AL_ASSERT_OK_AND_ASSIGN(const http::Principal principal,
                          verifier_.Verify(Signed(), *registry_, kDateMicros + 60'000'000));
  EXPECT_EQ(principal.tenant, "pool-a");
  EXPECT_EQ(principal.key_id, key_.info.id);
}

TEST_F(AuthingSignatureVerify, BadSignatureIsRefused) {
  auto verified = verifier_.Verify(Signed("another secret"), *registry_, kDateMicros);
  EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(verified.status().message().starts_with("signature: mismatch"))
      << verified.status().message();
  // A changed body breaks the signature too.
  http::Request request = Signed();
  request.body = event::PaddedBuffer(std::string_view(R"({"userId":"someone-else"})"));
  EXPECT_TRUE(verifier_.Verify(request, *registry_, kDateMicros)
                  .status()
                  .message()
                  .starts_with("signature: mismatch"));
}

TEST_F(AuthingSignatureVerify, StaleDateIsRefused) {
  const int64_t sixteen_minutes = 16 * 60 * 1'000'000LL;
  auto late = verifier_.Verify(Signed(), *registry_, kDateMicros + sixteen_minutes);
  EXPECT_TRUE(late.status().message().starts_with("signature: stale date")) << late.status();
  auto early = verifier_.Verify(Signed(), *registry_, kDateMicros - sixteen_minutes);
  EXPECT_TRUE(early.status().message().starts_with("signature: stale date"));
}

TEST_F(AuthingSignatureVerify, ReplayedNonceIsRefused) {
  AL_EXPECT_OK(verifier_.Verify(Signed(), *registry_, kDateMicros));
  auto replayed = verifier_.Verify(Signed(), *registry_, kDateMicros + 1'000'000);
  EXPECT_TRUE(replayed.status().message().starts_with("signature: replayed request"))
      << replayed.status();
}

TEST_F(AuthingSignatureVerify, MissingPartsAreNamed) {
  http::Request request = AdminAuditPost();
  EXPECT_TRUE(verifier_.Verify(request, *registry_, kDateMicros)
                  .status()
                  .message()
                  .starts_with("missing credentials"));
  request.headers.emplace_back("authorization", "authing nokey");
  EXPECT_TRUE(verifier_.Verify(request, *registry_, kDateMicros)
                  .status()
                  .message()
                  .starts_with("signature: malformed authorization"));
  request = Signed();
  std::erase_if(request.headers, [](const auto& h) { return h.first == "date"; });
  EXPECT_EQ(verifier_.Verify(request, *registry_, kDateMicros).status().message(),
            "signature: the date header is missing");
  request = Signed();
  std::erase_if(request.headers,
                [](const auto& h) { return h.first == "x-authing-signature-nonce"; });
  EXPECT_EQ(verifier_.Verify(request, *registry_, kDateMicros).status().message(),
            "signature: the x-authing-signature-nonce header is missing");
  request = AdminAuditPost();
  request.headers.emplace_back("authorization", "authing unknownkeyid0000:abc=");
  EXPECT_EQ(verifier_.Verify(request, *registry_, kDateMicros).status().message(),
            "signature: invalid accessKeyId");
}

TEST_F(AuthingSignatureVerify, RevokedKeyIsRefused) {
  AL_ASSERT_OK(registry_->RevokeKey("pool-a", key_.info.id));
  EXPECT_EQ(verifier_.Verify(Signed(), *registry_, kDateMicros).status().message(),
            "signature: invalid accessKeyId");
}

}  // namespace
}  // namespace auditlog::api::authing

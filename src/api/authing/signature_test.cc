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

  // The request with `nonce`, correctly signed with `key`.
  static http::Request SignedWithNonce(std::string_view nonce, const http::NewKey& key) {
    http::Request request = AdminAuditPost();
    for (auto& [name, value] : request.headers) {
      if (name == "x-authing-signature-nonce") value = std::string(nonce);
    }
    const std::string signature = SignString(key.key, *StringToSign(request));
    request.headers.emplace_back("authorization", "authing " + key.info.id + ":" + signature);
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
  EXPECT_EQ(verified.status().message(), "signature: invalid accessKeyId or signature");
  // A changed body breaks the signature too.
  http::Request request = Signed();
  request.body = event::PaddedBuffer(std::string_view(R"({"userId":"someone-else"})"));
  EXPECT_EQ(verifier_.Verify(request, *registry_, kDateMicros).status().message(),
            "signature: invalid accessKeyId or signature");
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
            "signature: invalid accessKeyId or signature");
}

TEST_F(AuthingSignatureVerify, RevokedKeyIsRefused) {
  AL_ASSERT_OK(registry_->RevokeKey("pool-a", key_.info.id));
  EXPECT_EQ(verifier_.Verify(Signed(), *registry_, kDateMicros).status().message(),
            "signature: invalid accessKeyId or signature");
}

TEST(AuthingSignature, ReviewersForgedPostBodyIsRefused) {
  // Without the check this body signs exactly like
  // {"userId":"svc","pagination":{"page":1,"limit":50}}.
  http::Request forged = SdkRequest("POST", "/api/v3/get-admin-audit-logs");
  forged.body = event::PaddedBuffer(
      std::string_view(R"({"pagination={\"page\":1,\"limit\":50}&userId":"svc"})"));
  const auto refused = StringToSign(forged);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "body key \"pagination={\\\"page\\\":1,\\\"limit\\\":50}&userId\": must not contain "
            "'=' or '&' in a signed request");
  http::Request genuine = SdkRequest("POST", "/api/v3/get-admin-audit-logs");
  genuine.body = event::PaddedBuffer(
      std::string_view(R"({"userId":"svc","pagination":{"page":1,"limit":50}})"));
  AL_EXPECT_OK(StringToSign(genuine));
}

TEST(AuthingSignature, ReviewersForgedQueryIsRefused) {
  // ?end%3DE%26limit%3D10%26page%3D1%26start=S&userId=U&userIdType=user_id,
  // percent-decoded: one key that swallows four pairs.
  http::Request forged = SdkRequest("GET", "/api/v3/get-user-login-history");
  forged.query = {{"end=E&limit=10&page=1&start", "S"}, {"userId", "U"}, {"userIdType", "user_id"}};
  const auto refused = StringToSign(forged);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(refused.status().message().starts_with("query key \"end=E&limit=10&page=1&start\""))
      << refused.status();
}

TEST(AuthingSignature, AmbiguousPairsAreRefused) {
  http::Request get = SdkRequest("GET", "/api/v3/get-user-login-history");
  get.query = {{"userId", "a&limit=50"}};
  EXPECT_EQ(StringToSign(get).status().message(),
            "userId: the value must not contain '&' in a signed request");
  get.query = {{"userId", "a"}, {"userId", "b"}};
  EXPECT_EQ(StringToSign(get).status().message(),
            "userId: given twice; a signed request names each query key once");
  get.query = {{"userId", "a=b"}};  // '=' in a value is unambiguous
  AL_EXPECT_OK(StringToSign(get));

  http::Request post = SdkRequest("POST", "/api/v3/get-admin-audit-logs");
  post.body = event::PaddedBuffer(std::string_view(R"({"userId":"a","userId":"b"})"));
  EXPECT_EQ(StringToSign(post).status().message(),
            "userId: given twice; a signed request names each body key once");
  post.body = event::PaddedBuffer(std::string_view(R"({"userId":"a&success=true"})"));
  EXPECT_EQ(StringToSign(post).status().code(), StatusCode::kInvalidArgument);
  post.body = event::PaddedBuffer(std::string_view(R"({"pagination":{"x":"&"}})"));
  EXPECT_EQ(StringToSign(post).status().message(),
            "pagination: the value must not contain '&' in a signed request");
}

TEST(AuthingSignature, OversizedBodyIsRefusedUnparsed) {
  http::Request post = SdkRequest("POST", "/api/v3/get-admin-audit-logs");
  std::string body = R"({"userId":")";
  body.append(kMaxSignedBodyBytes, 'a');
  body += R"("})";
  post.body = event::PaddedBuffer(std::string_view(body));
  const auto refused = StringToSign(post);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(refused.status().message().starts_with("body: larger than the 65536 bytes"));
}

TEST(AuthingSignature, NonceForm) {
  EXPECT_TRUE(IsValidNonce("b33d5b0c2a1e4f6a8d9c7e5f3a1b2c4d"));
  EXPECT_TRUE(IsValidNonce("nonce_1-A"));
  EXPECT_TRUE(IsValidNonce(std::string(kMaxNonceBytes, 'a')));
  EXPECT_FALSE(IsValidNonce(std::string(kMaxNonceBytes + 1, 'a')));
  EXPECT_FALSE(IsValidNonce(""));
  EXPECT_FALSE(IsValidNonce("a b"));
  EXPECT_FALSE(IsValidNonce("a/b"));
  EXPECT_FALSE(IsValidNonce("caf\xc3\xa9"));
}

TEST_F(AuthingSignatureVerify, LongOrOddNonceIsRefusedWithAClearMessage) {
  for (const std::string& nonce : {std::string(kMaxNonceBytes + 1, 'a'), std::string("a:b")}) {
    const auto refused = verifier_.Verify(SignedWithNonce(nonce, key_), *registry_, kDateMicros);
    EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(refused.status().message(),
              "signature: x-authing-signature-nonce must be 1 to 64 characters of [0-9A-Za-z_-]");
  }
  EXPECT_EQ(verifier_.NonceCount(), 0u);
  AL_EXPECT_OK(verifier_.Verify(SignedWithNonce(std::string(kMaxNonceBytes, 'a'), key_), *registry_,
                                kDateMicros));
}

TEST_F(AuthingSignatureVerify, NoncesAreKeyedByAccessKeyId) {
  AL_ASSERT_OK_AND_ASSIGN(const http::NewKey other, registry_->CreateKey("pool-a", 2));
  AL_EXPECT_OK(verifier_.Verify(SignedWithNonce("same", key_), *registry_, kDateMicros));
  AL_EXPECT_OK(verifier_.Verify(SignedWithNonce("same", other), *registry_, kDateMicros));
  EXPECT_TRUE(verifier_.Verify(SignedWithNonce("same", other), *registry_, kDateMicros)
                  .status()
                  .message()
                  .starts_with("signature: replayed request"));
}

TEST_F(AuthingSignatureVerify, RefusedRequestsAreNotRemembered) {
  AL_EXPECT_OK(verifier_.Check(Signed(), *registry_, kDateMicros));
  EXPECT_EQ(verifier_.NonceCount(), 0u);
  const auto forbidden =
      verifier_.Verify(Signed(), *registry_, kDateMicros,
                       [](const http::Principal&) { return Status::PermissionDenied("no"); });
  EXPECT_EQ(forbidden.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(verifier_.NonceCount(), 0u);
  AL_EXPECT_OK(verifier_.Verify(Signed(), *registry_, kDateMicros));
  EXPECT_EQ(verifier_.NonceCount(), 1u);
}

TEST_F(AuthingSignatureVerify, SkewIsComparedToTheMicrosecond) {
  const int64_t window = 15 * 60 * 1'000'000LL;
  AL_EXPECT_OK(verifier_.Check(Signed(), *registry_, kDateMicros + window));
  AL_EXPECT_OK(verifier_.Check(Signed(), *registry_, kDateMicros - window));
  EXPECT_TRUE(verifier_.Check(Signed(), *registry_, kDateMicros + window + 1)
                  .status()
                  .message()
                  .starts_with("signature: stale date"));
  EXPECT_TRUE(verifier_.Check(Signed(), *registry_, kDateMicros - window - 1)
                  .status()
                  .message()
                  .starts_with("signature: stale date"));
}

TEST_F(AuthingSignatureVerify, NonceIsKeptUntilItsDateStopsBeingAcceptable) {
  const int64_t window = 15 * 60 * 1'000'000LL;
  // Seen early (date 15 min ahead of the clock): kept until date + window,
  // not until receipt + window.
  AL_EXPECT_OK(verifier_.Verify(Signed(), *registry_, kDateMicros - window));
  EXPECT_TRUE(verifier_.Verify(Signed(), *registry_, kDateMicros + window)
                  .status()
                  .message()
                  .starts_with("signature: replayed request"));
  EXPECT_TRUE(verifier_.Verify(Signed(), *registry_, kDateMicros + window + 1)
                  .status()
                  .message()
                  .starts_with("signature: stale date"));
}

TEST_F(AuthingSignatureVerify, FullCacheRefusesNewRequestsUntilNoncesExpire) {
  SignatureOptions options;
  options.max_nonces = 2;
  SignatureVerifier small(options);
  AL_ASSERT_OK_AND_ASSIGN(SignedRequest first,
                          small.Check(SignedWithNonce("n1", key_), *registry_, kDateMicros));
  AL_ASSERT_OK(small.Accept(first, kDateMicros));
  AL_ASSERT_OK(small.Verify(SignedWithNonce("n2", key_), *registry_, kDateMicros));
  AL_ASSERT_OK_AND_ASSIGN(SignedRequest third,
                          small.Check(SignedWithNonce("n3", key_), *registry_, kDateMicros));
  int64_t retry_after_seconds = 0;
  const Status full = small.Accept(third, kDateMicros + 60'000'000, &retry_after_seconds);
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_EQ(full.message(),
            "signature: too many signed requests within the replay window; retry later");
  EXPECT_EQ(retry_after_seconds, 14 * 60);
  // The unexpired nonces are all still refused: nothing was evicted.
  EXPECT_TRUE(small.Accept(first, kDateMicros + 60'000'000)
                  .message()
                  .starts_with("signature: replayed request"));
  EXPECT_EQ(small.NonceCount(), 2u);
  // Once they expire, they are dropped first and the new request fits.
  const int64_t after_expiry = first.nonce_expiry_micros + 1;
  AL_EXPECT_OK(small.Accept(third, after_expiry));
  EXPECT_EQ(small.NonceCount(), 1u);
}

}  // namespace
}  // namespace auditlog::api::authing

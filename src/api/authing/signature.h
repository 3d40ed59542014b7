#pragma once

// Authing v3's request signature (authing-node-sdk's buildSignature.js), as
// the v3 routes verify it:
//
//   authorization: authing <accessKeyId>:<base64(HMAC-SHA1(accessKeySecret, stringToSign))>
//   stringToSign = METHOD "\n"
//                + each header named x-authing-* or date, sorted by name:
//                  name ":" value ("\t\n\r\f" as spaces, trimmed) "\n"
//                + path [ "?" k=v joined by "&" over the sorted keys of the
//                  query (GET) or of the top-level JSON body (other methods);
//                  strings raw, objects and arrays as compact JSON, no URL
//                  encoding ]
//
// Ambiguity: the string to sign joins `k=v` pairs with `&` and escapes
// nothing, so two different requests could sign the same (a body key
// `a={..}&b` against the members `a` and `b`). StringToSign therefore refuses
// what would make the joined pairs ambiguous: a key containing `=` or `&`, a
// value containing `&` (query values, body strings and the compact JSON of
// body objects), and a key given twice. authing-node-sdk never sends any of
// them. Bodies over kMaxSignedBodyBytes are refused before any work.
//
// accessKeyId is an API key's id, accessKeySecret the whole key
// (TenantRegistry::SecretOf). A signature counts only with a `date` within
// the skew window of the server's clock and an `x-authing-signature-nonce`
// (1 to 64 of [0-9A-Za-z_-]; the SDK sends 32 hex digits) not seen before
// for the same accessKeyId while that date is acceptable.
//
// Replay protection is in memory only: a restart forgets the nonces, and
// several instances behind a load balancer each keep their own, so within
// the skew window a captured request can be replayed once per restart or per
// instance. Keep the window short, or route one key's traffic to one
// instance, where that matters. The cache is bounded (max_nonces): when it
// is full of unexpired nonces, new signed requests are refused with
// kUnavailable (fail closed) rather than forgetting a nonce early, which
// would reopen replay.
//
// Thread-safety: SignatureVerifier is safe from any number of threads (the
// nonce cache has its own mutex); the functions are pure.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "http/auth/tenant_registry.h"
#include "http/message.h"

namespace auditlog::api::authing {

// The largest v3 body that is signed over (and so parsed). Default SDK
// bodies are under 200 bytes.
inline constexpr size_t kMaxSignedBodyBytes = 64 * 1024;
// The longest x-authing-signature-nonce accepted.
inline constexpr size_t kMaxNonceBytes = 64;

// The string the client signed, rebuilt from what arrived. kInvalidArgument
// naming the problem when a non-GET request's body is not a JSON object (nor
// empty) or is larger than kMaxSignedBodyBytes, and when a key or value
// would make the string ambiguous (see above).
Result<std::string> StringToSign(const http::Request& request);

// base64(HMAC-SHA1(secret, string_to_sign)), standard alphabet, padded.
std::string SignString(std::string_view secret, std::string_view string_to_sign);

// `authorization: authing <id>:<signature>` split; nullopt for another shape.
struct AuthingAuthorization {
  std::string access_key_id;
  std::string signature;
};
std::optional<AuthingAuthorization> ParseAuthingAuthorization(std::string_view header);

// An RFC 1123 date ("Sun, 22 Nov 2026 03:05:23 GMT") as micros, or nullopt.
std::optional<int64_t> ParseHttpDate(std::string_view text);

// Whether `nonce` is 1 to kMaxNonceBytes characters of [0-9A-Za-z_-].
bool IsValidNonce(std::string_view nonce);

struct SignatureOptions {
  // How far `date` may be from the server's clock, either way. Default 15
  // minutes; a larger window keeps each nonce longer, so more in memory.
  int64_t max_skew_seconds = 15 * 60;
  // The most nonces remembered (under 100 bytes each). When this many
  // unexpired nonces are held, new signed requests are refused with
  // kUnavailable until some expire. Default 1,000,000.
  size_t max_nonces = 1'000'000;
};

// A request whose signature and date were checked, not yet accepted: its
// nonce is not yet remembered. From SignatureVerifier::Check.
struct SignedRequest {
  http::Principal principal;
  // 128 bits of SHA-256(accessKeyId, nonce): the cache's key.
  std::pair<uint64_t, uint64_t> nonce_key;
  // The last instant at which the request's date is acceptable: date +
  // max_skew. Its nonce is remembered until then.
  int64_t nonce_expiry_micros = 0;
};

class SignatureVerifier {
 public:
  explicit SignatureVerifier(SignatureOptions options = {}) : options_(options) {}
  SignatureVerifier(const SignatureVerifier&) = delete;
  SignatureVerifier& operator=(const SignatureVerifier&) = delete;

  // Checks the authorization header, the date against `now_micros`, the
  // nonce's form and the signature, without remembering the nonce.
  // kUnauthenticated with a message naming what is wrong (missing
  // authorization, stale date, malformed nonce); an unknown accessKeyId and
  // a wrong signature get the same message, "signature: invalid accessKeyId
  // or signature", and take the same time. kInvalidArgument for a body that
  // cannot be signed over.
  Result<SignedRequest> Check(const http::Request& request, const http::TenantRegistry& registry,
                              int64_t now_micros) const;

  // Remembers the nonce of a checked request. Call it last, once the
  // request is known to be allowed, so that refused requests use no cache.
  // kUnauthenticated "signature: replayed request ..." when the nonce was
  // seen for this key; kUnavailable when the cache is full of unexpired
  // nonces (see the file comment; retry after *retry_after_seconds when
  // that is not null).
  Status Accept(const SignedRequest& signed_request, int64_t now_micros,
                int64_t* retry_after_seconds = nullptr);

  // Check, then `authorize` (when given) on the principal, then Accept.
  Result<http::Principal> Verify(
      const http::Request& request, const http::TenantRegistry& registry, int64_t now_micros,
      const std::function<Status(const http::Principal&)>& authorize = nullptr);

  // The nonces held now (for tests and metrics).
  size_t NonceCount();

 private:
  using NonceKey = std::pair<uint64_t, uint64_t>;
  struct NonceKeyHash {
    size_t operator()(const NonceKey& key) const { return key.first ^ (key.second * 31); }
  };
  using Expiry = std::pair<int64_t, NonceKey>;

  const SignatureOptions options_;
  std::mutex mu_;
  std::unordered_set<NonceKey, NonceKeyHash> nonces_;  // guarded by mu_
  // Soonest expiry on top; one entry per member of nonces_. Guarded by mu_.
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> by_expiry_;
};

}  // namespace auditlog::api::authing

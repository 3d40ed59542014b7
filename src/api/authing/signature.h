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
// accessKeyId is an API key's id, accessKeySecret the whole key
// (TenantRegistry::SecretOf). A signature counts only with a `date` within
// the skew window of the server's clock and an `x-authing-signature-nonce`
// not seen within the window: a captured request cannot be replayed.
//
// Thread-safety: SignatureVerifier is safe from any number of threads (the
// nonce cache has its own mutex); the functions are pure.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/result.h"
#include "http/auth/tenant_registry.h"
#include "http/message.h"

namespace auditlog::api::authing {

// The string the client signed, rebuilt from what arrived. kInvalidArgument
// when a non-GET request's body is not a JSON object (nor empty).
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

struct SignatureOptions {
  // How far `date` may be from the server's clock, either way. Default 15
  // minutes; a larger window keeps more nonces in memory.
  int64_t max_skew_seconds = 15 * 60;
  // The most nonces remembered; past it the oldest are forgotten early
  // (which only shortens their replay protection). Default 1,000,000.
  size_t max_nonces = 1'000'000;
};

class SignatureVerifier {
 public:
  explicit SignatureVerifier(SignatureOptions options = {}) : options_(options) {}
  SignatureVerifier(const SignatureVerifier&) = delete;
  SignatureVerifier& operator=(const SignatureVerifier&) = delete;

  // The principal of a correctly signed, fresh, first-seen request.
  // kUnauthenticated with a message naming what is wrong (missing
  // authorization, unknown accessKeyId, stale date, reused nonce, signature
  // mismatch); kInvalidArgument for a body that cannot be signed over.
  Result<http::Principal> Verify(const http::Request& request, const http::TenantRegistry& registry,
                                 int64_t now_micros);

 private:
  // Records `nonce` seen at `now_micros`; false when it is already there.
  bool RememberNonce(const std::string& nonce, int64_t now_micros);

  const SignatureOptions options_;
  std::mutex mu_;
  std::unordered_set<std::string> nonces_;               // guarded by mu_
  std::deque<std::pair<int64_t, std::string>> by_time_;  // guarded by mu_; oldest first
};

}  // namespace auditlog::api::authing

#pragma once

// The JWTs that `POST /graphql/v2`'s accessToken exchange hands out and the
// Authing v2 routes accept as `Authorization: Bearer`. HS256 (RFC 7519 /
// RFC 7515) under a server secret (TenantRegistry::DeriveKey("authing-jwt")),
// so a token survives a restart and only this server can mint one.
//
// Claims: iss "auditlog", sub = the API key's id, scoped_userpool_id = the
// tenant, iat and exp (seconds). The token names its key, so a revoked key's
// tokens stop working on the next request (the caller checks the key is
// live: authing_api.cc).
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace auditlog::api::authing {

// Authing's SDKs reuse a token until `exp - 3600 s`, so a lifetime of at
// most an hour would make them fetch one per call: two hours gives each
// token one hour of use.
inline constexpr int64_t kTokenLifetimeSeconds = 2 * 3600;

struct TokenClaims {
  std::string key_id;
  std::string tenant;
  int64_t iat = 0;  // seconds since the epoch
  int64_t exp = 0;
  friend bool operator==(const TokenClaims&, const TokenClaims&) = default;
};

// The compact JWS of `claims` signed with `secret`.
std::string MintToken(const TokenClaims& claims, std::string_view secret);

// Whether `text` has the shape of a compact JWS (three base64url parts), so
// the caller can tell a token from a plain API key.
bool LooksLikeJwt(std::string_view text);

// The claims of `token` when its signature verifies under `secret` and
// `now_seconds < exp`. kUnauthenticated "invalid token: ..." (malformed,
// bad signature, another algorithm) or "token expired" otherwise.
Result<TokenClaims> VerifyToken(std::string_view token, std::string_view secret,
                                int64_t now_seconds);

}  // namespace auditlog::api::authing

#pragma once

// HMAC-SHA256 under a key fixed at construction (RFC 2104). The key's inner
// and outer pads are hashed once, so signing a short message costs two
// compressions of its own instead of four plus the digest's lookup: the
// one-shot HMAC() fetched SHA-256 and allocated a context on every call,
// which was 7% of answering a page of ten events (the cursor is signed on
// every page).
//
// Thread-safety: Sign is const and safe from any number of threads.

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace auditlog {

class HmacSha256 {
 public:
  static constexpr size_t kDigestBytes = 32;
  using Digest = std::array<uint8_t, kDigestBytes>;

  // Any key length; keys longer than SHA-256's block are hashed first, as
  // RFC 2104 says.
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Digest Sign(std::string_view message) const;

 private:
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;  // the digest states after each pad
};

}  // namespace auditlog

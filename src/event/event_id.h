#pragma once

// Server-made event ids: ULIDs (https://github.com/ulid/spec). 26 characters
// of Crockford base32: a 48-bit millisecond timestamp, then 80 random bits.
// Ids from one generator sort in creation order: within one millisecond the
// random part is incremented instead of redrawn (the spec's monotonic mode).
//
// Client-supplied ids are kept as they are (idempotency keys); see
// ValidateClientId for what is accepted.
//
// Thread-safety: an EventIdGenerator is not thread-safe; give each ingest
// thread its own, or guard one with a mutex.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/status.h"

namespace auditlog::event {

inline constexpr size_t kUlidLength = 26;

class EventIdGenerator {
 public:
  // `random` must outlive the generator.
  explicit EventIdGenerator(Random& random) : random_(random) {}
  EventIdGenerator(const EventIdGenerator&) = delete;
  EventIdGenerator& operator=(const EventIdGenerator&) = delete;

  // Returns a new ULID for time `now_ms` (milliseconds since the epoch).
  // A clock that goes backwards does not break ordering: the last time is reused.
  std::string Next(int64_t now_ms);

 private:
  Random& random_;
  int64_t last_ms_ = -1;
  std::array<uint8_t, 10> last_random_{};
};

// Encodes a 48-bit time and 80 random bits as a ULID.
std::string EncodeUlid(uint64_t time_ms, const std::array<uint8_t, 10>& random_bits);

// True when `text` is a well-formed ULID (26 Crockford base32 characters,
// first one at most '7'). Case-insensitive, as the spec allows.
bool IsUlid(std::string_view text);

// Milliseconds encoded in a well-formed ULID. REQUIRES: IsUlid(text).
uint64_t UlidTimeMs(std::string_view text);

// Client ids: 1..kMaxIdBytes bytes of printable ASCII without spaces, so they
// are safe in URLs (Auth0 `GET /logs/{id}`), logs and file names.
Status ValidateClientId(std::string_view id);

}  // namespace auditlog::event

#pragma once

// Random is the seam for randomness: ids, jitter, sampling. Production code
// uses SecureRandom() (the OS's CSPRNG, so server-made ids are unguessable);
// tests use SeededRandom so every run can be replayed from a printed seed.
//
// Thread-safety: SecureRandom() is thread-safe; a SeededRandom is not.

#include <cstddef>
#include <cstdint>
#include <span>

namespace auditlog {

class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t Next64() = 0;
  // Fills `out` with random bytes.
  virtual void Fill(std::span<uint8_t> out);
  // Uniform in [0, bound). REQUIRES: bound > 0.
  uint64_t Uniform(uint64_t bound);
};

// The process-wide cryptographically secure source. Never destroyed.
Random& SecureRandom();

// A fast deterministic generator (xoshiro256**, seeded through splitmix64).
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed);
  uint64_t Next64() override;

 private:
  uint64_t state_[4];
};

}  // namespace auditlog

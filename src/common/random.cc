#include "common/random.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/no_destructor.h"

namespace auditlog {
namespace {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t RotateLeft(uint64_t value, int bits) { return (value << bits) | (value >> (64 - bits)); }

// getrandom(2) never fails for small requests once the pool is initialised;
// a failure here means the kernel cannot give us entropy, and ids made from
// anything weaker would be guessable, so stopping is the safe choice.
class OsRandom final : public Random {
 public:
  uint64_t Next64() override {
    uint64_t value;
    Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&value), sizeof(value)));
    return value;
  }
  void Fill(std::span<uint8_t> out) override {
    size_t filled = 0;
    while (filled < out.size()) {
      const ssize_t got = getrandom(out.data() + filled, out.size() - filled, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        std::abort();
      }
      filled += static_cast<size_t>(got);
    }
  }
};

}  // namespace

void Random::Fill(std::span<uint8_t> out) {
  size_t offset = 0;
  while (offset < out.size()) {
    const uint64_t word = Next64();
    const size_t take = std::min<size_t>(8, out.size() - offset);
    std::memcpy(out.data() + offset, &word, take);
    offset += take;
  }
}

uint64_t Random::Uniform(uint64_t bound) {
  // Rejection sampling removes the modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value;
  do {
    value = Next64();
  } while (value >= limit);
  return value % bound;
}

Random& SecureRandom() {
  static NoDestructor<OsRandom> random;
  return *random;
}

SeededRandom::SeededRandom(uint64_t seed) {
  for (uint64_t& word : state_) word = SplitMix64(&seed);
}

uint64_t SeededRandom::Next64() {
  const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
  const uint64_t shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = RotateLeft(state_[3], 45);
  return result;
}

}  // namespace auditlog

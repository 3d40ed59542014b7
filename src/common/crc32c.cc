#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace auditlog::crc32c {
namespace {

constexpr uint32_t kReflectedPolynomial = 0x82f63b78u;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kReflectedPolynomial : 0);
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const void* data,
                                                       size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint64_t state = ~crc;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, bytes, 8);  // unaligned-safe
    state = _mm_crc32_u64(state, word);
    bytes += 8;
    size -= 8;
  }
  auto narrow = static_cast<uint32_t>(state);
  while (size > 0) {
    narrow = _mm_crc32_u8(narrow, *bytes++);
    --size;
  }
  return ~narrow;
}

bool CpuHasSse42() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & bit_SSE4_2) != 0;
}
#endif

}  // namespace

uint32_t ExtendPortable(uint32_t crc, const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint32_t state = ~crc;
  for (size_t byte_idx = 0; byte_idx < size; ++byte_idx) {
    state = kTable[(state ^ bytes[byte_idx]) & 0xff] ^ (state >> 8);
  }
  return ~state;
}

bool HardwareAccelerated() {
#if defined(__x86_64__)
  static const bool has_sse42 = CpuHasSse42();
  return has_sse42;
#else
  return false;
#endif
}

uint32_t Extend(uint32_t crc, const void* data, size_t size) {
#if defined(__x86_64__)
  if (HardwareAccelerated()) return ExtendSse42(crc, data, size);
#endif
  return ExtendPortable(crc, data, size);
}

}  // namespace auditlog::crc32c

#pragma once

// CRC32C (Castagnoli, polynomial 0x1EDC6F41), the checksum of every WAL record
// and segment block. Uses the SSE4.2 crc32 instruction when the CPU has it
// (checked once at run time) and a portable table-driven version otherwise;
// both give identical results (Crc32c("123456789") == 0xE3069283).
//
// Stored checksums are masked (LevelDB's trick): a CRC computed over data that
// itself embeds CRCs is otherwise weak.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace auditlog::crc32c {

// Returns the CRC32C of concat(A, data) where `crc` is the CRC32C of A.
uint32_t Extend(uint32_t crc, const void* data, size_t size);

inline uint32_t Value(const void* data, size_t size) { return Extend(0, data, size); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The portable implementation, exposed so tests can compare it to the fast one.
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t size);
// True when Extend uses the SSE4.2 instruction on this CPU.
bool HardwareAccelerated();

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked_crc) {
  const uint32_t rotated = masked_crc - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace auditlog::crc32c

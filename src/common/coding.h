#pragma once

// Little-endian fixed-width and LEB128 varint encoding for everything the
// project persists or hashes (WAL records, segments, the Merkle canonical
// encoding). Fixed-width integers only: a format must not depend on the
// platform's `int`.
//
// Encoders append to a std::string. Decoders read from the front of a
// string_view and advance it; they return false on truncated or over-long
// input and leave the view unspecified in that case.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace auditlog {

inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

inline void EncodeFixed32(char* dst, uint32_t value) {
  for (int byte_idx = 0; byte_idx < 4; ++byte_idx)
    dst[byte_idx] = static_cast<char>(value >> (8 * byte_idx));
}
inline void EncodeFixed64(char* dst, uint64_t value) {
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx)
    dst[byte_idx] = static_cast<char>(value >> (8 * byte_idx));
}
// Writes `value` as a varint at `dst` (room for kMaxVarint64Bytes); returns
// the byte after it.
inline char* EncodeVarint64(char* dst, uint64_t value) {
  while (value >= 0x80) {
    *dst++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *dst++ = static_cast<char>(value);
  return dst;
}

inline uint32_t DecodeFixed32(const char* src) {
  uint32_t value = 0;
  for (int byte_idx = 0; byte_idx < 4; ++byte_idx)
    value |= static_cast<uint32_t>(static_cast<uint8_t>(src[byte_idx])) << (8 * byte_idx);
  return value;
}
inline uint64_t DecodeFixed64(const char* src) {
  uint64_t value = 0;
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx)
    value |= static_cast<uint64_t>(static_cast<uint8_t>(src[byte_idx])) << (8 * byte_idx);
  return value;
}

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);
// Signed values are zigzag-encoded so that small negatives stay short.
void PutVarintSigned64(std::string* dst, int64_t value);
// A varint length followed by the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view value);

// Number of bytes PutVarint64 would write for `value`.
int VarintLength(uint64_t value);

bool GetFixed32(std::string_view* input, uint32_t* value);
bool GetFixed64(std::string_view* input, uint64_t* value);
bool GetVarint32(std::string_view* input, uint32_t* value);
bool GetVarint64(std::string_view* input, uint64_t* value);
bool GetVarintSigned64(std::string_view* input, int64_t* value);
// On success `value` views bytes inside the original input.
bool GetLengthPrefixed(std::string_view* input, std::string_view* value);

// Bytes [offset, offset + 8) of `text` as a big-endian number, zero-padded
// past its end: two such chunks compare as those bytes do, so a < b between
// the chunks of two strings at the same offset (equal before it) orders the
// strings. Sorting and searching sorted strings 8 bytes at a time use it.
inline uint64_t OrderedChunk(std::string_view text, size_t offset) {
  unsigned char bytes[8] = {};
  if (text.size() > offset)
    std::memcpy(bytes, text.data() + offset, std::min<size_t>(8, text.size() - offset));
  uint64_t chunk = 0;
  for (unsigned char byte : bytes) chunk = (chunk << 8) | byte;
  return chunk;
}

inline uint64_t ZigZagEncode64(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline int64_t ZigZagDecode64(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

}  // namespace auditlog

#include "common/coding.h"

namespace auditlog {

void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  EncodeFixed32(buf, value);
  dst->append(buf, sizeof(buf));
}

void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  EncodeFixed64(buf, value);
  dst->append(buf, sizeof(buf));
}

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Bytes];
  dst->append(buf, static_cast<size_t>(EncodeVarint64(buf, value) - buf));
}

void PutVarint32(std::string* dst, uint32_t value) { PutVarint64(dst, value); }

void PutVarintSigned64(std::string* dst, int64_t value) { PutVarint64(dst, ZigZagEncode64(value)); }

void PutLengthPrefixed(std::string* dst, std::string_view value) {
  PutVarint64(dst, value.size());
  dst->append(value);
}

int VarintLength(uint64_t value) {
  int length = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++length;
  }
  return length;
}

bool GetFixed32(std::string_view* input, uint32_t* value) {
  if (input->size() < 4) return false;
  *value = DecodeFixed32(input->data());
  input->remove_prefix(4);
  return true;
}

bool GetFixed64(std::string_view* input, uint64_t* value) {
  if (input->size() < 8) return false;
  *value = DecodeFixed64(input->data());
  input->remove_prefix(8);
  return true;
}

bool GetVarint64(std::string_view* input, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0, byte_idx = 0;
       byte_idx < kMaxVarint64Bytes && byte_idx < static_cast<int>(input->size());
       shift += 7, ++byte_idx) {
    const uint64_t byte = static_cast<uint8_t>((*input)[static_cast<size_t>(byte_idx)]);
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (byte_idx == kMaxVarint64Bytes - 1 && byte > 1) return false;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      input->remove_prefix(static_cast<size_t>(byte_idx) + 1);
      *value = result;
      return true;
    }
  }
  return false;
}

bool GetVarint32(std::string_view* input, uint32_t* value) {
  std::string_view copy = *input;
  uint64_t wide = 0;
  if (!GetVarint64(&copy, &wide) || wide > UINT32_MAX) return false;
  *input = copy;
  *value = static_cast<uint32_t>(wide);
  return true;
}

bool GetVarintSigned64(std::string_view* input, int64_t* value) {
  uint64_t raw = 0;
  if (!GetVarint64(input, &raw)) return false;
  *value = ZigZagDecode64(raw);
  return true;
}

bool GetLengthPrefixed(std::string_view* input, std::string_view* value) {
  uint64_t length = 0;
  if (!GetVarint64(input, &length) || length > input->size()) return false;
  *value = input->substr(0, static_cast<size_t>(length));
  input->remove_prefix(static_cast<size_t>(length));
  return true;
}

}  // namespace auditlog

#include "storage/segment/segment_format.h"

#include <bit>

#include "common/coding.h"

namespace auditlog::storage::segment {

std::string EncodeDoubleKey(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  bits = (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(bits >> (56 - 8 * i));  // big-endian
  return key;
}

double DecodeDoubleKey(std::string_view key) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(key[i]);
  bits = (bits >> 63) ? bits & ~(uint64_t{1} << 63) : ~bits;
  return std::bit_cast<double>(bits);
}

void PutSegmentMeta(std::string* out, const SegmentMeta& meta) {
  PutLengthPrefixed(out, meta.tenant);
  PutVarint32(out, meta.rows);
  PutVarintSigned64(out, meta.window_start);
  PutVarintSigned64(out, meta.min_time);
  PutVarintSigned64(out, meta.max_time);
  PutVarint64(out, meta.min_seq);
  PutVarint64(out, meta.max_seq);
}

bool GetSegmentMeta(std::string_view* in, SegmentMeta* meta) {
  std::string_view tenant;
  if (!GetLengthPrefixed(in, &tenant)) return false;
  meta->tenant.assign(tenant);
  return GetVarint32(in, &meta->rows) && GetVarintSigned64(in, &meta->window_start) &&
         GetVarintSigned64(in, &meta->min_time) && GetVarintSigned64(in, &meta->max_time) &&
         GetVarint64(in, &meta->min_seq) && GetVarint64(in, &meta->max_seq);
}

}  // namespace auditlog::storage::segment

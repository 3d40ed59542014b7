#include "event/event_id.h"

#include <fmt/format.h>

#include "event/event.h"

namespace auditlog::event {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int CrockfordValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (int value = 10; value < 32; ++value) {
    if (kCrockford[value] == c) return value;
  }
  return -1;
}

}  // namespace

std::string EncodeUlid(uint64_t time_ms, const std::array<uint8_t, 10>& random_bits) {
  // 128 bits as two words: [time:48 | random:80].
  const uint64_t high =
      (time_ms << 16) | (static_cast<uint64_t>(random_bits[0]) << 8) | random_bits[1];
  uint64_t low = 0;
  for (int byte_idx = 2; byte_idx < 10; ++byte_idx)
    low = (low << 8) | random_bits[static_cast<size_t>(byte_idx)];
  std::string out(kUlidLength, '0');
  // Character i holds bits [125 - 5i, 130 - 5i) of the 130-bit left-padded number.
  for (int char_idx = 0; char_idx < static_cast<int>(kUlidLength); ++char_idx) {
    const int shift = 125 - 5 * char_idx;  // bit index of the lowest bit of this char
    uint64_t value;
    if (shift >= 64) {
      value = high >> (shift - 64);
    } else if (shift > 59) {
      value = (high << (64 - shift)) | (low >> shift);
    } else {
      value = low >> shift;
    }
    out[static_cast<size_t>(char_idx)] = kCrockford[value & 31];
  }
  return out;
}

std::string EventIdGenerator::Next(int64_t now_ms) {
  if (now_ms <= last_ms_) {
    // Same (or earlier) millisecond: increment the 80-bit random part.
    for (int byte_idx = 9; byte_idx >= 0; --byte_idx) {
      if (++last_random_[static_cast<size_t>(byte_idx)] != 0) break;
    }
  } else {
    last_ms_ = now_ms;
    random_.Fill(std::span<uint8_t>(last_random_.data(), last_random_.size()));
    // Keep headroom so increments within one millisecond never wrap.
    last_random_[0] &= 0x7f;
  }
  return EncodeUlid(static_cast<uint64_t>(last_ms_) & 0xFFFFFFFFFFFFull, last_random_);
}

bool IsUlid(std::string_view text) {
  if (text.size() != kUlidLength) return false;
  for (char c : text) {
    if (CrockfordValue(c) < 0) return false;
  }
  return CrockfordValue(text[0]) <= 7;
}

uint64_t UlidTimeMs(std::string_view text) {
  uint64_t value = 0;
  for (size_t char_idx = 0; char_idx < 10; ++char_idx)
    value = (value << 5) | static_cast<uint64_t>(CrockfordValue(text[char_idx]));
  return value;
}

Status ValidateClientId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("empty id");
  if (id.size() > kMaxIdBytes) {
    return Status::InvalidArgument(fmt::format("id longer than {} bytes", kMaxIdBytes));
  }
  for (size_t byte_idx = 0; byte_idx < id.size(); ++byte_idx) {
    const auto c = static_cast<unsigned char>(id[byte_idx]);
    if (c <= 0x20 || c >= 0x7f) {
      return Status::InvalidArgument(fmt::format(
          "id may hold only printable ASCII without spaces (byte {} is 0x{:02x})", byte_idx, c));
    }
  }
  return Status::OK();
}

}  // namespace auditlog::event

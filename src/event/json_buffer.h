#pragma once

// JSON text the simdjson parsers may read past. simdjson reads up to
// kJsonPadding bytes beyond the end of its input with SIMD loads, so every
// buffer handed to a JSON decoder must own that many readable bytes after the
// text. PaddedBuffer owns such memory; PaddedView is a slice of one (any slice
// of a padded buffer is itself padded, because the buffer's tail stays readable).

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace auditlog::event {

inline constexpr size_t kJsonPadding = 64;

// A view of `size` bytes at `data` followed by at least kJsonPadding readable bytes.
// Does not own memory; valid while the PaddedBuffer it came from is.
struct PaddedView {
  const char* data = nullptr;
  size_t size = 0;

  std::string_view text() const { return {data, size}; }
  // A sub-slice: still padded since the parent's tail follows it.
  PaddedView Slice(size_t offset, size_t length) const { return {data + offset, length}; }
};

// Owns `size` bytes plus zeroed padding. Move-only.
class PaddedBuffer {
 public:
  PaddedBuffer() = default;
  explicit PaddedBuffer(std::string_view text) : PaddedBuffer(text.size()) {
    if (!text.empty()) std::memcpy(data_.get(), text.data(), text.size());
  }
  // Uninitialised contents of `size` bytes (fill through mutable_data()).
  explicit PaddedBuffer(size_t size) : data_(new char[size + kJsonPadding]), size_(size) {
    std::memset(data_.get() + size, 0, kJsonPadding);
  }
  PaddedBuffer(PaddedBuffer&&) noexcept = default;
  PaddedBuffer& operator=(PaddedBuffer&&) noexcept = default;

  char* mutable_data() { return data_.get(); }
  size_t size() const { return size_; }
  PaddedView view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
};

}  // namespace auditlog::event

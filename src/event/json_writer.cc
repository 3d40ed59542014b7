#include "event/json_writer.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/check.h"

namespace auditlog::event {

namespace {

#if defined(__SSE2__)
// A mask of the bytes of `block` that need escaping.
inline uint32_t EscapeMask(__m128i block) {
  const __m128i quote = _mm_cmpeq_epi8(block, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'));
  // Unsigned c <= 0x1f: max(c, 0x1f) == 0x1f.
  const __m128i control =
      _mm_cmpeq_epi8(_mm_max_epu8(block, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
}
#endif

// The position of the first byte at or after `from` that needs escaping, or
// value.size(). Sixteen bytes at a time where SSE2 is there (every x86-64):
// the strings of an event are mostly 10-100 bytes with nothing to escape,
// and testing them eight bytes at a time with a byte-by-byte tail was a
// third of rendering a page of events.
size_t FindEscape(std::string_view value, size_t from) {
  const size_t size = value.size();
#if defined(__SSE2__)
  for (; from + 16 <= size; from += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + from));
    if (const uint32_t mask = EscapeMask(block))
      return from + static_cast<size_t>(__builtin_ctz(mask));
  }
  if (from < size) {
    // The tail, padded with a byte that needs no escaping.
    alignas(16) char tail[16];
    std::memset(tail, 'a', sizeof(tail));
    std::memcpy(tail, value.data() + from, size - from);
    if (const uint32_t mask = EscapeMask(_mm_load_si128(reinterpret_cast<const __m128i*>(tail))))
      return from + static_cast<size_t>(__builtin_ctz(mask));
  }
  return size;
#else
  while (from < size) {
    const auto c = static_cast<unsigned char>(value[from]);
    if (c < 0x20 || c == '"' || c == '\\') break;
    ++from;
  }
  return from;
#endif
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run_start = 0;
  for (;;) {
    const size_t escape_at = FindEscape(value, run_start);
    out->append(value.data() + run_start, escape_at - run_start);
    if (escape_at == value.size()) break;
    run_start = escape_at + 1;
    const auto c = static_cast<unsigned char>(value[escape_at]);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(escaped, sizeof(escaped));
      }
    }
  }
  out->push_back('"');
}

namespace {

// memcpy, with the sizes of most values (names, ids, countries: up to 16
// bytes) copied inline by two overlapping moves that stay within both
// ranges: a page of events writes a few hundred of them, and the call was
// a fifth of writing each.
void CopyBytes(char* out, const char* from, size_t size) {
  if (size >= 8 && size <= 16) {
    uint64_t head, tail;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + size - 8, 8);
    std::memcpy(out, &head, 8);
    std::memcpy(out + size - 8, &tail, 8);
  } else if (size >= 4 && size < 8) {
    uint32_t head, tail;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + size - 4, 4);
    std::memcpy(out, &head, 4);
    std::memcpy(out + size - 4, &tail, 4);
  } else if (size < 4) {
    for (size_t i = 0; i < size; ++i) out[i] = from[i];
  } else {
    std::memcpy(out, from, size);
  }
}

}  // namespace

char* WriteJsonString(char* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out++ = '"';
  const size_t size = value.size();
  // Copied whole, then scanned where it was copied to: the bytes past its
  // end are the caller's room, so no tail needs padding (AppendJsonString's
  // copy of each tail was most of its time for short values).
  CopyBytes(out, value.data(), size);
#if defined(__SSE2__)
  size_t at = size;
  for (size_t block = 0; block < size; block += 16) {
    uint32_t mask = EscapeMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(out + block)));
    if (size - block < 16) mask &= (uint32_t{1} << (size - block)) - 1;
    if (mask != 0) {
      at = block + static_cast<size_t>(__builtin_ctz(mask));
      break;
    }
  }
#else
  size_t at = FindEscape(value, 0);
#endif
  if (at == size) {
    out += size;
    *out++ = '"';
    return out;
  }
  // Byte by byte from the first that needs escaping.
  char* p = out + at;
  for (; at < size; ++at) {
    const auto c = static_cast<unsigned char>(value[at]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
        *p++ = '"';
        break;
      case '\\':
        *p++ = '\\';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      default:
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 15];
    }
  }
  *p++ = '"';
  return p;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_in_scope_.empty()) {
    if (!first_in_scope_.back()) out_->push_back(',');
    first_in_scope_.back() = false;
  }
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  first_in_scope_.push_back(true);
}

void JsonWriter::EndObject() {
  AL_DCHECK(!first_in_scope_.empty(), "EndObject matches a BeginObject");
  first_in_scope_.pop_back();
  out_->push_back('}');
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  first_in_scope_.push_back(true);
}

void JsonWriter::EndArray() {
  AL_DCHECK(!first_in_scope_.empty(), "EndArray matches a BeginArray");
  first_in_scope_.pop_back();
  out_->push_back(']');
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  fmt::format_to(std::back_inserter(*out_), "{}", value);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  fmt::format_to(std::back_inserter(*out_), "{}", value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  fmt::format_to(std::back_inserter(*out_), "{}", value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
}

void JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
}

}  // namespace auditlog::event

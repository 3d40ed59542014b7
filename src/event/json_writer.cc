#include "event/json_writer.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

#include "common/check.h"

namespace auditlog::event {

void AppendJsonString(std::string* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run_start = 0;
  size_t byte_idx = 0;
  // Eight bytes at a time while none needs escaping (a byte below 0x20, '"'
  // or '\\'): most strings pass whole.
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  for (;;) {
    while (byte_idx + 8 <= value.size()) {
      uint64_t word;
      std::memcpy(&word, value.data() + byte_idx, 8);
      const uint64_t control = (word - kOnes * 0x20) & ~word;
      const uint64_t quote = ((word ^ (kOnes * '"')) - kOnes) & ~(word ^ (kOnes * '"'));
      const uint64_t backslash = ((word ^ (kOnes * '\\')) - kOnes) & ~(word ^ (kOnes * '\\'));
      if (((control | quote | backslash) & kHighs) != 0) break;
      byte_idx += 8;
    }
    if (byte_idx >= value.size()) break;
    const auto c = static_cast<unsigned char>(value[byte_idx++]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    const size_t escape_at = byte_idx - 1;
    out->append(value.data() + run_start, escape_at - run_start);
    run_start = escape_at + 1;
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
  out->append(value.data() + run_start, value.size() - run_start);
  out->push_back('"');
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

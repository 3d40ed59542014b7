#pragma once

// JsonWriter appends compact JSON to a std::string: the encoder of the native
// event form and of every dialect's responses. It inserts commas itself and
// escapes strings (quote, backslash, control characters; UTF-8 passes through,
// so callers must hand it valid UTF-8). It does not check that calls nest
// correctly beyond debug assertions.
//
// Not thread-safe; cheap to create.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace auditlog::event {

class JsonWriter {
 public:
  // `out` must outlive the writer; output is appended.
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // Writes a member name; the next call writes its value.
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Double(double value);  // shortest round-trip form
  void Bool(bool value);
  void Null();
  // Writes already-encoded JSON (e.g. a stored `details` object) as one value.
  void Raw(std::string_view json);

  // Key + value in one call, for the common case.
  void Member(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }

 private:
  void BeforeValue();

  std::string* out_;
  std::vector<bool> first_in_scope_;  // one entry per open object/array
  bool after_key_ = false;
};

// Appends `value` as a JSON string literal (with quotes) to `out`.
void AppendJsonString(std::string* out, std::string_view value);

// The room WriteJsonString needs for a value of `bytes` bytes: each byte
// escaped as \u00XX, the quotes, and 16 bytes it may read past its end.
constexpr size_t JsonStringRoom(size_t bytes) { return 6 * bytes + 2 + 16; }

// Writes `value` as a JSON string literal at `out` and returns the end of
// what it wrote: AppendJsonString for writers that manage their own buffer
// (a page of events). REQUIRES: JsonStringRoom(value.size()) bytes at
// `out`, every one initialized (the value is copied first and then scanned
// sixteen bytes at a time, reading past its end).
char* WriteJsonString(char* out, std::string_view value);

}  // namespace auditlog::event

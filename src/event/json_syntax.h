#pragma once

// Locating a JSON syntax error. simdjson says that a text is not JSON but not
// where; ingest runs FindJsonSyntaxError on a record only after its decoder has
// rejected it, so that a 400 can name the line and column of the mistake
// ("event: malformed JSON at line 2, column 3: unexpected character 'o'").
//
// The scanner follows RFC 8259 and agrees with simdjson's DOM parser on which
// texts are valid (fuzz/json_syntax_fuzz.cc checks it), with one exception:
// it checks the grammar of numbers, not their range, so "1e400" and integers
// past 64 bits are valid here while simdjson rejects them. Like simdjson, it
// requires UTF-8, pairs every \u surrogate, and limits nesting to
// kMaxJsonNestingDepth. It allocates nothing but the reason and never
// recurses, so any input is safe.
//
// Thread-safety: free functions over caller-owned text; no state.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace auditlog::event {

// The deepest nesting of arrays and objects accepted, as in simdjson's
// default: 1024 brackets open at once are valid, 1025 are not.
inline constexpr size_t kMaxJsonNestingDepth = 1024;

struct JsonSyntaxError {
  // The byte of the text where it stops being valid JSON: the unexpected byte,
  // text.size() when the text ends too early, or for an unterminated string
  // the quote that opens it (the end of the text says nothing useful there).
  size_t offset = 0;
  // What is wrong there, lower case: "expected ':' after an object key".
  std::string reason;
  // True when the text is rejected only because a bracket at `offset` opens
  // more than kMaxJsonNestingDepth levels: a limit, not a grammar error. A
  // decoder usually names a depth problem better (its field and its limit).
  bool nesting_limit = false;

  friend bool operator==(const JsonSyntaxError&, const JsonSyntaxError&) = default;
};

// Where `text` first stops being one valid JSON value (optionally surrounded
// by whitespace), or nullopt when it is valid. Reasons:
//   "unexpected end of input"             "trailing characters after the value"
//   "unexpected character 'o'"            "unexpected byte 0xc3" (not printable ASCII)
//   "expected ':' after an object key"    "expected ',' or '}' after an object member"
//   "expected ',' or ']' after an array element"
//   "unterminated string"                 "unterminated string: line break before the closing
//   quote" "invalid escape \q"                   "invalid \u escape (expected 4 hex digits)"
//   "invalid escape: byte 0x01 after '\'"
//   "unpaired surrogate \ud800"           "control character in a string"
//   "invalid UTF-8"                       "invalid number"
//   "invalid literal (expected true)"     "nesting deeper than 1024"
// Linear in the text's size.
std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text);

// The 1-based line and column of byte `offset` in `text`. Lines end at '\n';
// columns count bytes, so a multi-byte UTF-8 character takes several, and a
// '\r' before the '\n' is the last column of its line. `offset` may be
// text.size() (the end of the text); a larger one is treated as text.size().
std::pair<size_t, size_t> LineAndColumn(std::string_view text, size_t offset);

}  // namespace auditlog::event

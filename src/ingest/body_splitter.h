#pragma once

// Splitting a request body into records before any record is decoded, so that
// one bad record is reported by its position while the others still decode.
// The splitters look only at structure (brackets, quotes, newlines); the
// decoders validate everything else.

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace auditlog::ingest {

// One record's bytes within the body.
struct RecordSpan {
  size_t offset = 0;  // byte offset in the body
  size_t length = 0;
  size_t line = 0;  // 1-based line the record starts on
};

enum class BodyFormat : uint8_t {
  kAuto = 0,      // detect (DetectBodyFormat)
  kObject = 1,    // one JSON object (possibly a dialect's list envelope)
  kArray = 2,     // a JSON array of records
  kNdjson = 3,    // one JSON object per line
  kLogLines = 4,  // one text log line per line (Authing "[ts] key=value ...")
};

std::string_view BodyFormatName(BodyFormat format);

// Decides the format from the first bytes: "[YYYY-" → kLogLines,
// '[' otherwise → kArray; '{' → kNdjson when other non-blank lines follow and
// the first line or the second non-blank one holds a whole object ('{' ...
// '}'), else kObject. Errors on an empty body or one that starts with
// anything else.
Result<BodyFormat> DetectBodyFormat(std::string_view body);

// Splits on '\n' (a '\r' before it is dropped); blank lines are skipped but
// counted, so RecordSpan::line is the line number a text editor shows.
std::vector<RecordSpan> SplitLines(std::string_view body);

// Splits a JSON array into its elements (whitespace trimmed). Errors when the
// array's brackets or quotes do not balance, an element is empty ("[1,,2]"),
// or anything but whitespace follows the closing ']'. `base_offset` and
// `base_line` locate `array_text` within a larger body.
Result<std::vector<RecordSpan>> SplitJsonArray(std::string_view array_text, size_t base_offset = 0,
                                               size_t base_line = 1);

// Finds the JSON array at `pointer` (a JSON pointer such as "/data/list") in
// the object that is `body`, by structure alone: one malformed record inside
// the array must not hide the good ones around it. Returns the array's offset
// and length within `body`, or nullopt when the body is not one balanced
// object, a name on the path is missing, or the value there is not an array.
// Names are compared as written (envelope names carry no escapes).
std::optional<std::pair<size_t, size_t>> FindEnvelopeArray(std::string_view body,
                                                           std::string_view pointer);

}  // namespace auditlog::ingest

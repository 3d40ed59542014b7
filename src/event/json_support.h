#pragma once

// Helpers shared by every JSON decoder (the native codec here and the dialect
// decoders in ingest/): reading typed values out of a simdjson On-Demand
// document with errors that name the field path, and validating free-form JSON
// (`details`) fully, with a nesting limit.
//
// This header includes simdjson; include it from .cc files only so that the
// large simdjson header stays out of the public ones.

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/status.h"
#include "event/event.h"
#include "event/fields.h"
#include "event/json_buffer.h"
#include "event/time.h"

namespace auditlog::event::json {

namespace od = simdjson::ondemand;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING, "PaddedBuffer must satisfy simdjson");

// "prefix.key", or "key" when prefix is empty.
std::string JoinPath(std::string_view prefix, std::string_view key);

// The member name of `field`. Names without escapes (nearly all) are viewed
// in place in the input, skipping simdjson's unescape copy; others are
// unescaped into the parser's buffer. Valid until the parser's next document.
inline simdjson::simdjson_result<std::string_view> FieldName(od::field& field) {
  const char* start = field.key().raw();
#if defined(__SSE2__)
  // Keys are short: look for the closing quote (or a backslash) in the first
  // 16 bytes at once. Reading 16 bytes is safe: the record is padded.
  const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(start));
  const int stops = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('"')),
                                                   _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\'))));
  if (stops != 0) {
    const int stop = __builtin_ctz(static_cast<unsigned>(stops));
    if (start[stop] == '"') return std::string_view(start, static_cast<size_t>(stop));
    return field.unescaped_key();
  }
#endif
  const char* end = start;
  // The closing quote exists: simdjson's first pass matched every string.
  while (*end != '"' && *end != '\\') ++end;
  if (*end == '"') return std::string_view(start, static_cast<size_t>(end - start));
  return field.unescaped_key();
}

// "<path>: not <expected>", e.g. TypeError("actor.email", "a string").
Status TypeError(std::string_view path, std::string_view expected);
// "<path>: <what simdjson found wrong>".
Status SyntaxError(std::string_view path, simdjson::error_code error);

// How a decoder treats the literal string "null" (Authing writes it for absent values).
enum class NullText : uint8_t { kIsText = 0, kIsAbsent = 1 };

// Reads a string. JSON null leaves `out` empty. Any other type is an error.
Status ReadString(od::value& value, std::string_view path, std::string* out,
                  NullText null_text = NullText::kIsText);
// Reads a string or a number (kept as its JSON text, e.g. 42 -> "42"): some
// sources send ids and codes as numbers.
Status ReadStringOrNumber(od::value& value, std::string_view path, std::string* out,
                          NullText null_text = NullText::kIsText);
// Reads an RFC 3339 string, or an epoch number (number or digit string) in `unit`.
Status ReadTime(od::value& value, std::string_view path, EpochUnit unit,
                std::optional<UnixMicros>* out, NullText null_text = NullText::kIsText);
Status ReadDouble(od::value& value, std::string_view path, std::optional<double>* out);
Status ReadBool(od::value& value, std::string_view path, std::optional<bool>* out);
Status ReadUint64(od::value& value, std::string_view path, uint64_t* out);
// Accepts "success"/"failure" (and the synonyms of OutcomeFromText).
// Accepts a boolean or the spellings of OutcomeFromText. An unknown spelling
// is an error, unless `unknown_outcomes` is given: then it is kept there under
// `path` and the result stays unset.
Status ReadOutcome(od::value& value, std::string_view path, Outcome* out,
                   NullText null_text = NullText::kIsText, bool numbers_as_strings = false,
                   class DetailsBuilder* unknown_outcomes = nullptr);

// How a decoder reads the registry's fields from its records.
struct FieldReadOptions {
  EpochUnit epoch_unit = EpochUnit::kMilliseconds;  // for bare numbers in time fields
  NullText null_text = NullText::kIsText;
  bool numbers_as_strings = false;  // dialects send some ids and codes as numbers
};

// Reads `value` (member `path` of the record) into the field `spec` of
// `event`: the one switch over FieldType that every JSON decoder uses.
// `unknown_outcomes`: as for ReadOutcome.
Status ReadRegistryField(const FieldSpec& spec, od::value& value, std::string_view path,
                         const FieldReadOptions& options, Event* event,
                         class DetailsBuilder* unknown_outcomes = nullptr);

// Maps the many spellings of a result onto Outcome: success/succeeded/ok/true/成功,
// failure/failed/fail/error/false/失败 (case-insensitive). nullopt when unknown.
std::optional<Outcome> OutcomeFromText(std::string_view text);

// The members of the JSON object `object_text`, in order, as (name
// unescaped, value's JSON text as written). For stored `details`, which are
// minified, the values are minified. nullopt when the text is not one
// well-formed object (structure checked only, as RawJsonText does).
std::optional<std::vector<std::pair<std::string, std::string>>> ObjectMembers(
    std::string_view object_text);

// The text of `value` as written in the document: an object or array whole,
// a scalar's token, trailing whitespace dropped. For JSON already known to be
// valid (stored `details`); it checks structure only. nullopt on an error.
std::optional<std::string_view> RawJsonText(od::value& value);

// Validates any JSON value fully (every scalar parsed, nesting at most
// `max_depth` counting the value itself as 1) and appends its minified text to
// `out`. Object values are the case that matters: `details`.
// REQUIRES: the text of `value` lies in a padded buffer.
Status CopyValidatedValue(od::value& value, std::string_view path, int max_depth, std::string* out);

// Like CopyValidatedValue with the details nesting limit, but the value must
// be an object; null leaves `out` empty, and so does `{}`. When `top_keys` is
// given, the object's member names are appended to it.
Status CopyDetailsObject(od::value& value, std::string_view path, std::string* out,
                         std::vector<std::string>* top_keys = nullptr);

// Collects members for an event's `details` that a dialect has no canonical
// field for, then merges them into the details object the record carried (if
// any). A name already taken is stored as "@<name>" (then "@<name>#2",
// "@<name>#3", ...), so nothing is lost (docs/dialects/README.md). Linear in
// the number of members, however many share a name.
class DetailsBuilder {
 public:
  bool empty() const { return members_.empty(); }
  // `raw_json` must be valid minified JSON. A member equal to one already
  // added (same name, same value) is not added twice.
  void AddRaw(std::string_view key, std::string_view raw_json);
  void AddString(std::string_view key, std::string_view value);
  // Adds every member of `other`, as AddRaw does.
  void Absorb(DetailsBuilder&& other);
  // Returns the merged object text: `base` (minified object text or empty,
  // whose member names are `base_keys`) plus the collected members. Empty when
  // both are empty.
  std::string Finish(std::string base, const std::vector<std::string>& base_keys) &&;

 private:
  // Records carry a handful of extra members: up to this many, duplicates
  // are found by a scan that allocates nothing; past it, through seen_, so
  // adversarial records with thousands of members stay linear.
  static constexpr size_t kScanLimit = 16;

  bool Contains(std::string_view key, std::string_view raw_json);

  std::vector<std::pair<std::string, std::string>> members_;  // name, raw JSON
  std::unordered_set<std::string> seen_;  // name '\0' raw JSON, once past kScanLimit
};

// Opens `json` as an On-Demand document. The caller checks the document type.
Status Iterate(od::parser& parser, PaddedView json, od::document* doc);

// After a document's top-level value is consumed: error if anything but
// whitespace follows it.
Status CheckAtEnd(od::document& doc);

}  // namespace auditlog::event::json

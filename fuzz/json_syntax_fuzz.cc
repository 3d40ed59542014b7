// Differential fuzzing of the JSON syntax scanner against simdjson's DOM parser.
// Invariants: FindJsonSyntaxError never crashes or reads out of bounds, on
// any bytes and any nesting; it calls a text valid exactly when simdjson
// parses it, except for numbers out of simdjson's range (the scanner checks
// their grammar only), which a disagreement must contain: a run of 19 or more
// digits, or an exponent of 3 or more digits; its error lies within the text
// (at most one past the end) with a reason; and LineAndColumn places that
// offset on a line and column that lead back to it.

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "event/json_syntax.h"

namespace {

// Whether `text` holds a number simdjson may refuse as out of range: an
// integer past 64 bits or a double past DBL_MAX needs one of these.
bool MayHoldOutOfRangeNumber(std::string_view text) {
  size_t digit_run = 0;
  bool after_exponent = false;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c >= '0' && c <= '9') {
      ++digit_run;
      if (digit_run >= 19 || (after_exponent && digit_run >= 3)) return true;
      continue;
    }
    if ((c == '+' || c == '-') && digit_run == 0 && after_exponent) continue;
    after_exponent = (c == 'e' || c == 'E') && digit_run > 0;
    digit_run = 0;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace auditlog::event;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto error = FindJsonSyntaxError(text);

  static simdjson::dom::parser* parser = new simdjson::dom::parser();
  const simdjson::padded_string padded(text);
  simdjson::dom::element root;
  const simdjson::error_code simdjson_error = parser->parse(padded).get(root);

  if (!error && simdjson_error != simdjson::SUCCESS) {
    const bool range_only =
        simdjson_error == simdjson::NUMBER_ERROR && MayHoldOutOfRangeNumber(text);
    if (!range_only) std::abort();
  }
  if (error) {
    if (simdjson_error == simdjson::SUCCESS) std::abort();
    if (error->offset > text.size() || error->reason.empty()) std::abort();
    // The line starts at the text's start or after a '\n', holds no '\n'
    // before the offset, and has line - 1 of them before it.
    const auto [line, column] = LineAndColumn(text, error->offset);
    if (column < 1 || column - 1 > error->offset) std::abort();
    const size_t line_start = error->offset - (column - 1);
    if (line_start > 0 && text[line_start - 1] != '\n') std::abort();
    if (text.substr(line_start, column - 1).find('\n') != std::string_view::npos) std::abort();
    const auto newlines_before = std::count(text.begin(), text.begin() + line_start, '\n');
    if (static_cast<size_t>(newlines_before) + 1 != line) std::abort();
  }
  return 0;
}

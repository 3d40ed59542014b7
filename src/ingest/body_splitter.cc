#include "ingest/body_splitter.h"

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>

#include "event/json_syntax.h"

namespace auditlog::ingest {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsJsonSpace(text[pos])) ++pos;
  return pos;
}

}  // namespace

std::string_view BodyFormatName(BodyFormat format) {
  switch (format) {
    case BodyFormat::kAuto:
      return "auto";
    case BodyFormat::kObject:
      return "object";
    case BodyFormat::kArray:
      return "array";
    case BodyFormat::kNdjson:
      return "ndjson";
    case BodyFormat::kLogLines:
      return "lines";
  }
  return "?";
}

Result<BodyFormat> DetectBodyFormat(std::string_view body) {
  const size_t start = SkipSpace(body, 0);
  if (start == body.size()) return Status::InvalidArgument("body: empty");
  const char first = body[start];
  if (first == '[') {
    // A log line opens with "[YYYY-" (its time); a JSON array never does.
    const std::string_view head = body.substr(start + 1, 5);
    const bool dated =
        head.size() == 5 && head[4] == '-' &&
        std::all_of(head.begin(), head.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
    return dated ? BodyFormat::kLogLines : BodyFormat::kArray;
  }
  if (first != '{') {
    return Status::InvalidArgument("body: expected a JSON object, a JSON array or NDJSON");
  }
  // NDJSON when more lines follow and either the first line or the second
  // non-blank one is a whole object on its own ('{' ... '}'); a pretty-printed
  // object has a lone '{' (or a partial object) on its first line and a member
  // on its second. Judged by the lines' ends only, so a broken record on either
  // line still lets the good lines through.
  const size_t line_end = body.find('\n', start);
  if (line_end == std::string_view::npos) return BodyFormat::kObject;
  const size_t second_start = SkipSpace(body, line_end);
  if (second_start == body.size()) return BodyFormat::kObject;
  auto whole_object_line = [&](size_t from) {
    size_t to = body.find('\n', from);
    if (to == std::string_view::npos) to = body.size();
    while (to > from && IsJsonSpace(body[to - 1])) --to;
    return to - from >= 2 && body[from] == '{' && body[to - 1] == '}';
  };
  return whole_object_line(start) || whole_object_line(second_start) ? BodyFormat::kNdjson
                                                                     : BodyFormat::kObject;
}

std::vector<RecordSpan> SplitLines(std::string_view body) {
  std::vector<RecordSpan> spans;
  size_t line_start = 0;
  size_t line_number = 1;
  while (line_start < body.size()) {
    const void* newline = std::memchr(body.data() + line_start, '\n', body.size() - line_start);
    const size_t line_end =
        newline ? static_cast<size_t>(static_cast<const char*>(newline) - body.data())
                : body.size();
    size_t first = line_start;
    size_t last = line_end;
    while (first < last && IsJsonSpace(body[first])) ++first;
    while (last > first && IsJsonSpace(body[last - 1])) --last;
    if (last > first) spans.push_back(RecordSpan{first, last - first, line_number});
    line_start = line_end + 1;
    ++line_number;
  }
  return spans;
}

namespace {

// The array never closes. Names the first place where its text stops being
// JSON: often an unterminated string or a missing ']' at the very end, but an
// earlier broken element comes first. Lines count from `base_line`; columns
// are the body's, because only a whole body can be unbalanced (an envelope's
// array was found balanced by FindEnvelopeArray, which reads quotes and
// brackets as the splitter does).
Status UnclosedArrayError(std::string_view array_text, size_t base_line) {
  const std::optional<event::JsonSyntaxError> error = event::FindJsonSyntaxError(array_text);
  if (!error || error->nesting_limit) {
    // Valid JSON always splits; nesting deeper than the scanner follows says
    // nothing about where the array breaks.
    return Status::InvalidArgument("body: malformed JSON array (truncated or unbalanced)");
  }
  const auto [line, column] = event::LineAndColumn(array_text, error->offset);
  return Status::InvalidArgument(fmt::format("body: malformed JSON array at line {}, column {}: {}",
                                             base_line + line - 1, column, error->reason));
}

bool IsStructural(char c) {
  return c == '"' || c == '\\' || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' ||
         c == '\n';
}

// Calls `visit(pos)` for every position in text[from..) holding a byte that
// matters to the array splitter (IsStructural), in order, until it returns
// false. Sixteen bytes at a time: most of a body is string content and
// whitespace, which this skips without looking at each byte.
template <typename Visit>
void ForEachStructural(std::string_view text, size_t from, Visit&& visit) {
  size_t pos = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i open_brace = _mm_set1_epi8('{');
  const __m128i close_brace = _mm_set1_epi8('}');
  const __m128i open_bracket = _mm_set1_epi8('[');
  const __m128i close_bracket = _mm_set1_epi8(']');
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i newline = _mm_set1_epi8('\n');
  for (; pos + 16 <= text.size(); pos += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + pos));
    const __m128i hits = _mm_or_si128(
        _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
            _mm_or_si128(_mm_cmpeq_epi8(chunk, open_brace), _mm_cmpeq_epi8(chunk, close_brace))),
        _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(chunk, open_bracket), _mm_cmpeq_epi8(chunk, close_bracket)),
            _mm_or_si128(_mm_cmpeq_epi8(chunk, comma), _mm_cmpeq_epi8(chunk, newline))));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    while (mask != 0) {
      const auto bit = static_cast<size_t>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (!visit(pos + bit)) return;
    }
  }
#endif
  for (; pos < text.size(); ++pos) {
    if (IsStructural(text[pos]) && !visit(pos)) return;
  }
}

}  // namespace

Result<std::vector<RecordSpan>> SplitJsonArray(std::string_view array_text, size_t base_offset,
                                               size_t base_line) {
  std::vector<RecordSpan> spans;
  const size_t open = SkipSpace(array_text, 0);
  if (open == array_text.size() || array_text[open] != '[') {
    return Status::InvalidArgument("body: expected a JSON array");
  }
  size_t line = base_line;
  for (size_t skipped = 0; skipped < open; ++skipped) line += array_text[skipped] == '\n' ? 1 : 0;

  // The element that starts after the '[' or ',' at `separator`, and its line.
  size_t element_start = 0;
  size_t element_line = 0;
  auto begin_element = [&](size_t separator) {
    element_start = SkipSpace(array_text, separator + 1);
    element_line = line;
    for (size_t ws = separator + 1; ws < element_start; ++ws)
      element_line += array_text[ws] == '\n';
  };
  auto finish_element = [&](size_t separator) {
    size_t element_end = separator;
    while (element_end > element_start && IsJsonSpace(array_text[element_end - 1])) --element_end;
    spans.push_back(
        RecordSpan{base_offset + element_start, element_end - element_start, element_line});
  };
  begin_element(open);

  int depth = 0;
  bool in_string = false;
  size_t resume = 0;  // a backslash in a string makes the next byte plain
  size_t close = std::string_view::npos;
  Status status;
  ForEachStructural(array_text, open + 1, [&](size_t pos) {
    if (pos < resume) return true;
    const char c = array_text[pos];
    if (c == '\n') {
      ++line;
      return true;
    }
    if (in_string) {
      if (c == '\\') {
        resume = pos + 2;
        // The escaped byte is skipped; a (malformed) raw newline still counts.
        if (pos + 1 < array_text.size() && array_text[pos + 1] == '\n') ++line;
      } else if (c == '"') {
        in_string = false;
      }
      return true;
    }
    switch (c) {
      case '"':
        in_string = true;
        return true;
      case '{':
      case '[':
        ++depth;
        return true;
      case '}':
      case ']':
        if (depth > 0) {
          --depth;
          return true;
        }
        if (c == '}') {
          status = Status::InvalidArgument(
              fmt::format("body: unbalanced '}}' at byte {}", base_offset + pos));
          return false;
        }
        // The closing ']': "[]" holds no element; "[1,]" has an empty last one.
        if (element_start == pos) {
          if (!spans.empty()) {
            status = Status::InvalidArgument(
                fmt::format("body: empty array element at byte {}", base_offset + pos));
          }
        } else {
          finish_element(pos);
        }
        close = pos;
        return false;
      case ',':
        if (depth > 0) return true;
        if (element_start == pos) {
          status = Status::InvalidArgument(
              fmt::format("body: empty array element at byte {}", base_offset + pos));
          return false;
        }
        finish_element(pos);
        begin_element(pos);
        return true;
      default:
        return true;  // a backslash outside a string: the element's decoder will say why
    }
  });
  AL_RETURN_IF_ERROR(status);
  if (close == std::string_view::npos) return UnclosedArrayError(array_text, base_line);
  if (SkipSpace(array_text, close + 1) != array_text.size()) {
    return Status::InvalidArgument(fmt::format(
        "body: unexpected content after the JSON array at byte {}", base_offset + close + 1));
  }
  return spans;
}

namespace {

// The end (one past) of the string whose opening quote is at `pos`, or npos.
size_t SkipString(std::string_view text, size_t pos) {
  for (size_t at = pos + 1; at < text.size(); ++at) {
    if (text[at] == '\\') {
      ++at;
    } else if (text[at] == '"') {
      return at + 1;
    }
  }
  return std::string_view::npos;
}

// The end (one past) of the JSON value starting at `pos`, judged by
// structure only (brackets, quotes), or npos when it never ends.
size_t SkipValue(std::string_view text, size_t pos) {
  if (pos >= text.size()) return std::string_view::npos;
  const char first = text[pos];
  if (first == '"') return SkipString(text, pos);
  if (first != '{' && first != '[') {
    size_t at = pos;
    while (at < text.size() && text[at] != ',' && text[at] != '}' && text[at] != ']' &&
           !IsJsonSpace(text[at])) {
      ++at;
    }
    return at;
  }
  int depth = 0;
  for (size_t at = pos; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '"') {
      at = SkipString(text, at);
      if (at == std::string_view::npos) return at;
      --at;  // the loop's ++ moves past the closing quote
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return at + 1;
    }
  }
  return std::string_view::npos;
}

// The offset of the value of member `name` in the object starting at `pos`, or npos.
size_t FindMember(std::string_view text, size_t pos, std::string_view name) {
  if (pos >= text.size() || text[pos] != '{') return std::string_view::npos;
  size_t at = SkipSpace(text, pos + 1);
  while (at < text.size() && text[at] == '"') {
    const size_t key_end = SkipString(text, at);
    if (key_end == std::string_view::npos) return key_end;
    const std::string_view key = text.substr(at + 1, key_end - at - 2);
    at = SkipSpace(text, key_end);
    if (at >= text.size() || text[at] != ':') return std::string_view::npos;
    const size_t value = SkipSpace(text, at + 1);
    if (key == name) return value;
    at = SkipSpace(text, SkipValue(text, value));
    if (at >= text.size() || text[at] != ',') return std::string_view::npos;
    at = SkipSpace(text, at + 1);
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::pair<size_t, size_t>> FindEnvelopeArray(std::string_view body,
                                                           std::string_view pointer) {
  const size_t start = SkipSpace(body, 0);
  const size_t end = SkipValue(body, start);
  if (start >= body.size() || body[start] != '{' || end == std::string_view::npos ||
      SkipSpace(body, end) != body.size()) {
    return std::nullopt;
  }
  size_t at = start;
  while (!pointer.empty()) {
    if (pointer.front() != '/') return std::nullopt;
    pointer.remove_prefix(1);
    const size_t slash = pointer.find('/');
    const std::string_view name = pointer.substr(0, slash);
    pointer = slash == std::string_view::npos ? std::string_view() : pointer.substr(slash);
    at = FindMember(body, at, name);
    if (at == std::string_view::npos) return std::nullopt;
  }
  if (at >= body.size() || body[at] != '[') return std::nullopt;
  return std::make_pair(at, SkipValue(body, at) - at);
}

}  // namespace auditlog::ingest

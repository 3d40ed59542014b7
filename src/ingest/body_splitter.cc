#include "ingest/body_splitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

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
  // NDJSON when the first line is a whole object on its own and more lines
  // follow; a pretty-printed object has a lone '{' (or a partial object) on
  // its first line. Judged by the line's ends only, so a broken first record
  // still lets the good lines after it through.
  size_t line_end = body.find('\n', start);
  if (line_end == std::string_view::npos) return BodyFormat::kObject;
  size_t last = line_end;
  while (last > start && IsJsonSpace(body[last - 1])) --last;
  if (last - start < 2 || body[last - 1] != '}') return BodyFormat::kObject;
  return SkipSpace(body, line_end) == body.size() ? BodyFormat::kObject : BodyFormat::kNdjson;
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

Result<std::vector<RecordSpan>> SplitJsonArray(std::string_view array_text, size_t base_offset,
                                               size_t base_line) {
  std::vector<RecordSpan> spans;
  size_t pos = SkipSpace(array_text, 0);
  size_t line = base_line;
  for (size_t skipped = 0; skipped < pos; ++skipped) line += array_text[skipped] == '\n' ? 1 : 0;
  if (pos == array_text.size() || array_text[pos] != '[') {
    return Status::InvalidArgument("body: expected a JSON array");
  }
  ++pos;
  int depth = 0;
  bool in_string = false;
  bool closed = false;
  size_t element_start = std::string_view::npos;
  size_t element_line = line;
  size_t element_end = 0;  // one past the element's last non-space byte
  auto finish_element = [&](size_t at) -> Status {
    if (element_start == std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("body: empty array element at byte {}", base_offset + at));
    }
    spans.push_back(
        RecordSpan{base_offset + element_start, element_end - element_start, element_line});
    element_start = std::string_view::npos;
    return Status::OK();
  };
  for (; pos < array_text.size(); ++pos) {
    const char c = array_text[pos];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') {
        ++pos;
      } else if (c == '"') {
        in_string = false;
      }
      element_end = pos + 1;
      continue;
    }
    if (IsJsonSpace(c)) continue;
    if (depth == 0 && c == ',') {
      AL_RETURN_IF_ERROR(finish_element(pos));
      continue;
    }
    if (depth == 0 && c == ']') {
      // "[]" has no element; "[1,]" has an empty last one.
      if (element_start != std::string_view::npos || !spans.empty())
        AL_RETURN_IF_ERROR(finish_element(pos));
      closed = true;
      ++pos;
      break;
    }
    if (element_start == std::string_view::npos) {
      element_start = pos;
      element_line = line;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) {
        return Status::InvalidArgument(
            fmt::format("body: unbalanced '{}' at byte {}", c, base_offset + pos));
      }
    }
    element_end = pos + 1;
  }
  if (!closed)
    return Status::InvalidArgument("body: malformed JSON array (truncated or unbalanced)");
  if (SkipSpace(array_text, pos) != array_text.size()) {
    return Status::InvalidArgument(
        fmt::format("body: unexpected content after the JSON array at byte {}", base_offset + pos));
  }
  return spans;
}

}  // namespace auditlog::ingest

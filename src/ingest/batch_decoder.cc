#include "ingest/batch_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "common/check.h"
#include "event/event.h"
#include "event/json_syntax.h"

namespace auditlog::ingest {
namespace {

size_t LineOfOffset(std::string_view body, size_t offset) {
  return 1 + static_cast<size_t>(
                 std::count(body.begin(), body.begin() + static_cast<ptrdiff_t>(offset), '\n'));
}

// A single object may be a dialect's list response; if so, returns its records.
Result<std::vector<RecordSpan>> SplitObject(RecordDecoder& decoder, event::PaddedView body) {
  const std::string_view text = body.text();
  for (std::string_view pointer : decoder.EnvelopePointers()) {
    if (const auto array = FindEnvelopeArray(text, pointer)) {
      const auto [offset, length] = *array;
      return SplitJsonArray(text.substr(offset, length), offset, LineOfOffset(text, offset));
    }
  }
  // Not an envelope (or not even balanced JSON: the decoder will say why).
  size_t first = 0;
  size_t last = text.size();
  while (first < last && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  while (last > first && std::isspace(static_cast<unsigned char>(text[last - 1]))) --last;
  return std::vector<RecordSpan>{RecordSpan{first, last - first, LineOfOffset(text, first)}};
}

// Turns offsets in the body into lines and columns. Offsets must not decrease
// from one call to the next: each call reads only the bytes since the last
// one, so a body with many bad records is read once, not once per record.
class BodyLocator {
 public:
  explicit BodyLocator(std::string_view body) : body_(body) {}

  std::pair<size_t, size_t> Locate(size_t offset) {
    AL_DCHECK(offset >= located_ && offset <= body_.size(), "records are decoded in body order");
    const auto [lines_below, column_from_located] =
        event::LineAndColumn(body_.substr(located_), offset - located_);
    if (lines_below > 1) {
      line_ += lines_below - 1;
      line_start_ = offset - (column_from_located - 1);
    }
    located_ = offset;
    return {line_, offset - line_start_ + 1};
  }

 private:
  std::string_view body_;
  size_t located_ = 0;     // the last offset located
  size_t line_ = 1;        // the line of located_
  size_t line_start_ = 0;  // the offset where that line starts
};

// How the decoders name a whole record in their own errors: "event" in the
// native codec (event/json_codec.cc), "record" in the dialects (dialect_json.cc).
std::string_view RecordNoun(Dialect dialect) {
  return dialect == Dialect::kNative ? "event" : "record";
}

// The message for a rejected JSON record that is not valid JSON, naming the
// line and column in the body where it stops being JSON; nullopt when the
// decoder's own message should stand. That is so when the text is valid JSON
// (a problem of content, such as a missing field), when the only complaint is
// its nesting (the decoder names the field and its own, lower, limit), and
// for a record over the size limit (refused before parsing; the size is the
// first thing to fix). A decoder reading On-Demand may trip over content
// before it reaches a syntax error ("tru" read as a boolean where a string
// belongs), so the scan runs after any rejection, not only simdjson's. It
// never runs for a record that decoded: the valid path does not pay for it.
std::optional<std::string> MalformedJsonMessage(std::string_view noun, std::string_view body,
                                                const RecordSpan& span, BodyLocator& locator) {
  if (span.length > event::kMaxEventBytes) return std::nullopt;
  const std::optional<event::JsonSyntaxError> error =
      event::FindJsonSyntaxError(body.substr(span.offset, span.length));
  if (!error || error->nesting_limit) return std::nullopt;
  const auto [line, column] = locator.Locate(span.offset + error->offset);
  return fmt::format("{}: malformed JSON at line {}, column {}: {}", noun, line, column,
                     error->reason);
}

}  // namespace

Result<DecodedBatch> DecodeBody(RecordDecoder& decoder, event::PaddedView body, BodyFormat format) {
  DecodedBatch batch;
  if (format == BodyFormat::kAuto) {
    AL_ASSIGN_OR_RETURN(format, DetectBodyFormat(body.text()));
  }
  batch.format = format;
  std::vector<RecordSpan> spans;
  switch (format) {
    case BodyFormat::kObject: {
      AL_ASSIGN_OR_RETURN(spans, SplitObject(decoder, body));
      break;
    }
    case BodyFormat::kArray: {
      AL_ASSIGN_OR_RETURN(spans, SplitJsonArray(body.text()));
      break;
    }
    case BodyFormat::kNdjson:
    case BodyFormat::kLogLines:
      spans = SplitLines(body.text());
      break;
    case BodyFormat::kAuto:
      return Status::Internal("body: format not detected");
  }

  batch.record_count = spans.size();
  batch.events.reserve(spans.size());
  batch.event_indexes.reserve(spans.size());
  const bool line_oriented = format == BodyFormat::kNdjson || format == BodyFormat::kLogLines;
  BodyLocator locator(body.text());
  for (size_t record_idx = 0; record_idx < spans.size(); ++record_idx) {
    const RecordSpan& span = spans[record_idx];
    Status status;
    event::Event& event = batch.events.emplace_back();
    // Every decoder enforces kMaxEventBytes itself, before parsing.
    const bool is_json = !line_oriented || body.data[span.offset] == '{';
    if (is_json) {
      status = decoder.DecodeJson(body.Slice(span.offset, span.length), &event);
    } else {
      status = decoder.DecodeLine(std::string_view(body.data + span.offset, span.length), &event);
    }
    if (status.ok()) {
      batch.event_indexes.push_back(record_idx);
      continue;
    }
    batch.events.pop_back();
    std::optional<std::string> located;
    if (is_json) {
      located = MalformedJsonMessage(RecordNoun(decoder.dialect()), body.text(), span, locator);
    }
    batch.errors.push_back(RecordError{
        record_idx, span.line, located ? std::move(*located) : std::string(status.message())});
  }
  return batch;
}

}  // namespace auditlog::ingest

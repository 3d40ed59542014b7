#include "ingest/batch_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

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
  for (size_t record_idx = 0; record_idx < spans.size(); ++record_idx) {
    const RecordSpan& span = spans[record_idx];
    Status status;
    event::Event& event = batch.events.emplace_back();
    // Every decoder enforces kMaxEventBytes itself, before parsing.
    if (line_oriented && body.data[span.offset] != '{') {
      status = decoder.DecodeLine(std::string_view(body.data + span.offset, span.length), &event);
    } else {
      status = decoder.DecodeJson(body.Slice(span.offset, span.length), &event);
    }
    if (status.ok()) {
      batch.event_indexes.push_back(record_idx);
    } else {
      batch.events.pop_back();
      batch.errors.push_back(RecordError{record_idx, span.line, std::string(status.message())});
    }
  }
  return batch;
}

}  // namespace auditlog::ingest

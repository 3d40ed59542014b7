#pragma once

// DecodeBody splits a request body into records and decodes each with one
// dialect's RecordDecoder.
//
// Policy for bad records (the same for every dialect and format): a record
// that fails to decode or validate is reported by its index (0-based, in body
// order) and line, and every good record of the body is still returned. A
// body that cannot be split at all (an unbalanced JSON array, an empty body)
// is rejected whole. Callers then acknowledge the good records and answer
// with the errors (docs/dialects/README.md).
//
// A rejected JSON record whose text is not JSON is reported where it stops
// being JSON, by line and column in the whole body ("event: malformed JSON at
// line 2, column 3: unexpected character 'o'"), whatever the decoder tripped
// on first; the records that decode are never scanned for this.

#include <string>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "event/json_buffer.h"
#include "ingest/body_splitter.h"
#include "ingest/record_decoder.h"

namespace auditlog::ingest {

struct RecordError {
  size_t index = 0;  // 0-based record position in the body
  size_t line = 0;   // 1-based line the record starts on
  std::string message;

  friend bool operator==(const RecordError&, const RecordError&) = default;
};

struct DecodedBatch {
  BodyFormat format = BodyFormat::kAuto;  // as detected
  size_t record_count = 0;
  std::vector<event::Event> events;   // the good records, in body order
  std::vector<size_t> event_indexes;  // events[i] is record event_indexes[i]
  std::vector<RecordError> errors;    // the bad records, in body order
};

// REQUIRES: `body` lies in a padded buffer.
Result<DecodedBatch> DecodeBody(RecordDecoder& decoder, event::PaddedView body,
                                BodyFormat format = BodyFormat::kAuto);

}  // namespace auditlog::ingest

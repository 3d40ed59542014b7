#pragma once

// RecordDecoder turns one source record (a JSON object, or for Authing also a
// raw log line) of one dialect into the canonical Event. Each dialect's mapping
// is a table: the field registry's dialect columns (event/fields.h) plus the
// special cases in its decoder file, written out in docs/dialects/<name>.md.
//
// A decoder owns simdjson parsers; create one per thread and reuse it.
// Not thread-safe.

#include <memory>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "event/event.h"
#include "event/json_buffer.h"

namespace auditlog::ingest {

enum class Dialect : uint8_t { kNative = 1, kAuthing = 2, kEnos = 3, kAuth0 = 4 };

std::string_view DialectName(Dialect dialect);  // "native", "authing", "enos", "auth0"
Result<Dialect> DialectFromName(std::string_view name);

class RecordDecoder {
 public:
  virtual ~RecordDecoder() = default;

  virtual Dialect dialect() const = 0;

  // Decodes one record into `*out` (reset first) and validates it. Errors are
  // kInvalidArgument, naming the dialect's own field path first
  // ("user_id: not a string").
  // REQUIRES: `record` lies in a padded buffer (event/json_buffer.h).
  virtual Status DecodeJson(event::PaddedView record, event::Event* out) = 0;

  // Decodes one text log line. Only dialects with a line format (Authing)
  // accept these; others return kInvalidArgument.
  virtual Status DecodeLine(std::string_view line, event::Event* out);

  // JSON pointers at which this dialect's list responses carry their records
  // ("/data/list" for Authing), so a saved API response can be ingested as is.
  virtual std::vector<std::string_view> EnvelopePointers() const { return {}; }
};

std::unique_ptr<RecordDecoder> MakeRecordDecoder(Dialect dialect);

}  // namespace auditlog::ingest

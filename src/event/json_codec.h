#pragma once

// The native JSON form of an Event: snake_case names, nested objects for the
// groups (actor, client, operation, resource, security_context, geo, ua), times
// as RFC 3339 strings, absent fields omitted. docs/dialects/native.md has the
// full grammar; event/fields.h lists the names.
//
// Decoding is strict about shape (an unknown member is an error naming it, so a
// typo such as "acter" is caught, not silently dropped) and lenient about time
// forms (RFC 3339 or epoch milliseconds, as number or string). JSON null means
// absent everywhere. The decoded event is validated (event/validation.h).

#include <memory>
#include <string>

#include "common/status.h"
#include "event/event.h"
#include "event/json_buffer.h"

namespace auditlog::event {

// Appends the native JSON object for `event` to `out` (no newline).
void AppendEventJson(const Event& event, std::string* out);
std::string EventToJson(const Event& event);

// Decodes native JSON objects. Holds simdjson parsers and their buffers, so
// reuse one per thread rather than creating one per event.
// Not thread-safe.
class NativeJsonDecoder {
 public:
  NativeJsonDecoder();
  ~NativeJsonDecoder();
  NativeJsonDecoder(const NativeJsonDecoder&) = delete;
  NativeJsonDecoder& operator=(const NativeJsonDecoder&) = delete;

  // Decodes the one JSON object in `json` into `*out` (which is reset first).
  // Errors are kInvalidArgument with the field path first:
  // "actor.email: not a string", "timestamp: year 99999 out of range 1970..9999".
  Status Decode(PaddedView json, Event* out);

 private:
  struct Parsers;
  std::unique_ptr<Parsers> parsers_;
};

}  // namespace auditlog::event

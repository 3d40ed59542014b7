#pragma once

// Validation of a decoded Event, shared by every decoder so that all dialects
// enforce the same limits. Errors are kInvalidArgument and start with the
// native field path ("timestamp: out of range 1970..9999").
//
// Checked: `type` present; a client id well-formed (event/event_id.h); every
// string valid UTF-8 (invalid bytes are rejected, never replaced); times within
// 1970..9999; `details` an object nested at most kMaxDetailsDepth deep.
// Latitude and longitude are not range-checked (see validation.cc).

#include <string_view>

#include "common/status.h"
#include "event/event.h"

namespace auditlog::event {

// What a decoder already guarantees, so validation need not repeat it.
struct ValidationShortcuts {
  // Every string came out of input already checked as UTF-8 (simdjson checks
  // whole documents; the Authing line decoder checks the line).
  bool strings_are_utf8 = false;
  // `details` was produced by the validating JSON readers (event/json_support.h),
  // which enforce object shape, UTF-8 and the nesting limit.
  bool details_validated = false;
};

// What every JSON decoder of the project guarantees.
inline constexpr ValidationShortcuts kDecoderShortcuts{.strings_are_utf8 = true,
                                                       .details_validated = true};

Status ValidateEvent(const Event& event, ValidationShortcuts shortcuts = {});

// kInvalidArgument when a record's source text is over kMaxEventBytes. Every
// decoder checks this before parsing.
Status CheckEventSize(size_t record_bytes);

// True when `text` is valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool IsValidUtf8(std::string_view text);

// The nesting depth of JSON text (`{}` is 1, a scalar 0), counting brackets
// outside strings. For text already known to be valid JSON.
int JsonNestingDepth(std::string_view json);

}  // namespace auditlog::event

#include "event/validation.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "event/event_id.h"
#include "event/fields.h"
#include "event/time.h"

namespace auditlog::event {

Status CheckEventSize(size_t record_bytes) {
  if (record_bytes <= kMaxEventBytes) return Status::OK();
  return Status::InvalidArgument(
      fmt::format("event is {} bytes, over the limit of {}", record_bytes, kMaxEventBytes));
}

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

int JsonNestingDepth(std::string_view json) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  for (size_t byte_idx = 0; byte_idx < json.size(); ++byte_idx) {
    const char c = json[byte_idx];
    if (in_string) {
      if (c == '\\') {
        ++byte_idx;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

namespace {

Status CheckTime(const std::optional<UnixMicros>& time, std::string_view path) {
  if (time && (*time < kMinTimeMicros || *time > kMaxTimeMicros)) {
    return Status::InvalidArgument(fmt::format("{}: out of range 1970..9999", path));
  }
  return Status::OK();
}

}  // namespace

Status ValidateEvent(const Event& event, ValidationShortcuts shortcuts) {
  if (event.type.empty()) return Status::InvalidArgument("type: required");
  if (!event.id.empty()) AL_RETURN_IF_ERROR(ValidateClientId(event.id).WithContext("id"));
  for (const FieldSpec& spec : AllFields()) {
    if (shortcuts.strings_are_utf8) break;
    if (spec.string_member == nullptr) continue;
    if (!IsValidUtf8(StringField(spec, event))) {
      return Status::InvalidArgument(fmt::format("{}: invalid UTF-8", spec.path));
    }
  }
  AL_RETURN_IF_ERROR(CheckTime(event.timestamp, "timestamp"));
  AL_RETURN_IF_ERROR(CheckTime(event.received_at, "received_at"));
  if (!event.details.empty() && !shortcuts.details_validated) {
    if (event.details.front() != '{' || event.details.back() != '}') {
      return Status::InvalidArgument("details: not an object");
    }
    if (!IsValidUtf8(event.details)) return Status::InvalidArgument("details: invalid UTF-8");
    if (JsonNestingDepth(event.details) > kMaxDetailsDepth) {
      return Status::InvalidArgument(
          fmt::format("details: nesting deeper than {} levels", kMaxDetailsDepth));
    }
  }
  // Coordinates are kept as sent, even outside -90..90 / -180..180: sources
  // put placeholders there (Auth0's own sample says 123) and an audit log
  // must not drop a record over them. JSON cannot carry NaN or infinities.
  return Status::OK();
}

}  // namespace auditlog::event

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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "event/event.h"
#include "event/json_buffer.h"

namespace auditlog::event {

// Appends the native JSON object for `event` to `out` (no newline).
void AppendEventJson(const Event& event, std::string* out);
std::string EventToJson(const Event& event);

// One event's values as views, field by field, for rendering rows read from
// storage without building an Event (whose ~50 members and their strings
// cost more to fill and free than the JSON costs to write). The views point
// into storage the caller keeps alive until the event is rendered.
struct EventView {
  // One field's value, absent at first. Sixteen bytes, so that a view of
  // every field is a small allocation, copied absent in one move (a page of
  // views of three times the size spent a tenth of its time allocating).
  class Value {
   public:
    // kKeyword, kText: the value; kOutcome: OutcomeName of it; kBool:
    // BoolText of it; kJson: the JSON text. Empty: absent.
    std::string_view text() const {
      return size_ == 0 ? std::string_view() : std::string_view(data_, size_);
    }
    void set_text(std::string_view text) {
      data_ = text.data();
      size_ = text.size();
    }
    // kTime.
    std::optional<UnixMicros> time() const {
      return size_ == 0 ? std::nullopt : std::optional(time_);
    }
    void set_time(std::optional<UnixMicros> time) {
      time_ = time.value_or(0);
      size_ = time ? 1 : 0;
    }
    // kDouble.
    std::optional<double> number() const {
      return size_ == 0 ? std::nullopt : std::optional(number_);
    }
    void set_number(std::optional<double> number) {
      number_ = number.value_or(0);
      size_ = number ? 1 : 0;
    }

   private:
    union {
      const char* data_ = nullptr;
      UnixMicros time_;
      double number_;
    };
    size_t size_ = 0;  // the text's; 1 for a time or number present
  };
  // By registry index (AllFields()).
  std::vector<Value> values;
  uint64_t seq = 0;  // 0: absent

  EventView();
  // A view of `event`'s members (which must outlive it).
  explicit EventView(const Event& event);

  // The text of a kBool value: "true", "false", or empty when absent.
  static std::string_view BoolText(std::optional<bool> value) {
    if (!value) return {};
    return *value ? "true" : "false";
  }
};

// Appends the native JSON object for `view`: the same bytes as
// AppendEventJson of the event it views.
void AppendEventJson(const EventView& view, std::string* out);

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

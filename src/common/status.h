#pragma once

// Status is the outcome of an operation that can fail for reasons outside the
// caller's control (input, disk, network, a dependency). It is either OK or a
// code from a closed set plus a message. An OK Status holds no allocation, so
// returning one on the fast path is as cheap as returning a pointer.
//
// Messages are lower case, context first, no trailing period:
//   "actor.email: not a string", "wal: checksum mismatch at offset 40960 in 12.wal".
//
// Thread-safety: a Status is a value; distinct objects may be used from
// distinct threads. Intentionally copyable.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace auditlog {

// The closed set of failure codes. Values are persisted in logs and metrics
// labels only by name, never by number, but they are kept stable anyway.
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument = 1,    // malformed event, bad filter, bad cursor
  kUnauthenticated = 2,    // missing credentials
  kPermissionDenied = 3,   // insufficient credentials
  kNotFound = 4,           // unknown event id, tenant, segment
  kAlreadyExists = 5,      // duplicate idempotency key with a different payload
  kResourceExhausted = 6,  // backpressure, size limits
  kUnavailable = 7,        // shutting down, read-only after a sticky storage error
  kDeadlineExceeded = 8,   // over a time budget
  kCorruption = 9,         // checksum or chain mismatch on read
  kIOError = 10,           // disk failure
  kInternal = 11,          // a bug
};

// Returns the code's name as written in logs, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // Constructs OK.
  Status() noexcept = default;
  Status(StatusCode code, std::string_view message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept = default;
  Status& operator=(Status&& other) noexcept = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) {
    return {StatusCode::kInvalidArgument, msg};
  }
  static Status Unauthenticated(std::string_view msg) {
    return {StatusCode::kUnauthenticated, msg};
  }
  static Status PermissionDenied(std::string_view msg) {
    return {StatusCode::kPermissionDenied, msg};
  }
  static Status NotFound(std::string_view msg) { return {StatusCode::kNotFound, msg}; }
  static Status AlreadyExists(std::string_view msg) { return {StatusCode::kAlreadyExists, msg}; }
  static Status ResourceExhausted(std::string_view msg) {
    return {StatusCode::kResourceExhausted, msg};
  }
  static Status Unavailable(std::string_view msg) { return {StatusCode::kUnavailable, msg}; }
  static Status DeadlineExceeded(std::string_view msg) {
    return {StatusCode::kDeadlineExceeded, msg};
  }
  static Status Corruption(std::string_view msg) { return {StatusCode::kCorruption, msg}; }
  static Status IOError(std::string_view msg) { return {StatusCode::kIOError, msg}; }
  static Status Internal(std::string_view msg) { return {StatusCode::kInternal, msg}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty for OK.
  std::string_view message() const {
    return rep_ ? std::string_view(rep_->message) : std::string_view();
  }

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

  // "OK", or "<code name>: <message>".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;  // null means OK
};

std::ostream& operator<<(std::ostream& os, const Status& status);

}  // namespace auditlog

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define AL_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    ::auditlog::Status al_status_tmp_ = (expr);      \
    if (!al_status_tmp_.ok()) return al_status_tmp_; \
  } while (false)

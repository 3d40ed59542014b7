#pragma once

// The one table from Status codes to HTTP statuses, and the native error
// envelope. Every dialect maps codes through HttpStatusOf and renders the
// body in its own shape.
//
//   kInvalidArgument    400    kUnavailable        503
//   kUnauthenticated    401    kDeadlineExceeded   504
//   kPermissionDenied   403    kCorruption         500
//   kNotFound           404    kIOError            500
//   kAlreadyExists      409    kInternal           500
//   kResourceExhausted  429 (413 for a body over the limit, decided by the server)
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace auditlog::http {

int HttpStatusOf(StatusCode code);
// The reason phrase of an HTTP status ("Bad Request"), "" when unknown.
std::string_view ReasonPhrase(int http_status);

// The native envelope:
//   {"error": {"code": "invalid_argument", "message": "...", "field": "limit"}}
// `field` (the parameter or body member at fault) is left out when empty.
std::string NativeErrorJson(const Status& status, std::string_view field = {});
Response NativeError(int http_status, const Status& status, std::string_view field = {});
inline Response NativeError(const Status& status, std::string_view field = {}) {
  return NativeError(HttpStatusOf(status.code()), status, field);
}

}  // namespace auditlog::http

#pragma once

// Auth0's error envelope, which every failure under the dialect's paths
// answers in (the handlers' own and the router's: unknown paths, 405s):
//
//   {"statusCode": 400, "error": "Bad Request",
//    "message": "Query validation error: ...", "errorCode": "invalid_query_string"}
//
// The official clients read it: npm `auth0` 7.x puts it in `err.body`,
// the bundled v4 client builds ManagementApiError{statusCode, error,
// message, errorCode} from it.
//
// Thread-safety: pure functions.

#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace auditlog::api::auth0 {

// The errorCode Auth0 gives a failure with this HTTP status where the
// handler knows no more specific one: 400 invalid_query_string, 401
// invalid_token, 403 insufficient_scope, 404 not_found, 405
// method_not_allowed, 429 too_many_requests, 503 service_unavailable, 504
// timeout, other 5xx internal_error.
std::string_view DefaultErrorCode(int http_status);

// The envelope with `message` and `error_code` (DefaultErrorCode when empty).
http::Response Auth0Error(int http_status, std::string_view message,
                          std::string_view error_code = {});

// The envelope for `status` (its message) at `http_status`. The caller adds
// headers: the handlers a Retry-After on 429 and 503, the server its own on
// the 429 it renders when saturated.
http::Response Auth0ErrorFor(int http_status, const Status& status);

}  // namespace auditlog::api::auth0

#pragma once

// EnOS's response envelope, its error codes and their messages per locale
// (docs/dialects/enos.md, "Errors").
//
//   success: {"code": 0, "msg": "OK", "message": "OK", "data": ...}
//   failure: {"code": 31400, "msg": "...", "message": "...", "detail": "...", "data": null}
//
// EnOS's documents disagree on the message member (the audit-log sample sends
// `message`, other Application Portal pages and the gateway overview `msg`),
// so both are written with the same text. `detail` is ours: the precise
// reason in English, since the vendor's messages name a whole class of
// failures ("... are required").
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "http/message.h"

namespace auditlog::api::enos {

// The `locale` query parameter. Only English and Chinese messages exist;
// the other locales EnOS lists answer in English.
enum class Locale : uint8_t { kEnUs, kZhCn, kEsEs, kJaJp, kDeDe, kPlPl };

// `en_US` when absent or empty; kInvalidArgument "locale: ..." for a value
// outside EnOS's list.
Result<Locale> ParseLocale(std::optional<std::string_view> value);

// EnOS's codes. 31400, 31401 and 31404 are documented by EnOS; 31403 (the key
// lacks the scope), 31429 (ingest backpressure) and 315xx (our side failed)
// are ours, in the same style. The router's own failures (an unknown path,
// a method a path does not take) use 319xx (RouterErrorCode), so that they
// never read as one of these.
enum class ErrorCode : uint32_t {
  kBadRequest = 31400,
  kUnauthorized = 31401,
  kForbidden = 31403,
  kNotFound = 31404,
  kTooManyRequests = 31429,
  kInternal = 31500,
  kUnavailable = 31503,
  kTimeout = 31504,
};

// Which request failed: the produce endpoint's 31400 names its own fields.
enum class Endpoint : uint8_t { kQuery, kProduce };

// The message of `code` in `locale` (English for locales without a
// translation).
std::string_view ErrorMessage(ErrorCode code, Locale locale, Endpoint endpoint);

// The code a failure of our own Status maps to: kInvalidArgument 31400,
// kUnauthenticated 31401, kPermissionDenied 31403, kNotFound 31404,
// kResourceExhausted 31429, kUnavailable 31503, kDeadlineExceeded 31504,
// else 31500.
ErrorCode CodeOf(StatusCode code);

// The HTTP status a response with `code` is sent with: 200 for the 314xx
// codes (EnOS's services answer request errors with HTTP 200 and the code in
// the body), except 429 for 31429 (clients back off on the status); the
// matching 5xx for 315xx.
int HttpStatusOfCode(ErrorCode code);

// The code of a failure the router answers itself under the dialect's
// prefix, sent with `http_status`: 31900 + (http_status - 400) for 4xx
// (31904 unknown path, 31905 method not allowed, 31913 body too large),
// 31429 for 429, and the 315xx codes for 5xx (31500 for one without its own).
uint32_t RouterErrorCode(int http_status);

// {"code":0,"msg":"OK","message":"OK","data":<data_json>}, HTTP 200.
http::Response SuccessResponse(std::string_view data_json);

// The failure envelope for `status` (`detail` is its message); 31429 and
// 31503 carry Retry-After: 1.
http::Response ErrorResponse(const Status& status, Locale locale, Endpoint endpoint);

// The body alone, for tests and the router's renderer.
std::string ErrorJson(ErrorCode code, std::string_view message, std::string_view detail);

}  // namespace auditlog::api::enos

#include "api/auth0/errors.h"

#include <string>

#include "event/json_writer.h"
#include "http/error_mapping.h"

namespace auditlog::api::auth0 {

std::string_view DefaultErrorCode(int http_status) {
  switch (http_status) {
    case 400:
      return "invalid_query_string";
    case 401:
      return "invalid_token";
    case 403:
      return "insufficient_scope";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 429:
      return "too_many_requests";
    case 503:
      return "service_unavailable";
    case 504:
      return "timeout";
    default:
      return http_status >= 500 ? "internal_error" : "bad_request";
  }
}

http::Response Auth0Error(int http_status, std::string_view message, std::string_view error_code) {
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("statusCode");
  json.Int(http_status);
  const std::string_view reason = http::ReasonPhrase(http_status);
  json.Member("error", reason.empty() ? std::string_view("Error") : reason);
  json.Member("message", message);
  json.Member("errorCode", error_code.empty() ? DefaultErrorCode(http_status) : error_code);
  json.EndObject();
  return http::Response::Json(http_status, std::move(body));
}

http::Response Auth0ErrorFor(int http_status, const Status& status) {
  return Auth0Error(http_status, status.message());
}

}  // namespace auditlog::api::auth0

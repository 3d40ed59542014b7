#include "http/error_mapping.h"

#include "event/json_writer.h"

namespace auditlog::http {

int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ReasonPhrase(int http_status) {
  switch (http_status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string NativeErrorJson(const Status& status, std::string_view field) {
  std::string out;
  event::JsonWriter json(&out);
  json.BeginObject();
  json.Key("error");
  json.BeginObject();
  json.Member("code", StatusCodeName(status.code()));
  json.Member("message", status.message());
  if (!field.empty()) json.Member("field", field);
  json.EndObject();
  json.EndObject();
  return out;
}

Response NativeError(int http_status, const Status& status, std::string_view field) {
  Response response = Response::Json(http_status, NativeErrorJson(status, field));
  if (http_status == 401) response.AddHeader("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace auditlog::http

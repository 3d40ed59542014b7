#include "api/enos/envelope.h"

#include <fmt/format.h>

#include "event/json_writer.h"

namespace auditlog::api::enos {

Result<Locale> ParseLocale(std::optional<std::string_view> value) {
  if (!value || value->empty() || *value == "en_US") return Locale::kEnUs;
  if (*value == "zh_CN") return Locale::kZhCn;
  if (*value == "es_ES") return Locale::kEsEs;
  if (*value == "ja_JP") return Locale::kJaJp;
  if (*value == "de_DE") return Locale::kDeDe;
  if (*value == "pl_PL") return Locale::kPlPl;
  return Status::InvalidArgument(fmt::format(
      "locale: unsupported locale {:?}; use en_US, zh_CN, es_ES, ja_JP, de_DE or pl_PL", *value));
}

std::string_view ErrorMessage(ErrorCode code, Locale locale, Endpoint endpoint) {
  const bool zh = locale == Locale::kZhCn;
  switch (code) {
    case ErrorCode::kBadRequest:
      if (endpoint == Endpoint::kProduce) {
        return zh ? "主体ID和主体类型为必填项,参数长度不能超过64个字符"
                  : "The subject ID and subject type are required, and parameters must not "
                    "exceed 64 characters";
      }
      // The seed document's text, in both languages.
      return zh ? "组织ID、分页参数、起始时间戳或截止时间戳为空"
                : "The OU ID, pagination, start timestamp, and end timestamp are required";
    case ErrorCode::kUnauthorized:
      return zh ? "令牌无效" : "The token is invalid";
    case ErrorCode::kForbidden:
      return zh ? "没有权限" : "No permission";
    case ErrorCode::kNotFound:
      return zh ? "组织不存在" : "The OU does not exist";
    case ErrorCode::kTooManyRequests:
      return zh ? "请求过多,请稍后重试" : "Too many requests; retry shortly";
    case ErrorCode::kUnavailable:
      return zh ? "服务暂不可用" : "The service is unavailable";
    case ErrorCode::kTimeout:
      return zh ? "查询超时" : "The query timed out";
    case ErrorCode::kInternal:
      break;
  }
  return zh ? "服务器内部错误" : "Internal server error";
}

ErrorCode CodeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return ErrorCode::kBadRequest;
    case StatusCode::kUnauthenticated:
      return ErrorCode::kUnauthorized;
    case StatusCode::kPermissionDenied:
      return ErrorCode::kForbidden;
    case StatusCode::kNotFound:
      return ErrorCode::kNotFound;
    case StatusCode::kResourceExhausted:
      return ErrorCode::kTooManyRequests;
    case StatusCode::kUnavailable:
      return ErrorCode::kUnavailable;
    case StatusCode::kDeadlineExceeded:
      return ErrorCode::kTimeout;
    default:
      return ErrorCode::kInternal;
  }
}

int HttpStatusOfCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kTooManyRequests:
      return 429;
    default:
      return 200;
  }
}

uint32_t RouterErrorCode(int http_status) {
  if (http_status == 429) return static_cast<uint32_t>(ErrorCode::kTooManyRequests);
  if (http_status >= 400 && http_status < 500)
    return 31900 + static_cast<uint32_t>(http_status - 400);
  if (http_status == 503) return static_cast<uint32_t>(ErrorCode::kUnavailable);
  if (http_status == 504) return static_cast<uint32_t>(ErrorCode::kTimeout);
  return static_cast<uint32_t>(ErrorCode::kInternal);
}

http::Response SuccessResponse(std::string_view data_json) {
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("code");
  json.Uint(0);
  json.Member("msg", "OK");
  json.Member("message", "OK");
  json.Key("data");
  json.Raw(data_json);
  json.EndObject();
  return http::Response::Json(200, std::move(body));
}

std::string ErrorJson(ErrorCode code, std::string_view message, std::string_view detail) {
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("code");
  json.Uint(static_cast<uint32_t>(code));
  json.Member("msg", message);
  json.Member("message", message);
  json.Member("detail", detail);
  json.Key("data");
  json.Null();
  json.EndObject();
  return body;
}

http::Response ErrorResponse(const Status& status, Locale locale, Endpoint endpoint) {
  const ErrorCode code = CodeOf(status.code());
  http::Response response =
      http::Response::Json(HttpStatusOfCode(code),
                           ErrorJson(code, ErrorMessage(code, locale, endpoint), status.message()));
  if (code == ErrorCode::kUnavailable || code == ErrorCode::kTooManyRequests)
    response.AddHeader("Retry-After", "1");
  return response;
}

}  // namespace auditlog::api::enos

#pragma once

// The request and response every handler sees, independent of Beast: the
// server (http/server.h) parses the wire into a Request, a Router
// (http/router.h) picks the handler, and the handler fills a Response.
// Dialect handlers (api/<dialect>/) never touch sockets or Beast types, so
// they are unit-testable with plain values.
//
// Thread-safety: plain values.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "event/json_buffer.h"

namespace auditlog::http {

using NameValue = std::pair<std::string, std::string>;

struct Request {
  std::string method;  // upper case, as sent: "GET", "POST", ...
  std::string target;  // as sent: path and query string, still percent-encoded
  std::string path;    // the target's path, percent-decoded ("/v1/events/abc")
  // The query string's parameters, percent-decoded ('+' is a space), in order;
  // a key may repeat ("app_id=a&app_id=b").
  std::vector<NameValue> query;
  // Header names lower-cased, values as sent, in order.
  std::vector<NameValue> headers;
  // The body, gzip already undone, with the padding JSON decoders need.
  event::PaddedBuffer body;
  std::string remote_address;  // "127.0.0.1:53122"
  bool tls = false;

  // Filled by the router: the matched pattern ("/v1/events/{id}", the label
  // metrics and access logs use) and the values of its {names}.
  std::string route;
  std::vector<NameValue> path_params;

  // First value of header `lower_name`, or nullopt.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  // First value of query parameter `name`, or nullopt.
  std::optional<std::string_view> Param(std::string_view name) const;
  // Every value of `name`, in order, including those sent as `name[]` (the
  // array form some SDKs use).
  std::vector<std::string_view> Params(std::string_view name) const;
  // The value of path parameter `name` ("" when the route has none).
  std::string_view PathParam(std::string_view name) const;
  std::string_view body_text() const { return {body.view().data, body.size()}; }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<NameValue> headers;  // extra headers (Link, Retry-After, WWW-Authenticate, ...)
  std::string body;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  static Response Json(int status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
};

// Splits a request target into its percent-decoded path and query
// parameters. kInvalidArgument for a target that is not origin-form
// ("/..."), a malformed %-escape, or a NUL byte anywhere once decoded.
struct ParsedTarget {
  std::string path;
  std::vector<NameValue> query;
};
Result<ParsedTarget> ParseTarget(std::string_view target);

// Percent-decodes `text`; with `plus_is_space`, '+' becomes ' ' (query
// strings). nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Percent-encodes everything but unreserved characters (RFC 3986 §2.3), for
// building links (Auth0's `Link: <...>; rel="next"`).
std::string PercentEncode(std::string_view text);

}  // namespace auditlog::http

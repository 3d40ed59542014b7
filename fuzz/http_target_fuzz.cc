// Fuzzes request-target parsing and routing: http::ParseTarget on arbitrary
// bytes, then an http::Router over every target it accepts. Invariants:
//   - no crash, leak or undefined behaviour on any input;
//   - parsing twice agrees; every error is kInvalidArgument;
//   - an accepted target's path starts with '/', and neither the path nor any
//     query name or value holds a NUL;
//   - PercentDecode(PercentEncode(x)) == x for the path and every name and
//     value, and a target rebuilt from the encoded parts parses to the same
//     path and parameters;
//   - routing answers 200, 404 or 405; whether the path is known does not
//     depend on the method (a 404 for one method is a 404 for all); a 200
//     comes from the matching route with non-empty path parameters that,
//     put back into its pattern, give the path; a 405 names the allowed
//     methods in `Allow`, and never the one that was refused.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/message.h"
#include "http/router.h"

namespace {

using auditlog::StatusCode;
using auditlog::http::NameValue;
using auditlog::http::ParsedTarget;
using auditlog::http::PercentDecode;
using auditlog::http::PercentEncode;
using auditlog::http::Request;
using auditlog::http::Response;
using auditlog::http::Router;

struct RouteSpec {
  std::string_view method;
  std::string_view pattern;
};

// The native API's shapes: literal and {name} segments side by side, one
// literal ("export") beside a parameter at the same place, several methods
// on one pattern, and a prefix with its own error envelope.
constexpr RouteSpec kRoutes[] = {
    {"GET", "/v1/events"},
    {"POST", "/v1/events"},
    {"GET", "/v1/events/export"},
    {"GET", "/v1/events/{id}"},
    {"GET", "/v1/stats/{kind}"},
    {"GET", "/v1/tenants"},
    {"POST", "/v1/tenants"},
    {"GET", "/v1/tenants/{id}"},
    {"DELETE", "/v1/tenants/{id}"},
    {"GET", "/v1/tenants/{id}/keys"},
    {"POST", "/v1/tenants/{id}/keys"},
    {"DELETE", "/v1/tenants/{id}/keys/{key_id}"},
    {"GET", "/api/v2/logs"},
    {"GET", "/healthz"},
};

constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "DELETE", "PATCH"};

// A response to the route it was registered for: the body names the pattern,
// so the fuzzer can tell which handler ran.
Response Echo(std::string_view pattern) { return Response::Json(200, std::string(pattern)); }

const Router& TheRouter() {
  static const Router* router = [] {
    auto* built = new Router();
    for (const RouteSpec& route : kRoutes) {
      const std::string pattern(route.pattern);
      built->Add(route.method, route.pattern, [pattern](Request&) { return Echo(pattern); });
    }
    built->SetErrorRenderer("/api/v2/",
                            [](const Request&, int http_status, const auditlog::Status&) {
                              return Response::Json(http_status, R"({"error":"v2"})");
                            });
    return built;
  }();
  return *router;
}

bool IsRegistered(std::string_view method, std::string_view pattern) {
  for (const RouteSpec& route : kRoutes)
    if (route.method == method && route.pattern == pattern) return true;
  return false;
}

// The pattern with each {name} replaced by its value from `params`, in order;
// empty when the parameters do not fit the pattern.
std::string FillPattern(std::string_view pattern, const std::vector<NameValue>& params) {
  std::string path;
  size_t param_idx = 0;
  size_t start = 1;  // past the leading '/'
  while (start <= pattern.size()) {
    const size_t slash = std::min(pattern.find('/', start), pattern.size());
    const std::string_view segment = pattern.substr(start, slash - start);
    path.push_back('/');
    if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
      if (param_idx == params.size()) return {};
      const auto& [name, value] = params[param_idx++];
      if (name != segment.substr(1, segment.size() - 2) || value.empty()) return {};
      path += value;
    } else {
      path += segment;
    }
    start = slash + 1;
  }
  return param_idx == params.size() ? path : std::string();
}

void CheckRoundTrip(std::string_view text) {
  for (const bool plus_is_space : {false, true}) {
    const auto decoded = PercentDecode(PercentEncode(text), plus_is_space);
    if (!decoded || *decoded != text) std::abort();
  }
}

void CheckParsed(const ParsedTarget& parsed) {
  if (parsed.path.empty() || parsed.path.front() != '/') std::abort();
  if (parsed.path.find('\0') != std::string::npos) std::abort();
  CheckRoundTrip(parsed.path);
  std::string rebuilt = "/" + PercentEncode(std::string_view(parsed.path).substr(1));
  for (size_t param_idx = 0; param_idx < parsed.query.size(); ++param_idx) {
    const auto& [name, value] = parsed.query[param_idx];
    if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) std::abort();
    CheckRoundTrip(name);
    CheckRoundTrip(value);
    rebuilt += param_idx == 0 ? "?" : "&";
    rebuilt += PercentEncode(name) + "=" + PercentEncode(value);
  }
  const auto again = auditlog::http::ParseTarget(rebuilt);
  if (!again.ok() || again->path != parsed.path || again->query != parsed.query) std::abort();
}

void CheckRouting(const ParsedTarget& parsed) {
  const Router& router = TheRouter();
  bool any_not_found = false, any_found = false;
  for (const std::string_view method : kMethods) {
    Request request;
    request.method = std::string(method);
    request.path = parsed.path;
    request.query = parsed.query;
    const Response response = router.Dispatch(request);
    const std::string_view routed_method = method == "HEAD" ? "GET" : method;
    switch (response.status) {
      case 200:
        any_found = true;
        if (!IsRegistered(routed_method, request.route)) std::abort();
        if (response.body != request.route) std::abort();  // another route's handler ran
        if (FillPattern(request.route, request.path_params) != request.path) std::abort();
        break;
      case 404:
        any_not_found = true;
        if (!request.path_params.empty()) std::abort();
        break;
      case 405: {
        any_found = true;
        std::string_view allow;
        for (const auto& [name, value] : response.headers)
          if (name == "Allow") allow = value;
        if (allow.empty() || allow.find(routed_method) != std::string_view::npos) std::abort();
        if (!request.path_params.empty()) std::abort();
        break;
      }
      default:
        std::abort();
    }
  }
  if (any_found && any_not_found) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto first = auditlog::http::ParseTarget(target);
  const auto second = auditlog::http::ParseTarget(target);
  if (first.ok() != second.ok()) std::abort();
  if (!first.ok()) {
    if (first.error().code() != StatusCode::kInvalidArgument) std::abort();
    if (!(first.error() == second.error())) std::abort();
    return 0;
  }
  if (first->path != second->path || first->query != second->query) std::abort();
  CheckParsed(*first);
  CheckRouting(*first);
  return 0;
}

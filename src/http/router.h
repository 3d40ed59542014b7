#pragma once

// Router maps a request's method and path to its handler. Patterns are
// literal segments and `{name}` segments, each matching one non-empty path
// segment: "/v1/events/{id}", "/v1/tenants/{id}/keys/{key_id}". A literal
// segment wins over a `{name}` at the same place, so "/v1/events/export"
// could sit beside "/v1/events/{id}".
//
// Unmatched requests are answered by the error renderer registered for the
// longest matching path prefix (each dialect answers in its own envelope):
// kNotFound for an unknown path, and 405 with an `Allow` header when the
// path is known but the method is not.
//
// Thread-safety: Add/SetErrorRenderer before serving; Dispatch is then
// const and safe from any number of threads.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/message.h"

namespace auditlog::http {

using Handler = std::function<Response(Request&)>;

// Renders a failure in a dialect's error envelope. `http_status` is what
// HttpStatusOf(status) gives unless the router needs another (405).
using ErrorRenderer = std::function<Response(const Request&, int http_status, const Status&)>;

class Router {
 public:
  Router();

  // REQUIRES: no route with the same method and pattern exists.
  void Add(std::string_view method, std::string_view pattern, Handler handler);
  // Failures under `path_prefix` ("/api/v2/") render with `renderer`; "/" is
  // the default (the native envelope unless replaced).
  void SetErrorRenderer(std::string_view path_prefix, ErrorRenderer renderer);

  // Routes `request` (setting its route and path_params) and runs the handler.
  Response Dispatch(Request& request) const;
  // The error response for `status` under `request`'s path, in the
  // envelope of its prefix.
  Response RenderError(const Request& request, const Status& status) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a parameter
    Handler handler;
  };
  // Routes matching the path's segments with the number of literal segments
  // that matched, best first.
  const Route* Match(const std::vector<std::string_view>& segments, std::string_view method,
                     std::vector<NameValue>* params, std::string* allow) const;
  const ErrorRenderer& RendererFor(std::string_view path) const;

  std::vector<Route> routes_;
  std::vector<std::pair<std::string, ErrorRenderer>> renderers_;
};

}  // namespace auditlog::http

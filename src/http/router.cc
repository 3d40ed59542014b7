#include "http/router.h"

#include <algorithm>

#include "common/check.h"
#include "http/error_mapping.h"

namespace auditlog::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;  // past the leading '/'
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Router::Router() {
  SetErrorRenderer("/", [](const Request&, int http_status, const Status& status) {
    return NativeError(http_status, status);
  });
}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  for (const std::string_view segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  for (const Route& existing : routes_) {
    AL_CHECK(!(existing.method == route.method && existing.pattern == route.pattern),
             "a route registered twice");
  }
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::SetErrorRenderer(std::string_view path_prefix, ErrorRenderer renderer) {
  for (auto& [prefix, existing] : renderers_) {
    if (prefix == path_prefix) {
      existing = std::move(renderer);
      return;
    }
  }
  renderers_.emplace_back(std::string(path_prefix), std::move(renderer));
}

const ErrorRenderer& Router::RendererFor(std::string_view path) const {
  const ErrorRenderer* best = nullptr;
  size_t best_length = 0;
  for (const auto& [prefix, renderer] : renderers_) {
    if (path.starts_with(prefix) && (best == nullptr || prefix.size() > best_length)) {
      best = &renderer;
      best_length = prefix.size();
    }
  }
  // "/" matches every path; a request the server could not parse has none.
  return best != nullptr ? *best : renderers_.front().second;
}

const Router::Route* Router::Match(const std::vector<std::string_view>& segments,
                                   std::string_view method, std::vector<NameValue>* params,
                                   std::string* allow) const {
  const Route* best = nullptr;
  int best_literals = -1;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    int literals = 0;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      if (IsParameter(route.segments[i])) {
        matches = !segments[i].empty();
      } else {
        matches = route.segments[i] == segments[i];
        ++literals;
      }
    }
    if (!matches) continue;
    if (route.method != method) {
      if (allow->find(route.method) == std::string::npos) {
        if (!allow->empty()) allow->append(", ");
        allow->append(route.method);
      }
      continue;
    }
    if (literals > best_literals) {
      best = &route;
      best_literals = literals;
    }
  }
  if (best != nullptr) {
    for (size_t i = 0; i < segments.size(); ++i) {
      if (IsParameter(best->segments[i])) {
        const std::string& name = best->segments[i];
        params->emplace_back(name.substr(1, name.size() - 2), std::string(segments[i]));
      }
    }
  }
  return best;
}

Response Router::Dispatch(Request& request) const {
  // Segments come from the raw path and are decoded one by one, so an
  // escaped slash ("a%2Fb") stays inside its segment (event ids may hold '/').
  std::vector<std::string> decoded;
  if (!request.target.empty()) {
    const std::string_view raw_path =
        std::string_view(request.target).substr(0, request.target.find('?'));
    for (const std::string_view raw : SplitPath(raw_path)) {
      auto segment = PercentDecode(raw, /*plus_is_space=*/false);
      if (!segment) return RenderError(request, Status::NotFound("no such endpoint"));
      decoded.push_back(std::move(*segment));
    }
  } else {
    for (const std::string_view segment : SplitPath(request.path)) decoded.emplace_back(segment);
  }
  const std::vector<std::string_view> segments(decoded.begin(), decoded.end());
  std::string allow;
  // HEAD is answered as GET without a body by the server. Both arms are views:
  // with "GET" as a char array the conditional would build a temporary
  // std::string, and the view would dangle once this statement ends.
  const std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
  const Route* route = Match(segments, method, &request.path_params, &allow);
  if (route == nullptr) {
    if (!allow.empty()) {
      request.route = "(method not allowed)";
      Response response =
          RendererFor(request.path)(request, 405,
                                    Status::InvalidArgument("method " + request.method +
                                                            " is not allowed here; use " + allow));
      response.AddHeader("Allow", allow);
      return response;
    }
    request.route = "(unmatched)";
    return RenderError(request, Status::NotFound("no such endpoint: " + request.path));
  }
  request.route = route->pattern;
  return route->handler(request);
}

Response Router::RenderError(const Request& request, const Status& status) const {
  return RendererFor(request.path)(request, HttpStatusOf(status.code()), status);
}

}  // namespace auditlog::http

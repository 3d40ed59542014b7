#include "api/auth0/auth0_api.h"

#include <fmt/format.h>

#include "api/auth0/checkpoint.h"
#include "api/auth0/errors.h"
#include "api/auth0/params.h"
#include "api/auth0/render.h"
#include "http/error_mapping.h"

namespace auditlog::api::auth0 {
namespace {

using http::Request;
using http::Response;

Response ErrorResponse(const Status& status, std::string_view error_code = {}) {
  const int http_status = http::HttpStatusOf(status.code());
  if (!error_code.empty()) return Auth0Error(http_status, status.message(), error_code);
  return Auth0ErrorFor(http_status, status);
}

// The caller's tenant, once its key is known and holds events:read.
Result<std::string> Admit(const Request& request, const DialectApiOptions& options) {
  auto principal = AuthenticateApiKey(request, *options.registry);
  if (!principal.ok()) return principal.status();
  if (!principal->Has(http::Scope::kEventsRead)) {
    // Auth0's wording, with our scope's name.
    return Status::PermissionDenied(fmt::format("Insufficient scope, expected any of: {}",
                                                http::ScopeName(http::Scope::kEventsRead)));
  }
  return principal->tenant;
}

// A search-mode page: the bare array, or the include_totals object.
Response SearchPage(const LogsRequest& parsed, const DialectApiOptions& options) {
  auto result = options.store->Search(parsed.query);
  if (!result.ok()) return ErrorResponse(result.status());
  std::optional<ListTotals> totals;
  if (parsed.include_totals) {
    totals = ListTotals{.start = parsed.query.offset,
                        .limit = parsed.per_page,
                        .total = result->total.value_or(result->events.size())};
  }
  return Response::Json(200, RenderLogList(result->events, parsed.fields, totals));
}

Response CheckpointPage(const Request& request, const LogsRequest& parsed,
                        const DialectApiOptions& options) {
  uint64_t after_seq = 0;
  if (!parsed.from.empty()) {
    auto from = options.store->Get(parsed.query.tenant, parsed.from);
    if (!from.ok()) return ErrorResponse(from.status());
    if (!from->has_value()) {
      // Auth0's ids are ordered, so any id is a position there; ours are
      // not, so an id never stored (or removed by retention) names none.
      return Auth0Error(400,
                        fmt::format("Query validation error: 'No log with id {} (it may have "
                                    "been removed by retention)' on property from.",
                                    parsed.from),
                        "invalid_query_string");
    }
    after_seq = (*from)->seq;
  }
  auto result = options.store->Search(
      CheckpointQuery(parsed.query.tenant, after_seq, parsed.take, parsed.query.timeout));
  if (!result.ok()) return ErrorResponse(result.status());
  TrimToWatermark(&*result);
  Response response =
      Response::Json(200, RenderLogList(result->events, FieldSelection(), std::nullopt));
  const std::string_view next_from =
      result->events.empty() ? std::string_view(parsed.from) : result->events.back().id;
  response.AddHeader("Link", NextLink(request, next_from, parsed.take));
  return response;
}

Response ListLogs(const Request& request, const DialectApiOptions& options) {
  auto tenant = Admit(request, options);
  if (!tenant.ok()) return ErrorResponse(tenant.status());
  auto parsed = ParseLogsParams(request.query, *tenant, options.query_timeout);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  if (parsed->mode == LogsMode::kCheckpoint) return CheckpointPage(request, *parsed, options);
  return SearchPage(*parsed, options);
}

Response GetLog(const Request& request, const DialectApiOptions& options) {
  auto tenant = Admit(request, options);
  if (!tenant.ok()) return ErrorResponse(tenant.status());
  const std::string_view id = request.PathParam("id");
  auto found = options.store->Get(*tenant, id);
  if (!found.ok()) return ErrorResponse(found.status());
  if (!found->has_value()) return Auth0Error(404, "log not found", "inexistent_log");
  return Response::Json(200, RenderLog(**found));
}

Response ListUserLogs(const Request& request, const DialectApiOptions& options) {
  auto tenant = Admit(request, options);
  if (!tenant.ok()) return ErrorResponse(tenant.status());
  auto parsed =
      ParseUserLogsParams(request.query, *tenant, request.PathParam("id"), options.query_timeout);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  return SearchPage(*parsed, options);
}

}  // namespace

void RegisterAuth0Api(http::Router& router, const DialectApiOptions& options) {
  const DialectApiOptions* o = &options;
  router.Add("GET", "/api/v2/logs", [o](Request& r) { return ListLogs(r, *o); });
  router.Add("GET", "/api/v2/logs/{id}", [o](Request& r) { return GetLog(r, *o); });
  router.Add("GET", "/api/v2/users/{id}/logs", [o](Request& r) { return ListUserLogs(r, *o); });
  const http::ErrorRenderer renderer = [](const Request&, int http_status, const Status& status) {
    return Auth0ErrorFor(http_status, status);
  };
  router.SetErrorRenderer("/api/v2/logs", renderer);
  router.SetErrorRenderer("/api/v2/users/", renderer);
}

}  // namespace auditlog::api::auth0

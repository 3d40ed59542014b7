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

// Every answer of the dialect's handlers: logs are sensitive, so no cache
// (a proxy's or the client's) keeps a copy.
Response NoStore(Response response) {
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

// A handler's failure; 429 and 503 say when to retry (1 s, as the native
// API's 429 does).
Response ErrorResponse(const Status& status, std::string_view error_code = {}) {
  const int http_status = http::HttpStatusOf(status.code());
  Response response = !error_code.empty() ? Auth0Error(http_status, status.message(), error_code)
                                          : Auth0ErrorFor(http_status, status);
  if (http_status == 429 || http_status == 503) response.AddHeader("Retry-After", "1");
  return NoStore(std::move(response));
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
  return NoStore(Response::Json(200, RenderLogList(result->events, parsed.fields, totals)));
}

Response CheckpointPage(const Request& request, const LogsRequest& parsed,
                        const DialectApiOptions& options) {
  auto from = ParseCheckpointFrom(parsed.from);
  if (!from.ok()) return ErrorResponse(from.status());
  uint64_t after_seq = from->after_seq.value_or(0);
  if (!from->log_id.empty()) {
    auto event = options.store->Get(parsed.query.tenant, from->log_id);
    if (!event.ok()) return ErrorResponse(event.status());
    if (!event->has_value()) {
      // Auth0's ids are ordered, so any id is a position there; ours are
      // not, so an id never stored (or removed by retention) names none.
      // The Link's tokens do not have this problem.
      return ErrorResponse(
          Status::InvalidArgument(
              fmt::format("Query validation error: 'No log with id {} (it may have been removed by "
                          "retention; the Link header's from values stay valid)' on property from.",
                          from->log_id)),
          "invalid_query_string");
    }
    after_seq = (*event)->seq;
  }
  auto result = options.store->Search(
      CheckpointQuery(parsed.query.tenant, after_seq, parsed.take, parsed.query.timeout));
  if (!result.ok()) return ErrorResponse(result.status());
  TrimToWatermark(&*result);
  Response response =
      Response::Json(200, RenderLogList(result->events, FieldSelection(), std::nullopt));
  // The next page starts after the last event of this one, or where this
  // one started when it is empty; the start of the log needs no `from`.
  const uint64_t next_after = result->events.empty() ? after_seq : result->events.back().seq;
  response.AddHeader("Link", NextLink(request, next_after == 0 ? "" : CheckpointToken(next_after),
                                      parsed.take, options.public_url));
  return NoStore(std::move(response));
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
  if (!found->has_value()) return NoStore(Auth0Error(404, "log not found", "inexistent_log"));
  return NoStore(Response::Json(200, RenderLog(**found)));
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
  // The router's and the server's own failures (unknown paths, 405s, a
  // saturated server's 429, to which the server adds its Retry-After).
  const http::ErrorRenderer renderer = [](const Request&, int http_status, const Status& status) {
    return NoStore(Auth0ErrorFor(http_status, status));
  };
  router.SetErrorRenderer("/api/v2/logs", renderer);
  router.SetErrorRenderer("/api/v2/users/", renderer);
}

}  // namespace auditlog::api::auth0

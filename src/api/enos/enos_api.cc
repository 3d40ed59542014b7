#include "api/enos/enos_api.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "api/enos/envelope.h"
#include "api/enos/render.h"
#include "api/enos/request.h"
#include "event/fields.h"
#include "event/json_writer.h"

namespace auditlog::api::enos {
namespace {

using http::Request;
using http::Response;

// Who is calling and in which language to answer; on failure, the answer.
struct Admitted {
  http::Principal principal;
  Locale locale = Locale::kEnUs;
};

// Checks, in order: `locale`, the bearer key (31401), `orgId` present
// (31400) and the key's own tenant (31404), the key's scope (31403).
Result<Admitted> Admit(const Request& request, const DialectApiOptions& options, http::Scope scope,
                       Endpoint endpoint, Response* error) {
  auto locale = ParseLocale(request.Param("locale"));
  if (!locale.ok()) {
    *error = ErrorResponse(locale.status(), Locale::kEnUs, endpoint);
    return locale.status();
  }
  auto fail = [&](const Status& status) {
    *error = ErrorResponse(status, *locale, endpoint);
    return status;
  };
  auto principal = AuthenticateApiKey(request, *options.registry);
  if (!principal.ok()) return fail(principal.status());
  const std::string_view org_id = request.Param("orgId").value_or("");
  if (org_id.empty()) return fail(Status::InvalidArgument("orgId: required"));
  // Another tenant's id gets the answer an unknown one gets, so a key learns
  // nothing about which OUs exist.
  if (org_id != principal->tenant) {
    return fail(Status::NotFound(
        fmt::format("orgId: OU {:?} does not exist or is not this key's OU", org_id)));
  }
  if (Status allowed = RequireScope(*principal, scope); !allowed.ok()) return fail(allowed);
  return Admitted{std::move(*principal), *locale};
}

// The two time-window queries: audit logs (every event) and event logs (the
// events produce created).
enum class QueryKind : uint8_t { kAuditLog, kEventLog };

Response QueryLogs(Request& request, const DialectApiOptions& options, QueryKind kind) {
  Response error;
  auto admitted = Admit(request, options, http::Scope::kEventsRead, Endpoint::kQuery, &error);
  if (!admitted.ok()) return error;
  auto parsed = ParseLogQueryBody(request.body_text());
  if (!parsed.ok()) return ErrorResponse(parsed.status(), admitted->locale, Endpoint::kQuery);
  query::Query query = ToQuery(*parsed, admitted->principal.tenant);
  query.timeout = options.query_timeout;
  if (kind == QueryKind::kEventLog) {
    // `type` is a registry field (event/fields.cc): FindField cannot miss it.
    query.filter = query::Filter::Eq(*event::FindField("type"), std::string(kEventLogType));
  }
  auto result = options.store->Search(query);
  if (!result.ok()) return ErrorResponse(result.status(), admitted->locale, Endpoint::kQuery);
  return SuccessResponse(kind == QueryKind::kAuditLog ? RenderLogQueryData(*parsed, *result)
                                                      : RenderEventLogData(*parsed, *result));
}

Response Produce(Request& request, const DialectApiOptions& options) {
  Response error;
  auto admitted = Admit(request, options, http::Scope::kEventsWrite, Endpoint::kProduce, &error);
  if (!admitted.ok()) return error;
  auto parsed = ParseProduceBody(request.body_text());
  if (!parsed.ok()) return ErrorResponse(parsed.status(), admitted->locale, Endpoint::kProduce);
  std::vector<event::Event> events;
  events.push_back(
      EventFromProduce(*parsed, admitted->principal.key_id, options.Now().NowMicros()));
  auto outcomes = StoreEvents(options, admitted->principal.tenant, events);
  if (!outcomes.ok()) return ErrorResponse(outcomes.status(), admitted->locale, Endpoint::kProduce);
  if (outcomes->size() != 1 || !(*outcomes)[0].status.ok()) {
    const Status why = outcomes->empty() ? Status::Internal("produce: the store answered nothing")
                                         : (*outcomes)[0].status;
    return ErrorResponse(why, admitted->locale, Endpoint::kProduce);
  }
  return SuccessResponse("true");
}

// Failures the router and the server answer themselves under
// /app-portal-service/ (an unknown path, a method the path does not take, a
// body too large, a saturated server): EnOS's envelope with a code of
// RouterErrorCode, outside the codes EnOS documents (31404 is "the OU does
// not exist"), sent with that HTTP status, as a gateway answers a request it
// cannot route. The server adds Retry-After to its own 429.
// The router's messages exist in English only.
Response RenderRouterError(const Request&, int http_status, const Status& status) {
  const uint32_t code = RouterErrorCode(http_status);
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("code");
  json.Uint(code);
  json.Member("msg", status.message());
  json.Member("message", status.message());
  json.Member("detail", status.message());
  json.Key("data");
  json.Null();
  json.EndObject();
  return Response::Json(http_status, std::move(body));
}

}  // namespace

void RegisterEnosApi(http::Router& router, const DialectApiOptions& options) {
  const DialectApiOptions* o = &options;
  router.Add("POST", "/app-portal-service/v2.2/log/query",
             [o](Request& r) { return QueryLogs(r, *o, QueryKind::kAuditLog); });
  router.Add("POST", "/app-portal-service/v2.3/event/log/query",
             [o](Request& r) { return QueryLogs(r, *o, QueryKind::kEventLog); });
  router.Add("POST", "/app-portal-service/v2.3/event/log/produce",
             [o](Request& r) { return Produce(r, *o); });
  router.Add("POST", "/app-portal-service/api/v3/event/log/produce",
             [o](Request& r) { return Produce(r, *o); });
  router.SetErrorRenderer("/app-portal-service/", RenderRouterError);
}

}  // namespace auditlog::api::enos

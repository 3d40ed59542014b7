#pragma once

// The native API's endpoints (docs/api/openapi.yaml), registered on a Router:
//
//   POST   /v1/events                       ingest (events:write)
//   GET    /v1/events                       search (events:read)
//   GET    /v1/events/{id}                  one event (events:read)
//   GET    /v1/stats/count|histogram|distinct  aggregations (stats:read)
//   POST   /v1/tenants, GET /v1/tenants     tenants (admin)
//   POST   /v1/tenants/{id}/keys, GET ...   API keys (admin)
//   DELETE /v1/tenants/{id}/keys/{key_id}   revoke (admin)
//   POST   /v1/admin/flush, GET /v1/admin/store   (admin)
//   GET    /healthz (no auth), GET /v1/openapi.yaml (no auth)
//
// Who may do what: a request carries `Authorization: Bearer <credential>`.
// An API key reads and writes its own tenant only, within its scopes; a
// `tenant` parameter naming another tenant is refused (403) and another
// tenant's event id is simply not found (404), so nothing hints that it
// exists. The admin token manages tenants and keys and reads or writes any
// tenant: `tenant=ID` is required on its reads and writes, `tenant=*` reads
// every tenant at once or, on ingest, routes each event by its own `tenant`
// field, creating tenants it does not know.
//
// Ingest policy: every record is decoded and validated on its own; bad ones
// are reported by index ({"index": i, "error": "..."}) and the good ones are
// stored. `accepted` counts the records that are now durable (duplicates of
// stored events included; `duplicates` says how many of those). The answer is
// 200 when at least one record is accepted or the body holds none, else 400.
//
// Thread-safety: handlers are called concurrently.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "http/auth/tenant_registry.h"
#include "http/router.h"
#include "query/cursor.h"
#include "store/store.h"

namespace auditlog::enrich {
class Enricher;
}  // namespace auditlog::enrich

namespace auditlog::api::native {

struct NativeApiOptions {
  store::Store* store = nullptr;
  http::TenantRegistry* registry = nullptr;
  const query::CursorCodec* cursors = nullptr;
  // Bearer token of the operator; empty: admin requests are refused.
  std::string admin_token;
  std::chrono::milliseconds query_timeout{30'000};
  // Ingest bodies being handled at once beyond this many bytes get 429 with
  // Retry-After rather than queueing without bound.
  uint64_t max_ingest_bytes_in_flight = uint64_t{512} << 20;
  // POST /v1/admin/flush: flush and let compaction settle.
  std::function<Status()> flush;
  // Applies a tenant's retention to the store (nullopt: keep forever).
  std::function<void(const std::string& tenant, std::optional<uint32_t> retention_days)>
      set_retention;
  // GET /metrics: the Prometheus text (admin token required); null: no route.
  std::function<std::string()> metrics_text;
  // Fills `geo` and `ua` of ingested events before they are stored; null:
  // events are stored as decoded.
  enrich::Enricher* enricher = nullptr;
};

// Registers every endpoint above on `router`. `options` must outlive it.
void RegisterNativeApi(http::Router& router, const NativeApiOptions& options);

// Whether `request` carries the admin token (compared in constant time).
bool IsAdmin(const http::Request& request, std::string_view admin_token);

// The bearer credential of `request`, or nullopt.
std::optional<std::string_view> BearerToken(const http::Request& request);

// The OpenAPI document served at /v1/openapi.yaml.
std::string_view OpenApiDocument();

}  // namespace auditlog::api::native

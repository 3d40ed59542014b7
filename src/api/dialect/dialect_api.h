#pragma once

// What the vendor dialects' handlers (api/authing/, api/enos/, api/auth0/)
// share: the parts of the service they are given, and the two steps each of
// them repeats — who is calling, and storing the events a dialect creates.
//
// A dialect translates its own paths, parameters and record shapes into the
// canonical Query and Event and back; it never reaches the store or the
// registry other than through these options.
//
// Thread-safety: the options are read-only once the router serves; the
// functions are safe from any number of threads.

#include <chrono>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "event/event.h"
#include "http/auth/tenant_registry.h"
#include "http/message.h"
#include "store/store.h"

namespace auditlog::enrich {
class Enricher;
}  // namespace auditlog::enrich

namespace auditlog::api {

struct DialectApiOptions {
  store::Store* store = nullptr;
  http::TenantRegistry* registry = nullptr;
  // Fills `geo` and `ua` of events a dialect creates; null: stored as built.
  enrich::Enricher* enricher = nullptr;
  // The deadline of every query a dialect runs.
  std::chrono::milliseconds query_timeout{30'000};
  // Token lifetimes and signature windows are measured on it. Null: the
  // system clock.
  Clock* clock = nullptr;
  // "https://logs.example.com": the base of absolute links in answers
  // (Auth0's checkpoint Link), no trailing slash. Empty: taken from each
  // request's Host header and transport.
  std::string public_url;

  Clock& Now() const { return clock != nullptr ? *clock : SystemClock(); }
};

// The bearer credential of `request` (`Authorization: Bearer <token>`, the
// scheme in any case), or nullopt.
std::optional<std::string_view> BearerCredential(const http::Request& request);

// The principal of the API key sent as `Authorization: Bearer <key>`.
// kUnauthenticated "missing credentials..." without one, "invalid API key"
// for a key the registry does not know.
Result<http::Principal> AuthenticateApiKey(const http::Request& request,
                                           const http::TenantRegistry& registry);

// kPermissionDenied naming the scope unless `principal` has it.
Status RequireScope(const http::Principal& principal, http::Scope scope);

// Enriches `events` (when options.enricher is set), gives each the tenant
// `tenant` and appends them: Store::Append's outcomes, one per event.
Result<std::vector<store::AppendOutcome>> StoreEvents(const DialectApiOptions& options,
                                                      std::string_view tenant,
                                                      std::vector<event::Event>& events);

}  // namespace auditlog::api

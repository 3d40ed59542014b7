#include "api/native/native_api.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <simdjson.h>

#include <map>

#include "api/dialect/dialect_api.h"
#include "api/dialect/json_body.h"
#include "api/native/params.h"
#include "api/native/render.h"
#include "enrich/enricher.h"
#include "event/json_syntax.h"
#include "event/json_writer.h"
#include "event/time.h"
#include "http/error_mapping.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"

namespace auditlog::api::native {
namespace {

using http::NativeError;
using http::Request;
using http::Response;

// Who is calling: the operator (admin token) or a tenant's API key.
struct Caller {
  bool admin = false;
  http::Principal principal;  // for a key
};

Result<Caller> Authenticate(const Request& request, const NativeApiOptions& options) {
  const auto token = BearerToken(request);
  if (!token) {
    return Status::Unauthenticated("missing credentials: send Authorization: Bearer <API key>");
  }
  if (IsAdmin(request, options.admin_token)) return Caller{.admin = true, .principal = {}};
  auto principal = options.registry->Authenticate(*token);
  if (!principal.ok()) return principal.status();
  return Caller{.admin = false, .principal = std::move(*principal)};
}

Status RequireScope(const Caller& caller, http::Scope scope) {
  if (caller.admin) return Status::OK();
  return api::RequireScope(caller.principal, scope);
}

// The tenant a request acts on. Keys: their own (a `tenant` parameter may
// only repeat it). Admin: the `tenant` parameter, required; "*" when
// `allow_all`.
Result<std::string> ResolveTenant(const Request& request, const Caller& caller, bool allow_all,
                                  std::string* error_field) {
  const auto named = request.Param("tenant");
  if (!caller.admin) {
    if (named && !named->empty() && *named != caller.principal.tenant) {
      *error_field = "tenant";
      return Status::PermissionDenied("tenant: an API key acts on its own tenant only");
    }
    return caller.principal.tenant;
  }
  if (!named || named->empty()) {
    *error_field = "tenant";
    return Status::InvalidArgument(
        "tenant: required with the admin token (a tenant id, or * for every tenant)");
  }
  if (query::IsAllTenants(*named)) {
    if (!allow_all) {
      *error_field = "tenant";
      return Status::InvalidArgument("tenant: * is not allowed here");
    }
    return std::string(*named);
  }
  if (Status valid = http::ValidateTenantId(*named); !valid.ok()) {
    *error_field = "tenant";
    return Status::InvalidArgument("tenant: " + std::string(valid.message()));
  }
  return std::string(*named);
}

// Authenticates `request`, checks `scope` and resolves its tenant: what every
// event and stats endpoint does first. On failure the response is ready.
struct Admitted {
  Caller caller;
  std::string tenant;
};
Result<Admitted> Admit(const Request& request, const NativeApiOptions& options, http::Scope scope,
                       std::string* error_field) {
  auto caller = Authenticate(request, options);
  if (!caller.ok()) return caller.status();
  if (Status allowed = RequireScope(*caller, scope); !allowed.ok()) return allowed;
  auto tenant = ResolveTenant(request, *caller, /*allow_all=*/true, error_field);
  if (!tenant.ok()) return tenant.status();
  // The parameter parsers skip `tenant` themselves (api/native/params.h).
  return Admitted{std::move(*caller), std::move(*tenant)};
}

Response Error(const Status& status, std::string_view field = {}) {
  Response response = NativeError(status, field);
  if (status.code() == StatusCode::kResourceExhausted) response.AddHeader("Retry-After", "1");
  return response;
}

// ---- events -----------------------------------------------------------------

Result<std::pair<ingest::Dialect, ingest::BodyFormat>> IngestFormat(const Request& request) {
  using ingest::BodyFormat;
  using ingest::Dialect;
  BodyFormat body_format = BodyFormat::kAuto;
  if (const auto type = request.Header("content-type");
      type &&
      (type->starts_with("application/x-ndjson") || type->starts_with("application/jsonl") ||
       type->starts_with("application/json-seq"))) {
    body_format = BodyFormat::kNdjson;
  }
  const std::string_view name = request.Param("format").value_or("native");
  if (name.empty() || name == "native") return std::pair{Dialect::kNative, body_format};
  if (name == "authing") return std::pair{Dialect::kAuthing, body_format};
  if (name == "authing-line") return std::pair{Dialect::kAuthing, BodyFormat::kLogLines};
  if (name == "auth0") return std::pair{Dialect::kAuth0, body_format};
  if (name == "enos") return std::pair{Dialect::kEnos, body_format};
  return Status::InvalidArgument(fmt::format(
      "format: unknown format {:?}; use native, authing, authing-line, auth0 or enos", name));
}

struct IngestError {
  size_t index = 0;
  size_t line = 0;  // 0: not known
  std::string message;
  StatusCode code = StatusCode::kInvalidArgument;
};

class IngestBudget {
 public:
  IngestBudget(std::atomic<uint64_t>& in_flight, uint64_t bytes)
      : in_flight_(in_flight), bytes_(bytes) {
    total_ = in_flight_.fetch_add(bytes_) + bytes_;
  }
  ~IngestBudget() { in_flight_.fetch_sub(bytes_); }
  uint64_t total() const { return total_; }

 private:
  std::atomic<uint64_t>& in_flight_;
  uint64_t bytes_;
  uint64_t total_;
};

Response Ingest(Request& request, const NativeApiOptions& options,
                std::atomic<uint64_t>& ingest_bytes_in_flight) {
  std::string field;
  auto admitted = Admit(request, options, http::Scope::kEventsWrite, &field);
  if (!admitted.ok()) return Error(admitted.status(), field);
  const std::string& tenant = admitted->tenant;
  const bool route_by_event = query::IsAllTenants(tenant);
  if (admitted->caller.admin && !route_by_event && !options.registry->FindTenant(tenant)) {
    return Error(Status::NotFound(fmt::format("tenant {:?} does not exist", tenant)), "tenant");
  }
  const IngestBudget budget(ingest_bytes_in_flight, request.body.size());
  if (budget.total() > options.max_ingest_bytes_in_flight &&
      budget.total() != request.body.size()) {
    return Error(Status::ResourceExhausted("ingest is saturated; retry shortly"));
  }
  auto format = IngestFormat(request);
  if (!format.ok()) return Error(format.status(), "format");

  // Decoders hold parser buffers: one per dialect per worker thread.
  thread_local std::map<ingest::Dialect, std::unique_ptr<ingest::RecordDecoder>> decoders;
  auto& decoder = decoders[format->first];
  if (!decoder) decoder = ingest::MakeRecordDecoder(format->first);
  auto batch = ingest::DecodeBody(*decoder, request.body.view(), format->second);
  if (!batch.ok()) return Error(batch.status(), "body");

  std::vector<IngestError> errors;
  for (const ingest::RecordError& error : batch->errors) {
    errors.push_back({error.index, error.line, error.message});
  }
  // Events by tenant, each with its record index.
  std::map<std::string, std::vector<size_t>> by_tenant;
  for (size_t i = 0; i < batch->events.size(); ++i) {
    event::Event& event = batch->events[i];
    const size_t index = batch->event_indexes[i];
    if (route_by_event) {
      if (event.tenant.empty()) {
        errors.push_back({index, 0, "tenant: required when ingesting with tenant=*"});
        continue;
      }
      if (Status valid = http::ValidateTenantId(event.tenant); !valid.ok()) {
        errors.push_back({index, 0, "tenant: " + std::string(valid.message())});
        continue;
      }
    } else if (event.tenant.empty()) {
      event.tenant = tenant;
    } else if (event.tenant != tenant) {
      errors.push_back(
          {index, 0,
           fmt::format("tenant: the event names tenant {:?}, not {:?}", event.tenant, tenant)});
      continue;
    }
    by_tenant[event.tenant].push_back(i);
  }

  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  Status store_failure;
  for (auto& [event_tenant, positions] : by_tenant) {
    if (route_by_event) {
      auto created = options.registry->EnsureTenant(event_tenant);
      if (!created.ok()) {
        for (const size_t position : positions) {
          errors.push_back(
              {batch->event_indexes[position], 0, std::string(created.status().message())});
        }
        continue;
      }
    }
    // The common batch, every event of one tenant, is stored where it was
    // decoded: an Event is 1.7 KB, and moving a thousand of them cost as
    // much as enriching them.
    std::vector<event::Event> gathered;
    std::span<event::Event> events(batch->events);
    if (positions.size() != batch->events.size()) {
      gathered.reserve(positions.size());
      for (const size_t position : positions)
        gathered.push_back(std::move(batch->events[position]));
      events = gathered;
    }
    if (options.enricher != nullptr) options.enricher->Enrich(events);
    auto outcomes = options.store->Append(event_tenant, events);
    if (!outcomes.ok()) {
      store_failure = outcomes.status();
      for (const size_t position : positions) {
        errors.push_back({batch->event_indexes[position], 0,
                          "not stored: " + std::string(outcomes.status().message())});
      }
      continue;
    }
    for (size_t i = 0; i < outcomes->size(); ++i) {
      const store::AppendOutcome& outcome = (*outcomes)[i];
      if (outcome.status.ok()) {
        ++accepted;
        if (outcome.duplicate) ++duplicates;
      } else {
        errors.push_back({batch->event_indexes[positions[i]], 0,
                          std::string(outcome.status.message()), outcome.status.code()});
      }
    }
  }
  std::sort(errors.begin(), errors.end(),
            [](const IngestError& a, const IngestError& b) { return a.index < b.index; });

  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("accepted");
  json.Uint(accepted);
  json.Key("duplicates");
  json.Uint(duplicates);
  json.Key("errors");
  json.BeginArray();
  for (const IngestError& error : errors) {
    json.BeginObject();
    json.Key("index");
    json.Uint(error.index);
    if (error.line > 0) {
      json.Key("line");
      json.Uint(error.line);
    }
    json.Member("error", error.message);
    json.EndObject();
  }
  json.EndArray();
  if (accepted == 0 && !errors.empty()) {
    // Nothing was stored: the error envelope rides along with the details.
    const Status why =
        !store_failure.ok()
            ? store_failure
            : Status(errors[0].code,
                     fmt::format("no record was accepted; record {}{}: {}", errors[0].index,
                                 errors[0].line > 0 ? fmt::format(" (line {})", errors[0].line)
                                                    : std::string(),
                                 errors[0].message));
    json.Key("error");
    json.BeginObject();
    json.Member("code", StatusCodeName(why.code()));
    json.Member("message", why.message());
    json.Member("field", "body");
    json.EndObject();
    json.EndObject();
    Response response = Response::Json(http::HttpStatusOf(why.code()), std::move(body));
    if (why.code() == StatusCode::kUnavailable) response.AddHeader("Retry-After", "5");
    return response;
  }
  json.EndObject();
  return Response::Json(200, std::move(body));
}

Response Search(Request& request, const NativeApiOptions& options) {
  std::string field;
  auto admitted = Admit(request, options, http::Scope::kEventsRead, &field);
  if (!admitted.ok()) return Error(admitted.status(), field);
  const std::string& tenant = admitted->tenant;
  auto parsed =
      ParseSearchParams(request.query, tenant, *options.cursors, options.query_timeout, &field);
  if (!parsed.ok()) return Error(parsed.status(), field);
  parsed->query.render_json = true;
  auto result = options.store->Search(parsed->query);
  if (!result.ok()) return Error(result.status());
  return Response::Json(200, RenderSearchResult(parsed->query, *result, *options.cursors));
}

Response GetEvent(Request& request, const NativeApiOptions& options) {
  std::string field;
  auto admitted = Admit(request, options, http::Scope::kEventsRead, &field);
  if (!admitted.ok()) return Error(admitted.status(), field);
  const std::string& tenant = admitted->tenant;
  const std::string_view id = request.PathParam("id");
  auto found = options.store->Get(tenant, id);
  if (!found.ok()) return Error(found.status());
  if (!found->has_value()) {
    return Error(Status::NotFound(fmt::format("no event with id {:?}", id)));
  }
  return Response::Json(200, RenderEvent(**found));
}

using StatsParser = Result<StatsRequest> (*)(const std::vector<http::NameValue>&, std::string_view,
                                             std::chrono::milliseconds, std::string*);

Response Stats(Request& request, const NativeApiOptions& options, StatsParser parse) {
  std::string field;
  auto admitted = Admit(request, options, http::Scope::kStatsRead, &field);
  if (!admitted.ok()) return Error(admitted.status(), field);
  const std::string& tenant = admitted->tenant;
  auto parsed = parse(request.query, tenant, options.query_timeout, &field);
  if (!parsed.ok()) return Error(parsed.status(), field);
  auto result = options.store->Aggregate(parsed->query, parsed->spec);
  if (!result.ok()) return Error(result.status());
  auto body = RenderStats(*parsed, *result);
  if (!body.ok()) return Error(body.status(), "fill");
  return Response::Json(200, std::move(*body));
}

// ---- administration -----------------------------------------------------------

Status RequireAdmin(const Request& request, const NativeApiOptions& options) {
  if (!BearerToken(request)) {
    return Status::Unauthenticated("missing credentials: send Authorization: Bearer <admin token>");
  }
  if (!IsAdmin(request, options.admin_token)) {
    // An API key is a credential, just not this one.
    if (options.registry->Authenticate(*BearerToken(request)).ok()) {
      return Status::PermissionDenied("this endpoint needs the admin token");
    }
    return Status::Unauthenticated("invalid admin token");
  }
  return Status::OK();
}

void WriteTime(event::JsonWriter& json, std::string_view key, int64_t micros) {
  json.Key(key);
  json.String(event::FormatRfc3339(micros));
}

void WriteTenant(event::JsonWriter& json, const http::TenantInfo& tenant) {
  json.BeginObject();
  json.Member("id", tenant.id);
  json.Key("retention_days");
  if (tenant.retention_days) {
    json.Uint(*tenant.retention_days);
  } else {
    json.Null();
  }
  WriteTime(json, "created_at", tenant.created_at_micros);
  json.EndObject();
}

void WriteKey(event::JsonWriter& json, const http::KeyInfo& key, const std::string* secret) {
  json.BeginObject();
  json.Member("id", key.id);
  json.Member("tenant", key.tenant);
  json.Key("scopes");
  json.BeginArray();
  for (const std::string& scope : http::ScopeNames(key.scopes)) json.String(scope);
  json.EndArray();
  WriteTime(json, "created_at", key.created_at_micros);
  json.Key("revoked");
  json.Bool(key.revoked);
  if (secret != nullptr) json.Member("key", *secret);
  json.EndObject();
}

// Parses a small JSON object body of an admin request.
Result<simdjson::dom::object> ParseObjectBody(const Request& request,
                                              simdjson::dom::parser& parser) {
  return api::ParseJsonObjectBody(request.body_text(), parser);
}

Response CreateTenant(Request& request, const NativeApiOptions& options) {
  if (Status admin = RequireAdmin(request, options); !admin.ok()) return Error(admin);
  simdjson::dom::parser parser;
  auto object = ParseObjectBody(request, parser);
  if (!object.ok()) return Error(object.status(), "body");
  std::string id;
  std::optional<uint32_t> retention_days;
  for (auto [key, value] : *object) {
    if (key == "id") {
      std::string_view text;
      if (value.get(text)) return Error(Status::InvalidArgument("id: not a string"), "id");
      id = std::string(text);
    } else if (key == "retention_days") {
      if (value.is_null()) continue;
      uint64_t days = 0;
      if (value.get(days) || days == 0 || days > 1'000'000) {
        return Error(
            Status::InvalidArgument(
                "retention_days: must be a whole number of days from 1, or null (forever)"),
            "retention_days");
      }
      retention_days = static_cast<uint32_t>(days);
    } else {
      return Error(Status::InvalidArgument(fmt::format("body: unknown member {:?}", key)),
                   std::string(key));
    }
  }
  if (id.empty()) return Error(Status::InvalidArgument("id: required"), "id");
  auto created = options.registry->CreateTenant(id, retention_days);
  if (!created.ok()) return Error(created.status(), "id");
  if (options.set_retention) options.set_retention(created->id, created->retention_days);
  std::string body;
  event::JsonWriter json(&body);
  WriteTenant(json, *created);
  return Response::Json(201, std::move(body));
}

Response ListTenants(Request& request, const NativeApiOptions& options) {
  if (Status admin = RequireAdmin(request, options); !admin.ok()) return Error(admin);
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("tenants");
  json.BeginArray();
  for (const http::TenantInfo& tenant : options.registry->Tenants()) WriteTenant(json, tenant);
  json.EndArray();
  json.EndObject();
  return Response::Json(200, std::move(body));
}

Response CreateKey(Request& request, const NativeApiOptions& options) {
  if (Status admin = RequireAdmin(request, options); !admin.ok()) return Error(admin);
  const std::string tenant(request.PathParam("id"));
  if (!options.registry->FindTenant(tenant)) {
    return Error(Status::NotFound(fmt::format("tenant {:?} does not exist", tenant)));
  }
  simdjson::dom::parser parser;
  std::vector<std::string> scope_names;
  if (request.body.size() > 0) {
    auto object = ParseObjectBody(request, parser);
    if (!object.ok()) return Error(object.status(), "body");
    for (auto [key, value] : *object) {
      if (key != "scopes") {
        return Error(Status::InvalidArgument(fmt::format("body: unknown member {:?}", key)),
                     std::string(key));
      }
      simdjson::dom::array array;
      if (value.get(array)) {
        return Error(Status::InvalidArgument("scopes: expected an array of strings"), "scopes");
      }
      for (simdjson::dom::element item : array) {
        std::string_view name;
        if (item.get(name)) {
          return Error(Status::InvalidArgument("scopes: expected an array of strings"), "scopes");
        }
        scope_names.emplace_back(name);
      }
    }
  } else {
    scope_names = {"events:write", "events:read", "stats:read"};
  }
  auto scopes = http::ParseScopes(scope_names);
  if (!scopes.ok()) return Error(scopes.status(), "scopes");
  auto key = options.registry->CreateKey(tenant, *scopes);
  if (!key.ok()) return Error(key.status());
  std::string body;
  event::JsonWriter json(&body);
  WriteKey(json, key->info, &key->key);
  Response response = Response::Json(201, std::move(body));
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

Response ListKeys(Request& request, const NativeApiOptions& options) {
  if (Status admin = RequireAdmin(request, options); !admin.ok()) return Error(admin);
  const std::string tenant(request.PathParam("id"));
  if (!options.registry->FindTenant(tenant)) {
    return Error(Status::NotFound(fmt::format("tenant {:?} does not exist", tenant)));
  }
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("keys");
  json.BeginArray();
  for (const http::KeyInfo& key : options.registry->Keys(tenant)) WriteKey(json, key, nullptr);
  json.EndArray();
  json.EndObject();
  return Response::Json(200, std::move(body));
}

Response RevokeKey(Request& request, const NativeApiOptions& options) {
  if (Status admin = RequireAdmin(request, options); !admin.ok()) return Error(admin);
  if (Status revoked =
          options.registry->RevokeKey(request.PathParam("id"), request.PathParam("key_id"));
      !revoked.ok()) {
    return Error(revoked);
  }
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

void WriteStoreStats(event::JsonWriter& json, const store::StoreStats& stats) {
  json.BeginObject();
  json.Key("events");
  json.Uint(stats.events);
  json.Key("segments");
  json.Uint(stats.segments);
  json.Key("segment_bytes");
  json.Uint(stats.segment_bytes);
  json.Key("wal_bytes");
  json.Uint(stats.wal_bytes);
  json.Key("bytes_on_disk");
  json.Uint(stats.segment_bytes + stats.wal_bytes);
  json.Key("memtable_events");
  json.Uint(stats.memtable_events);
  json.Key("memtable_bytes");
  json.Uint(stats.memtable_bytes);
  json.Key("flushes");
  json.Uint(stats.flushes);
  json.Key("compactions");
  json.Uint(stats.compactions);
  json.Key("writable");
  json.Bool(stats.write_status.ok());
  if (!stats.write_status.ok()) json.Member("write_error", stats.write_status.message());
  json.Key("damaged_segments");
  json.BeginArray();
  for (const std::string& segment : stats.damaged_segments) json.String(segment);
  json.EndArray();
  json.Key("tenants");
  json.BeginArray();
  for (const store::TenantStats& tenant : stats.tenants) {
    json.BeginObject();
    json.Member("tenant", tenant.tenant);
    json.Key("events");
    json.Uint(tenant.events);
    json.Key("last_seq");
    json.Uint(tenant.last_seq);
    json.Key("segments");
    json.Uint(tenant.segments);
    json.Key("segment_bytes");
    json.Uint(tenant.segment_bytes);
    json.Key("memtable_events");
    json.Uint(tenant.memtable_events);
    if (tenant.oldest) WriteTime(json, "oldest", *tenant.oldest);
    if (tenant.newest) WriteTime(json, "newest", *tenant.newest);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

Response StoreStatsResponse(const NativeApiOptions& options) {
  auto stats = options.store->Stats();
  if (!stats.ok()) return Error(stats.status());
  std::string body;
  event::JsonWriter json(&body);
  WriteStoreStats(json, *stats);
  return Response::Json(200, std::move(body));
}

Response Flush(Request& request, const NativeApiOptions& options) {
  if (Status admin = RequireAdmin(request, options); !admin.ok()) return Error(admin);
  if (!options.flush) return Error(Status::Unavailable("this store does not flush on demand"));
  if (Status flushed = options.flush(); !flushed.ok()) return Error(flushed);
  return StoreStatsResponse(options);
}

Response Healthz(const NativeApiOptions& options) {
  const Status write_status = options.store->WriteStatus();
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  const bool writable = write_status.ok();
  json.Member("status", writable ? "ok" : "degraded");
  if (!writable) json.Member("reason", write_status.message());
  json.EndObject();
  return Response::Json(writable ? 200 : 503, std::move(body));
}

}  // namespace

std::optional<std::string_view> BearerToken(const Request& request) {
  return api::BearerCredential(request);
}

bool IsAdmin(const Request& request, std::string_view admin_token) {
  if (admin_token.empty()) return false;
  const auto token = BearerToken(request);
  if (!token || token->size() != admin_token.size()) return false;
  return CRYPTO_memcmp(token->data(), admin_token.data(), admin_token.size()) == 0;
}

void RegisterNativeApi(http::Router& router, const NativeApiOptions& options) {
  const NativeApiOptions* o = &options;
  auto ingest_bytes = std::make_shared<std::atomic<uint64_t>>(0);
  router.Add("POST", "/v1/events",
             [o, ingest_bytes](Request& r) { return Ingest(r, *o, *ingest_bytes); });
  router.Add("GET", "/v1/events", [o](Request& r) { return Search(r, *o); });
  router.Add("GET", "/v1/events/{id}", [o](Request& r) { return GetEvent(r, *o); });
  router.Add("GET", "/v1/stats/count", [o](Request& r) { return Stats(r, *o, ParseCountParams); });
  router.Add("GET", "/v1/stats/histogram",
             [o](Request& r) { return Stats(r, *o, ParseHistogramParams); });
  router.Add("GET", "/v1/stats/distinct",
             [o](Request& r) { return Stats(r, *o, ParseDistinctParams); });
  router.Add("POST", "/v1/tenants", [o](Request& r) { return CreateTenant(r, *o); });
  router.Add("GET", "/v1/tenants", [o](Request& r) { return ListTenants(r, *o); });
  router.Add("POST", "/v1/tenants/{id}/keys", [o](Request& r) { return CreateKey(r, *o); });
  router.Add("GET", "/v1/tenants/{id}/keys", [o](Request& r) { return ListKeys(r, *o); });
  router.Add("DELETE", "/v1/tenants/{id}/keys/{key_id}",
             [o](Request& r) { return RevokeKey(r, *o); });
  router.Add("POST", "/v1/admin/flush", [o](Request& r) { return Flush(r, *o); });
  router.Add("GET", "/v1/admin/store", [o](Request& r) {
    if (Status admin = RequireAdmin(r, *o); !admin.ok()) return Error(admin);
    return StoreStatsResponse(*o);
  });
  router.Add("GET", "/healthz", [o](Request&) { return Healthz(*o); });
  router.Add("GET", "/v1/openapi.yaml", [](Request&) {
    Response response = Response::Json(200, std::string(OpenApiDocument()));
    response.content_type = "application/yaml";
    return response;
  });
  if (options.metrics_text) {
    router.Add("GET", "/metrics", [o](Request& r) {
      if (Status admin = RequireAdmin(r, *o); !admin.ok()) return Error(admin);
      Response response = Response::Json(200, o->metrics_text());
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return response;
    });
  }
}

}  // namespace auditlog::api::native

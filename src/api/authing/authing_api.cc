#include "api/authing/authing_api.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <memory>

#include "api/authing/graphql.h"
#include "api/authing/records.h"
#include "api/authing/signature.h"
#include "api/authing/token.h"
#include "api/authing/v2_params.h"
#include "api/authing/v3_params.h"
#include "event/json_writer.h"
#include "http/error_mapping.h"

namespace auditlog::api::authing {
namespace {

using http::Request;
using http::Response;

// What the handlers share besides the options.
struct Shared {
  const DialectApiOptions* options = nullptr;
  std::string jwt_secret;
  SignatureVerifier verifier;
};

int64_t NowSeconds(const DialectApiOptions& options) {
  return options.Now().NowMicros() / 1'000'000;
}

// ---- envelopes ---------------------------------------------------------------

Response V2Error(int http_status, const Status& status) {
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("code");
  json.Int(http_status);
  json.Member("message", status.message());
  json.Key("data");
  json.Null();
  json.EndObject();
  return Response::Json(http_status, std::move(body));
}
Response V2Error(const Status& status) {
  return V2Error(http::HttpStatusOf(status.code()), status);
}

std::string NewRequestId() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "0";
  std::string id;
  for (const unsigned char byte : bytes) id += fmt::format("{:02x}", byte);
  return id;
}

Response V3Error(int http_status, const Status& status) {
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("statusCode");
  json.Int(http_status);
  json.Member("message", status.message());
  // Authing's apiCodes are internal numbers; ours is the HTTP status times
  // 100 plus nothing more specific (documented in docs/dialects/authing.md).
  json.Key("apiCode");
  json.Int(http_status * 100);
  json.Member("requestId", NewRequestId());
  json.Key("data");
  json.Null();
  json.EndObject();
  return Response::Json(http_status, std::move(body));
}
Response V3Error(const Status& status) {
  return V3Error(http::HttpStatusOf(status.code()), status);
}

Response GraphqlError(int http_status, int code, std::string_view message) {
  return Response::Json(http_status, GraphqlErrorResponse(code, message));
}

// ---- authentication ------------------------------------------------------------

// A request acting for another pool than its credential's is refused.
Status CheckUserPoolHeader(const Request& request, const http::Principal& principal) {
  const auto pool = request.Header("x-authing-userpool-id");
  if (pool && !pool->empty() && *pool != principal.tenant) {
    return Status::PermissionDenied(
        "x-authing-userpool-id: the credential belongs to another user pool");
  }
  return Status::OK();
}

// v2: `Authorization: Bearer <JWT from /graphql/v2>` or `Bearer <API key>`.
Result<http::Principal> AuthenticateV2(const Request& request, const Shared& shared) {
  const DialectApiOptions& options = *shared.options;
  const auto bearer = BearerCredential(request);
  if (!bearer) {
    return Status::Unauthenticated(
        "missing credentials: send Authorization: Bearer <token from /graphql/v2 or API key>");
  }
  http::Principal principal;
  if (LooksLikeJwt(*bearer)) {
    AL_ASSIGN_OR_RETURN(const TokenClaims claims,
                        VerifyToken(*bearer, shared.jwt_secret, NowSeconds(options)));
    // The key must still be live: revoking it ends its tokens.
    auto key = options.registry->PrincipalOf(claims.key_id);
    if (!key.ok() || key->tenant != claims.tenant) {
      return Status::Unauthenticated("token revoked: its API key is no longer valid");
    }
    principal = std::move(*key);
  } else {
    AL_ASSIGN_OR_RETURN(principal, options.registry->Authenticate(*bearer));
  }
  AL_RETURN_IF_ERROR(RequireScope(principal, http::Scope::kEventsRead));
  AL_RETURN_IF_ERROR(CheckUserPoolHeader(request, principal));
  return principal;
}

// The nonce is remembered last, so that a request refused for its scope or
// pool takes no room in the cache. `*retry_after_seconds` is set when the
// cache is full (kUnavailable).
Result<http::Principal> AuthenticateV3(const Request& request, Shared& shared,
                                       int64_t* retry_after_seconds) {
  const DialectApiOptions& options = *shared.options;
  const int64_t now_micros = options.Now().NowMicros();
  AL_ASSIGN_OR_RETURN(SignedRequest checked,
                      shared.verifier.Check(request, *options.registry, now_micros));
  AL_RETURN_IF_ERROR(RequireScope(checked.principal, http::Scope::kEventsRead));
  AL_RETURN_IF_ERROR(CheckUserPoolHeader(request, checked.principal));
  AL_RETURN_IF_ERROR(shared.verifier.Accept(checked, now_micros, retry_after_seconds));
  return std::move(checked.principal);
}

// The v3 error for a failed AuthenticateV3.
Response V3AuthError(const Status& status, int64_t retry_after_seconds) {
  Response response = V3Error(status);
  if (status.code() == StatusCode::kUnavailable && retry_after_seconds > 0) {
    response.AddHeader("Retry-After", std::to_string(retry_after_seconds));
  }
  return response;
}

// ---- handlers ------------------------------------------------------------------

using RecordWriter = void (*)(const event::Event&, event::JsonWriter&);

// {"totalCount": n, "list": [...]} as the next value of `json`.
void WriteListData(event::JsonWriter& json, const query::SearchResult& result, RecordWriter write) {
  json.BeginObject();
  json.Key("totalCount");
  json.Uint(result.total.value_or(result.events.size()));
  json.Key("list");
  json.BeginArray();
  for (const event::Event& event : result.events) write(event, json);
  json.EndArray();
  json.EndObject();
}

Response V2List(Request& request, Shared& shared, LogKind kind) {
  const DialectApiOptions& options = *shared.options;
  auto principal = AuthenticateV2(request, shared);
  if (!principal.ok()) return V2Error(principal.status());
  auto query = ParseV2ListParams(request, kind, principal->tenant, options.query_timeout, nullptr);
  if (!query.ok()) return V2Error(query.status());
  auto result = options.store->Search(*query);
  if (!result.ok()) return V2Error(result.status());
  // `userPoolId` is the pool asked about, whatever the stored copy says.
  for (event::Event& event : result->events) event.tenant = principal->tenant;
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("code");
  json.Int(200);
  json.Member("message", "");
  json.Key("data");
  WriteListData(json, *result, WriteV2Document);
  json.EndObject();
  return Response::Json(200, std::move(body));
}

Response V3Answer(const Result<query::Query>& query, const DialectApiOptions& options,
                  RecordWriter write) {
  if (!query.ok()) return V3Error(query.status());
  auto result = options.store->Search(*query);
  if (!result.ok()) return V3Error(result.status());
  std::string body;
  event::JsonWriter json(&body);
  json.BeginObject();
  json.Key("statusCode");
  json.Int(200);
  json.Member("message", "");
  json.Member("requestId", NewRequestId());
  json.Key("data");
  WriteListData(json, *result, write);
  json.EndObject();
  return Response::Json(200, std::move(body));
}

Response V3ListHandler(Request& request, Shared& shared, V3List list) {
  int64_t retry_after_seconds = 0;
  auto principal = AuthenticateV3(request, shared, &retry_after_seconds);
  if (!principal.ok()) return V3AuthError(principal.status(), retry_after_seconds);
  const DialectApiOptions& options = *shared.options;
  return V3Answer(
      ParseV3ListBody(request.body_text(), list, principal->tenant, options.query_timeout), options,
      list == V3List::kAdminAuditLogs ? WriteAdminAuditLogDto : WriteUserActionLogDto);
}

Response V3LoginHistory(Request& request, Shared& shared) {
  int64_t retry_after_seconds = 0;
  auto principal = AuthenticateV3(request, shared, &retry_after_seconds);
  if (!principal.ok()) return V3AuthError(principal.status(), retry_after_seconds);
  const DialectApiOptions& options = *shared.options;
  auto query =
      request.method == "GET"
          ? ParseV3LoginHistoryParams(request, principal->tenant, options.query_timeout)
          : ParseV3LoginHistoryBody(request.body_text(), principal->tenant, options.query_timeout);
  return V3Answer(query, options, WriteUserLoginHistoryDto);
}

Response Graphql(Request& request, const Shared& shared) {
  const DialectApiOptions& options = *shared.options;
  auto parsed = ParseGraphqlRequest(request.body_text());
  if (!parsed.ok()) {
    return GraphqlError(200, kGraphqlCodeUnsupported, parsed.status().message());
  }
  if (parsed->operation == GraphqlOperation::kIntrospection) {
    return Response::Json(200, IntrospectionResponse());
  }
  // One answer for an unknown pool, a bad secret and another pool's key, so
  // the answer reveals nothing about either.
  auto principal = options.registry->Authenticate(parsed->secret);
  if (!principal.ok() || principal->tenant != parsed->user_pool_id) {
    return GraphqlError(200, kGraphqlCodeBadCredentials,
                        "accessToken: invalid userPoolId or secret");
  }
  TokenClaims claims;
  claims.key_id = principal->key_id;
  claims.tenant = principal->tenant;
  claims.iat = NowSeconds(options);
  claims.exp = claims.iat + kTokenLifetimeSeconds;
  Response response = Response::Json(
      200, AccessTokenResponse(MintToken(claims, shared.jwt_secret), claims.exp, claims.iat));
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

}  // namespace

void RegisterAuthingApi(http::Router& router, const DialectApiOptions& options) {
  auto shared = std::make_shared<Shared>();
  shared->options = &options;
  shared->jwt_secret = options.registry->DeriveKey("authing-jwt");
  router.Add("GET", "/api/v2/analysis/audit",
             [shared](Request& r) { return V2List(r, *shared, LogKind::kAudit); });
  router.Add("GET", "/api/v2/analysis/user-action",
             [shared](Request& r) { return V2List(r, *shared, LogKind::kUserAction); });
  router.Add("POST", "/graphql/v2", [shared](Request& r) { return Graphql(r, *shared); });
  router.Add("POST", "/api/v3/get-admin-audit-logs",
             [shared](Request& r) { return V3ListHandler(r, *shared, V3List::kAdminAuditLogs); });
  router.Add("POST", "/api/v3/get-user-action-logs",
             [shared](Request& r) { return V3ListHandler(r, *shared, V3List::kUserActionLogs); });
  router.Add("GET", "/api/v3/get-user-login-history",
             [shared](Request& r) { return V3LoginHistory(r, *shared); });
  router.Add("POST", "/api/v3/get-user-login-history",
             [shared](Request& r) { return V3LoginHistory(r, *shared); });
  router.SetErrorRenderer("/api/v2/analysis/",
                          [](const Request&, int http_status, const Status& status) {
                            return V2Error(http_status, status);
                          });
  router.SetErrorRenderer("/api/v3/", [](const Request&, int http_status, const Status& status) {
    return V3Error(http_status, status);
  });
  router.SetErrorRenderer("/graphql/", [](const Request&, int http_status, const Status& status) {
    return GraphqlError(http_status, http_status, status.message());
  });
}

}  // namespace auditlog::api::authing

// Fuzzes the Authing dialect's request parsers and record writers
// (src/api/authing/). The first input byte picks the target, the rest is its
// input:
//   0  a v2 query string (split by http::ParseTarget("/?" + input)) for
//      ParseV2ListParams, audit and user-action alike, and every
//      operator_arn value for ParseOperatorArn;
//   1  a POST /graphql/v2 body for ParseGraphqlRequest;
//   2  a v3 body for ParseV3ListBody (both lists), and a query string for
//      ParseV3LoginHistoryParams;
//   3  signature inputs: "<authorization>\n<date>\n<body>" for
//      ParseAuthingAuthorization, ParseHttpDate and StringToSign; then the
//      body as a query string (GET /api/v3/get-user-login-history) and as a
//      JSON body (POST /api/v3/get-admin-audit-logs), each correctly signed
//      with a registry key and passed to SignatureVerifier::Verify;
//   4  an Authing document, decoded by the ingest decoder and, when accepted,
//      written back as the v2 document and the three v3 DTOs.
// Invariants:
//   - no crash, leak or undefined behaviour on any input;
//   - parsing twice gives the same answer;
//   - every error is kInvalidArgument whose message leads with the parameter
//     or member at fault (v2: the reported error_field; GraphQL: "graphql: ");
//   - every accepted query passes query::ValidateQuery and keeps its tenant;
//   - an accepted accessToken request has both arguments;
//   - every written record is one valid JSON object, and a written v2
//     document decodes again;
//   - a correctly signed, fresh request is accepted exactly when its string
//     to sign can be built, and no accepted request has a query or body key
//     containing '=' or '&' (or a repeated key, or a value with '&'): the
//     string to sign names one request only.

#include <simdjson.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/authing/graphql.h"
#include "api/authing/records.h"
#include "api/authing/signature.h"
#include "api/authing/v2_params.h"
#include "api/authing/v3_params.h"
#include "common/clock.h"
#include "common/random.h"
#include "env/mem_file_system.h"
#include "event/json_buffer.h"
#include "event/json_writer.h"
#include "http/auth/tenant_registry.h"
#include "http/message.h"
#include "ingest/record_decoder.h"
#include "query/query.h"

namespace {

namespace authing = auditlog::api::authing;
namespace query = auditlog::query;
using auditlog::Result;
using auditlog::StatusCode;

constexpr size_t kMaxInputBytes = 8192;
constexpr std::string_view kTenant = "pool-a";
constexpr std::chrono::milliseconds kTimeout{1000};

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckQuery(const Result<query::Query>& parsed) {
  if (!parsed.ok()) {
    Check(parsed.status().code() == StatusCode::kInvalidArgument);
    Check(!parsed.status().message().empty());
    return;
  }
  Check(parsed->tenant == kTenant);
  Check(query::ValidateQuery(*parsed).ok());
}

void FuzzV2(std::string_view input) {
  auto target = auditlog::http::ParseTarget("/?" + std::string(input));
  if (!target.ok()) return;
  auditlog::http::Request request;
  request.method = "GET";
  request.path = target->path;
  request.query = std::move(target->query);
  for (const authing::LogKind kind : {authing::LogKind::kAudit, authing::LogKind::kUserAction}) {
    std::string field;
    auto first = authing::ParseV2ListParams(request, kind, kTenant, kTimeout, &field);
    std::string field_again;
    auto second = authing::ParseV2ListParams(request, kind, kTenant, kTimeout, &field_again);
    Check(first.ok() == second.ok() && field == field_again);
    CheckQuery(first);
    if (!first.ok()) {
      Check(!field.empty());
      Check(first.status().message().starts_with(field + ": "));
    } else {
      Check(query::DebugString(first->filter) == query::DebugString(second->filter));
    }
  }
  for (std::string_view arn : request.Params("operator_arn")) {
    auto parsed = authing::ParseOperatorArn(arn);
    if (parsed.ok()) {
      Check(!parsed->user_id.empty());
    } else {
      Check(parsed.status().message().starts_with("operator_arn: "));
    }
  }
}

void FuzzGraphql(std::string_view input) {
  auto first = authing::ParseGraphqlRequest(input);
  auto second = authing::ParseGraphqlRequest(input);
  Check(first.ok() == second.ok());
  if (!first.ok()) {
    Check(first.status().code() == StatusCode::kInvalidArgument);
    Check(first.status().message().starts_with("graphql: "));
    return;
  }
  Check(first->operation == second->operation && first->secret == second->secret);
  if (first->operation == authing::GraphqlOperation::kAccessToken) {
    Check(!first->user_pool_id.empty() && !first->secret.empty());
  }
}

void FuzzV3(std::string_view input) {
  for (const authing::V3List list :
       {authing::V3List::kAdminAuditLogs, authing::V3List::kUserActionLogs}) {
    CheckQuery(authing::ParseV3ListBody(input, list, kTenant, kTimeout));
  }
  auto target = auditlog::http::ParseTarget("/?" + std::string(input));
  if (!target.ok()) return;
  auditlog::http::Request request;
  request.query = std::move(target->query);
  CheckQuery(authing::ParseV3LoginHistoryParams(request, kTenant, kTimeout));
}

// Sun, 22 Nov 2026 03:05:23 GMT.
constexpr std::string_view kDate = "Sun, 22 Nov 2026 03:05:23 GMT";
constexpr int64_t kDateMicros = 1'795'316'723'000'000;

// A registry with one read key in kTenant, built once.
struct SigningKey {
  auditlog::env::MemFileSystem fs;
  auditlog::ManualClock clock{kDateMicros};
  auditlog::SeededRandom random{1};
  std::unique_ptr<auditlog::http::TenantRegistry> registry;
  auditlog::http::NewKey key;
};
SigningKey& Key() {
  static SigningKey* key = [] {
    auto* made = new SigningKey;
    auditlog::http::TenantRegistryOptions options;
    options.dir = "/registry";
    options.fs = &made->fs;
    options.clock = &made->clock;
    options.random = &made->random;
    made->registry = std::move(*auditlog::http::TenantRegistry::Open(options));
    Check(made->registry->CreateTenant(std::string(kTenant), std::nullopt).ok());
    made->key = *made->registry->CreateKey(std::string(kTenant), 2);
    return made;
  }();
  return *key;
}

// The pairs a request is signed over must be unambiguous.
void CheckUnambiguous(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::set<std::string> keys;
  for (const auto& [key, value] : pairs) {
    Check(key.find_first_of("=&") == std::string::npos);
    Check(value.find('&') == std::string::npos);
    Check(keys.insert(key).second);
  }
}

void VerifySigned(auditlog::http::Request request) {
  SigningKey& key = Key();
  request.headers = {{"x-authing-signature-nonce", "fuzz-nonce"},
                     {"x-authing-signature-method", "HMAC-SHA1"},
                     {"date", std::string(kDate)}};
  auto text = authing::StringToSign(request);
  const std::string signature = text.ok() ? authing::SignString(key.key.key, *text) : "x";
  request.headers.emplace_back("authorization", "authing " + key.key.info.id + ":" + signature);
  authing::SignatureVerifier verifier;  // fresh: the nonce is new
  auto verified = verifier.Verify(request, *key.registry, kDateMicros);
  Check(verified.ok() == text.ok());
  if (!verified.ok()) {
    Check(verified.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  Check(verified->tenant == kTenant);
  if (request.method == "GET") {
    CheckUnambiguous({request.query.begin(), request.query.end()});
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  const std::string body(request.body_text());
  bool blank = true;
  for (const char c : body) blank &= std::isspace(static_cast<unsigned char>(c)) != 0;
  if (blank) return;  // signed as no pairs
  Check(!parser.parse(body).get(object));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto [member_key, value] : object) {
    std::string_view string_value;
    pairs.emplace_back(std::string(member_key), !value.get(string_value) ? std::string(string_value)
                                                                         : simdjson::minify(value));
  }
  CheckUnambiguous(pairs);
}

void FuzzSignature(std::string_view input) {
  const size_t first_newline = input.find('\n');
  const std::string_view authorization = input.substr(0, first_newline);
  std::string_view rest = first_newline == std::string_view::npos ? std::string_view()
                                                                  : input.substr(first_newline + 1);
  const size_t second_newline = rest.find('\n');
  const std::string_view date = rest.substr(0, second_newline);
  const std::string_view body = second_newline == std::string_view::npos
                                    ? std::string_view()
                                    : rest.substr(second_newline + 1);
  if (auto parsed = authing::ParseAuthingAuthorization(authorization)) {
    Check(!parsed->access_key_id.empty() && !parsed->signature.empty());
  }
  if (auto micros = authing::ParseHttpDate(date)) Check(*micros >= 0);
  auditlog::http::Request request;
  request.method = body.empty() ? "GET" : "POST";
  request.path = "/api/v3/get-admin-audit-logs";
  request.headers = {{"authorization", std::string(authorization)},
                     {"date", std::string(date)},
                     {"x-authing-signature-nonce", "n"}};
  request.body = auditlog::event::PaddedBuffer(body);
  auto first = authing::StringToSign(request);
  auto second = authing::StringToSign(request);
  Check(first.ok() == second.ok());
  if (first.ok()) {
    Check(*first == *second);
    Check(authing::SignString("k", *first) == authing::SignString("k", *second));
  }
  if (auto target = auditlog::http::ParseTarget("/?" + std::string(body)); target.ok()) {
    auditlog::http::Request get;
    get.method = "GET";
    get.path = "/api/v3/get-user-login-history";
    get.query = std::move(target->query);
    VerifySigned(std::move(get));
  }
  auditlog::http::Request post;
  post.method = "POST";
  post.path = "/api/v3/get-admin-audit-logs";
  post.body = auditlog::event::PaddedBuffer(body);
  VerifySigned(std::move(post));
}

bool IsJsonObject(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  return !parser.parse(text).get(object);
}

void FuzzRecords(std::string_view input) {
  static auditlog::ingest::RecordDecoder* decoder =
      auditlog::ingest::MakeRecordDecoder(auditlog::ingest::Dialect::kAuthing).release();
  const auditlog::event::PaddedBuffer buffer(input);
  auditlog::event::Event event;
  if (!decoder->DecodeJson(buffer.view(), &event).ok()) return;
  std::string document;
  auditlog::event::JsonWriter json(&document);
  authing::WriteV2Document(event, json);
  Check(IsJsonObject(document));
  auditlog::event::Event again;
  const auto decoded = decoder->DecodeJson(auditlog::event::PaddedBuffer(document).view(), &again);
  if (!decoded.ok()) {
    std::fprintf(stderr, "written document does not decode: %s\n%s\n", decoded.ToString().c_str(),
                 document.c_str());
    std::abort();
  }
  for (auto write : {authing::WriteAdminAuditLogDto, authing::WriteUserActionLogDto,
                     authing::WriteUserLoginHistoryDto}) {
    std::string dto;
    auditlog::event::JsonWriter dto_json(&dto);
    write(event, dto_json);
    Check(IsJsonObject(dto));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > kMaxInputBytes) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      FuzzV2(input);
      break;
    case 1:
      FuzzGraphql(input);
      break;
    case 2:
      FuzzV3(input);
      break;
    case 3:
      FuzzSignature(input);
      break;
    default:
      FuzzRecords(input);
      break;
  }
  return 0;
}

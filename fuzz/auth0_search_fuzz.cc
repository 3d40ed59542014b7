// Fuzzes the Auth0 dialect's read parameters (api/auth0/params.h) and its
// `search` syntax (api/auth0/search_syntax.h). The input is used twice: as a
// query string, split and decoded by http::ParseTarget("/?" + input) and
// handed to ParseLogsParams and ParseUserLogsParams for tenant "t"; and as
// the text of a `search` parameter, handed to ParseAuth0Search. Invariants:
//   - no crash, leak or undefined behaviour on any input;
//   - every parameter error is kInvalidArgument in Auth0's shape
//     ("Query validation error: ...");
//   - every accepted search-mode request passes query::ValidateQuery, keeps
//     the tenant and timeout it was given and pages 1..100 logs; every
//     accepted checkpoint request takes 1..100;
//   - ParseAuth0Search is deterministic (the same input gives the same
//     filter twice), its errors are kInvalidArgument starting "search: ",
//     and every filter it accepts passes query::ValidateFilter;
//   - render::SplitDetails never crashes on arbitrary `details` text, and on
//     text that is a JSON object it leaves `details` empty or a JSON object
//     and takes out members whose values are valid JSON;
//   - the input decoded as an Auth0 body (ingest's Auth0 decoder), every
//     event renders (RenderLog, RenderLogList) to valid JSON: a log object,
//     and an array of one.

#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth0/params.h"
#include "api/auth0/render.h"
#include "api/auth0/search_syntax.h"
#include "common/status.h"
#include "event/json_buffer.h"
#include "http/message.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"
#include "query/query.h"

namespace {

using auditlog::Status;
using auditlog::StatusCode;
namespace auth0 = auditlog::api::auth0;
namespace query = auditlog::query;

constexpr size_t kMaxInputBytes = 8192;
constexpr std::string_view kTenant = "t";
constexpr std::chrono::milliseconds kTimeout{1000};

void CheckParamError(const Status& error) {
  if (error.code() != StatusCode::kInvalidArgument) std::abort();
  if (!error.message().starts_with("Query validation error: ")) std::abort();
}

void CheckAccepted(const auth0::LogsRequest& parsed) {
  if (parsed.query.tenant != kTenant || parsed.query.timeout != kTimeout) std::abort();
  if (parsed.mode == auth0::LogsMode::kCheckpoint) {
    if (parsed.take < 1 || parsed.take > auth0::kMaxTake) std::abort();
    return;
  }
  if (parsed.query.limit < 1 || parsed.query.limit > auth0::kMaxPerPage) std::abort();
  if (parsed.query.limit != parsed.per_page) std::abort();
  if (parsed.query.include_totals != parsed.include_totals) std::abort();
  if (!query::ValidateQuery(parsed.query).ok()) std::abort();
}

void CheckParams(const std::vector<auditlog::http::NameValue>& params) {
  const auto logs = auth0::ParseLogsParams(params, kTenant, kTimeout);
  if (logs.ok()) {
    CheckAccepted(*logs);
  } else {
    CheckParamError(logs.status());
  }
  const auto user_logs = auth0::ParseUserLogsParams(params, kTenant, "auth0|u", kTimeout);
  if (user_logs.ok()) {
    if (user_logs->mode != auth0::LogsMode::kSearch) std::abort();
    CheckAccepted(*user_logs);
  } else {
    CheckParamError(user_logs.status());
  }
}

void CheckSearch(std::string_view text) {
  const auto first = auth0::ParseAuth0Search(text);
  const auto second = auth0::ParseAuth0Search(text);
  if (first.ok() != second.ok()) std::abort();
  if (!first.ok()) {
    if (first.status().code() != StatusCode::kInvalidArgument) std::abort();
    if (!first.status().message().starts_with("search: ")) std::abort();
    if (first.status().message() != second.status().message()) std::abort();
    return;
  }
  if (query::DebugString(*first) != query::DebugString(*second)) std::abort();
  if (!query::ValidateFilter(*first).ok()) std::abort();
}

// Whether `text` is one valid JSON value of `type` (any type when nullopt).
bool IsJson(std::string_view text, std::optional<simdjson::dom::element_type> type) {
  static simdjson::dom::parser* parser = new simdjson::dom::parser();
  simdjson::dom::element element;
  if (parser->parse(simdjson::padded_string(text)).get(element)) return false;
  return !type || element.type() == *type;
}

void CheckSplitDetails(std::string_view input) {
  const auth0::SplitDetailsResult split = auth0::SplitDetails(input);
  if (!IsJson(input, simdjson::dom::element_type::OBJECT)) return;
  if (!split.details.empty() && !IsJson(split.details, simdjson::dom::element_type::OBJECT)) {
    std::abort();
  }
  for (const auto& [name, raw] : split.top_level) {
    if (name.empty() || !IsJson(raw, std::nullopt)) std::abort();
  }
}

void CheckRenderDecoded(std::string_view input) {
  static auditlog::ingest::RecordDecoder* decoder =
      auditlog::ingest::MakeRecordDecoder(auditlog::ingest::Dialect::kAuth0).release();
  const auditlog::event::PaddedBuffer body(input);
  auto decoded =
      auditlog::ingest::DecodeBody(*decoder, body.view(), auditlog::ingest::BodyFormat::kAuto);
  if (!decoded.ok()) return;
  for (const auditlog::event::Event& event : decoded->events) {
    if (!IsJson(auth0::RenderLog(event), simdjson::dom::element_type::OBJECT)) std::abort();
    const auth0::FieldSelection some({"details", "location_info", "connection_id"}, false);
    const std::string list = auth0::RenderLogList({&event, 1}, some, std::nullopt);
    if (!IsJson(list, simdjson::dom::element_type::ARRAY)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: not worth keeping in the corpus
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto target = auditlog::http::ParseTarget("/?" + std::string(input));
  if (target.ok()) CheckParams(target->query);
  CheckSearch(input);
  CheckSplitDetails(input);
  CheckRenderDecoded(input);
  return 0;
}

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
//   - render::SplitDetails never crashes on arbitrary `details` text.

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth0/params.h"
#include "api/auth0/render.h"
#include "api/auth0/search_syntax.h"
#include "common/status.h"
#include "http/message.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: not worth keeping in the corpus
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto target = auditlog::http::ParseTarget("/?" + std::string(input));
  if (target.ok()) CheckParams(target->query);
  CheckSearch(input);
  (void)auth0::SplitDetails(input);
  return 0;
}

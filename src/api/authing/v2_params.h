#pragma once

// The query parameters of Authing's v2 list endpoints (`GET
// /api/v2/analysis/audit` and `GET /api/v2/analysis/user-action`) turned into
// the canonical Query, as pure functions over the percent-decoded
// parameters. docs/dialects/authing.md ("v2 parameters") is the user's copy
// of these rules:
//
//   - Both endpoints take the same parameters: the documented snake_case ones
//     (`clientip`, `operation_name`, `operator_arn`, `app_id`, `page`,
//     `limit`, `exclude_non_app_records`, `start`, `end`, `request_id`) and
//     the camelCase ones the SDKs send (`userId`, `eventType`, `appId`,
//     `operationType`, `resourceName`, `userName`, `eventResultCode`).
//   - `operation_name`, `operator_arn`, `app_id` (and `appId`) repeat, as
//     `k=a&k=b` or `k[]=a&k[]=b`; several values of one name match any of
//     them, different names must all match.
//   - An empty value is no filter. Unknown parameters are ignored, as
//     Authing ignores them. For page, limit, start, end, eventResultCode and
//     exclude_non_app_records the first value counts.
//   - A purely numeric `operation_name` value is dropped: no Authing event
//     type is a number, and Authing's Python SDK writes `page` and `limit`
//     there (docs/dialects/authing.md).
//   - The endpoint's kind filter is always added: user-action lists events
//     whose type is in UserActionTypes() (records.h), audit the others.
//
// Errors are kInvalidArgument naming the parameter first
// (`limit: must be a whole number from 1 to 200, got "0"`); the parameter
// also goes to `*error_field` when not null.
//
// Thread-safety: pure functions.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/fields.h"
#include "http/message.h"
#include "query/query.h"

namespace auditlog::api::authing {

inline constexpr uint32_t kV2DefaultLimit = 10;
inline constexpr uint32_t kV2MaxLimit = 200;
// page * limit stays below this: deeper pages are refused.
inline constexpr uint64_t kMaxOffset = 1'000'000;

enum class LogKind : uint8_t { kAudit = 1, kUserAction = 2 };

// A parsed operator ARN: `arn:cn:authing:user:<id>` (pool empty) or
// `arn:cn:authing:<userPoolId>:user:<id>`.
struct OperatorArn {
  std::string user_pool;  // empty in the short form
  std::string user_id;
  friend bool operator==(const OperatorArn&, const OperatorArn&) = default;
};
// kInvalidArgument "operator_arn: ..." when `arn` has neither form.
Result<OperatorArn> ParseOperatorArn(std::string_view arn);

// The registry field at `path`. REQUIRES: `path` names a field of
// event/fields.cc (the dialect's paths are constants; checked in debug).
const event::FieldSpec& RegistryField(std::string_view path);

// The filter that selects `kind` (records.h's rule).
query::Filter KindFilter(LogKind kind);

// Parses a page number from 1 / a limit from 1 to `max_limit`, naming `name`.
Result<uint32_t> ParsePage(std::string_view name, std::string_view text);
Result<uint32_t> ParseLimit(std::string_view name, std::string_view text, uint32_t max_limit);
// Epoch milliseconds to micros, naming `name`.
Result<event::UnixMicros> ParseEpochMillis(std::string_view name, std::string_view text);

// The query for one v2 list request of `tenant`. REQUIRES: `tenant` valid.
Result<query::Query> ParseV2ListParams(const http::Request& request, LogKind kind,
                                       std::string_view tenant, std::chrono::milliseconds timeout,
                                       std::string* error_field);

}  // namespace auditlog::api::authing

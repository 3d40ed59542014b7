#pragma once

// The requests of Authing's v3 log endpoints turned into the canonical
// Query, as pure functions:
//
//   POST /api/v3/get-admin-audit-logs   body GetAdminAuditLogsDto: requestId,
//        clientIp, operationType, resourceType, userId, success, start, end,
//        pagination {page, limit}
//   POST /api/v3/get-user-action-logs   body GetUserActionLogsDto: requestId,
//        clientIp, eventType, userId, appId, success, start, end, pagination
//   GET  /api/v3/get-user-login-history ?userId= (required) &userIdType=
//        &appId= &clientIp= &start= &end= &page= &limit=; older SDK builds
//        send user_id, user_id_type, app_id and client_ip, accepted as
//        aliases; POST with the same members in a JSON body is accepted too
//
// page from 1 (default 1), limit 1..50 (default 10), start/end epoch ms
// (end inclusive). Empty strings and nulls are no filter.
//
// Strict: these requests are signed, and a member the server ignores is one
// an attacker could play with, so an unknown body member (top level or in
// `pagination`) or query parameter is refused, as is a login-history
// parameter given twice (also under both of its names).
//
// `resourceType` is Authing's category (DATA, API, ...), which the decoder
// keeps in details (`resourceType`, else `@resourceType`); `success: true`
// selects events whose result is not failure, `false` those that failed,
// as the DTOs' `success` is written (records.h). The kind filter of
// records.h is added (admin: audit, the others: user actions; login
// history: type `login`).
//
// Errors are kInvalidArgument naming the member first
// (`pagination.limit: must be a whole number from 1 to 50, got 51`).
//
// Thread-safety: pure functions.

#include <chrono>
#include <string>
#include <string_view>

#include "api/authing/v2_params.h"
#include "common/result.h"
#include "http/message.h"
#include "query/query.h"

namespace auditlog::api::authing {

inline constexpr uint32_t kV3DefaultLimit = 10;
inline constexpr uint32_t kV3MaxLimit = 50;

enum class V3List : uint8_t { kAdminAuditLogs = 1, kUserActionLogs = 2 };

Result<query::Query> ParseV3ListBody(std::string_view body, V3List list, std::string_view tenant,
                                     std::chrono::milliseconds timeout);

// From the request's (percent-decoded) query.
Result<query::Query> ParseV3LoginHistoryParams(const http::Request& request,
                                               std::string_view tenant,
                                               std::chrono::milliseconds timeout);
// From a POST body: its top-level strings and numbers as parameters.
Result<query::Query> ParseV3LoginHistoryBody(std::string_view body, std::string_view tenant,
                                             std::chrono::milliseconds timeout);

// The filter of v3 `success`: true = result is not failure (success or
// unset), false = failure. The DTOs write `success` by the same rule.
query::Filter V3SuccessFilter(bool success);

}  // namespace auditlog::api::authing

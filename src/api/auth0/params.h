#pragma once

// The query parameters of the Auth0 dialect's list endpoints, turned into
// the canonical Query (query/query.h): pure functions over the
// percent-decoded parameters of a request (http::Request::query), so every
// rule is testable with plain values. docs/dialects/auth0.md documents them
// for clients.
//
// GET /api/v2/logs has two modes (Auth0's "search criteria" and
// "checkpoint"):
//
//   checkpoint  chosen when `from` or `take` is present (even empty); every
//               other parameter is then ignored, as Auth0 documents (the
//               7.x client sends page, per_page and include_totals along).
//                 from  a position token from a Link header (checkpoint.h), or a
//                       log_id: the page starts after that position or event in
//                       ingest order. Empty or absent: at the oldest stored event.
//                 take  1..100, default 50.
//   search      otherwise:
//                 q               Auth0's Lucene subset (query/lucene_parser.h, kAuth0)
//                 search          the Node client's syntax (search_syntax.h); with
//                                 `q`, both must hold
//                 page            0-based page index, default 0; with a sort not
//                                 led by date, page * per_page <= kMaxOffsetUnlessByDate
//                 per_page        1..100, default 50
//                 sort            `field:1` or `field:-1`, one Auth0 field name
//                                 (date, type, user_id, client_name, ...); default date:-1
//                 fields          comma-separated log object members (empty
//                                 entries, a trailing comma too, are ignored)
//                 include_fields  true (default): return only `fields`; false: all but them
//                 include_totals  true: the {start, limit, length, total, logs}
//                                 object; false (default): a bare array
//
// GET /api/v2/users/{id}/logs takes page, per_page, sort and include_totals.
//
// An empty value is the same as an absent parameter. A parameter an endpoint
// does not take is an error, as in Auth0 ("Additional properties not
// allowed"). Every error is kInvalidArgument with Auth0's message shape:
//   Query validation error: '<what is wrong>' on property <name>.
//
// Thread-safety: pure functions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "query/query.h"

namespace auditlog::api::auth0 {

inline constexpr uint32_t kDefaultPerPage = 50;
inline constexpr uint32_t kMaxPerPage = 100;
inline constexpr uint32_t kDefaultTake = 50;
inline constexpr uint32_t kMaxTake = 100;
// Pages past this index are refused (an offset of 2^32 pages is no one's
// page; the bound keeps page * per_page far from overflow). Auth0's own
// limit of 1,000 search results does not apply here.
inline constexpr uint64_t kMaxPage = 1ull << 32;
// With a sort whose first key is not `date`, page * per_page past this is
// refused: such a page costs as much as ranking every event before it
// (date-led sorts skip whole segments by their counts and stay unbounded).
inline constexpr uint64_t kMaxOffsetUnlessByDate = 100'000;

// Which members of a log object to return (`fields`, `include_fields`).
// Intentionally copyable.
class FieldSelection {
 public:
  // Every member.
  FieldSelection() = default;
  FieldSelection(std::vector<std::string> names, bool include)
      : names_(std::move(names)), include_(include) {}

  // Whether the top-level member `name` of a log object is returned.
  bool Wants(std::string_view name) const;

 private:
  std::vector<std::string> names_;  // empty: every member
  bool include_ = true;
};

// The members a log object can have (render.h writes them), the names
// `fields` accepts.
bool IsLogMember(std::string_view name);

enum class LogsMode : uint8_t { kSearch = 1, kCheckpoint = 2 };

struct LogsRequest {
  LogsMode mode = LogsMode::kSearch;
  // Search mode: tenant, filter, sort, offset, limit, include_totals, timeout.
  // Checkpoint mode: tenant and timeout only; the handler adds the rest
  // once it knows where `from` stands (checkpoint.h).
  query::Query query;
  FieldSelection fields;
  bool include_totals = false;
  uint32_t per_page = kDefaultPerPage;
  // Checkpoint mode.
  std::string from;  // empty: from the oldest event
  uint32_t take = kDefaultTake;
};

// GET /api/v2/logs.
Result<LogsRequest> ParseLogsParams(const std::vector<http::NameValue>& params,
                                    std::string_view tenant, std::chrono::milliseconds timeout);

// GET /api/v2/users/{id}/logs: the events whose actor.id is `user_id`.
Result<LogsRequest> ParseUserLogsParams(const std::vector<http::NameValue>& params,
                                        std::string_view tenant, std::string_view user_id,
                                        std::chrono::milliseconds timeout);

}  // namespace auditlog::api::auth0

#pragma once

// The request bodies of EnOS's audit-log endpoints, parsed and validated
// (docs/dialects/enos.md, "API"):
//
//   log query, event-log query:  {"startTime": 1626796800000, "endTime": 1631980799000,
//                                 "pagination": {"pageNo": 0, "pageSize": 2}}
//   produce:                     {"subjectId": "...", "subjectType": "...",
//                                 "upstreamId": "...", "upstreamType": "..."}
//
// Every failure is kInvalidArgument naming the member first
// ("startTime: required"); the handlers answer it with code 31400. Members
// the parsers do not know are ignored, as EnOS's services ignore them.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "query/query.h"

namespace auditlog::api::enos {

// Without `pagination` (or without `pageSize` in it) a page holds this many.
inline constexpr uint32_t kDefaultPageSize = 1000;
// The largest `pageSize` accepted: the store's largest page.
inline constexpr uint32_t kMaxPageSize = query::kMaxLimit;
// The largest `pageNo` accepted; keeps pageNo * pageSize far from overflow.
inline constexpr uint64_t kMaxPageNo = 1'000'000'000;
// The longest produce member, in characters (code points), as EnOS documents.
inline constexpr size_t kMaxProduceMemberChars = 64;

// A time-window query: events with start_ms <= eventTime <= end_ms (both
// ends inclusive, at millisecond precision), one page of them.
struct LogQueryRequest {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  uint64_t page_no = 0;  // from 0
  uint32_t page_size = kDefaultPageSize;
};

// Parses a query body. Times are epoch milliseconds sent as a JSON integer
// or as a string of decimal digits, >= 0; startTime <= endTime. `pageNo` and
// `pageSize` take the same two forms; pageSize is 1..kMaxPageSize. A member
// that is null counts as absent.
Result<LogQueryRequest> ParseLogQueryBody(std::string_view body);

// The canonical query for `request` over `tenant`: the time window as a
// half-open microsecond range, newest first, one page, with the total.
query::Query ToQuery(const LogQueryRequest& request, std::string_view tenant);

struct ProduceRequest {
  std::string subject_id;
  std::string subject_type;
  std::string upstream_id;    // empty: absent
  std::string upstream_type;  // empty: absent
};

// Parses a produce body: subjectId and subjectType required and non-empty,
// all four strings of at most kMaxProduceMemberChars characters.
Result<ProduceRequest> ParseProduceBody(std::string_view body);

}  // namespace auditlog::api::enos

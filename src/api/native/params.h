#pragma once

// The query parameters of the native API's read endpoints, turned into the
// canonical Query (query/query.h) and aggregation specs, as pure functions
// over the percent-decoded parameters of a request (http::Request::query).
// The handlers in this folder call these, run the store and render the answer
// with render.h; keeping parsing apart from sockets and stores lets every rule
// below be tested with plain values. docs/api/openapi.yaml documents the same
// rules for clients.
//
// Rules shared by every endpoint:
//   - A parameter the endpoint does not take is an error (`unknown parameter
//     "lmit"`), except `tenant`, which the caller resolves before calling.
//   - A parameter given twice is an error (`limit: given more than once`).
//   - An empty value is the same as leaving the parameter out, so templates
//     such as `?q=&from=&to=` work.
//   - `q` is the Lucene-style language of query/lucene_parser.h (kNative).
//   - `from` and `to` are times (ParseTimeParam), a half-open range
//     [from, to) on `timestamp`; from must be before to.
//
// Every error is kInvalidArgument whose message starts with the parameter at
// fault (`limit: must be between 1 and 1000, got 0`); the parameter's name is
// also stored in `*error_field` (when not null) for the error envelope's
// `field`. `q` errors keep the parser's message (`q: at 3: ...`).
//
// Thread-safety: pure functions; a CursorCodec is immutable.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "http/message.h"
#include "query/cursor.h"
#include "query/query.h"
#include "query/time_zone.h"

namespace auditlog::api::native {

// Page sizes of GET /v1/events: `limit` is 1..kMaxPageLimit, default
// query::kDefaultLimit (50).
inline constexpr uint32_t kMaxPageLimit = 1000;
// Groups of /v1/stats/count and of histograms' `by`: `top` is 1..kMaxTopGroups.
inline constexpr uint32_t kDefaultTopGroups = 10;
inline constexpr uint32_t kMaxTopGroups = 10'000;

// A time parameter: an RFC 3339 date-time ("2025-03-16T08:00:00.125+08:00";
// also the forms event/time.h reads, a date alone or no zone meaning UTC) or
// a string of digits, read as epoch milliseconds ("1742083200000"). The
// error's message does not name the parameter; callers put it first:
// `"yesterday" is not an RFC 3339 time or epoch milliseconds`.
Result<event::UnixMicros> ParseTimeParam(std::string_view value);

struct SearchRequest {
  query::Query query;
  bool has_cursor = false;  // the page continues a cursor walk (query.after is set)
};

// GET /v1/events. Parameters:
//   q               filter; default every event
//   from, to        time range on `timestamp`
//   sort            keys "field:1" (ascending) or "field:-1" (descending)
//                   joined by ',', fields named by their native paths
//                   (event/fields.h), each once, any but `details`; default
//                   timestamp:-1
//   limit           1..1000, default 50
//   offset          events to skip, a non-negative integer (no upper bound)
//   cursor          a previous answer's next_cursor, instead of offset; the
//                   q, from, to and sort must be the ones of that page; not
//                   under tenant "*" (cursors are per tenant)
//   fields          comma-separated native field names to return (id and seq
//                   always come); default all
//   include_totals  true, false, 1 or 0; default true
// The query gets `tenant` (a tenant id or query::kAllTenants) and `timeout`.
Result<SearchRequest> ParseSearchParams(const std::vector<http::NameValue>& params,
                                        std::string_view tenant, const query::CursorCodec& cursors,
                                        std::chrono::milliseconds timeout,
                                        std::string* error_field);

// A statistics request: the events to aggregate, how, and how to render.
struct StatsRequest {
  query::Query query;
  query::AggSpec spec;
  // Histograms: add the empty buckets between the first and the last (from
  // and to, when given) before rendering.
  bool fill = false;
  // Histograms: the zone of `spec`'s time_zone, loaded once here so that
  // rendering (fill) needs no file access.
  query::TimeZone zone = query::TimeZone::Utc();
};

// GET /v1/stats/count: events per value of `by` (required; any field but
// `details`), the `top` (1..10000, default 10) largest groups. Also q, from, to.
Result<StatsRequest> ParseCountParams(const std::vector<http::NameValue>& params,
                                      std::string_view tenant, std::chrono::milliseconds timeout,
                                      std::string* error_field);

// GET /v1/stats/histogram: events per interval of `timestamp`.
//   interval  required: fixed "30s", "15m", "1h", "1d" (a positive whole number
//             of seconds, minutes, hours or days; at least 1s), aligned to the
//             Unix epoch in the zone's local time; or calendar "day", "week"
//             (ISO, from Monday), "month", "quarter", "year" in the zone
//   tz        "UTC" (default), an offset ("+08:00") or an IANA zone name
//   by        a field: each bucket also counts events per value of it
//   top       with `by`: groups per bucket, 1..10000, default 10
//   fill      true, false, 1 or 0 (default false): also answer the empty
//             buckets between from (or the first bucket) and to (or the last);
//             refused when that makes more than query::kMaxHistogramBuckets
// Also q, from, to.
Result<StatsRequest> ParseHistogramParams(const std::vector<http::NameValue>& params,
                                          std::string_view tenant,
                                          std::chrono::milliseconds timeout,
                                          std::string* error_field);

// GET /v1/stats/distinct: the number of distinct values of `field` (required;
// any field but `details`); with `interval` (as for histograms, and `tz`,
// `fill`), per bucket. Also q, from, to.
Result<StatsRequest> ParseDistinctParams(const std::vector<http::NameValue>& params,
                                         std::string_view tenant, std::chrono::milliseconds timeout,
                                         std::string* error_field);

// The start of the histogram bucket of `spec` holding `at`, and the start of
// the bucket after the one starting at `bucket_start`, in `zone` (the store
// buckets events the same way). REQUIRES: `spec` passes ValidateAggSpec.
event::UnixMicros HistogramBucketStart(const query::DateHistogram& spec,
                                       const query::TimeZone& zone, event::UnixMicros at);
event::UnixMicros NextHistogramBucketStart(const query::DateHistogram& spec,
                                           const query::TimeZone& zone,
                                           event::UnixMicros bucket_start);

}  // namespace auditlog::api::native

#pragma once

// The JSON bodies of the native API's read endpoints, from the store's
// answers to the requests params.h builds. Events are in the native JSON
// form (event/json_codec.h, docs/dialects/native.md); docs/api/openapi.yaml
// documents every body below.
//
// Thread-safety: pure functions; a CursorCodec is immutable.

#include <string>

#include "api/native/params.h"
#include "common/result.h"
#include "event/event.h"
#include "query/cursor.h"
#include "query/query.h"

namespace auditlog::api::native {

// GET /v1/events: {"events": [...], "total": n, "next_cursor": "..."}.
//   total        only when query.include_totals (and the store counted)
//   next_cursor  only when another page can exist: this page is full and,
//                when the total is known, offset + returned < total; never
//                under tenant "*" (cursors are per tenant). It pins the walk
//                to the first page's watermark (query.max_seq on later pages).
// `query` is the one the store answered (ParseSearchParams's).
std::string RenderSearchResult(const query::Query& query, const query::SearchResult& result,
                               const query::CursorCodec& cursors);

// GET /v1/events/{id}: the event's native JSON object.
std::string RenderEvent(const event::Event& event);

// The statistics endpoints' bodies, by `request.spec`:
//   CountBy        {"groups": [{"key": k, "count": n}, ...], "other": n, "total": n}
//                  by count descending, then key ascending; events without
//                  the field form the group with key null, placed by its
//                  count like any other (so it is left out, into "other",
//                  when it is not among the top N).
//   DateHistogram  {"groups": [{"key": start, "count": n}, ...], "total": n}
//                  by key ascending, keys the bucket starts in epoch
//                  milliseconds; with a CountBy per bucket each group also
//                  has "groups" and "other" as above; with a DistinctCount
//                  per bucket "count" is the bucket's distinct count and
//                  "events" its events, and "approximate" says whether any
//                  count is an estimate.
//   DistinctCount  {"distinct": n, "total": n, "approximate": bool}
// Keys have their field's JSON type: strings, numbers (times in epoch
// milliseconds, seq, coordinates) and booleans.
//
// With request.fill, a histogram also gets the empty buckets from the
// bucket of `from` (or the first bucket) up to `to` (or the last bucket).
// Fails only then, with kInvalidArgument `fill: ...` (field "fill"), when
// that makes more than query::kMaxHistogramBuckets buckets.
Result<std::string> RenderStats(const StatsRequest& request, const query::AggResult& result);

}  // namespace auditlog::api::native

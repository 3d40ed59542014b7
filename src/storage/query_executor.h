#pragma once

// The embedded store's query executor: runs a validated Query over one
// tenant's snapshot (its memtables and the segments that survived pruning by
// tenant and time) and answers exactly what the reference evaluator
// (query/matcher.h) answers on the same events.
//
// Per segment, predicates become row bitmaps through the indexes
// (segment/segment_filter.h); their cardinalities are the exact totals.
// Pages never materialize every match:
//   - ordered by timestamp alone (the common case), sources (segments and
//     memtables) are grouped into runs whose time ranges overlap; a run that
//     ends before the page starts is skipped by its count alone, and inside a
//     run only the rows that can reach the page are merged, found by rank in
//     the bitmap, since segment rows are sorted by (timestamp, seq);
//   - any other order ranks each segment's matches by dictionary code, time or
//     seq, keeps the first offset+limit of each, and merges those.
// Only the page's rows are then read, with only the projected fields.
// Aggregations count over the same bitmaps: dictionary codes per segment,
// time buckets by walking sorted rows, distinct values by code sets.
//
// Memtable rows are decoded and tested with the reference matcher (a
// memtable holds at most a few hundred thousand events).
//
// Thread-safety: pure functions over immutable inputs.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "query/query.h"
#include "storage/memtable.h"
#include "storage/segment/segment_reader.h"

namespace auditlog::storage {

struct QuerySources {
  std::vector<std::shared_ptr<const Memtable>> memtables;
  // The query tenant's segments (every tenant's, for an all-tenant query)
  // whose time range meets the query's.
  std::vector<const segment::SegmentReader*> segments;
  // Per tenant, the visible seq: memtable rows above it are not in the
  // snapshot (a batch still landing before them).
  std::map<std::string, uint64_t> visible_seq;
};

// REQUIRES: ValidateQuery(query) is OK.
Result<query::SearchResult> ExecuteSearch(const query::Query& query, const QuerySources& sources);

// REQUIRES: ValidateQuery(query) and ValidateAggSpec(spec) are OK.
Result<query::AggResult> ExecuteAggregate(const query::Query& query, const query::AggSpec& spec,
                                          const QuerySources& sources);

}  // namespace auditlog::storage

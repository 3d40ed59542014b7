#pragma once

// Evaluates a filter over one segment with its indexes: each condition
// becomes the bitmap of the rows that satisfy it (dictionary lookup, then
// posting lists; code-range scans for prefixes and ranges over many values;
// the token index for text), and and/or/not become bitmap operations. The
// meaning is query/matcher.h's, exactly: differential tests hold them equal.
//
// Thread-safety: thread-safe (the reader is).

#include <cstdint>
#include <optional>
#include <roaring/roaring.hh>
#include <utility>

#include "common/result.h"
#include "query/query.h"
#include "storage/segment/segment_reader.h"

namespace auditlog::storage::segment {

// The rows of `segment` satisfying `filter`. REQUIRES: ValidateFilter OK.
Result<Roaring> EvaluateFilter(const SegmentReader& segment, const query::Filter& filter);

// The rows [begin, end) whose timestamp lies in `range` (rows are sorted by it).
Result<std::pair<uint32_t, uint32_t>> RowsInTimeRange(const SegmentReader& segment,
                                                      const query::TimeRange& range);

// The rows satisfying `filter` whose timestamp lies in `range`.
Result<Roaring> MatchingRows(const SegmentReader& segment, const query::Filter& filter,
                             const query::TimeRange& range);

// The number of rows MatchingRows would return, when it can be told without
// building them: the whole segment lies in `range` and `filter` is `all`, or
// an eq or in on one dictionary field (its posting lists state their
// lengths). nullopt otherwise. A list's length is taken from its header;
// the list itself is checked when its rows are read. REQUIRES:
// ValidateFilter OK.
Result<std::optional<uint64_t>> CountMatchingRows(const SegmentReader& segment,
                                                  const query::Filter& filter,
                                                  const query::TimeRange& range);

// The dictionary bytes of a filter value for a field of `type`.
std::string DictionaryKeyOf(event::FieldType type, const query::Scalar& value);

}  // namespace auditlog::storage::segment

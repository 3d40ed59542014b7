#pragma once

// The meaning of a Query on plain events, written to be obviously right rather
// than fast: the embedded store evaluates its memtable with it, and tests use
// ReferenceSearch/ReferenceAggregate as the oracle every executor must match.
//
// Order: the sort keys in turn; an absent value sorts after every present one
// in ascending order (before them in descending); `seq`, then the tenant's
// name (all-tenant queries), in the first key's direction break remaining
// ties.
//
// Thread-safety: pure functions.

#include <span>

#include "event/event.h"
#include "query/query.h"

namespace auditlog::query {

// Whether `event` satisfies `filter`. REQUIRES: ValidateFilter(filter) is OK.
bool Matches(const Filter& filter, const event::Event& event);

// Whether a present `value` of the leaf's field satisfies the leaf `filter`
// (eq, in, prefix, range, exists, text). Executors that scan a column call it.
bool LeafMatches(const Filter& filter, const Scalar& value);

bool InTimeRange(const TimeRange& range, const event::Event& event);

// Three-way comparison of one sort key's values; nullopt is absent.
int CompareSortValues(const std::optional<Scalar>& a, const std::optional<Scalar>& b,
                      bool descending);

// Negative when `a` comes before `b` in `sort` order, positive after, 0 only
// for the same seq and tenant.
int CompareForSort(std::span<const SortKey> sort, const event::Event& a, const event::Event& b);

// The values of `sort`'s keys in `event`, in order (nullopt: absent).
std::vector<std::optional<Scalar>> SortValues(std::span<const SortKey> sort,
                                              const event::Event& event);

// CompareForSort on sort values already read: `a_keys` and `b_keys` hold one
// value per key of `sort`; seq, then tenant, break the remaining ties.
int CompareSortKeys(std::span<const SortKey> sort, std::span<const std::optional<Scalar>> a_keys,
                    uint64_t a_seq, std::string_view a_tenant,
                    std::span<const std::optional<Scalar>> b_keys, uint64_t b_seq,
                    std::string_view b_tenant);

// Whether an event with sort values `keys` (one per key of `sort`) and `seq`
// comes after `position` in that order.
bool ComesAfter(std::span<const SortKey> sort, const Position& position,
                std::span<const std::optional<Scalar>> keys, uint64_t seq);
// The same for `event` in the order of `query`.
bool ComesAfter(const Query& query, const Position& position, const event::Event& event);

// Keeps only the fields of `query.fields` (all when empty; id and seq always).
void Project(const Query& query, event::Event* event);

// The answers the stores must give for `events` (one tenant's or more: the
// query's tenant, max_seq and cursor position are applied; a date
// histogram's zone must load). REQUIRES: ValidateQuery / ValidateAggSpec OK.
SearchResult ReferenceSearch(const Query& query, std::span<const event::Event> events);
AggResult ReferenceAggregate(const Query& query, const AggSpec& spec,
                             std::span<const event::Event> events);

// Orders aggregated buckets: count descending, then value ascending; keeps
// the first `top_n` and sums the rest into `other_count`.
void FinishBuckets(uint32_t top_n, AggResult* result);

}  // namespace auditlog::query

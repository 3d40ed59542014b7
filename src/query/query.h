#pragma once

// Query is the one canonical question every API dialect translates into:
// which tenant, which events (a filter AST and a time range), in what order,
// which page, which fields, and whether to count them all. Stores answer it
// (store/store.h); the reference matcher (query/matcher.h) defines what each
// filter node means on one event, and every executor must agree with it.
//
// This first version carries what the embedded store executes today: eq, in,
// prefix, range, exists, text (all tokens) and and/or/not, over every field of
// the registry; sorting on any registry field; pages by offset and limit; count
// by field. Cursors, wildcards, CIDR, phrases, `details.*` paths and date
// histograms come with the query engine.
//
// Thread-safety: plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "event/event.h"
#include "event/fields.h"

namespace auditlog::query {

// A value in a filter, typed by the field it is compared with:
//   keyword and text fields: std::string;  result: std::string ("success" | "failure");
//   time fields (micros) and seq: int64_t;  double fields: double;  ua.is_mobile: bool.
using Scalar = std::variant<std::string, int64_t, double, bool>;

enum class FilterOp : uint8_t {
  kAll,     // every event
  kEq,      // field == values[0]
  kIn,      // field == any of values
  kPrefix,  // string field starts with values[0]
  kRange,   // lower <= field <= upper, per the bounds' inclusiveness; either end open
  kExists,  // field is present
  kText,    // every query token of values[0] is an index token of the field (query/tokenizer.h)
  kAnd,
  kOr,
  kNot,  // children[0] is false (absent fields included)
};

struct RangeBound {
  Scalar value;
  bool inclusive = true;
};

struct Filter {
  FilterOp op = FilterOp::kAll;
  const event::FieldSpec* field = nullptr;  // leaves only
  std::vector<Scalar> values;               // kEq: 1, kIn: 1 or more, kPrefix/kText: 1 string
  std::optional<RangeBound> lower, upper;   // kRange
  std::vector<Filter> children;             // kAnd/kOr: any number (none: kAnd true, kOr false)

  static Filter All() { return {}; }
  static Filter Eq(const event::FieldSpec& field, Scalar value);
  static Filter In(const event::FieldSpec& field, std::vector<Scalar> values);
  static Filter Prefix(const event::FieldSpec& field, std::string prefix);
  static Filter Range(const event::FieldSpec& field, std::optional<RangeBound> lower,
                      std::optional<RangeBound> upper);
  static Filter Exists(const event::FieldSpec& field);
  static Filter Text(const event::FieldSpec& field, std::string text);
  static Filter And(std::vector<Filter> children);
  static Filter Or(std::vector<Filter> children);
  static Filter Not(Filter child);
};

// Checks that each leaf names a field, that its values have the field's type,
// and that the op suits the field (prefix on strings, text on text fields).
// kInvalidArgument naming the field and the problem.
Status ValidateFilter(const Filter& filter);

// Half-open range on `timestamp`: from <= timestamp < to; either end open.
struct TimeRange {
  std::optional<event::UnixMicros> from;
  std::optional<event::UnixMicros> to;
};

struct SortKey {
  const event::FieldSpec* field = nullptr;
  bool descending = true;
};

inline constexpr uint32_t kDefaultLimit = 50;
inline constexpr uint32_t kMaxLimit = 10'000;

struct Query {
  std::string tenant;
  Filter filter;
  TimeRange time;
  // Applied in order; `seq` in the direction of the first key breaks every
  // remaining tie, so the order is total. Empty means timestamp descending.
  std::vector<SortKey> sort;
  uint64_t offset = 0;
  uint32_t limit = kDefaultLimit;  // 1..kMaxLimit
  // Fields to fill in the returned events; empty means all. `id` and `seq`
  // are always filled.
  std::vector<const event::FieldSpec*> fields;
  bool include_totals = false;
};

// ValidateFilter plus the tenant, the limit and the sort keys.
Status ValidateQuery(const Query& query);

// Count of matching events per distinct value of `field`, the `top_n` largest
// (ties by value ascending), the rest summed in `other_count`.
struct CountBy {
  const event::FieldSpec* field = nullptr;
  uint32_t top_n = 10;
};
using AggSpec = std::variant<CountBy>;

Status ValidateAggSpec(const AggSpec& spec);

struct Bucket {
  Scalar value;
  uint64_t count = 0;
  friend bool operator==(const Bucket&, const Bucket&) = default;
};

struct AggResult {
  std::vector<Bucket> buckets;
  uint64_t other_count = 0;    // matching events with a value outside the top N
  uint64_t missing_count = 0;  // matching events without the field
  uint64_t total = 0;          // all matching events
  friend bool operator==(const AggResult&, const AggResult&) = default;
};

struct SearchResult {
  std::vector<event::Event> events;
  std::optional<uint64_t> total;  // set when include_totals
};

// The value of `field` in `event` as a Scalar, or nullopt when absent.
std::optional<Scalar> FieldValue(const event::FieldSpec& field, const event::Event& event);

// The effective sort of `query`: its keys, or timestamp descending.
std::vector<SortKey> EffectiveSort(const Query& query);

// Three-way comparison of two values of one field (same alternative).
int CompareScalars(const Scalar& a, const Scalar& b);

std::string ScalarToString(const Scalar& value);

}  // namespace auditlog::query

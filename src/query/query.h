#pragma once

// Query is the one canonical question every API dialect translates into:
// which tenant, which events (a filter AST and a time range), in what order,
// which page, which fields, and whether to count them all. Stores answer it
// (store/store.h); the reference matcher (query/matcher.h) defines what each
// filter node means on one event, and every executor must agree with it.
//
// Parsers (query/lucene_parser.h for Auth0's `q` and the native `q`,
// query/scim_filter.h for Okta's `filter`) build these values; cursors
// (query/cursor.h) are opaque tokens over a Position.
//
// Thread-safety: plain values.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "event/event.h"
#include "event/fields.h"
#include "query/time_zone.h"

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
  // values[0] is a pattern where `*` stands for any run of bytes (none
  // included) and every other byte for itself. On keyword fields (and
  // `details` paths) the whole value must match, case-sensitively; on text
  // fields some index token must match the pattern lowercased, as a word
  // pattern in a search box means ("log*" finds "Login failed").
  kWildcard,
  // values[0] is a network, "10.0.0.0/8" or "2001:db8::/32" (a bare address
  // is its /32 or /128): the field's value is an IPv4 or IPv6 address inside
  // it. IPv4-mapped IPv6 values ("::ffff:10.1.2.3") count as IPv4. Values
  // that are not addresses never match. Only on `ip`.
  kCidr,
  // values[0] is a phrase: its words (PhraseWords, query/tokenizer.h) occur
  // in the field's words consecutively and in order. Text fields only.
  kPhrase,
};

struct RangeBound {
  Scalar value;
  bool inclusive = true;
};

struct Filter {
  FilterOp op = FilterOp::kAll;
  const event::FieldSpec* field = nullptr;  // leaves only
  // With field `details` only: a dotted path into the details object
  // ("request.channel"). The leaf then tests the value at that path, which
  // is present when every step names a member of an object and the last
  // value is not null: a string's value is its text; a number, true or
  // false, an object or an array is its JSON text ("42", "true", "{..}").
  // Such a leaf takes eq, in, prefix, wildcard, range (bytewise) and exists
  // with string values. Empty: the leaf tests `details` as a whole.
  std::string path;
  std::vector<Scalar> values;              // kEq: 1, kIn: 1 or more, kPrefix/kText: 1 string
  std::optional<RangeBound> lower, upper;  // kRange
  std::vector<Filter> children;            // kAnd/kOr: any number (none: kAnd true, kOr false)

  static Filter All() { return {}; }
  static Filter Eq(const event::FieldSpec& field, Scalar value);
  static Filter In(const event::FieldSpec& field, std::vector<Scalar> values);
  static Filter Prefix(const event::FieldSpec& field, std::string prefix);
  static Filter Range(const event::FieldSpec& field, std::optional<RangeBound> lower,
                      std::optional<RangeBound> upper);
  static Filter Exists(const event::FieldSpec& field);
  static Filter Text(const event::FieldSpec& field, std::string text);
  static Filter Wildcard(const event::FieldSpec& field, std::string pattern);
  static Filter Cidr(const event::FieldSpec& field, std::string network);
  static Filter Phrase(const event::FieldSpec& field, std::string phrase);
  // `leaf` (built on the `details` field) retargeted at `path` within it.
  static Filter AtDetailsPath(std::string path, Filter leaf);
  static Filter And(std::vector<Filter> children);
  static Filter Or(std::vector<Filter> children);
  static Filter Not(Filter child);
};

// Checks that each leaf names a field, that its values have the field's type,
// and that the op suits the field (prefix on strings, text on text fields).
// kInvalidArgument naming the field and the problem.
Status ValidateFilter(const Filter& filter);

// A one-line rendering of a filter for logs and test failures:
// and(eq type "s"; not(exists ip)), range timestamp [1 .. 2), ...
std::string DebugString(const Filter& filter);

// A kWildcard pattern as it is matched against the index tokens of a text
// field: ASCII letters lowercased, as the tokenizer lowercases words.
std::string TokenWildcardPattern(std::string_view pattern);

// Whether `pattern` (kWildcard's syntax) matches all of `value`.
bool WildcardMatches(std::string_view pattern, std::string_view value);

// An IP network parsed from kCidr's syntax: 16 bytes (IPv4 as IPv4-mapped
// IPv6) and a prefix length in bits over those 16 bytes.
struct IpNetwork {
  std::array<uint8_t, 16> address{};
  int prefix_bits = 0;
  bool Contains(const std::array<uint8_t, 16>& ip) const;
};
std::optional<IpNetwork> ParseIpNetwork(std::string_view text);
// An IPv4 ("10.1.2.3") or IPv6 address as 16 bytes, or nullopt.
std::optional<std::array<uint8_t, 16>> ParseIpAddress(std::string_view text);

// The value at dotted `path` inside the JSON object `details`, by the rules
// of Filter::path; nullopt when absent (or `details` is not valid JSON).
std::optional<std::string> DetailsValue(std::string_view details, std::string_view path);

// Half-open range on `timestamp`: from <= timestamp < to; either end open.
struct TimeRange {
  std::optional<event::UnixMicros> from;
  std::optional<event::UnixMicros> to;
};

struct SortKey {
  const event::FieldSpec* field = nullptr;
  bool descending = true;
};

// Where a walk in sort order stands: the sort values (nullopt: absent) and
// the seq of the last event it returned. A query `after` a position returns
// only events that come after it in the query's order.
struct Position {
  std::vector<std::optional<Scalar>> keys;  // one per effective sort key
  uint64_t seq = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

// The tenant of a query over every tenant (operators' dashboards and the
// peer benchmark). Its order breaks ties on seq by tenant name; it takes no
// cursor (seqs are per tenant).
inline constexpr std::string_view kAllTenants = "*";
inline bool IsAllTenants(std::string_view tenant) { return tenant == kAllTenants; }

inline constexpr uint32_t kDefaultLimit = 50;
inline constexpr uint32_t kMaxLimit = 10'000;
inline constexpr std::chrono::milliseconds kDefaultTimeout{30'000};

struct Query {
  std::string tenant;  // or kAllTenants
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
  // Return the page as native JSON (SearchResult::events_json) instead of as
  // Events: the store renders each row from its stored values, without
  // building an Event (the native API's listing).
  bool render_json = false;
  // Cursor pages: only events after this position (offset must be 0).
  std::optional<Position> after;
  // Only events with seq <= max_seq (0: no bound). A cursor walk pins the
  // watermark its first page saw, so later pages see the same events.
  uint64_t max_seq = 0;
  // Past this the query stops with kDeadlineExceeded.
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

// ValidateFilter plus the tenant, the limit, the sort keys and the cursor
// position. kInvalidArgument naming the parameter.
Status ValidateQuery(const Query& query);

// Count of matching events per distinct value of `field`, the `top_n` largest
// (ties by value ascending), the rest summed in `other_count`.
struct CountBy {
  const event::FieldSpec* field = nullptr;
  uint32_t top_n = 10;
};

// The number of distinct values of `field` among matching events. Exact up
// to `exact_up_to` distinct values; above it the store may answer with an
// estimate (HyperLogLog, ~1% error) and says so in AggResult::approximate.
struct DistinctCount {
  const event::FieldSpec* field = nullptr;
  uint64_t exact_up_to = UINT64_MAX;
};

// Matching events per interval of `field` (a time field, `timestamp` by
// default): fixed intervals (`interval_micros` > 0, aligned to the epoch in
// local time) or calendar ones (`calendar`: local midnight of the day, of
// Monday, of the 1st) in IANA zone or fixed offset `time_zone`. Buckets are
// the non-empty intervals, ascending by start; each may carry a
// sub-aggregation (`per_bucket`), e.g. count by type per day or distinct
// actors per day. Events without the field count in missing_count.
struct DateHistogram {
  const event::FieldSpec* field = nullptr;  // null: timestamp
  int64_t interval_micros = 0;
  std::optional<CalendarUnit> calendar;
  std::string time_zone = "UTC";
  std::variant<std::monostate, CountBy, DistinctCount> per_bucket;
};

inline constexpr size_t kMaxHistogramBuckets = 100'000;

using AggSpec = std::variant<CountBy, DateHistogram, DistinctCount>;

Status ValidateAggSpec(const AggSpec& spec);

struct Bucket {
  Scalar value;  // CountBy: the field's value; DateHistogram: the interval's start (micros)
  uint64_t count = 0;
  friend bool operator==(const Bucket&, const Bucket&) = default;
};

struct AggResult {
  std::vector<Bucket> buckets;
  uint64_t other_count = 0;          // matching events with a value outside the top N
  uint64_t missing_count = 0;        // matching events without the field
  uint64_t total = 0;                // all matching events
  std::optional<uint64_t> distinct;  // DistinctCount
  bool approximate = false;          // `distinct` is an estimate
  // DateHistogram with a sub-aggregation: its result per bucket, in order.
  std::vector<AggResult> per_bucket;
  friend bool operator==(const AggResult&, const AggResult&) = default;
};

struct SearchResult {
  std::vector<event::Event> events;  // empty when Query::render_json
  // When Query::render_json: the page's events in order, each as
  // event::AppendEventJson writes it, separated by commas; and how many.
  std::string events_json;
  size_t events_rendered = 0;
  std::optional<uint64_t> total;  // set when include_totals
  // The tenant's highest seq such that every event up to it was visible to
  // this search: the watermark a cursor walk pins (Query::max_seq).
  uint64_t watermark = 0;
  // Where the last returned event stands in the query's order (none when
  // the page is empty): the next page of a cursor walk starts after it.
  std::optional<Position> last;
};

// The value of `field` in `event` as a Scalar, or nullopt when absent.
std::optional<Scalar> FieldValue(const event::FieldSpec& field, const event::Event& event);

// The effective sort of `query`: its keys, or timestamp descending.
std::vector<SortKey> EffectiveSort(const Query& query);

// Three-way comparison of two values of one field (same alternative).
int CompareScalars(const Scalar& a, const Scalar& b);

std::string ScalarToString(const Scalar& value);

}  // namespace auditlog::query

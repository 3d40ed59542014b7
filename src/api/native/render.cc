#include "api/native/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <variant>
#include <vector>

#include "event/fields.h"
#include "event/json_codec.h"
#include "event/json_writer.h"

namespace auditlog::api::native {
namespace {

using event::FieldSpec;
using event::FieldType;
using event::JsonWriter;
using query::AggResult;
using query::Scalar;

constexpr int64_t kMicrosPerMilli = 1000;

std::optional<std::string> NextCursor(const query::Query& query, const query::SearchResult& result,
                                      const query::CursorCodec& cursors) {
  if (query::IsAllTenants(query.tenant) || !result.last) return std::nullopt;
  // Rendered by the store (Query::render_json) or as events.
  const uint64_t returned = result.events.empty() ? result.events_rendered : result.events.size();
  if (returned < query.limit) return std::nullopt;
  // Written so that a huge offset cannot overflow: offset + returned >= total.
  if (result.total && (*result.total <= returned || query.offset >= *result.total - returned))
    return std::nullopt;
  const uint64_t watermark = query.max_seq != 0 ? query.max_seq : result.watermark;
  return cursors.Encode(query, *result.last, watermark);
}

// A group key in its field's JSON type; times (micros in the store) as epoch
// milliseconds, the unit of the API's time parameters.
void WriteKey(JsonWriter& json, const FieldSpec* field, const std::optional<Scalar>& key) {
  if (!key) {
    json.Null();
    return;
  }
  switch (key->index()) {
    case 0:
      json.String(std::get<std::string>(*key));
      break;
    case 1: {
      const int64_t value = std::get<int64_t>(*key);
      const bool is_time = field == nullptr || field->type == FieldType::kTime;
      // Times are never negative (1970..9999), so division floors.
      json.Int(is_time ? value / kMicrosPerMilli : value);
      break;
    }
    case 2:
      json.Double(std::get<double>(*key));
      break;
    default:
      json.Bool(std::get<bool>(*key));
  }
}

struct Group {
  std::optional<Scalar> key;  // nullopt: events without the field
  uint64_t count = 0;
};

// The top `top_n` groups of a CountBy result with the missing group merged
// in by its count, and what is left over.
std::vector<Group> TopGroups(const AggResult& result, uint32_t top_n, uint64_t* other) {
  std::vector<Group> groups;
  groups.reserve(result.buckets.size() + 1);
  for (const query::Bucket& bucket : result.buckets) groups.push_back({bucket.value, bucket.count});
  if (result.missing_count > 0) groups.push_back({std::nullopt, result.missing_count});
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    if (a.count != b.count) return a.count > b.count;
    if (!a.key || !b.key) return a.key.has_value() && !b.key.has_value();  // null last
    return query::CompareScalars(*a.key, *b.key) < 0;
  });
  *other = result.other_count;
  // The store's top N plus the null group can be one too many; the smallest
  // goes to "other", which then covers exactly the events not listed.
  while (groups.size() > top_n) {
    *other += groups.back().count;
    groups.pop_back();
  }
  return groups;
}

void WriteCountGroups(JsonWriter& json, const query::CountBy& spec, const AggResult& result) {
  uint64_t other = 0;
  const std::vector<Group> groups = TopGroups(result, spec.top_n, &other);
  json.Key("groups");
  json.BeginArray();
  for (const Group& group : groups) {
    json.BeginObject();
    json.Key("key");
    WriteKey(json, spec.field, group.key);
    json.Key("count");
    json.Uint(group.count);
    json.EndObject();
  }
  json.EndArray();
  json.Key("other");
  json.Uint(other);
}

// `result` with the empty buckets of the request's range added.
Result<AggResult> FillBuckets(const StatsRequest& request, const query::DateHistogram& spec,
                              const AggResult& result) {
  const query::TimeRange& time = request.query.time;
  const auto& buckets = result.buckets;
  auto start_of = [&](size_t index) { return std::get<int64_t>(buckets[index].value); };
  std::optional<event::UnixMicros> first, last;
  if (time.from)
    first = HistogramBucketStart(spec, request.zone, *time.from);
  else if (!buckets.empty())
    first = start_of(0);
  if (!time.to && !buckets.empty()) last = start_of(buckets.size() - 1);
  if (!first || (!time.to && !last)) return result;  // no data and an open end: nothing to fill

  const bool has_sub = !std::holds_alternative<std::monostate>(spec.per_bucket);
  AggResult empty_sub;
  if (std::holds_alternative<query::DistinctCount>(spec.per_bucket)) empty_sub.distinct = 0;
  AggResult filled = result;
  filled.buckets.clear();
  filled.per_bucket.clear();
  size_t next_stored = 0;
  auto keep_stored = [&] {
    filled.buckets.push_back(buckets[next_stored]);
    if (has_sub)
      filled.per_bucket.push_back(
          next_stored < result.per_bucket.size() ? result.per_bucket[next_stored] : empty_sub);
    ++next_stored;
  };
  for (event::UnixMicros start = *first; time.to ? start < *time.to : start <= *last;
       start = NextHistogramBucketStart(spec, request.zone, start)) {
    while (next_stored < buckets.size() && start_of(next_stored) < start) keep_stored();
    if (next_stored < buckets.size() && start_of(next_stored) == start) {
      keep_stored();
    } else {
      // emplace, not a braced temporary: g++ 12 warns (falsely) that the
      // temporary variant's string may be used uninitialized.
      query::Bucket& empty = filled.buckets.emplace_back();
      empty.value.emplace<int64_t>(start);
      if (has_sub) filled.per_bucket.push_back(empty_sub);
    }
    if (filled.buckets.size() > query::kMaxHistogramBuckets)
      return Status::InvalidArgument(
          fmt::format("fill: more than {} buckets; use a longer interval or a shorter time range",
                      query::kMaxHistogramBuckets));
  }
  while (next_stored < buckets.size()) keep_stored();
  return filled;
}

void WriteHistogram(JsonWriter& json, const query::DateHistogram& spec, const AggResult& result) {
  const AggResult no_sub;
  const auto* count_by = std::get_if<query::CountBy>(&spec.per_bucket);
  const auto* distinct = std::get_if<query::DistinctCount>(&spec.per_bucket);
  bool approximate = false;
  json.Key("groups");
  json.BeginArray();
  for (size_t bucket_idx = 0; bucket_idx < result.buckets.size(); ++bucket_idx) {
    const query::Bucket& bucket = result.buckets[bucket_idx];
    const AggResult& sub =
        bucket_idx < result.per_bucket.size() ? result.per_bucket[bucket_idx] : no_sub;
    json.BeginObject();
    json.Key("key");
    WriteKey(json, nullptr, bucket.value);
    json.Key("count");
    if (distinct != nullptr) {
      json.Uint(sub.distinct.value_or(0));
      json.Key("events");
      json.Uint(bucket.count);
      approximate = approximate || sub.approximate;
    } else {
      json.Uint(bucket.count);
    }
    if (count_by != nullptr) WriteCountGroups(json, *count_by, sub);
    json.EndObject();
  }
  json.EndArray();
  json.Key("total");
  json.Uint(result.total);
  if (distinct != nullptr) {
    json.Key("approximate");
    json.Bool(approximate);
  }
}

}  // namespace

std::string RenderSearchResult(const query::Query& query, const query::SearchResult& result,
                               const query::CursorCodec& cursors) {
  constexpr size_t kTypicalEventBytes = 512;
  // The total and a cursor (a few hundred bytes) fit without growing again.
  constexpr size_t kTrailerBytes = 1024;
  std::string out;
  out.reserve(kTrailerBytes + result.events_json.size() +
              result.events.size() * kTypicalEventBytes);
  out += "{\"events\":[";
  if (result.events.empty()) {
    out += result.events_json;  // rendered by the store, or an empty page
  } else {
    for (size_t event_idx = 0; event_idx < result.events.size(); ++event_idx) {
      if (event_idx > 0) out += ',';
      event::AppendEventJson(result.events[event_idx], &out);
    }
  }
  out += ']';
  if (query.include_totals && result.total)
    fmt::format_to(std::back_inserter(out), ",\"total\":{}", *result.total);
  if (auto cursor = NextCursor(query, result, cursors)) {
    out += ",\"next_cursor\":";
    event::AppendJsonString(&out, *cursor);
  }
  out += '}';
  return out;
}

std::string RenderEvent(const event::Event& event) { return event::EventToJson(event); }

Result<std::string> RenderStats(const StatsRequest& request, const AggResult& result) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  if (const auto* count_by = std::get_if<query::CountBy>(&request.spec)) {
    WriteCountGroups(json, *count_by, result);
    json.Key("total");
    json.Uint(result.total);
  } else if (std::holds_alternative<query::DistinctCount>(request.spec)) {
    json.Key("distinct");
    json.Uint(result.distinct.value_or(0));
    json.Key("total");
    json.Uint(result.total);
    json.Key("approximate");
    json.Bool(result.approximate);
  } else {
    const auto& histogram = std::get<query::DateHistogram>(request.spec);
    if (request.fill) {
      AL_ASSIGN_OR_RETURN(const AggResult filled, FillBuckets(request, histogram, result));
      WriteHistogram(json, histogram, filled);
    } else {
      WriteHistogram(json, histogram, result);
    }
  }
  json.EndObject();
  return out;
}

}  // namespace auditlog::api::native

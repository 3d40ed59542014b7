#include "query/matcher.h"

#include <algorithm>
#include <map>

#include "event/fields.h"
#include "query/cursor.h"
#include "query/time_zone.h"
#include "query/tokenizer.h"

namespace auditlog::query {
namespace {

bool TextMatches(std::string_view query_text, std::string_view value) {
  std::vector<std::string> wanted = QueryTokens(query_text);
  std::vector<std::string> have = IndexTokens(value);  // sorted, distinct
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& token) {
    return std::binary_search(have.begin(), have.end(), token);
  });
}

bool TextWildcardMatches(std::string_view pattern, std::string_view value) {
  const std::string lowered = TokenWildcardPattern(pattern);
  bool found = false;
  ForEachIndexToken(value, [&](std::string_view token) {
    if (!found && WildcardMatches(lowered, token)) found = true;
  });
  return found;
}

bool PhraseMatches(std::string_view phrase, std::string_view value) {
  const std::vector<std::string> wanted = PhraseWords(phrase);
  const std::vector<std::string> have = PhraseWords(value);
  return std::search(have.begin(), have.end(), wanted.begin(), wanted.end()) != have.end();
}

}  // namespace

bool Matches(const Filter& filter, const event::Event& event) {
  switch (filter.op) {
    case FilterOp::kAll:
      return true;
    case FilterOp::kAnd:
      return std::all_of(filter.children.begin(), filter.children.end(),
                         [&](const Filter& child) { return Matches(child, event); });
    case FilterOp::kOr:
      return std::any_of(filter.children.begin(), filter.children.end(),
                         [&](const Filter& child) { return Matches(child, event); });
    case FilterOp::kNot:
      return !Matches(filter.children[0], event);
    default:
      break;
  }
  if (!filter.path.empty()) {
    std::optional<std::string> value = DetailsValue(event.details, filter.path);
    return value && LeafMatches(filter, Scalar(std::move(*value)));
  }
  std::optional<Scalar> value = FieldValue(*filter.field, event);
  return value && LeafMatches(filter, *value);
}

bool LeafMatches(const Filter& filter, const Scalar& value) {
  switch (filter.op) {
    case FilterOp::kEq:
    case FilterOp::kIn:
      return std::any_of(filter.values.begin(), filter.values.end(),
                         [&](const Scalar& want) { return CompareScalars(value, want) == 0; });
    case FilterOp::kPrefix:
      return std::get<std::string>(value).starts_with(std::get<std::string>(filter.values[0]));
    case FilterOp::kRange:
      if (filter.lower) {
        int c = CompareScalars(value, filter.lower->value);
        if (c < 0 || (c == 0 && !filter.lower->inclusive)) return false;
      }
      if (filter.upper) {
        int c = CompareScalars(value, filter.upper->value);
        if (c > 0 || (c == 0 && !filter.upper->inclusive)) return false;
      }
      return true;
    case FilterOp::kExists:
      return true;
    case FilterOp::kText:
      return TextMatches(std::get<std::string>(filter.values[0]), std::get<std::string>(value));
    case FilterOp::kWildcard:
      if (filter.path.empty() && filter.field->type == event::FieldType::kText)
        return TextWildcardMatches(std::get<std::string>(filter.values[0]),
                                   std::get<std::string>(value));
      return WildcardMatches(std::get<std::string>(filter.values[0]), std::get<std::string>(value));
    case FilterOp::kCidr: {
      auto network = ParseIpNetwork(std::get<std::string>(filter.values[0]));
      auto address = ParseIpAddress(std::get<std::string>(value));
      return network && address && network->Contains(*address);
    }
    case FilterOp::kPhrase:
      return PhraseMatches(std::get<std::string>(filter.values[0]), std::get<std::string>(value));
    default:
      return false;
  }
}

bool InTimeRange(const TimeRange& range, const event::Event& event) {
  if (!range.from && !range.to) return true;
  if (!event.timestamp) return false;
  if (range.from && *event.timestamp < *range.from) return false;
  if (range.to && *event.timestamp >= *range.to) return false;
  return true;
}

int CompareSortValues(const std::optional<Scalar>& a, const std::optional<Scalar>& b,
                      bool descending) {
  int c;
  if (a && b) {
    c = CompareScalars(*a, *b);
  } else {
    c = a ? -1 : b ? 1 : 0;  // absent after every value, ascending
  }
  return descending ? -c : c;
}

std::vector<std::optional<Scalar>> SortValues(std::span<const SortKey> sort,
                                              const event::Event& event) {
  std::vector<std::optional<Scalar>> keys;
  keys.reserve(sort.size());
  for (const SortKey& key : sort) keys.push_back(FieldValue(*key.field, event));
  return keys;
}

int CompareSortKeys(std::span<const SortKey> sort, std::span<const std::optional<Scalar>> a_keys,
                    uint64_t a_seq, std::string_view a_tenant,
                    std::span<const std::optional<Scalar>> b_keys, uint64_t b_seq,
                    std::string_view b_tenant) {
  for (size_t k = 0; k < sort.size(); ++k) {
    int c = CompareSortValues(a_keys[k], b_keys[k], sort[k].descending);
    if (c != 0) return c;
  }
  int c = a_seq < b_seq ? -1 : a_seq > b_seq ? 1 : 0;
  if (c == 0) c = a_tenant.compare(b_tenant) < 0 ? -1 : a_tenant == b_tenant ? 0 : 1;
  return !sort.empty() && sort[0].descending ? -c : c;
}

int CompareForSort(std::span<const SortKey> sort, const event::Event& a, const event::Event& b) {
  return CompareSortKeys(sort, SortValues(sort, a), a.seq, a.tenant, SortValues(sort, b), b.seq,
                         b.tenant);
}

void Project(const Query& query, event::Event* event) {
  if (query.fields.empty()) return;
  event::Event projected;
  projected.id = std::move(event->id);
  projected.seq = event->seq;
  static const event::FieldSpec* const kIdField = event::FindField("id");
  for (const event::FieldSpec* field : query.fields) {
    if (field == kIdField) continue;  // moved above already
    switch (field->type) {
      case event::FieldType::kKeyword:
      case event::FieldType::kText:
        *field->string_member(projected) = std::move(*field->string_member(*event));
        break;
      case event::FieldType::kTime:
        *field->time_member(projected) = *field->time_member(*event);
        break;
      case event::FieldType::kDouble:
        *field->double_member(projected) = *field->double_member(*event);
        break;
      case event::FieldType::kJson:
        projected.details = std::move(event->details);
        break;
      case event::FieldType::kOutcome:
        projected.result = event->result;
        break;
      case event::FieldType::kBool:
        projected.ua.is_mobile = event->ua.is_mobile;
        break;
      case event::FieldType::kUint64:
        break;
    }
  }
  *event = std::move(projected);
}

namespace {

// The events of the query's tenant, time range, seq bound and filter.
std::vector<const event::Event*> MatchingEvents(const Query& query,
                                                std::span<const event::Event> events) {
  std::vector<const event::Event*> matches;
  for (const event::Event& event : events) {
    if ((IsAllTenants(query.tenant) || event.tenant == query.tenant) &&
        (query.max_seq == 0 || event.seq <= query.max_seq) && InTimeRange(query.time, event) &&
        Matches(query.filter, event)) {
      matches.push_back(&event);
    }
  }
  return matches;
}

}  // namespace

bool ComesAfter(std::span<const SortKey> sort, const Position& position,
                std::span<const std::optional<Scalar>> keys, uint64_t seq) {
  for (size_t k = 0; k < sort.size(); ++k) {
    int c = CompareSortValues(keys[k], position.keys[k], sort[k].descending);
    if (c != 0) return c > 0;
  }
  return sort[0].descending ? seq < position.seq : seq > position.seq;
}

bool ComesAfter(const Query& query, const Position& position, const event::Event& event) {
  const std::vector<SortKey> sort = EffectiveSort(query);
  return ComesAfter(sort, position, SortValues(sort, event), event.seq);
}

SearchResult ReferenceSearch(const Query& query, std::span<const event::Event> events) {
  std::vector<const event::Event*> matches = MatchingEvents(query, events);
  std::vector<SortKey> sort = EffectiveSort(query);
  // Each event's sort values read once, then sorted with CompareForSort's rules.
  std::vector<std::pair<std::vector<std::optional<Scalar>>, const event::Event*>> keyed;
  for (const event::Event* event : matches) keyed.emplace_back(SortValues(sort, *event), event);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return CompareSortKeys(sort, a.first, a.second->seq, a.second->tenant, b.first, b.second->seq,
                           b.second->tenant) < 0;
  });
  for (size_t i = 0; i < keyed.size(); ++i) matches[i] = keyed[i].second;
  SearchResult result;
  if (query.include_totals) result.total = matches.size();
  if (query.after)
    std::erase_if(matches, [&](const event::Event* event) {
      return !ComesAfter(query, *query.after, *event);
    });
  for (uint64_t i = query.offset; i < matches.size() && result.events.size() < query.limit; ++i) {
    result.last = PositionOf(query, *matches[i]);
    result.events.push_back(*matches[i]);
    Project(query, &result.events.back());
  }
  return result;
}

void FinishBuckets(uint32_t top_n, AggResult* result) {
  std::sort(result->buckets.begin(), result->buckets.end(), [](const Bucket& a, const Bucket& b) {
    if (a.count != b.count) return a.count > b.count;
    return CompareScalars(a.value, b.value) < 0;
  });
  for (size_t i = top_n; i < result->buckets.size(); ++i)
    result->other_count += result->buckets[i].count;
  if (result->buckets.size() > top_n) result->buckets.resize(top_n);
}

namespace {

// Count by (top_n > 0) or distinct count (top_n == 0) of `field` over `events`.
AggResult AggregateValues(const event::FieldSpec& field, uint32_t top_n,
                          std::span<const event::Event* const> events) {
  AggResult result;
  std::map<std::string, std::pair<Scalar, uint64_t>> counts;  // keyed by ScalarToString
  for (const event::Event* event : events) {
    ++result.total;
    std::optional<Scalar> value = FieldValue(field, *event);
    if (!value) {
      ++result.missing_count;
      continue;
    }
    auto [it, inserted] = counts.try_emplace(ScalarToString(*value), *value, 0);
    ++it->second.second;
  }
  if (top_n == 0) {
    result.distinct = counts.size();
    return result;
  }
  for (auto& [key, entry] : counts) result.buckets.push_back({entry.first, entry.second});
  FinishBuckets(top_n, &result);
  return result;
}

}  // namespace

AggResult ReferenceAggregate(const Query& query, const AggSpec& spec,
                             std::span<const event::Event> events) {
  const std::vector<const event::Event*> matches = MatchingEvents(query, events);
  if (const auto* count_by = std::get_if<CountBy>(&spec))
    return AggregateValues(*count_by->field, count_by->top_n, matches);
  if (const auto* distinct = std::get_if<DistinctCount>(&spec))
    return AggregateValues(*distinct->field, 0, matches);
  const auto& histogram = std::get<DateHistogram>(spec);
  const event::FieldSpec& field =
      histogram.field ? *histogram.field : *event::FindField("timestamp");
  const TimeZone zone = TimeZone::Load(histogram.time_zone).value();
  std::map<int64_t, std::vector<const event::Event*>> buckets;
  AggResult result;
  for (const event::Event* event : matches) {
    ++result.total;
    const auto& time = *field.time_member(const_cast<event::Event&>(*event));
    if (!time) {
      ++result.missing_count;
      continue;
    }
    const int64_t start = histogram.calendar
                              ? CalendarBucketStart(*time, *histogram.calendar, zone)
                              : FixedBucketStart(*time, histogram.interval_micros, zone);
    buckets[start].push_back(event);
  }
  for (const auto& [start, bucket_events] : buckets) {
    result.buckets.push_back({Scalar(int64_t{start}), bucket_events.size()});
    if (const auto* count_by = std::get_if<CountBy>(&histogram.per_bucket))
      result.per_bucket.push_back(
          AggregateValues(*count_by->field, count_by->top_n, bucket_events));
    if (const auto* distinct = std::get_if<DistinctCount>(&histogram.per_bucket))
      result.per_bucket.push_back(AggregateValues(*distinct->field, 0, bucket_events));
  }
  return result;
}

}  // namespace auditlog::query

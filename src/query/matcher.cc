#include "query/matcher.h"

#include <algorithm>
#include <map>

#include "event/fields.h"
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

int CompareForSort(std::span<const SortKey> sort, const event::Event& a, const event::Event& b) {
  for (const SortKey& key : sort) {
    int c = CompareSortValues(FieldValue(*key.field, a), FieldValue(*key.field, b), key.descending);
    if (c != 0) return c;
  }
  int c = a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
  return !sort.empty() && sort[0].descending ? -c : c;
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

SearchResult ReferenceSearch(const Query& query, std::span<const event::Event> events) {
  std::vector<const event::Event*> matches;
  for (const event::Event& event : events) {
    if (event.tenant == query.tenant && InTimeRange(query.time, event) &&
        Matches(query.filter, event)) {
      matches.push_back(&event);
    }
  }
  std::vector<SortKey> sort = EffectiveSort(query);
  std::sort(matches.begin(), matches.end(), [&](const event::Event* a, const event::Event* b) {
    return CompareForSort(sort, *a, *b) < 0;
  });
  SearchResult result;
  if (query.include_totals) result.total = matches.size();
  for (uint64_t i = query.offset; i < matches.size() && result.events.size() < query.limit; ++i) {
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

AggResult ReferenceAggregate(const Query& query, const AggSpec& spec,
                             std::span<const event::Event> events) {
  const CountBy& count_by = std::get<CountBy>(spec);
  AggResult result;
  std::map<std::string, std::pair<Scalar, uint64_t>> counts;  // keyed by ScalarToString
  for (const event::Event& event : events) {
    if (event.tenant != query.tenant || !InTimeRange(query.time, event) ||
        !Matches(query.filter, event)) {
      continue;
    }
    ++result.total;
    std::optional<Scalar> value = FieldValue(*count_by.field, event);
    if (!value) {
      ++result.missing_count;
      continue;
    }
    auto [it, inserted] = counts.try_emplace(ScalarToString(*value), *value, 0);
    ++it->second.second;
  }
  for (auto& [key, entry] : counts) result.buckets.push_back({entry.first, entry.second});
  FinishBuckets(count_by.top_n, &result);
  return result;
}

}  // namespace auditlog::query

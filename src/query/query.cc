#include "query/query.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "query/tokenizer.h"

namespace auditlog::query {
namespace {

using event::FieldSpec;
using event::FieldType;

// The Scalar alternative a field's values take.
size_t ScalarIndexFor(FieldType type) {
  switch (type) {
    case FieldType::kKeyword:
    case FieldType::kText:
    case FieldType::kJson:
    case FieldType::kOutcome:
      return 0;
    case FieldType::kTime:
    case FieldType::kUint64:
      return 1;
    case FieldType::kDouble:
      return 2;
    case FieldType::kBool:
      return 3;
  }
  return 0;
}

constexpr std::string_view kScalarTypeNames[] = {"a string", "an integer", "a number",
                                                 "true or false"};

bool IsStringType(FieldType type) { return ScalarIndexFor(type) == 0; }

Status CheckValue(const FieldSpec& field, const Scalar& value) {
  size_t want = ScalarIndexFor(field.type);
  if (value.index() != want) {
    return Status::InvalidArgument(
        fmt::format("field {}: the value must be {}", field.path, kScalarTypeNames[want]));
  }
  if (const double* number = std::get_if<double>(&value); number && std::isnan(*number))
    return Status::InvalidArgument(fmt::format("field {}: NaN is not a value", field.path));
  if (field.type == FieldType::kOutcome) {
    const auto& text = std::get<std::string>(value);
    if (text != "success" && text != "failure") {
      return Status::InvalidArgument(
          fmt::format("field {}: the value must be \"success\" or \"failure\"", field.path));
    }
  }
  return Status::OK();
}

Status ValidateNode(const Filter& filter, int depth) {
  if (depth > 64) return Status::InvalidArgument("filter: nested deeper than 64 levels");
  switch (filter.op) {
    case FilterOp::kAll:
      return Status::OK();
    case FilterOp::kAnd:
    case FilterOp::kOr:
      for (const Filter& child : filter.children)
        AL_RETURN_IF_ERROR(ValidateNode(child, depth + 1));
      return Status::OK();
    case FilterOp::kNot:
      if (filter.children.size() != 1)
        return Status::InvalidArgument("filter: not takes exactly one operand");
      return ValidateNode(filter.children[0], depth + 1);
    default:
      break;
  }
  if (filter.field == nullptr) return Status::InvalidArgument("filter: a condition names no field");
  const FieldSpec& field = *filter.field;
  switch (filter.op) {
    case FilterOp::kEq:
    case FilterOp::kIn:
      if (filter.values.empty() || (filter.op == FilterOp::kEq && filter.values.size() != 1))
        return Status::InvalidArgument(fmt::format("field {}: wrong number of values", field.path));
      for (const Scalar& value : filter.values) AL_RETURN_IF_ERROR(CheckValue(field, value));
      return Status::OK();
    case FilterOp::kPrefix:
      if (!IsStringType(field.type) || field.type == FieldType::kOutcome)
        return Status::InvalidArgument(
            fmt::format("field {}: prefix match needs a string field", field.path));
      if (filter.values.size() != 1 || !std::holds_alternative<std::string>(filter.values[0]))
        return Status::InvalidArgument(
            fmt::format("field {}: prefix must be a string", field.path));
      return Status::OK();
    case FilterOp::kRange:
      if (field.type == FieldType::kBool)
        return Status::InvalidArgument(fmt::format("field {}: no range on true/false", field.path));
      if (filter.lower) AL_RETURN_IF_ERROR(CheckValue(field, filter.lower->value));
      if (filter.upper) AL_RETURN_IF_ERROR(CheckValue(field, filter.upper->value));
      if (filter.lower && filter.upper &&
          CompareScalars(filter.lower->value, filter.upper->value) > 0) {
        return Status::InvalidArgument(fmt::format("field {}: range starts after it ends ({} > {})",
                                                   field.path, ScalarToString(filter.lower->value),
                                                   ScalarToString(filter.upper->value)));
      }
      return Status::OK();
    case FilterOp::kExists:
      return Status::OK();
    case FilterOp::kText:
      if (field.index != event::IndexKind::kTokens)
        return Status::InvalidArgument(
            fmt::format("field {}: not a text field; text search works on description, name, "
                        "result_message and user_agent",
                        field.path));
      if (filter.values.size() != 1 || !std::holds_alternative<std::string>(filter.values[0]))
        return Status::InvalidArgument(fmt::format("field {}: text must be a string", field.path));
      if (QueryTokens(std::get<std::string>(filter.values[0])).empty())
        return Status::InvalidArgument(
            fmt::format("field {}: the text has no searchable word", field.path));
      return Status::OK();
    default:
      return Status::InvalidArgument("filter: unknown operator");
  }
}

// Maps a double to a uint64 whose unsigned order is the doubles' total order
// (-0.0 before +0.0): the same order the segment dictionaries use.
uint64_t OrderedBits(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

Filter Leaf(FilterOp op, const FieldSpec& field, std::vector<Scalar> values) {
  Filter filter;
  filter.op = op;
  filter.field = &field;
  filter.values = std::move(values);
  return filter;
}

}  // namespace

Filter Filter::Eq(const FieldSpec& field, Scalar value) {
  return Leaf(FilterOp::kEq, field, {std::move(value)});
}

Filter Filter::In(const FieldSpec& field, std::vector<Scalar> values) {
  return Leaf(FilterOp::kIn, field, std::move(values));
}

Filter Filter::Prefix(const FieldSpec& field, std::string prefix) {
  return Leaf(FilterOp::kPrefix, field, {Scalar(std::move(prefix))});
}

Filter Filter::Range(const FieldSpec& field, std::optional<RangeBound> lower,
                     std::optional<RangeBound> upper) {
  Filter filter;
  filter.op = FilterOp::kRange;
  filter.field = &field;
  filter.lower = std::move(lower);
  filter.upper = std::move(upper);
  return filter;
}

Filter Filter::Exists(const FieldSpec& field) {
  Filter filter;
  filter.op = FilterOp::kExists;
  filter.field = &field;
  return filter;
}

Filter Filter::Text(const FieldSpec& field, std::string text) {
  return Leaf(FilterOp::kText, field, {Scalar(std::move(text))});
}

Filter Filter::And(std::vector<Filter> children) {
  Filter filter;
  filter.op = FilterOp::kAnd;
  filter.children = std::move(children);
  return filter;
}

Filter Filter::Or(std::vector<Filter> children) {
  Filter filter;
  filter.op = FilterOp::kOr;
  filter.children = std::move(children);
  return filter;
}

Filter Filter::Not(Filter child) {
  Filter filter;
  filter.op = FilterOp::kNot;
  filter.children.push_back(std::move(child));
  return filter;
}

Status ValidateFilter(const Filter& filter) { return ValidateNode(filter, 0); }

Status ValidateQuery(const Query& query) {
  if (query.tenant.empty()) return Status::InvalidArgument("query: tenant is required");
  if (query.limit < 1 || query.limit > kMaxLimit)
    return Status::InvalidArgument(
        fmt::format("query: limit must be 1..{}, not {}", kMaxLimit, query.limit));
  if (query.time.from && query.time.to && *query.time.from > *query.time.to)
    return Status::InvalidArgument("query: time range starts after it ends");
  for (const SortKey& key : query.sort) {
    if (key.field == nullptr) return Status::InvalidArgument("query: a sort key names no field");
    if (key.field->type == FieldType::kJson)
      return Status::InvalidArgument(fmt::format("query: cannot sort on {}", key.field->path));
  }
  for (const FieldSpec* field : query.fields)
    if (field == nullptr) return Status::InvalidArgument("query: a projected field is null");
  return ValidateFilter(query.filter);
}

Status ValidateAggSpec(const AggSpec& spec) {
  const CountBy& count_by = std::get<CountBy>(spec);
  if (count_by.field == nullptr) return Status::InvalidArgument("count by: no field");
  if (count_by.field->type == FieldType::kJson)
    return Status::InvalidArgument(
        fmt::format("count by: cannot group on {}", count_by.field->path));
  if (count_by.top_n < 1 || count_by.top_n > kMaxLimit)
    return Status::InvalidArgument(fmt::format("count by: top must be 1..{}", kMaxLimit));
  return Status::OK();
}

std::optional<Scalar> FieldValue(const FieldSpec& field, const event::Event& event) {
  switch (field.type) {
    case FieldType::kKeyword:
    case FieldType::kText: {
      const std::string& text = event::StringField(field, event);
      if (text.empty()) return std::nullopt;
      return Scalar(text);
    }
    case FieldType::kJson:
      if (event.details.empty()) return std::nullopt;
      return Scalar(event.details);
    case FieldType::kOutcome:
      if (event.result == event::Outcome::kUnset) return std::nullopt;
      return Scalar(std::string(event::OutcomeName(event.result)));
    case FieldType::kTime: {
      const auto& time = *field.time_member(const_cast<event::Event&>(event));
      if (!time) return std::nullopt;
      return Scalar(int64_t{*time});
    }
    case FieldType::kUint64:
      if (event.seq == 0) return std::nullopt;
      return Scalar(static_cast<int64_t>(event.seq));
    case FieldType::kDouble: {
      const auto& number = *field.double_member(const_cast<event::Event&>(event));
      if (!number) return std::nullopt;
      return Scalar(*number);
    }
    case FieldType::kBool:
      if (!event.ua.is_mobile) return std::nullopt;
      return Scalar(*event.ua.is_mobile);
  }
  return std::nullopt;
}

std::vector<SortKey> EffectiveSort(const Query& query) {
  if (!query.sort.empty()) return query.sort;
  return {SortKey{event::FindField("timestamp"), true}};
}

int CompareScalars(const Scalar& a, const Scalar& b) {
  if (a.index() != b.index()) return a.index() < b.index() ? -1 : 1;
  switch (a.index()) {
    case 0: {
      int c = std::get<std::string>(a).compare(std::get<std::string>(b));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case 1: {
      int64_t x = std::get<int64_t>(a), y = std::get<int64_t>(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 2: {
      uint64_t x = OrderedBits(std::get<double>(a)), y = OrderedBits(std::get<double>(b));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default: {
      bool x = std::get<bool>(a), y = std::get<bool>(b);
      return x == y ? 0 : x ? 1 : -1;
    }
  }
}

std::string ScalarToString(const Scalar& value) {
  switch (value.index()) {
    case 0:
      return std::get<std::string>(value);
    case 1:
      return std::to_string(std::get<int64_t>(value));
    case 2:
      return fmt::format("{}", std::get<double>(value));
    default:
      return std::get<bool>(value) ? "true" : "false";
  }
}

}  // namespace auditlog::query

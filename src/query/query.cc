#include "query/query.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "event/json_support.h"
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

Status ValidateDetailsPath(const Filter& filter);

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
  if (!filter.path.empty()) AL_RETURN_IF_ERROR(ValidateDetailsPath(filter));
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
    case FilterOp::kWildcard:
      if (!IsStringType(field.type) || field.type == FieldType::kOutcome)
        return Status::InvalidArgument(
            fmt::format("field {}: wildcards need a string field", field.path));
      if (filter.values.size() != 1 || !std::holds_alternative<std::string>(filter.values[0]))
        return Status::InvalidArgument(
            fmt::format("field {}: a wildcard pattern must be a string", field.path));
      return Status::OK();
    case FilterOp::kCidr:
      if (field.path != "ip")
        return Status::InvalidArgument(
            fmt::format("field {}: network match works on ip only", field.path));
      if (filter.values.size() != 1 || !std::holds_alternative<std::string>(filter.values[0]) ||
          !ParseIpNetwork(std::get<std::string>(filter.values[0])))
        return Status::InvalidArgument(
            fmt::format("field ip: {:?} is not a network (10.0.0.0/8, 2001:db8::/32 or an address)",
                        filter.values.empty() ? std::string() : ScalarToString(filter.values[0])));
      return Status::OK();
    case FilterOp::kPhrase:
      if (field.index != event::IndexKind::kTokens)
        return Status::InvalidArgument(fmt::format(
            "field {}: not a text field; phrases work on description, name, result_message and "
            "user_agent",
            field.path));
      if (filter.values.size() != 1 || !std::holds_alternative<std::string>(filter.values[0]))
        return Status::InvalidArgument(
            fmt::format("field {}: a phrase must be a string", field.path));
      if (PhraseWords(std::get<std::string>(filter.values[0])).empty())
        return Status::InvalidArgument(
            fmt::format("field {}: the phrase has no searchable word", field.path));
      return Status::OK();
    default:
      return Status::InvalidArgument("filter: unknown operator");
  }
}

Status ValidateDetailsPath(const Filter& filter) {
  const std::string& path = filter.path;
  if (filter.field->type != FieldType::kJson)
    return Status::InvalidArgument(
        fmt::format("field {}: only details takes a path", filter.field->path));
  if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos)
    return Status::InvalidArgument(fmt::format("field details.{}: empty path step", path));
  switch (filter.op) {
    case FilterOp::kEq:
    case FilterOp::kIn:
    case FilterOp::kPrefix:
    case FilterOp::kWildcard:
    case FilterOp::kRange:
    case FilterOp::kExists:
      return Status::OK();
    default:
      return Status::InvalidArgument(fmt::format(
          "field details.{}: takes exact, prefix, wildcard, range and exists conditions", path));
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

Filter Filter::Wildcard(const FieldSpec& field, std::string pattern) {
  return Leaf(FilterOp::kWildcard, field, {Scalar(std::move(pattern))});
}

Filter Filter::Cidr(const FieldSpec& field, std::string network) {
  return Leaf(FilterOp::kCidr, field, {Scalar(std::move(network))});
}

Filter Filter::Phrase(const FieldSpec& field, std::string phrase) {
  return Leaf(FilterOp::kPhrase, field, {Scalar(std::move(phrase))});
}

Filter Filter::AtDetailsPath(std::string path, Filter leaf) {
  leaf.path = std::move(path);
  return leaf;
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

std::string DebugString(const Filter& filter) {
  static constexpr std::string_view kOps[] = {"all",      "eq",   "in",    "prefix", "range",
                                              "exists",   "text", "and",   "or",     "not",
                                              "wildcard", "cidr", "phrase"};
  std::string text(kOps[static_cast<size_t>(filter.op)]);
  if (!filter.children.empty() || filter.op == FilterOp::kAnd || filter.op == FilterOp::kOr) {
    text += "(";
    for (size_t i = 0; i < filter.children.size(); ++i)
      text += (i == 0 ? "" : "; ") + DebugString(filter.children[i]);
    return text + ")";
  }
  if (filter.field)
    text += fmt::format(" {}{}", filter.field->path, filter.path.empty() ? "" : "." + filter.path);
  for (const Scalar& value : filter.values) text += fmt::format(" {:?}", ScalarToString(value));
  if (filter.op == FilterOp::kRange) {
    text += fmt::format(" {}{} .. {}{}", filter.lower && filter.lower->inclusive ? "[" : "(",
                        filter.lower ? ScalarToString(filter.lower->value) : "*",
                        filter.upper ? ScalarToString(filter.upper->value) : "*",
                        filter.upper && filter.upper->inclusive ? "]" : ")");
  }
  return text;
}

std::string TokenWildcardPattern(std::string_view pattern) {
  std::string lowered(pattern);
  for (char& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lowered;
}

bool WildcardMatches(std::string_view pattern, std::string_view value) {
  // Greedy glob with one backtrack point: linear in practice, O(n*m) at worst.
  size_t p = 0, v = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<std::array<uint8_t, 16>> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buffer[64];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::array<uint8_t, 16> address{};
  if (text.find(':') == std::string_view::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, buffer, &v4) != 1) return std::nullopt;
    address[10] = address[11] = 0xff;
    std::memcpy(address.data() + 12, &v4, 4);
    return address;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buffer, &v6) != 1) return std::nullopt;
  std::memcpy(address.data(), &v6, 16);
  return address;
}

std::optional<IpNetwork> ParseIpNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  auto address = ParseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  IpNetwork network{*address, 128};
  if (slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return std::nullopt;
    int value = 0;
    for (char c : bits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > (v4 ? 32 : 128)) return std::nullopt;
    network.prefix_bits = v4 ? 96 + value : value;
  }
  return network;
}

bool IpNetwork::Contains(const std::array<uint8_t, 16>& ip) const {
  const int full_bytes = prefix_bits / 8;
  if (std::memcmp(address.data(), ip.data(), static_cast<size_t>(full_bytes)) != 0) return false;
  const int rest_bits = prefix_bits % 8;
  if (rest_bits == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff00 >> rest_bits);
  return ((address[full_bytes] ^ ip[full_bytes]) & mask) == 0;
}

std::optional<std::string> DetailsValue(std::string_view details, std::string_view path) {
  if (details.empty()) return std::nullopt;
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(details);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document)) return std::nullopt;
  simdjson::ondemand::value value;
  {
    simdjson::ondemand::object object;
    if (document.get_object().get(object)) return std::nullopt;
    size_t begin = 0;
    while (true) {
      const size_t dot = path.find('.', begin);
      std::string_view step = path.substr(begin, dot - begin);
      if (object.find_field_unordered(step).get(value)) return std::nullopt;
      if (dot == std::string_view::npos) break;
      if (value.get_object().get(object)) return std::nullopt;
      begin = dot + 1;
    }
  }
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return std::nullopt;
  if (type == simdjson::ondemand::json_type::null) return std::nullopt;
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (value.get_string().get(text)) return std::nullopt;
    return std::string(text);
  }
  const auto raw = event::json::RawJsonText(value);
  if (!raw) return std::nullopt;
  return std::string(*raw);
}

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
  if (query.timeout.count() <= 0) return Status::InvalidArgument("query: timeout must be positive");
  if (query.after) {
    if (IsAllTenants(query.tenant))
      return Status::InvalidArgument("cursor: not available for a query over all tenants");
    if (query.offset != 0) return Status::InvalidArgument("query: a cursor page takes no offset");
    const std::vector<SortKey> sort = EffectiveSort(query);
    if (query.after->keys.size() != sort.size())
      return Status::InvalidArgument("cursor: it belongs to a query with another sort");
    for (size_t k = 0; k < sort.size(); ++k) {
      const auto& key = query.after->keys[k];
      if (key && key->index() != ScalarIndexFor(sort[k].field->type))
        return Status::InvalidArgument("cursor: it belongs to a query with another sort");
    }
  }
  return ValidateFilter(query.filter);
}

namespace {

Status ValidateCountBy(const CountBy& count_by) {
  if (count_by.field == nullptr) return Status::InvalidArgument("count by: no field");
  if (count_by.field->type == FieldType::kJson)
    return Status::InvalidArgument(
        fmt::format("count by: cannot group on {}", count_by.field->path));
  if (count_by.top_n < 1 || count_by.top_n > kMaxLimit)
    return Status::InvalidArgument(fmt::format("count by: top must be 1..{}", kMaxLimit));
  return Status::OK();
}

Status ValidateDistinctCount(const DistinctCount& distinct) {
  if (distinct.field == nullptr) return Status::InvalidArgument("distinct count: no field");
  if (distinct.field->type == FieldType::kJson)
    return Status::InvalidArgument(
        fmt::format("distinct count: cannot count values of {}", distinct.field->path));
  return Status::OK();
}

Status ValidateHistogram(const DateHistogram& histogram) {
  if (histogram.field != nullptr && histogram.field->type != FieldType::kTime)
    return Status::InvalidArgument(
        fmt::format("date histogram: {} is not a time field", histogram.field->path));
  if (histogram.calendar.has_value() == (histogram.interval_micros > 0))
    return Status::InvalidArgument(
        "date histogram: give either a fixed interval or a calendar unit");
  if (histogram.interval_micros < 0)
    return Status::InvalidArgument("date histogram: the interval must be positive");
  if (histogram.interval_micros > 0 && histogram.interval_micros < 1'000'000)
    return Status::InvalidArgument("date histogram: the interval must be at least 1 second");
  if (auto zone = TimeZone::Load(histogram.time_zone); !zone.ok())
    return Status::InvalidArgument(fmt::format("date histogram: {}", zone.status().message()));
  if (const auto* count_by = std::get_if<CountBy>(&histogram.per_bucket))
    AL_RETURN_IF_ERROR(ValidateCountBy(*count_by));
  if (const auto* distinct = std::get_if<DistinctCount>(&histogram.per_bucket))
    AL_RETURN_IF_ERROR(ValidateDistinctCount(*distinct));
  return Status::OK();
}

}  // namespace

Status ValidateAggSpec(const AggSpec& spec) {
  if (const auto* count_by = std::get_if<CountBy>(&spec)) return ValidateCountBy(*count_by);
  if (const auto* distinct = std::get_if<DistinctCount>(&spec))
    return ValidateDistinctCount(*distinct);
  return ValidateHistogram(std::get<DateHistogram>(spec));
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

#include "api/native/params.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <optional>
#include <utility>

#include "event/fields.h"
#include "event/time.h"
#include "query/lucene_parser.h"

namespace auditlog::api::native {
namespace {

using event::FieldSpec;
using event::FieldType;
using event::UnixMicros;

constexpr std::string_view kTenantParam = "tenant";

// Values are quoted (and escaped, so control bytes and invalid UTF-8 cannot
// reach a JSON error body raw) and long ones cut.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuotedBytes = 64;
  if (text.size() > kMaxQuotedBytes) return fmt::format("{:?}...", text.substr(0, kMaxQuotedBytes));
  return fmt::format("{:?}", text);
}

Status Fail(std::string* error_field, std::string_view field, std::string_view message) {
  if (error_field != nullptr) *error_field = std::string(field);
  return Status::InvalidArgument(fmt::format("{}: {}", field, message));
}

// A status whose message already names `field` (parsers and cursors do).
Status Blame(std::string* error_field, std::string_view field, Status status) {
  if (error_field != nullptr) *error_field = std::string(field);
  return status;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The parameters of one request, checked against the names an endpoint takes.
class ParamSet {
 public:
  // Fails on a name not in `accepted` (other than `tenant`) and on a name
  // given twice. The set views `params`, which must outlive it.
  static Result<ParamSet> Read(const std::vector<http::NameValue>& params,
                               std::initializer_list<std::string_view> accepted,
                               std::string* error_field) {
    ParamSet set;
    for (const auto& [name, value] : params) {
      if (name == kTenantParam) continue;
      if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
        if (error_field != nullptr) *error_field = name;
        return Status::InvalidArgument(fmt::format("unknown parameter {}", Quote(name)));
      }
      for (const auto& [seen, unused] : set.values_)
        if (seen == name) return Fail(error_field, name, "given more than once");
      set.values_.emplace_back(name, value);
    }
    return set;
  }

  // The value of `name`; nullopt when absent or empty.
  std::optional<std::string_view> Get(std::string_view name) const {
    for (const auto& [key, value] : values_)
      if (key == name) return value.empty() ? std::nullopt : std::optional(value);
    return std::nullopt;
  }
  bool Has(std::string_view name) const { return Get(name).has_value(); }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> values_;
};

// An integer in [min, max]; `name` and the bounds appear in the message.
Result<uint32_t> ParseBoundedInt(std::string_view name, std::string_view text, uint32_t min,
                                 uint32_t max, std::string* error_field) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool whole = end == text.data() + text.size();
  if (whole && error == std::errc::result_out_of_range)
    return Fail(error_field, name,
                fmt::format("must be between {} and {}, got {}", min, max, text));
  if (!whole || error != std::errc())
    return Fail(error_field, name,
                fmt::format("must be an integer between {} and {}, got {}", min, max, Quote(text)));
  if (value < min || value > max)
    return Fail(error_field, name,
                fmt::format("must be between {} and {}, got {}", min, max, value));
  return static_cast<uint32_t>(value);
}

Result<bool> ParseBool(std::string_view name, std::string_view text, std::string* error_field) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return Fail(error_field, name, fmt::format("must be true, false, 1 or 0, got {}", Quote(text)));
}

// A field named by its native path, as a `by` or `field` parameter: any field
// whose values can be grouped, which is every one but `details`.
Result<const FieldSpec*> ParseGroupField(std::string_view name, std::string_view text,
                                         std::string* error_field) {
  const FieldSpec* field = event::FindField(text);
  if (field == nullptr)
    return Fail(error_field, name, fmt::format("unknown field {}", Quote(text)));
  if (field->type == FieldType::kJson)
    return Fail(error_field, name, fmt::format("cannot group on {}", Quote(text)));
  return field;
}

Result<std::vector<query::SortKey>> ParseSort(std::string_view text, std::string* error_field) {
  std::vector<query::SortKey> keys;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    const std::string_view key = TrimSpaces(text.substr(begin, comma - begin));
    begin = comma + 1;
    if (key.empty()) return Fail(error_field, "sort", fmt::format("empty key in {}", Quote(text)));
    const size_t colon = key.rfind(':');
    if (colon == std::string_view::npos)
      return Fail(error_field, "sort",
                  fmt::format("expected field:1 or field:-1, got {}", Quote(key)));
    const std::string_view name = key.substr(0, colon);
    const std::string_view direction = key.substr(colon + 1);
    const FieldSpec* field = event::FindField(name);
    if (field == nullptr)
      return Fail(error_field, "sort", fmt::format("unknown field {}", Quote(name)));
    if (field->type == FieldType::kJson)
      return Fail(error_field, "sort", fmt::format("cannot sort on {}", Quote(name)));
    if (direction != "1" && direction != "-1")
      return Fail(error_field, "sort", fmt::format("direction must be 1 or -1 in {}", Quote(key)));
    for (const query::SortKey& earlier : keys)
      if (earlier.field == field)
        return Fail(error_field, "sort", fmt::format("field {} appears twice", Quote(name)));
    keys.push_back({field, direction == "-1"});
  }
  return keys;
}

Result<std::vector<const FieldSpec*>> ParseFields(std::string_view text, std::string* error_field) {
  std::vector<const FieldSpec*> fields;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    const std::string_view name = TrimSpaces(text.substr(begin, comma - begin));
    begin = comma + 1;
    if (name.empty())
      return Fail(error_field, "fields", fmt::format("empty name in {}", Quote(text)));
    const FieldSpec* field = event::FindField(name);
    if (field == nullptr)
      return Fail(error_field, "fields", fmt::format("unknown field {}", Quote(name)));
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
  }
  return fields;
}

// q, from and to: the part of a Query every read endpoint shares.
Status ParseFilterAndTime(const ParamSet& params, query::Query* query, std::string* error_field) {
  if (auto q = params.Get("q")) {
    auto filter = query::ParseLucene(*q, query::LuceneDialect::kNative);
    if (!filter.ok()) return Blame(error_field, "q", filter.status());
    query->filter = std::move(filter).value();
  }
  using TimeEnd = std::pair<std::string_view, std::optional<UnixMicros>*>;
  for (const auto& [name, end] :
       {TimeEnd{"from", &query->time.from}, TimeEnd{"to", &query->time.to}}) {
    const auto text = params.Get(name);
    if (!text) continue;
    auto micros = ParseTimeParam(*text);
    if (!micros.ok()) return Fail(error_field, name, micros.status().message());
    *end = *micros;
  }
  if (query->time.from && query->time.to && *query->time.from >= *query->time.to)
    return Fail(error_field, "from", "must be before to");
  return Status::OK();
}

query::Query BaseQuery(std::string_view tenant, std::chrono::milliseconds timeout) {
  query::Query query;
  query.tenant = std::string(tenant);
  query.timeout = timeout;
  return query;
}

constexpr std::string_view kIntervalForms =
    "a whole number of s, m, h or d (\"30s\", \"15m\", \"1h\", \"1d\") or day, week, month, "
    "quarter, year";

// `interval` into the spec's fixed width or calendar unit.
Status ParseInterval(std::string_view text, query::DateHistogram* spec, std::string* error_field) {
  static constexpr std::pair<std::string_view, query::CalendarUnit> kCalendar[] = {
      {"day", query::CalendarUnit::kDay},     {"week", query::CalendarUnit::kWeek},
      {"month", query::CalendarUnit::kMonth}, {"quarter", query::CalendarUnit::kQuarter},
      {"year", query::CalendarUnit::kYear},
  };
  for (const auto& [name, unit] : kCalendar) {
    if (text == name) {
      spec->calendar = unit;
      return Status::OK();
    }
  }
  static constexpr std::pair<char, int64_t> kUnits[] = {
      {'s', 1'000'000}, {'m', 60'000'000}, {'h', 3'600'000'000}, {'d', 86'400'000'000}};
  const std::string_view digits = text.substr(0, text.empty() ? 0 : text.size() - 1);
  const auto unit = std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& entry) {
    return !text.empty() && entry.first == text.back();
  });
  if (unit == std::end(kUnits) || !AllDigits(digits))
    return Fail(error_field, "interval",
                fmt::format("expected {}; got {}", kIntervalForms, Quote(text)));
  int64_t count = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  // An interval longer than the whole time range would hold every event in one
  // bucket; refusing it also keeps the arithmetic below far from overflow.
  if (error != std::errc() || count > event::kMaxTimeMicros / unit->second)
    return Fail(error_field, "interval", fmt::format("{} is too long", Quote(text)));
  if (count == 0) return Fail(error_field, "interval", "must be at least 1s");
  spec->interval_micros = count * unit->second;
  return Status::OK();
}

// The histogram parameters histogram and distinct share: interval, tz, fill.
// REQUIRES: params has an interval.
Status ParseHistogramShape(const ParamSet& params, StatsRequest* request,
                           query::DateHistogram* spec, std::string* error_field) {
  AL_RETURN_IF_ERROR(ParseInterval(*params.Get("interval"), spec, error_field));
  if (auto tz = params.Get("tz")) {
    auto zone = query::TimeZone::Load(*tz);
    if (!zone.ok()) {
      if (zone.status().code() != StatusCode::kInvalidArgument)
        return Blame(error_field, "tz",
                     zone.status());  // an unreadable zone file: not the caller's
      return Fail(error_field, "tz", zone.status().message());
    }
    request->zone = std::move(zone).value();
    spec->time_zone = std::string(*tz);
  }
  if (auto fill = params.Get("fill")) {
    AL_ASSIGN_OR_RETURN(request->fill, ParseBool("fill", *fill, error_field));
  }
  // With both ends known the number of filled buckets is too: refuse before
  // the query runs rather than after.
  const query::TimeRange& time = request->query.time;
  if (request->fill && time.from && time.to) {
    size_t buckets = 0;
    for (UnixMicros start = HistogramBucketStart(*spec, request->zone, *time.from);
         start < *time.to; start = NextHistogramBucketStart(*spec, request->zone, start)) {
      if (++buckets > query::kMaxHistogramBuckets)
        return Fail(error_field, "fill",
                    fmt::format("more than {} buckets; use a longer interval or a shorter time "
                                "range",
                                query::kMaxHistogramBuckets));
    }
  }
  return Status::OK();
}

// `by` (a groupable field) and `top`: the count-by of /v1/stats/count and
// of a histogram's buckets.
Result<query::CountBy> ParseCountBy(const ParamSet& set, std::string_view by,
                                    std::string* error_field) {
  query::CountBy count_by;
  AL_ASSIGN_OR_RETURN(count_by.field, ParseGroupField("by", by, error_field));
  count_by.top_n = kDefaultTopGroups;
  if (auto top = set.Get("top")) {
    AL_ASSIGN_OR_RETURN(count_by.top_n,
                        ParseBoundedInt("top", *top, 1, kMaxTopGroups, error_field));
  }
  return count_by;
}

}  // namespace

Result<UnixMicros> ParseTimeParam(std::string_view value) {
  if (AllDigits(value)) return event::ParseEpochText(value, event::EpochUnit::kMilliseconds);
  auto micros = event::ParseDateTime(value);
  if (micros.ok()) return micros;
  // A value that starts like a date gets the parser's reason ("month 13 out
  // of range"); for anything else the reason would only repeat the headline.
  const bool looks_like_date = value.size() > 4 && AllDigits(value.substr(0, 4)) && value[4] == '-';
  if (looks_like_date)
    return Status::InvalidArgument(
        fmt::format("{} is not an RFC 3339 time: {}", Quote(value), micros.status().message()));
  return Status::InvalidArgument(
      fmt::format("{} is not an RFC 3339 time or epoch milliseconds", Quote(value)));
}

Result<SearchRequest> ParseSearchParams(const std::vector<http::NameValue>& params,
                                        std::string_view tenant, const query::CursorCodec& cursors,
                                        std::chrono::milliseconds timeout,
                                        std::string* error_field) {
  AL_ASSIGN_OR_RETURN(const ParamSet set,
                      ParamSet::Read(params,
                                     {"q", "from", "to", "sort", "limit", "offset", "cursor",
                                      "fields", "include_totals"},
                                     error_field));
  SearchRequest request;
  query::Query& query = request.query;
  query = BaseQuery(tenant, timeout);
  query.include_totals = true;
  AL_RETURN_IF_ERROR(ParseFilterAndTime(set, &query, error_field));
  if (auto sort = set.Get("sort")) {
    AL_ASSIGN_OR_RETURN(query.sort, ParseSort(*sort, error_field));
  }
  if (auto limit = set.Get("limit")) {
    AL_ASSIGN_OR_RETURN(query.limit,
                        ParseBoundedInt("limit", *limit, 1, kMaxPageLimit, error_field));
  }
  if (auto offset = set.Get("offset")) {
    if (!AllDigits(*offset))
      return Fail(error_field, "offset",
                  fmt::format("must be a non-negative integer, got {}", Quote(*offset)));
    const auto [end, error] =
        std::from_chars(offset->data(), offset->data() + offset->size(), query.offset);
    if (error != std::errc())
      return Fail(error_field, "offset", fmt::format("{} is too large", *offset));
  }
  if (auto fields = set.Get("fields")) {
    AL_ASSIGN_OR_RETURN(query.fields, ParseFields(*fields, error_field));
  }
  if (auto include_totals = set.Get("include_totals")) {
    AL_ASSIGN_OR_RETURN(query.include_totals,
                        ParseBool("include_totals", *include_totals, error_field));
  }
  if (auto cursor = set.Get("cursor")) {
    if (set.Has("offset")) return Fail(error_field, "cursor", "cannot be combined with offset");
    if (query::IsAllTenants(query.tenant))
      return Fail(error_field, "cursor", "not available for a query over all tenants");
    // The cursor's MAC covers the tenant, filter, time range and sort, all set above.
    if (Status applied = cursors.Apply(*cursor, &query); !applied.ok())
      return Blame(error_field, "cursor", applied);
    request.has_cursor = true;
  }
  AL_RETURN_IF_ERROR(query::ValidateQuery(query));
  return request;
}

Result<StatsRequest> ParseCountParams(const std::vector<http::NameValue>& params,
                                      std::string_view tenant, std::chrono::milliseconds timeout,
                                      std::string* error_field) {
  AL_ASSIGN_OR_RETURN(const ParamSet set,
                      ParamSet::Read(params, {"by", "q", "from", "to", "top"}, error_field));
  StatsRequest request;
  request.query = BaseQuery(tenant, timeout);
  AL_RETURN_IF_ERROR(ParseFilterAndTime(set, &request.query, error_field));
  const auto by = set.Get("by");
  if (!by) return Fail(error_field, "by", "is required");
  AL_ASSIGN_OR_RETURN(request.spec, ParseCountBy(set, *by, error_field));
  return request;
}

Result<StatsRequest> ParseHistogramParams(const std::vector<http::NameValue>& params,
                                          std::string_view tenant,
                                          std::chrono::milliseconds timeout,
                                          std::string* error_field) {
  AL_ASSIGN_OR_RETURN(
      const ParamSet set,
      ParamSet::Read(params, {"interval", "q", "from", "to", "by", "top", "tz", "fill"},
                     error_field));
  StatsRequest request;
  request.query = BaseQuery(tenant, timeout);
  AL_RETURN_IF_ERROR(ParseFilterAndTime(set, &request.query, error_field));
  if (!set.Has("interval")) return Fail(error_field, "interval", "is required");
  query::DateHistogram histogram;
  AL_RETURN_IF_ERROR(ParseHistogramShape(set, &request, &histogram, error_field));
  if (auto by = set.Get("by")) {
    AL_ASSIGN_OR_RETURN(histogram.per_bucket, ParseCountBy(set, *by, error_field));
  } else if (set.Has("top")) {
    return Fail(error_field, "top", "needs by");
  }
  request.spec = std::move(histogram);
  return request;
}

Result<StatsRequest> ParseDistinctParams(const std::vector<http::NameValue>& params,
                                         std::string_view tenant, std::chrono::milliseconds timeout,
                                         std::string* error_field) {
  AL_ASSIGN_OR_RETURN(
      const ParamSet set,
      ParamSet::Read(params, {"field", "interval", "q", "from", "to", "tz", "fill"}, error_field));
  StatsRequest request;
  request.query = BaseQuery(tenant, timeout);
  AL_RETURN_IF_ERROR(ParseFilterAndTime(set, &request.query, error_field));
  const auto field = set.Get("field");
  if (!field) return Fail(error_field, "field", "is required");
  query::DistinctCount distinct;
  AL_ASSIGN_OR_RETURN(distinct.field, ParseGroupField("field", *field, error_field));
  if (!set.Has("interval")) {
    for (std::string_view needs_interval : {"tz", "fill"})
      if (set.Has(needs_interval)) return Fail(error_field, needs_interval, "needs interval");
    request.spec = distinct;
    return request;
  }
  query::DateHistogram histogram;
  AL_RETURN_IF_ERROR(ParseHistogramShape(set, &request, &histogram, error_field));
  histogram.per_bucket = distinct;
  request.spec = std::move(histogram);
  return request;
}

UnixMicros HistogramBucketStart(const query::DateHistogram& spec, const query::TimeZone& zone,
                                UnixMicros at) {
  if (spec.calendar) return query::CalendarBucketStart(at, *spec.calendar, zone);
  return query::FixedBucketStart(at, spec.interval_micros, zone);
}

UnixMicros NextHistogramBucketStart(const query::DateHistogram& spec, const query::TimeZone& zone,
                                    UnixMicros bucket_start) {
  if (spec.calendar) return query::NextCalendarBucketStart(bucket_start, *spec.calendar, zone);
  // Local alignment can map one interval later back onto the same bucket
  // (clocks set back); step on until a later bucket starts, as the store does.
  UnixMicros probe = bucket_start + spec.interval_micros;
  UnixMicros next = query::FixedBucketStart(probe, spec.interval_micros, zone);
  while (next <= bucket_start) {
    probe += spec.interval_micros;
    next = query::FixedBucketStart(probe, spec.interval_micros, zone);
  }
  return next;
}

}  // namespace auditlog::api::native

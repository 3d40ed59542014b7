#include "api/authing/v2_params.h"

#include <fmt/format.h>

#include <charconv>

#include "api/authing/records.h"
#include "common/check.h"
#include "event/fields.h"
#include "event/time.h"

namespace auditlog::api::authing {
namespace {

using query::Filter;
using query::Scalar;

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Non-empty values of `name` (both `name` and `name[]`).
std::vector<std::string> Values(const http::Request& request, std::string_view name) {
  std::vector<std::string> values;
  for (std::string_view value : request.Params(name)) {
    if (!value.empty()) values.emplace_back(value);
  }
  return values;
}

std::optional<std::string> First(const http::Request& request, std::string_view name) {
  const std::vector<std::string> values = Values(request, name);
  if (values.empty()) return std::nullopt;
  return values.front();
}

Filter InOrEq(std::string_view path, const std::vector<std::string>& values) {
  if (values.size() == 1) return Filter::Eq(RegistryField(path), values.front());
  std::vector<Scalar> scalars(values.begin(), values.end());
  return Filter::In(RegistryField(path), std::move(scalars));
}

Result<std::string> ParseResultCode(std::string_view text) {
  if (text == "success" || text == "成功" || text == "true" || text == "200") return "success";
  if (text == "failure" || text == "failed" || text == "fail" || text == "失败" ||
      text == "false") {
    return "failure";
  }
  return Status::InvalidArgument(
      fmt::format("eventResultCode: expected success or failure, got {:?}", text));
}

}  // namespace

const event::FieldSpec& RegistryField(std::string_view path) {
  const event::FieldSpec* field = event::FindField(path);
  AL_DCHECK(field != nullptr, "callers pass registry paths (event/fields.cc)");
  return *field;
}

Result<OperatorArn> ParseOperatorArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:cn:authing:";
  const auto malformed = [&] {
    return Status::InvalidArgument(
        fmt::format("operator_arn: expected arn:cn:authing:user:<userId> or "
                    "arn:cn:authing:<userPoolId>:user:<userId>, got {:?}",
                    arn));
  };
  if (!arn.starts_with(kPrefix)) return malformed();
  std::string_view rest = arn.substr(kPrefix.size());
  OperatorArn parsed;
  if (rest.starts_with("user:")) {
    parsed.user_id = std::string(rest.substr(5));
  } else {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return malformed();
    parsed.user_pool = std::string(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
    if (!rest.starts_with("user:")) return malformed();
    parsed.user_id = std::string(rest.substr(5));
  }
  if (parsed.user_id.empty()) return malformed();
  return parsed;
}

Filter KindFilter(LogKind kind) {
  std::vector<Scalar> types;
  for (std::string_view type : UserActionTypes()) types.emplace_back(std::string(type));
  Filter user_actions = Filter::In(RegistryField("type"), std::move(types));
  return kind == LogKind::kUserAction ? user_actions : Filter::Not(std::move(user_actions));
}

Result<uint32_t> ParsePage(std::string_view name, std::string_view text) {
  uint32_t page = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (error != std::errc() || end != text.data() + text.size() || page < 1) {
    return Status::InvalidArgument(
        fmt::format("{}: must be a whole number from 1, got {:?}", name, text));
  }
  return page;
}

Result<uint32_t> ParseLimit(std::string_view name, std::string_view text, uint32_t max_limit) {
  uint32_t limit = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (error != std::errc() || end != text.data() + text.size() || limit < 1 || limit > max_limit) {
    return Status::InvalidArgument(
        fmt::format("{}: must be a whole number from 1 to {}, got {:?}", name, max_limit, text));
  }
  return limit;
}

Result<event::UnixMicros> ParseEpochMillis(std::string_view name, std::string_view text) {
  if (!AllDigits(text)) {
    return Status::InvalidArgument(
        fmt::format("{}: must be a time in epoch milliseconds, got {:?}", name, text));
  }
  auto micros = event::ParseEpochText(text, event::EpochUnit::kMilliseconds);
  if (!micros.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", name, micros.status().message()));
  }
  return *micros;
}

Result<query::Query> ParseV2ListParams(const http::Request& request, LogKind kind,
                                       std::string_view tenant, std::chrono::milliseconds timeout,
                                       std::string* error_field) {
  std::string scratch;
  std::string& field = error_field != nullptr ? *error_field : scratch;
  query::Query query;
  query.tenant = std::string(tenant);
  query.timeout = timeout;
  query.include_totals = true;
  std::vector<Filter> filters = {KindFilter(kind)};

  uint32_t page = 1;
  uint32_t limit = kV2DefaultLimit;
  if (const auto text = First(request, "page")) {
    field = "page";
    AL_ASSIGN_OR_RETURN(page, ParsePage("page", *text));
  }
  if (const auto text = First(request, "limit")) {
    field = "limit";
    AL_ASSIGN_OR_RETURN(limit, ParseLimit("limit", *text, kV2MaxLimit));
  }
  if (static_cast<uint64_t>(page - 1) * limit >= kMaxOffset) {
    field = "page";
    return Status::InvalidArgument(fmt::format(
        "page: page {} of {} starts past the first {} records", page, limit, kMaxOffset));
  }
  query.limit = limit;
  query.offset = static_cast<uint64_t>(page - 1) * limit;

  if (auto values = Values(request, "clientip"); !values.empty()) {
    filters.push_back(InOrEq("ip", values));
  }
  {
    std::vector<std::string> names;
    for (std::string& name : Values(request, "operation_name")) {
      if (!AllDigits(name)) names.push_back(std::move(name));
    }
    if (!names.empty()) filters.push_back(InOrEq("type", names));
  }
  if (auto values = Values(request, "eventType"); !values.empty()) {
    filters.push_back(InOrEq("type", values));
  }
  if (auto values = Values(request, "operator_arn"); !values.empty()) {
    std::vector<std::string> user_ids;
    for (const std::string& arn : values) {
      field = "operator_arn";
      AL_ASSIGN_OR_RETURN(OperatorArn parsed, ParseOperatorArn(arn));
      // Another pool's user is nobody in this tenant.
      if (parsed.user_pool.empty() || parsed.user_pool == tenant) {
        user_ids.push_back(std::move(parsed.user_id));
      }
    }
    filters.push_back(user_ids.empty() ? Filter::Or({}) : InOrEq("actor.id", user_ids));
  }
  if (auto values = Values(request, "userId"); !values.empty()) {
    filters.push_back(InOrEq("actor.id", values));
  }
  {
    std::vector<std::string> apps = Values(request, "app_id");
    for (std::string& app : Values(request, "appId")) apps.push_back(std::move(app));
    if (!apps.empty()) filters.push_back(InOrEq("client.id", apps));
  }
  if (auto values = Values(request, "request_id"); !values.empty()) {
    filters.push_back(InOrEq("request_id", values));
  }
  if (auto values = Values(request, "operationType"); !values.empty()) {
    filters.push_back(InOrEq("operation.type", values));
  }
  if (auto values = Values(request, "resourceName"); !values.empty()) {
    filters.push_back(InOrEq("resource.type", values));
  }
  if (auto values = Values(request, "userName"); !values.empty()) {
    filters.push_back(InOrEq("actor.name", values));
  }
  if (const auto text = First(request, "eventResultCode")) {
    field = "eventResultCode";
    AL_ASSIGN_OR_RETURN(std::string outcome, ParseResultCode(*text));
    filters.push_back(Filter::Eq(RegistryField("result"), std::move(outcome)));
  }
  if (const auto text = First(request, "exclude_non_app_records")) {
    field = "exclude_non_app_records";
    if (*text == "1" || *text == "true") {
      filters.push_back(Filter::Exists(RegistryField("client.id")));
    } else if (*text != "0" && *text != "false") {
      return Status::InvalidArgument(
          fmt::format("exclude_non_app_records: expected 1, 0, true or false, got {:?}", *text));
    }
  }
  if (const auto text = First(request, "start")) {
    field = "start";
    AL_ASSIGN_OR_RETURN(query.time.from, ParseEpochMillis("start", *text));
  }
  if (const auto text = First(request, "end")) {
    field = "end";
    AL_ASSIGN_OR_RETURN(const event::UnixMicros end, ParseEpochMillis("end", *text));
    query.time.to = end + 1000;  // `end` is inclusive, to the millisecond
  }
  if (query.time.from && query.time.to && *query.time.from >= *query.time.to) {
    field = "start";
    return Status::InvalidArgument("start: must not be after end");
  }
  field.clear();
  query.filter = Filter::And(std::move(filters));
  return query;
}

}  // namespace auditlog::api::authing

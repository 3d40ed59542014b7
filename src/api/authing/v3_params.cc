#include "api/authing/v3_params.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>

#include "api/dialect/json_body.h"
#include "event/fields.h"

namespace auditlog::api::authing {
namespace {

using query::Filter;

// The top-level members each body may have (the SDKs' Get*Dto classes).
constexpr std::array<std::string_view, 9> kAdminAuditMembers = {
    "requestId", "clientIp", "operationType", "resourceType", "userId",
    "success",   "start",    "end",           "pagination"};
constexpr std::array<std::string_view, 9> kUserActionMembers = {
    "requestId", "clientIp", "eventType", "userId",    "appId",
    "success",   "start",    "end",       "pagination"};

// The login-history parameters, and the snake_case names older SDK builds
// send for four of them (api-anchors §1.4).
constexpr std::array<std::string_view, 8> kLoginHistoryParams = {
    "userId", "userIdType", "appId", "clientIp", "start", "end", "page", "limit"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kLoginHistoryAliases = {{
    {"user_id", "userId"},
    {"user_id_type", "userIdType"},
    {"app_id", "appId"},
    {"client_ip", "clientIp"},
}};

template <size_t N>
bool IsOneOf(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view known : names) {
    if (known == name) return true;
  }
  return false;
}

// A string member as text: strings as they are, numbers as their JSON text
// (some callers send ids as numbers); null or absent as "".
Result<std::string> StringMember(simdjson::dom::object object, std::string_view name) {
  simdjson::dom::element value;
  if (object[name].get(value) || value.is_null()) return std::string();
  std::string_view text;
  if (!value.get(text)) return std::string(text);
  if (value.is_number()) return simdjson::minify(value);
  return Status::InvalidArgument(fmt::format("{}: expected a string", name));
}

// A number member (or a numeric string) as text; "" when absent or null.
Result<std::string> NumberText(simdjson::dom::element value, std::string_view name) {
  if (value.is_null()) return std::string();
  std::string_view text;
  if (!value.get(text)) return std::string(text);
  if (value.is_int64() || value.is_uint64()) return simdjson::minify(value);
  return Status::InvalidArgument(fmt::format("{}: expected a whole number", name));
}

Status AddTime(query::Query& query, std::string_view start, std::string_view end) {
  if (!start.empty()) {
    AL_ASSIGN_OR_RETURN(query.time.from, ParseEpochMillis("start", start));
  }
  if (!end.empty()) {
    AL_ASSIGN_OR_RETURN(const event::UnixMicros to, ParseEpochMillis("end", end));
    query.time.to = to + 1000;
  }
  if (query.time.from && query.time.to && *query.time.from >= *query.time.to) {
    return Status::InvalidArgument("start: must not be after end");
  }
  return Status::OK();
}

// `page_name` is the member the caller sent the page in, for the message.
Status SetPage(query::Query& query, std::string_view page_name, uint32_t page, uint32_t limit) {
  if (static_cast<uint64_t>(page - 1) * limit >= kMaxOffset) {
    return Status::InvalidArgument(fmt::format("{}: page {} of {} starts past the first {} records",
                                               page_name, page, limit, kMaxOffset));
  }
  query.limit = limit;
  query.offset = static_cast<uint64_t>(page - 1) * limit;
  return Status::OK();
}

query::Query NewQuery(std::string_view tenant, std::chrono::milliseconds timeout) {
  query::Query query;
  query.tenant = std::string(tenant);
  query.timeout = timeout;
  query.include_totals = true;
  return query;
}

// Authing's resourceType (DATA, API, ...) has no canonical field: the
// decoder keeps it in details, as `resourceType`, or as `@resourceType`
// when only the document had it. The filter matches what the DTO shows
// (records.cc): the first of the two that is present.
Filter ResourceTypeFilter(const std::string& value) {
  const auto at = [&](std::string_view path, Filter leaf) {
    return Filter::AtDetailsPath(std::string(path), std::move(leaf));
  };
  const event::FieldSpec& details = RegistryField("details");
  return Filter::Or({
      at("resourceType", Filter::Eq(details, value)),
      Filter::And({Filter::Not(at("resourceType", Filter::Exists(details))),
                   at("@resourceType", Filter::Eq(details, value))}),
  });
}

}  // namespace

query::Filter V3SuccessFilter(bool success) {
  Filter failed = Filter::Eq(RegistryField("result"), std::string("failure"));
  return success ? Filter::Not(std::move(failed)) : failed;
}

Result<query::Query> ParseV3ListBody(std::string_view body, V3List list, std::string_view tenant,
                                     std::chrono::milliseconds timeout) {
  simdjson::dom::parser parser;
  if (body.empty()) body = "{}";
  AL_ASSIGN_OR_RETURN(const simdjson::dom::object object, ParseJsonObjectBody(body, parser));
  const bool admin = list == V3List::kAdminAuditLogs;
  for (auto [key, ignored] : object) {
    const bool known = admin ? IsOneOf(kAdminAuditMembers, key) : IsOneOf(kUserActionMembers, key);
    if (!known) {
      return Status::InvalidArgument(fmt::format("{}: unknown member", std::string_view(key)));
    }
  }
  query::Query query = NewQuery(tenant, timeout);
  std::vector<Filter> filters = {KindFilter(admin ? LogKind::kAudit : LogKind::kUserAction)};
  const auto add_eq = [&](std::string_view member, std::string_view path) -> Status {
    AL_ASSIGN_OR_RETURN(const std::string value, StringMember(object, member));
    if (!value.empty()) filters.push_back(Filter::Eq(RegistryField(path), value));
    return Status::OK();
  };
  AL_RETURN_IF_ERROR(add_eq("requestId", "request_id"));
  AL_RETURN_IF_ERROR(add_eq("clientIp", "ip"));
  AL_RETURN_IF_ERROR(add_eq("userId", "actor.id"));
  if (admin) {
    AL_RETURN_IF_ERROR(add_eq("operationType", "operation.type"));
    AL_ASSIGN_OR_RETURN(const std::string resource_type, StringMember(object, "resourceType"));
    if (!resource_type.empty()) filters.push_back(ResourceTypeFilter(resource_type));
  } else {
    AL_RETURN_IF_ERROR(add_eq("eventType", "type"));
    AL_RETURN_IF_ERROR(add_eq("appId", "client.id"));
  }
  simdjson::dom::element value;
  if (!object["success"].get(value) && !value.is_null()) {
    bool success = false;
    if (value.get(success)) return Status::InvalidArgument("success: expected true or false");
    filters.push_back(V3SuccessFilter(success));
  }
  std::string start;
  std::string end;
  if (!object["start"].get(value)) {
    AL_ASSIGN_OR_RETURN(start, NumberText(value, "start"));
  }
  if (!object["end"].get(value)) {
    AL_ASSIGN_OR_RETURN(end, NumberText(value, "end"));
  }
  AL_RETURN_IF_ERROR(AddTime(query, start, end));
  uint32_t page = 1;
  uint32_t limit = kV3DefaultLimit;
  if (!object["pagination"].get(value) && !value.is_null()) {
    simdjson::dom::object pagination;
    if (value.get(pagination)) {
      return Status::InvalidArgument("pagination: expected an object {page, limit}");
    }
    for (auto [key, ignored] : pagination) {
      if (key != "page" && key != "limit") {
        return Status::InvalidArgument(
            fmt::format("pagination.{}: unknown member", std::string_view(key)));
      }
    }
    simdjson::dom::element member;
    if (!pagination["page"].get(member)) {
      AL_ASSIGN_OR_RETURN(const std::string text, NumberText(member, "pagination.page"));
      if (!text.empty()) {
        AL_ASSIGN_OR_RETURN(page, ParsePage("pagination.page", text));
      }
    }
    if (!pagination["limit"].get(member)) {
      AL_ASSIGN_OR_RETURN(const std::string text, NumberText(member, "pagination.limit"));
      if (!text.empty()) {
        AL_ASSIGN_OR_RETURN(limit, ParseLimit("pagination.limit", text, kV3MaxLimit));
      }
    }
  }
  AL_RETURN_IF_ERROR(SetPage(query, "pagination.page", page, limit));
  query.filter = Filter::And(std::move(filters));
  return query;
}

Result<query::Query> ParseV3LoginHistoryParams(const http::Request& request,
                                               std::string_view tenant,
                                               std::chrono::milliseconds timeout) {
  // Each parameter under its camelCase name; an alias counts as its name.
  std::vector<std::pair<std::string_view, std::string_view>> params;
  for (const auto& [name, value] : request.query) {
    std::string_view canonical = name;
    for (const auto& [alias, target] : kLoginHistoryAliases) {
      if (name == alias) canonical = target;
    }
    if (!IsOneOf(kLoginHistoryParams, canonical)) {
      return Status::InvalidArgument(fmt::format("{}: unknown parameter", name));
    }
    for (const auto& [seen, ignored] : params) {
      if (seen == canonical) {
        return Status::InvalidArgument(
            fmt::format("{}: given more than once (or also under its other name)", name));
      }
    }
    params.emplace_back(canonical, value);
  }
  const auto param = [&](std::string_view name) {
    for (const auto& [known, value] : params) {
      if (known == name) return std::string(value);
    }
    return std::string();
  };
  query::Query query = NewQuery(tenant, timeout);
  std::vector<Filter> filters = {Filter::Eq(RegistryField("type"), std::string("login"))};
  const std::string user_id = param("userId");
  if (user_id.empty()) return Status::InvalidArgument("userId: required");
  const std::string id_type = param("userIdType");
  std::string_view path = "actor.id";
  if (id_type == "username") {
    path = "actor.name";
  } else if (id_type == "email") {
    path = "actor.email";
  } else if (!id_type.empty() && id_type != "user_id") {
    return Status::InvalidArgument(
        fmt::format("userIdType: {:?} is not supported; use user_id, username or email", id_type));
  }
  filters.push_back(Filter::Eq(RegistryField(path), user_id));
  if (const std::string app = param("appId"); !app.empty()) {
    filters.push_back(Filter::Eq(RegistryField("client.id"), app));
  }
  if (const std::string ip = param("clientIp"); !ip.empty()) {
    filters.push_back(Filter::Eq(RegistryField("ip"), ip));
  }
  AL_RETURN_IF_ERROR(AddTime(query, param("start"), param("end")));
  uint32_t page = 1;
  uint32_t limit = kV3DefaultLimit;
  if (const std::string text = param("page"); !text.empty()) {
    AL_ASSIGN_OR_RETURN(page, ParsePage("page", text));
  }
  if (const std::string text = param("limit"); !text.empty()) {
    AL_ASSIGN_OR_RETURN(limit, ParseLimit("limit", text, kV3MaxLimit));
  }
  AL_RETURN_IF_ERROR(SetPage(query, "page", page, limit));
  query.filter = Filter::And(std::move(filters));
  return query;
}

Result<query::Query> ParseV3LoginHistoryBody(std::string_view body, std::string_view tenant,
                                             std::chrono::milliseconds timeout) {
  simdjson::dom::parser parser;
  if (body.empty()) body = "{}";
  AL_ASSIGN_OR_RETURN(const simdjson::dom::object object, ParseJsonObjectBody(body, parser));
  http::Request as_query;
  for (auto [key, value] : object) {
    if (value.is_null()) continue;
    std::string_view text;
    if (!value.get(text)) {
      as_query.query.emplace_back(std::string(key), std::string(text));
    } else if (value.is_number()) {
      as_query.query.emplace_back(std::string(key), simdjson::minify(value));
    } else {
      return Status::InvalidArgument(
          fmt::format("{}: expected a string or a number", std::string_view(key)));
    }
  }
  return ParseV3LoginHistoryParams(as_query, tenant, timeout);
}

}  // namespace auditlog::api::authing

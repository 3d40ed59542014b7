#include "api/authing/v3_params.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "api/dialect/json_body.h"
#include "event/fields.h"

namespace auditlog::api::authing {
namespace {

using query::Filter;

const event::FieldSpec& Field(std::string_view path) { return *event::FindField(path); }

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

Status SetPage(query::Query& query, uint32_t page, uint32_t limit) {
  if (static_cast<uint64_t>(page - 1) * limit >= kMaxOffset) {
    return Status::InvalidArgument(fmt::format(
        "page: page {} of {} starts past the first {} records", page, limit, kMaxOffset));
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

}  // namespace

Result<query::Query> ParseV3ListBody(std::string_view body, V3List list, std::string_view tenant,
                                     std::chrono::milliseconds timeout) {
  simdjson::dom::parser parser;
  if (body.empty()) body = "{}";
  AL_ASSIGN_OR_RETURN(const simdjson::dom::object object, ParseJsonObjectBody(body, parser));
  query::Query query = NewQuery(tenant, timeout);
  std::vector<Filter> filters = {
      KindFilter(list == V3List::kAdminAuditLogs ? LogKind::kAudit : LogKind::kUserAction)};
  const auto add_eq = [&](std::string_view member, std::string_view path) -> Status {
    AL_ASSIGN_OR_RETURN(const std::string value, StringMember(object, member));
    if (!value.empty()) filters.push_back(Filter::Eq(Field(path), value));
    return Status::OK();
  };
  AL_RETURN_IF_ERROR(add_eq("requestId", "request_id"));
  AL_RETURN_IF_ERROR(add_eq("clientIp", "ip"));
  AL_RETURN_IF_ERROR(add_eq("userId", "actor.id"));
  if (list == V3List::kAdminAuditLogs) {
    AL_RETURN_IF_ERROR(add_eq("operationType", "operation.type"));
    AL_RETURN_IF_ERROR(add_eq("resourceType", "resource.type"));
  } else {
    AL_RETURN_IF_ERROR(add_eq("eventType", "type"));
    AL_RETURN_IF_ERROR(add_eq("appId", "client.id"));
  }
  simdjson::dom::element value;
  if (!object["success"].get(value) && !value.is_null()) {
    bool success = false;
    if (value.get(success)) return Status::InvalidArgument("success: expected true or false");
    filters.push_back(Filter::Eq(Field("result"), std::string(success ? "success" : "failure")));
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
  AL_RETURN_IF_ERROR(SetPage(query, page, limit));
  query.filter = Filter::And(std::move(filters));
  return query;
}

Result<query::Query> ParseV3LoginHistoryParams(const http::Request& request,
                                               std::string_view tenant,
                                               std::chrono::milliseconds timeout) {
  const auto param = [&](std::string_view name) {
    return std::string(request.Param(name).value_or(""));
  };
  query::Query query = NewQuery(tenant, timeout);
  std::vector<Filter> filters = {Filter::Eq(Field("type"), std::string("login"))};
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
  filters.push_back(Filter::Eq(Field(path), user_id));
  if (const std::string app = param("appId"); !app.empty()) {
    filters.push_back(Filter::Eq(Field("client.id"), app));
  }
  if (const std::string ip = param("clientIp"); !ip.empty()) {
    filters.push_back(Filter::Eq(Field("ip"), ip));
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
  AL_RETURN_IF_ERROR(SetPage(query, page, limit));
  query.filter = Filter::And(std::move(filters));
  return query;
}

}  // namespace auditlog::api::authing

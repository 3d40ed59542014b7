#include "api/enos/render.h"

#include <simdjson.h>

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "event/json_support.h"

namespace auditlog::api::enos {
namespace {

using event::Event;
using event::JsonWriter;

// The members of details as (name, minified JSON value), in order. Details
// that do not parse (never the case for stored events) count as empty.
std::vector<std::pair<std::string, std::string>> DetailsMembers(std::string_view details) {
  if (details.empty()) return {};
  return event::json::ObjectMembers(details).value_or(
      std::vector<std::pair<std::string, std::string>>());
}

std::optional<std::string_view> Member(
    const std::vector<std::pair<std::string, std::string>>& members, std::string_view name) {
  for (const auto& [key, value] : members) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

// The text of a JSON string value; other values as their JSON text.
std::string TextOf(std::string_view json_value) {
  thread_local simdjson::dom::parser parser;
  std::string_view text;
  if (!parser.parse(json_value.data(), json_value.size()).get(text)) return std::string(text);
  return std::string(json_value);
}

int64_t EventTimeMs(const Event& event) {
  const event::UnixMicros micros = event.timestamp.value_or(event.received_at.value_or(0));
  // Floor division: times are >= 0, so plain division is the floor.
  return micros / 1000;
}

constexpr std::array<std::string_view, 6> kEntryMembers = {"eventTime", "ipAddress",   "resources",
                                                           "eventName", "description", "account"};

bool IsEntryMember(std::string_view name) {
  for (const std::string_view member : kEntryMembers) {
    if (member == name) return true;
  }
  return false;
}

void WritePagination(JsonWriter& json, const LogQueryRequest& request,
                     const query::SearchResult& result, bool vendor_sample_names) {
  const uint64_t total = result.total.value_or(result.events.size());
  json.Key("pagination");
  json.BeginObject();
  if (vendor_sample_names) {
    json.Key("total");
    json.Uint(total);
    json.Key("limit");
    json.Uint(request.page_size);
    json.Key("currentPage");
    json.Uint(request.page_no);
  }
  json.Key("pageNo");
  json.Uint(request.page_no);
  json.Key("pageSize");
  json.Uint(request.page_size);
  json.Key("totalElements");
  json.Uint(total);
  json.EndObject();
}

}  // namespace

void WriteAuditLogEntry(JsonWriter& json, const Event& event) {
  const auto details = DetailsMembers(event.details);
  json.BeginObject();
  json.Key("eventTime");
  json.Int(EventTimeMs(event));
  json.Member("ipAddress", event.ip);

  json.Key("resources");
  if (const auto several = Member(details, "resources")) {
    json.Raw(*several);
  } else {
    json.BeginArray();
    if (!event.resource.type.empty() || !event.resource.name.empty() ||
        !event.resource.id.empty()) {
      json.BeginObject();
      json.Member("type", event.resource.type);
      json.Member("content", event.resource.name.empty() ? event.resource.id : event.resource.name);
      for (const auto& [key, value] : details) {
        if (!key.starts_with("resources.")) continue;
        const std::string_view member = std::string_view(key).substr(10);
        if (member == "type" || member == "content") continue;
        json.Key(member);
        json.Raw(value);
      }
      json.EndObject();
    }
    json.EndArray();
  }

  json.Member("eventName", event.name.empty() ? event.type : event.name);
  if (!event.description.empty()) json.Member("description", event.description);

  json.Key("account");
  json.BeginObject();
  json.Member("domain", Member(details, "account.domain")
                            ? TextOf(*Member(details, "account.domain"))
                            : std::string());
  json.Member("name", event.actor.name);
  json.Member("id", event.actor.id);
  json.Member("userType", event.actor.type);
  json.Member("email", event.actor.email);
  for (const auto& [key, value] : details) {
    if (!key.starts_with("account.")) continue;
    const std::string_view member = std::string_view(key).substr(8);
    if (member == "domain" || member == "name" || member == "id" || member == "userType" ||
        member == "email") {
      continue;
    }
    json.Key(member);
    json.Raw(value);
  }
  json.EndObject();

  // What the decoder kept of members it has no field for goes back where it
  // came from, so an ingested entry is served as it was sent.
  for (const auto& [key, value] : details) {
    if (key.starts_with("account.") || key.starts_with("resources.") || IsEntryMember(key)) {
      continue;
    }
    json.Key(key);
    json.Raw(value);
  }
  json.EndObject();
}

std::string RenderLogQueryData(const LogQueryRequest& request, const query::SearchResult& result) {
  std::string data;
  JsonWriter json(&data);
  json.BeginObject();
  WritePagination(json, request, result, /*vendor_sample_names=*/true);
  json.Key("auditLog");
  json.BeginArray();
  for (const Event& event : result.events) WriteAuditLogEntry(json, event);
  json.EndArray();
  json.EndObject();
  return data;
}

void WriteEventLog(JsonWriter& json, const Event& event) {
  const auto details = DetailsMembers(event.details);
  auto detail_text = [&](std::string_view name) {
    const auto value = Member(details, name);
    return value ? TextOf(*value) : std::string();
  };
  json.BeginObject();
  json.Member("subjectId", event.resource.id);
  json.Member("subjectType", event.resource.type);
  json.Member("subjectName", event.resource.name);
  json.Member("upstreamId", detail_text("upstreamId"));
  json.Member("upstreamType", detail_text("upstreamType"));
  json.Member("upstreamName", detail_text("upstreamName"));
  json.Member("organizationId", event.tenant);
  json.Member("userId", event.actor.id);
  json.Key("eventTime");
  json.Int(EventTimeMs(event));
  json.EndObject();
}

std::string RenderEventLogData(const LogQueryRequest& request, const query::SearchResult& result) {
  std::string data;
  JsonWriter json(&data);
  json.BeginObject();
  WritePagination(json, request, result, /*vendor_sample_names=*/false);
  json.Key("logs");
  json.BeginArray();
  for (const Event& event : result.events) WriteEventLog(json, event);
  json.EndArray();
  json.EndObject();
  return data;
}

Event EventFromProduce(const ProduceRequest& request, std::string_view key_id,
                       event::UnixMicros now_micros) {
  Event event;
  event.timestamp = now_micros;
  event.type.assign(kEventLogType);
  event.resource.type = request.subject_type;
  event.resource.id = request.subject_id;
  event.actor.id.assign(key_id);
  event.actor.type = "api_key";
  event.operation.mode = "api";
  if (!request.upstream_id.empty() || !request.upstream_type.empty()) {
    std::string details;
    JsonWriter json(&details);
    json.BeginObject();
    if (!request.upstream_id.empty()) json.Member("upstreamId", request.upstream_id);
    if (!request.upstream_type.empty()) json.Member("upstreamType", request.upstream_type);
    json.EndObject();
    event.details = std::move(details);
  }
  return event;
}

}  // namespace auditlog::api::enos

#include "api/auth0/render.h"

#include <simdjson.h>

#include <array>
#include <unordered_map>
#include <unordered_set>

#include "enrich/dialect_views.h"
#include "event/json_support.h"
#include "event/time.h"

namespace auditlog::api::auth0 {
namespace {

namespace od = simdjson::ondemand;
using event::Event;
using event::JsonWriter;

// Top-level Auth0 members the decoder keeps in `details`, in the order the
// log object shows them.
constexpr std::array<std::string_view, 6> kMembersInDetails = {
    "connection_id", "strategy_type", "_id", "organization_id", "organization_name", "tenant_name"};

void StringIfSet(JsonWriter& json, const FieldSelection& fields, std::string_view key,
                 const std::string& value) {
  if (value.empty() || !fields.Wants(key)) return;
  json.Member(key, value);
}

bool HasLocationInfo(const event::Geo& geo) {
  return !geo.country_code.empty() || !geo.country_code3.empty() || !geo.country_name.empty() ||
         !geo.city_name.empty() || geo.latitude.has_value() || geo.longitude.has_value() ||
         !geo.time_zone.empty() || !geo.continent_code.empty();
}

// "location_info" or "security_context" for a dotted name in one of the
// groups, else "".
std::string_view GroupOf(std::string_view name) {
  for (std::string_view group :
       {std::string_view("location_info"), std::string_view("security_context")}) {
    if (name.size() > group.size() + 1 && name.starts_with(group) && name[group.size()] == '.')
      return group;
  }
  return {};
}

// Writes the members of `split` that belong in `group` ("member": raw) into
// the open object of `json`.
void WriteGroupExtras(const SplitDetailsResult& split, std::string_view group, JsonWriter& json) {
  for (const auto& [name, raw] : split.top_level) {
    if (GroupOf(name) != group) continue;
    json.Key(std::string_view(name).substr(group.size() + 1));
    json.Raw(raw);
  }
}

bool HasGroupExtras(const SplitDetailsResult& split, std::string_view group) {
  for (const auto& [name, raw] : split.top_level)
    if (GroupOf(name) == group) return true;
  return false;
}

std::string VersionOrZero(const std::string& part) { return part.empty() ? "0" : part; }

}  // namespace

SplitDetailsResult SplitDetails(std::string_view details) {
  SplitDetailsResult out;
  out.details = std::string(details);
  if (details.empty()) return out;
  auto parsed = event::json::ObjectMembers(details);
  if (!parsed) return out;
  const std::vector<std::pair<std::string, std::string>>& members = *parsed;
  // For each moved name, `@name` (the top-level copy when the record's own
  // details also had `name`) wins over `name`.
  // Unknown members of location_info and security_context were kept as
  // "location_info.<member>" (decoder): they go back into their group.
  std::vector<std::string> names(kMembersInDetails.begin(), kMembersInDetails.end());
  std::unordered_set<std::string_view> group_names;
  for (const auto& member : members) {
    const std::string_view name =
        std::string_view(member.first).substr(member.first.starts_with('@') ? 1 : 0);
    if (!GroupOf(name).empty() && group_names.insert(name).second) names.emplace_back(name);
  }
  // By name, the last of repeated names (as a JSON reader keeps the last);
  // a map keeps large details linear.
  std::unordered_map<std::string_view, size_t> index_of;
  for (size_t member_idx = 0; member_idx < members.size(); ++member_idx)
    index_of[members[member_idx].first] = member_idx;
  std::vector<bool> taken(members.size(), false);
  for (const std::string& name : names) {
    auto source = index_of.find("@" + name);
    if (source == index_of.end()) source = index_of.find(name);
    if (source == index_of.end()) continue;
    taken[source->second] = true;
    out.top_level.emplace_back(name, members[source->second].second);
  }
  if (out.top_level.empty()) return out;
  out.details.clear();
  bool any_left = false;
  JsonWriter json(&out.details);
  json.BeginObject();
  for (size_t member_idx = 0; member_idx < members.size(); ++member_idx) {
    if (taken[member_idx]) continue;
    any_left = true;
    json.Key(members[member_idx].first);
    json.Raw(members[member_idx].second);
  }
  json.EndObject();
  if (!any_left) out.details.clear();
  return out;
}

std::string UserAgentSummary(const event::UserAgentInfo& ua) {
  // "Other" is uap-core's "no rule matched": nothing better than the
  // stored text (for records from Auth0, its summary, which parses as no
  // browser).
  if (ua.name.empty() || ua.name == "Other") return {};
  std::string summary = ua.name + " " + VersionOrZero(ua.major) + "." + VersionOrZero(ua.minor) +
                        "." + VersionOrZero(ua.patch) + " / ";
  if (ua.os.empty()) return summary + "Other 0.0.0";
  return summary + ua.os + " " + VersionOrZero(ua.os_major) + "." + VersionOrZero(ua.os_minor) +
         ".0";
}

void WriteLogObject(const Event& event, const FieldSelection& fields, JsonWriter& json) {
  const SplitDetailsResult details = SplitDetails(event.details);
  const auto write_moved = [&](std::string_view name) {
    if (!fields.Wants(name)) return;
    for (const auto& [member, raw] : details.top_level) {
      if (member != name) continue;
      json.Key(member);
      json.Raw(raw);
    }
  };
  json.BeginObject();
  if (event.timestamp && fields.Wants("date")) {
    // Auth0 dates carry milliseconds; cut the rest (micros are >= 0).
    json.Member("date", event::FormatRfc3339(*event.timestamp - *event.timestamp % 1000));
  }
  StringIfSet(json, fields, "type", event.type);
  StringIfSet(json, fields, "description", event.description);
  StringIfSet(json, fields, "connection", event.connection);
  write_moved("connection_id");
  StringIfSet(json, fields, "client_id", event.client.id);
  StringIfSet(json, fields, "client_name", event.client.name);
  StringIfSet(json, fields, "ip", event.ip);
  StringIfSet(json, fields, "hostname", event.hostname);
  StringIfSet(json, fields, "user_id", event.actor.id);
  StringIfSet(json, fields, "user_name", event.actor.name);
  StringIfSet(json, fields, "audience", event.audience);
  StringIfSet(json, fields, "scope", event.scope);
  StringIfSet(json, fields, "strategy", event.strategy);
  write_moved("strategy_type");
  StringIfSet(json, fields, "log_id", event.id);
  bool wrote_id = false;
  for (const auto& [member, raw] : details.top_level) wrote_id |= member == "_id";
  if (wrote_id) {
    write_moved("_id");
  } else {
    StringIfSet(json, fields, "_id", event.id);
  }
  if (event.ua.is_mobile && fields.Wants("isMobile")) {
    json.Key("isMobile");
    json.Bool(*event.ua.is_mobile);
  }
  if (!details.details.empty() && fields.Wants("details")) {
    json.Key("details");
    json.Raw(details.details);
  }
  const std::string summary = UserAgentSummary(event.ua);
  StringIfSet(json, fields, "user_agent", summary.empty() ? event.user_agent : summary);
  const event::SecurityContext& security = event.security_context;
  if ((!security.ja3.empty() || !security.ja4.empty() ||
       HasGroupExtras(details, "security_context")) &&
      fields.Wants("security_context")) {
    json.Key("security_context");
    json.BeginObject();
    if (!security.ja3.empty()) json.Member("ja3", security.ja3);
    if (!security.ja4.empty()) json.Member("ja4", security.ja4);
    WriteGroupExtras(details, "security_context", json);
    json.EndObject();
  }
  const bool location_extras = HasGroupExtras(details, "location_info");
  if ((HasLocationInfo(event.geo) || location_extras) && fields.Wants("location_info")) {
    json.Key("location_info");
    if (!location_extras) {
      enrich::WriteAuth0LocationInfo(event.geo, json);
    } else {
      // The shared view closes its object; reopen its text to append.
      std::string location;
      JsonWriter location_json(&location);
      enrich::WriteAuth0LocationInfo(event.geo, location_json);
      location.pop_back();  // the closing brace
      std::string extras;
      JsonWriter extras_json(&extras);
      extras_json.BeginObject();
      WriteGroupExtras(details, "location_info", extras_json);
      extras_json.EndObject();
      // `extras` is "{...}" with at least one member.
      if (location.size() > 1) location += ',';
      location.append(extras, 1);
      json.Raw(location);
    }
  }
  write_moved("organization_id");
  write_moved("organization_name");
  write_moved("tenant_name");
  json.EndObject();
}

std::string RenderLog(const Event& event) {
  std::string out;
  JsonWriter json(&out);
  WriteLogObject(event, FieldSelection(), json);
  return out;
}

std::string RenderLogList(std::span<const Event> events, const FieldSelection& fields,
                          const std::optional<ListTotals>& totals) {
  std::string out;
  JsonWriter json(&out);
  if (totals) {
    json.BeginObject();
    json.Key("start");
    json.Uint(totals->start);
    json.Key("limit");
    json.Uint(totals->limit);
    json.Key("length");
    json.Uint(events.size());
    json.Key("total");
    json.Uint(totals->total);
    json.Key("logs");
  }
  json.BeginArray();
  for (const Event& event : events) WriteLogObject(event, fields, json);
  json.EndArray();
  if (totals) json.EndObject();
  return out;
}

}  // namespace auditlog::api::auth0

#include "event/fields.h"

#include <array>

namespace auditlog::event {
namespace {

using T = FieldType;
using I = IndexKind;

#define AL_STR(member) +[](Event& e) -> std::string* { return &e.member; }
#define AL_TIME(member) +[](Event& e) -> std::optional<UnixMicros>* { return &e.member; }
#define AL_DOUBLE(member) +[](Event& e) -> std::optional<double>* { return &e.member; }

// The mapping columns are the decoders' tables in one place: ingest/*_decoder.cc
// implement them and docs/dialects/*.md explain the cases a name cannot (the
// Authing `message` line, Auth0 `isMobile`, ...).
constexpr std::array kFields = {
    FieldSpec{"id", T::kKeyword, I::kKeyword, {"logId", "", "log_id"}, AL_STR(id)},
    FieldSpec{"tenant", T::kKeyword, I::kKeyword, {"userPoolId", "", ""}, AL_STR(tenant)},
    FieldSpec{"seq", T::kUint64, I::kRange, {"", "", ""}, nullptr},
    FieldSpec{"timestamp",
              T::kTime,
              I::kSorted,
              {"timestamp", "eventTime", "date"},
              nullptr,
              AL_TIME(timestamp)},
    FieldSpec{"received_at", T::kTime, I::kRange, {"", "", ""}, nullptr, AL_TIME(received_at)},
    FieldSpec{"type", T::kKeyword, I::kKeyword, {"eventType", "eventName", "type"}, AL_STR(type)},
    FieldSpec{"name", T::kText, I::kTokens, {"", "eventName", ""}, AL_STR(name)},
    FieldSpec{"description",
              T::kText,
              I::kTokens,
              {"eventDetails", "description", "description"},
              AL_STR(description)},
    FieldSpec{"result", T::kOutcome, I::kKeyword, {"eventResultCode", "", ""}, nullptr},
    FieldSpec{
        "result_message", T::kText, I::kTokens, {"eventResultMsg", "", ""}, AL_STR(result_message)},
    FieldSpec{"operation.type",
              T::kKeyword,
              I::kKeyword,
              {"operationType", "", ""},
              AL_STR(operation.type)},
    FieldSpec{"operation.mode",
              T::kKeyword,
              I::kKeyword,
              {"operationMode", "", ""},
              AL_STR(operation.mode)},
    // Authing: resourceName is the kind of thing ("user"), resourceDetails the
    // thing itself ("shxbxpbodj"); resourceType is a category (DATA, API, ...)
    // with no canonical field, so it stays in details.
    FieldSpec{"resource.type",
              T::kKeyword,
              I::kKeyword,
              {"resourceName", "resources.type", ""},
              AL_STR(resource.type)},
    FieldSpec{"resource.id", T::kKeyword, I::kKeyword, {"", "", ""}, AL_STR(resource.id)},
    FieldSpec{"resource.name",
              T::kKeyword,
              I::kKeyword,
              {"resourceDetails", "resources.content", ""},
              AL_STR(resource.name)},
    FieldSpec{"origin_value", T::kText, I::kNone, {"originValue", "", ""}, AL_STR(origin_value)},
    FieldSpec{"target_value", T::kText, I::kNone, {"targetValue", "", ""}, AL_STR(target_value)},
    FieldSpec{"details", T::kJson, I::kNone, {"", "", "details"}, nullptr},
    FieldSpec{"actor.id",
              T::kKeyword,
              I::kKeyword,
              {"userId", "account.id", "user_id"},
              AL_STR(actor.id)},
    FieldSpec{"actor.name",
              T::kKeyword,
              I::kKeyword,
              {"userName", "account.name", "user_name"},
              AL_STR(actor.name)},
    FieldSpec{
        "actor.email", T::kKeyword, I::kKeyword, {"", "account.email", ""}, AL_STR(actor.email)},
    FieldSpec{
        "actor.type", T::kKeyword, I::kKeyword, {"", "account.userType", ""}, AL_STR(actor.type)},
    FieldSpec{"actor.role", T::kKeyword, I::kKeyword, {"roleName", "", ""}, AL_STR(actor.role)},
    FieldSpec{"client.id", T::kKeyword, I::kKeyword, {"appId", "", "client_id"}, AL_STR(client.id)},
    FieldSpec{"client.name",
              T::kKeyword,
              I::kKeyword,
              {"appName", "", "client_name"},
              AL_STR(client.name)},
    FieldSpec{"connection", T::kKeyword, I::kKeyword, {"", "", "connection"}, AL_STR(connection)},
    FieldSpec{"strategy", T::kKeyword, I::kKeyword, {"", "", "strategy"}, AL_STR(strategy)},
    FieldSpec{"audience", T::kKeyword, I::kKeyword, {"", "", "audience"}, AL_STR(audience)},
    FieldSpec{"scope", T::kKeyword, I::kKeyword, {"", "", "scope"}, AL_STR(scope)},
    FieldSpec{"request_id", T::kKeyword, I::kKeyword, {"requestId", "", ""}, AL_STR(request_id)},
    FieldSpec{"session_id", T::kKeyword, I::kKeyword, {"", "", ""}, AL_STR(session_id)},
    FieldSpec{"ip", T::kKeyword, I::kKeyword, {"clientIp", "ipAddress", "ip"}, AL_STR(ip)},
    FieldSpec{"hostname", T::kKeyword, I::kKeyword, {"", "", "hostname"}, AL_STR(hostname)},
    FieldSpec{
        "user_agent", T::kText, I::kTokens, {"userAgent", "", "user_agent"}, AL_STR(user_agent)},
    FieldSpec{"security_context.ja3",
              T::kKeyword,
              I::kKeyword,
              {"", "", "security_context.ja3"},
              AL_STR(security_context.ja3)},
    FieldSpec{"security_context.ja4",
              T::kKeyword,
              I::kKeyword,
              {"", "", "security_context.ja4"},
              AL_STR(security_context.ja4)},
    FieldSpec{"geo.country_code",
              T::kKeyword,
              I::kKeyword,
              {"geoip.country_code2", "", "location_info.country_code"},
              AL_STR(geo.country_code)},
    FieldSpec{"geo.country_code3",
              T::kKeyword,
              I::kKeyword,
              {"geoip.country_code3", "", "location_info.country_code3"},
              AL_STR(geo.country_code3)},
    FieldSpec{"geo.country_name",
              T::kKeyword,
              I::kKeyword,
              {"geoip.country_name", "", "location_info.country_name"},
              AL_STR(geo.country_name)},
    FieldSpec{"geo.region_code",
              T::kKeyword,
              I::kKeyword,
              {"geoip.region_code", "", ""},
              AL_STR(geo.region_code)},
    FieldSpec{"geo.region_name",
              T::kKeyword,
              I::kKeyword,
              {"geoip.region_name", "", ""},
              AL_STR(geo.region_name)},
    FieldSpec{"geo.city_name",
              T::kKeyword,
              I::kKeyword,
              {"geoip.city_name", "", "location_info.city_name"},
              AL_STR(geo.city_name)},
    FieldSpec{"geo.latitude",
              T::kDouble,
              I::kRange,
              {"geoip.latitude", "", "location_info.latitude"},
              nullptr,
              nullptr,
              AL_DOUBLE(geo.latitude)},
    FieldSpec{"geo.longitude",
              T::kDouble,
              I::kRange,
              {"geoip.longitude", "", "location_info.longitude"},
              nullptr,
              nullptr,
              AL_DOUBLE(geo.longitude)},
    FieldSpec{"geo.time_zone",
              T::kKeyword,
              I::kKeyword,
              {"geoip.timezone", "", "location_info.time_zone"},
              AL_STR(geo.time_zone)},
    FieldSpec{"geo.continent_code",
              T::kKeyword,
              I::kKeyword,
              {"geoip.continent_code", "", "location_info.continent_code"},
              AL_STR(geo.continent_code)},
    FieldSpec{"ua.name", T::kKeyword, I::kKeyword, {"ua.name", "", ""}, AL_STR(ua.name)},
    FieldSpec{"ua.major", T::kKeyword, I::kKeyword, {"ua.major", "", ""}, AL_STR(ua.major)},
    FieldSpec{"ua.minor", T::kKeyword, I::kNone, {"ua.minor", "", ""}, AL_STR(ua.minor)},
    FieldSpec{"ua.patch", T::kKeyword, I::kNone, {"ua.patch", "", ""}, AL_STR(ua.patch)},
    FieldSpec{"ua.os", T::kKeyword, I::kKeyword, {"ua.os", "", ""}, AL_STR(ua.os)},
    FieldSpec{
        "ua.os_major", T::kKeyword, I::kKeyword, {"ua.os_major", "", ""}, AL_STR(ua.os_major)},
    FieldSpec{"ua.device", T::kKeyword, I::kKeyword, {"ua.device", "", ""}, AL_STR(ua.device)},
    FieldSpec{"ua.is_mobile", T::kBool, I::kKeyword, {"", "", "isMobile"}, nullptr},
    // Appended after the first release of the formats (fields.h: positions
    // are persisted). The JSON codec still writes them inside `geo` and `ua`.
    FieldSpec{"geo.asn", T::kKeyword, I::kKeyword, {"", "", ""}, AL_STR(geo.asn)},
    FieldSpec{"geo.as_org", T::kKeyword, I::kKeyword, {"", "", ""}, AL_STR(geo.as_org)},
    FieldSpec{"ua.os_minor", T::kKeyword, I::kNone, {"ua.os_minor", "", ""}, AL_STR(ua.os_minor)},
};

#undef AL_STR
#undef AL_TIME
#undef AL_DOUBLE

}  // namespace

std::span<const FieldSpec> AllFields() { return kFields; }

std::span<const FieldSpec* const> FieldsInJsonOrder() {
  static const std::array<const FieldSpec*, kFields.size()> kOrder = [] {
    std::array<const FieldSpec*, kFields.size()> order{};
    std::array<bool, kFields.size()> placed{};
    auto group_of = [](std::string_view path) {
      const size_t dot = path.find('.');
      return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
    };
    size_t next = 0;
    for (size_t i = 0; i < kFields.size(); ++i) {
      if (placed[i]) continue;
      const std::string_view group = group_of(kFields[i].path);
      for (size_t j = i; j < kFields.size(); ++j) {
        if (placed[j] || (j != i && (group.empty() || group_of(kFields[j].path) != group)))
          continue;
        order[next++] = &kFields[j];
        placed[j] = true;
      }
    }
    return order;
  }();
  return kOrder;
}

const FieldSpec* FindField(std::string_view path) {
  for (const FieldSpec& spec : kFields) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

const FieldSpec* FindFieldByDialectName(std::string_view dialect, std::string_view name) {
  if (name.empty()) return nullptr;
  for (const FieldSpec& spec : kFields) {
    const std::string_view dialect_name = dialect == "authing" ? spec.dialects.authing
                                          : dialect == "enos"  ? spec.dialects.enos
                                          : dialect == "auth0" ? spec.dialects.auth0
                                                               : std::string_view();
    if (dialect_name == name) return &spec;
  }
  return nullptr;
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kKeyword:
      return "keyword";
    case FieldType::kText:
      return "text";
    case FieldType::kTime:
      return "time";
    case FieldType::kUint64:
      return "uint64";
    case FieldType::kOutcome:
      return "outcome";
    case FieldType::kDouble:
      return "double";
    case FieldType::kBool:
      return "bool";
    case FieldType::kJson:
      return "json";
  }
  return "?";
}

std::string_view IndexKindName(IndexKind kind) {
  switch (kind) {
    case IndexKind::kNone:
      return "none";
    case IndexKind::kKeyword:
      return "keyword";
    case IndexKind::kTokens:
      return "tokens";
    case IndexKind::kSorted:
      return "sorted";
    case IndexKind::kRange:
      return "range";
  }
  return "?";
}

}  // namespace auditlog::event

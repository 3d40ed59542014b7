#include "api/authing/records.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "enrich/dialect_views.h"
#include "event/time.h"

namespace auditlog::api::authing {
namespace {

using event::Event;
using event::JsonWriter;

constexpr std::array<std::string_view, 23> kUserActionTypes = {
    // v2 SupportedUserActionEnum (authing-js-sdk types.ts)
    "login", "register", "deleteAccount", "updateUserinfo", "refreshToken", "updateEmail",
    "updatePhone", "updatePassword", "verifyMfa",
    // v3 UserActionLogDto.eventType (authing-node-sdk), minus the repeats
    "logout", "updateUserPrefile", "updateUserPassword", "updateUserEmail", "updateUserPhone",
    "bindMfa", "bindEmail", "bindPhone", "unbindPhone", "unbindEmail", "unbindMFA",
    "refreshUserTokenBySelf", "verifyFirstLogin", "securityResourceAccess"};

// The civil date and time of `micros` (UTC), via Hinnant's days_to_civil.
struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second, millis;
};
Civil ToCivil(event::UnixMicros micros) {
  const int64_t total_millis = micros / 1000;
  int64_t days = total_millis / 86'400'000;
  int64_t rest = total_millis % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  const auto r = static_cast<unsigned>(rest);
  return {year, month, day, r / 3'600'000, r / 60'000 % 60, r / 1000 % 60, r % 1000};
}

std::string TimeWithOffset(event::UnixMicros micros, std::string_view offset) {
  const Civil c = ToCivil(micros);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.millis, offset);
}

// The members of `details` in order: name, value text, whether it is a JSON
// string (else the value is JSON text).
struct DetailMember {
  std::string name;
  std::string value;
  bool is_string = true;
};
std::vector<DetailMember> DetailMembers(const std::string& details) {
  std::vector<DetailMember> members;
  if (details.empty()) return members;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(details).get(object)) return members;
  for (auto [key, value] : object) {
    DetailMember member{std::string(key), {}, true};
    std::string_view text;
    if (!value.get(text)) {
      member.value = std::string(text);
    } else {
      member.value = simdjson::minify(value);
      member.is_string = false;
    }
    members.push_back(std::move(member));
  }
  return members;
}

const DetailMember* FindDetail(const std::vector<DetailMember>& members, std::string_view name) {
  for (const DetailMember& member : members) {
    if (member.name == name) return &member;
  }
  return nullptr;
}

std::string_view OrNull(std::string_view value) { return value.empty() ? "null" : value; }

// The sample line's keys in its order. The four marked extras have no
// canonical field: their values live in `details`.
constexpr std::array<std::string_view, 23> kLineKeys = {
    "logId",           "appId",          "userName",      "userPoolId",   "userId",
    "requestId",       "roleName",       "roleCode",      "roleId",       "userAgent",
    "clientIp",        "eventType",      "eventDetails",  "resourceType", "resourceName",
    "resourceDetails", "operationType",  "operationMode", "originValue",  "targetValue",
    "eventResultCode", "operationParam", "eventResultMsg"};
constexpr std::array<std::string_view, 4> kLineExtras = {"roleCode", "roleId", "resourceType",
                                                         "operationParam"};

bool IsLineExtra(std::string_view name) {
  for (std::string_view extra : kLineExtras) {
    if (extra == name) return true;
  }
  return false;
}

// The canonical value of a line or document key with a canonical field.
std::optional<std::string> CanonicalValue(const Event& event, std::string_view key) {
  if (key == "logId") return event.id;
  if (key == "appId") return event.client.id;
  if (key == "appName") return event.client.name;
  if (key == "userName") return event.actor.name;
  if (key == "userPoolId") return event.tenant;
  if (key == "userId") return event.actor.id;
  if (key == "requestId") return event.request_id;
  if (key == "roleName") return event.actor.role;
  if (key == "userAgent") return event.user_agent;
  if (key == "clientIp") return event.ip;
  if (key == "eventType") return event.type;
  if (key == "eventDetails") return event.description;
  if (key == "resourceName") return event.resource.type;
  if (key == "resourceDetails") return event.resource.name;
  if (key == "operationType") return event.operation.type;
  if (key == "operationMode") return event.operation.mode;
  if (key == "originValue") return event.origin_value;
  if (key == "targetValue") return event.target_value;
  if (key == "eventResultCode") return std::string(event::OutcomeName(event.result));
  if (key == "eventResultMsg") return event.result_message;
  return std::nullopt;
}

// Document members that details must not repeat: the ones written from
// canonical fields or computed here.
bool IsComputedMember(std::string_view name) {
  return name == "message" || name == "timestamp" || name == "eventType" ||
         name == "eventResultCode" || name == "geoip" || name == "ua" ||
         name.starts_with("geoip.") || name.starts_with("ua.");
}

void WriteDetailValue(JsonWriter& json, const DetailMember& member) {
  if (member.is_string) {
    json.String(member.value);
  } else {
    json.Raw(member.value);
  }
}

void MemberOrEmpty(JsonWriter& json, std::string_view key, std::string_view value) {
  json.Member(key, value);
}

void WriteSuccess(JsonWriter& json, const Event& event) {
  json.Key("success");
  json.Bool(event.result != event::Outcome::kFailure);
}

void WriteV3Time(JsonWriter& json, std::string_view key, const Event& event) {
  json.Member(key, event.timestamp ? AuthingV3Time(*event.timestamp) : std::string());
}

void WriteV3Geoip(JsonWriter& json, const Event& event) {
  json.Key("geoip");
  enrich::WriteAuthingV3Geoip(event.geo, json);
}

std::string DetailString(const std::vector<DetailMember>& details, std::string_view name) {
  const DetailMember* member = FindDetail(details, name);
  return member != nullptr && member->is_string ? member->value : std::string();
}

}  // namespace

std::span<const std::string_view> UserActionTypes() { return kUserActionTypes; }

bool IsUserActionType(std::string_view type) {
  for (std::string_view known : kUserActionTypes) {
    if (known == type) return true;
  }
  return false;
}

std::string AuthingLineTime(event::UnixMicros micros) { return TimeWithOffset(micros, "-0000"); }
std::string AuthingV3Time(event::UnixMicros micros) { return TimeWithOffset(micros, "+0000"); }

std::string AuthingFileDate(event::UnixMicros micros) {
  const Civil c = ToCivil(micros);
  return fmt::format("{:04}.{:02}.{:02}", c.year, c.month, c.day);
}

std::string AuthingMessageLine(const Event& event) {
  const std::vector<DetailMember> details = DetailMembers(event.details);
  std::string line = "[";
  line += event.timestamp ? AuthingLineTime(*event.timestamp) : std::string("null");
  line += ']';
  for (std::string_view key : kLineKeys) {
    std::string value;
    if (IsLineExtra(key)) {
      value = DetailString(details, key);
    } else {
      value = CanonicalValue(event, key).value_or(std::string());
    }
    line += ' ';
    line += key;
    line += '=';
    line += OrNull(value);
  }
  return line;
}

void WriteV2Document(const Event& event, JsonWriter& json) {
  const std::vector<DetailMember> details = DetailMembers(event.details);
  json.BeginObject();
  // Members with a canonical field: the document's own copy when the
  // decoder kept one in details (it differed from the line), else the field.
  constexpr std::array<std::string_view, 18> kMapped = {
      "logId",        "userPoolId",      "userId",        "userName",      "roleName",
      "appId",        "requestId",       "clientIp",      "userAgent",     "eventDetails",
      "resourceName", "resourceDetails", "operationType", "operationMode", "originValue",
      "targetValue",  "eventResultMsg",  "appName"};
  for (std::string_view key : kMapped) {
    const DetailMember* copy = FindDetail(details, key);
    const std::string value = CanonicalValue(event, key).value_or(std::string());
    if (key == "appName" && copy == nullptr && value.empty()) continue;  // not in Authing's sample
    json.Key(key);
    if (copy != nullptr) {
      WriteDetailValue(json, *copy);
    } else {
      json.String(OrNull(value));
    }
  }
  // Display text when the event has one (Authing shows " 创建用户" here and
  // keeps the code in the line).
  json.Member("eventType", OrNull(event.name.empty() ? event.type : event.name));
  json.Member("eventResultCode", OrNull(event::OutcomeName(event.result)));
  json.Member("timestamp", event.timestamp ? AuthingLineTime(*event.timestamp) : "null");
  for (std::string_view extra : kLineExtras) {
    const DetailMember* own = FindDetail(details, fmt::format("@{}", extra));
    if (own == nullptr) own = FindDetail(details, extra);
    json.Key(extra);
    if (own != nullptr) {
      WriteDetailValue(json, *own);
    } else {
      json.String("null");
    }
  }
  bool have_logstash_time = false;
  bool have_filedate = false;
  for (const DetailMember& member : details) {
    const std::string_view name = member.name;
    if (IsComputedMember(name) || CanonicalValue(event, name) || name == "appName" ||
        IsLineExtra(name) || (name.size() > 1 && name[0] == '@' && IsLineExtra(name.substr(1)))) {
      continue;
    }
    have_logstash_time |= name == "@timestamp";
    have_filedate |= name == "filedate";
    json.Key(name);
    WriteDetailValue(json, member);
  }
  const std::optional<event::UnixMicros> logstash_time =
      event.received_at ? event.received_at : event.timestamp;
  if (!have_logstash_time && logstash_time) {
    json.Member("@timestamp", event::FormatRfc3339(*logstash_time));
  }
  if (!have_filedate && event.timestamp) json.Member("filedate", AuthingFileDate(*event.timestamp));
  // A line without a time would not parse back: Authing's lines always have one.
  json.Member("message", event.timestamp ? AuthingMessageLine(event) : std::string("null"));
  if (!event.geo.empty()) {
    json.Key("geoip");
    enrich::WriteAuthingGeoip(event, json);
  }
  if (!event.ua.empty()) {
    json.Key("ua");
    enrich::WriteAuthingUa(event.ua, json);
  }
  json.EndObject();
}

void WriteAdminAuditLogDto(const Event& event, JsonWriter& json) {
  const std::vector<DetailMember> details = DetailMembers(event.details);
  json.BeginObject();
  MemberOrEmpty(json, "adminUserId", event.actor.id);
  MemberOrEmpty(json, "adminUserAvatar", DetailString(details, "photoUrl"));
  MemberOrEmpty(json, "adminUserDisplayName", event.actor.name);
  MemberOrEmpty(json, "clientIp", event.ip);
  MemberOrEmpty(json, "eventType", event.type);
  MemberOrEmpty(json, "operationType", event.operation.type);
  MemberOrEmpty(json, "resourceType", event.resource.type);
  // authing-node-sdk 4.0.1 declares eventDetails; the Go/Java DTOs eventDetail.
  MemberOrEmpty(json, "eventDetail", event.description);
  MemberOrEmpty(json, "eventDetails", event.description);
  MemberOrEmpty(json, "operationParam", DetailString(details, "operationParam"));
  MemberOrEmpty(json, "originValue", event.origin_value);
  MemberOrEmpty(json, "targetValue", event.target_value);
  WriteSuccess(json, event);
  MemberOrEmpty(json, "userAgent", event.user_agent);
  // 4.0.1 names it `ua`, the later SDKs `parsedUserAgent`: both are sent.
  json.Key("parsedUserAgent");
  enrich::WriteAuthingParsedUserAgent(event.ua, json);
  json.Key("ua");
  enrich::WriteAuthingParsedUserAgent(event.ua, json);
  WriteV3Geoip(json, event);
  WriteV3Time(json, "timestamp", event);
  MemberOrEmpty(json, "requestId", event.request_id);
  json.EndObject();
}

void WriteUserActionLogDto(const Event& event, JsonWriter& json) {
  const std::vector<DetailMember> details = DetailMembers(event.details);
  json.BeginObject();
  MemberOrEmpty(json, "userId", event.actor.id);
  MemberOrEmpty(json, "userAvatar", DetailString(details, "photoUrl"));
  MemberOrEmpty(json, "userDisplayName", event.actor.name);
  json.Key("userLoginsCount");
  json.Uint(0);
  MemberOrEmpty(json, "appId", event.client.id);
  MemberOrEmpty(json, "appName", event.client.name);
  MemberOrEmpty(json, "clientIp", event.ip);
  MemberOrEmpty(json, "eventType", event.type);
  MemberOrEmpty(json, "eventDetail", event.description);
  WriteSuccess(json, event);
  MemberOrEmpty(json, "appLoginUrl", "");
  MemberOrEmpty(json, "appLogo", "");
  MemberOrEmpty(json, "userAgent", event.user_agent);
  json.Key("parsedUserAgent");
  enrich::WriteAuthingParsedUserAgent(event.ua, json);
  WriteV3Geoip(json, event);
  WriteV3Time(json, "timestamp", event);
  MemberOrEmpty(json, "requestId", event.request_id);
  json.EndObject();
}

void WriteUserLoginHistoryDto(const Event& event, JsonWriter& json) {
  json.BeginObject();
  MemberOrEmpty(json, "appId", event.client.id);
  MemberOrEmpty(json, "appName", event.client.name);
  MemberOrEmpty(json, "appLogo", "");
  MemberOrEmpty(json, "appLoginUrl", "");
  MemberOrEmpty(json, "clientIp", event.ip);
  MemberOrEmpty(json, "userAgent", event.user_agent);
  WriteV3Time(json, "time", event);
  json.EndObject();
}

}  // namespace auditlog::api::authing

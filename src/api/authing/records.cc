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
// event/time.h exports only the inverse (DaysFromCivil), and its
// FormatRfc3339 switches to 6 fraction digits and rounds toward zero before
// 1970, while Authing's forms always have 3 digits: hence this one.
struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second, millis;
};
// Division rounding toward negative infinity: an instant before 1970 lies
// in the millisecond and the day that start at or before it.
int64_t FloorDiv(int64_t value, int64_t divisor) {
  const int64_t quotient = value / divisor;
  return (value % divisor < 0) ? quotient - 1 : quotient;
}
Civil ToCivil(event::UnixMicros micros) {
  const int64_t total_millis = FloorDiv(micros, 1000);
  int64_t days = FloorDiv(total_millis, 86'400'000);
  const int64_t rest = total_millis - days * 86'400'000;
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

// Authing's resource category (DATA, API, ...): the decoder keeps the
// line's in `resourceType` and, when only the document had one,
// `@resourceType`. v3_params.cc filters by the same rule.
// A null member counts as absent, as in query::DetailsValue.
std::string ResourceCategory(const std::vector<DetailMember>& details) {
  const DetailMember* own = FindDetail(details, "resourceType");
  const bool own_present = own != nullptr && (own->is_string || own->value != "null");
  return DetailString(details, own_present ? "resourceType" : "@resourceType");
}

bool IsLineKey(std::string_view name) {
  for (std::string_view key : kLineKeys) {
    if (key == name) return true;
  }
  return false;
}

// A value as the line can carry it: tab, CR and LF as spaces (the line is
// one line), and each ` <line key>=` inside it written ` <line key>:`, so
// that the value cannot start a member of its own when the line is parsed
// again. The document's own members keep the full value.
std::string LineValue(std::string_view value) {
  std::string text(value);
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  // A key has no space, so only the word after each space can be one.
  for (size_t space = text.find(' '); space != std::string::npos;) {
    const size_t word_end = text.find_first_of(" =", space + 1);
    if (word_end == std::string::npos) break;
    if (text[word_end] == '=' &&
        IsLineKey(std::string_view(text).substr(space + 1, word_end - space - 1))) {
      text[word_end] = ':';
    }
    space = text.find(' ', word_end);
  }
  return text;
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
    line += OrNull(LineValue(value));
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
    // logId and userPoolId are the event's identity, never a stored copy: a
    // client looks the event up by this logId, and the pool is the one asked
    // about. (A document's differing copy of either is dropped.)
    const bool identity = key == "logId" || key == "userPoolId";
    const DetailMember* copy = identity ? nullptr : FindDetail(details, key);
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
    // The document's "@timestamp" is Logstash's time, read back as one: an
    // extra of that name that is not a time (a log line may carry its own
    // "@timestamp=..." text) is left out rather than written where a time
    // must be, and the event's own time stands in.
    if (name == "@timestamp" &&
        (!member.is_string ||
         !event::ParseTimeText(member.value, event::EpochUnit::kMilliseconds).ok())) {
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
    // Milliseconds, as Logstash writes it ("2021-09-22T07:47:21.897Z").
    json.Member("@timestamp", TimeWithOffset(*logstash_time, "Z"));
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
  json.Member("adminUserId", event.actor.id);
  json.Member("adminUserAvatar", DetailString(details, "photoUrl"));
  json.Member("adminUserDisplayName", event.actor.name);
  json.Member("clientIp", event.ip);
  json.Member("eventType", event.type);
  json.Member("operationType", event.operation.type);
  json.Member("resourceType", ResourceCategory(details));
  // authing-node-sdk 4.0.1 declares eventDetails; the Go/Java DTOs eventDetail.
  json.Member("eventDetail", event.description);
  json.Member("eventDetails", event.description);
  json.Member("operationParam", DetailString(details, "operationParam"));
  json.Member("originValue", event.origin_value);
  json.Member("targetValue", event.target_value);
  WriteSuccess(json, event);
  json.Member("userAgent", event.user_agent);
  // 4.0.1 names it `ua`, the later SDKs `parsedUserAgent`: both are sent.
  json.Key("parsedUserAgent");
  enrich::WriteAuthingParsedUserAgent(event.ua, json);
  json.Key("ua");
  enrich::WriteAuthingParsedUserAgent(event.ua, json);
  WriteV3Geoip(json, event);
  WriteV3Time(json, "timestamp", event);
  json.Member("requestId", event.request_id);
  json.EndObject();
}

void WriteUserActionLogDto(const Event& event, JsonWriter& json) {
  const std::vector<DetailMember> details = DetailMembers(event.details);
  json.BeginObject();
  json.Member("userId", event.actor.id);
  json.Member("userAvatar", DetailString(details, "photoUrl"));
  json.Member("userDisplayName", event.actor.name);
  json.Key("userLoginsCount");
  json.Uint(0);
  json.Member("appId", event.client.id);
  json.Member("appName", event.client.name);
  json.Member("clientIp", event.ip);
  json.Member("eventType", event.type);
  json.Member("eventDetail", event.description);
  WriteSuccess(json, event);
  json.Member("appLoginUrl", "");
  json.Member("appLogo", "");
  json.Member("userAgent", event.user_agent);
  json.Key("parsedUserAgent");
  enrich::WriteAuthingParsedUserAgent(event.ua, json);
  WriteV3Geoip(json, event);
  WriteV3Time(json, "timestamp", event);
  json.Member("requestId", event.request_id);
  json.EndObject();
}

void WriteUserLoginHistoryDto(const Event& event, JsonWriter& json) {
  json.BeginObject();
  json.Member("appId", event.client.id);
  json.Member("appName", event.client.name);
  json.Member("appLogo", "");
  json.Member("appLoginUrl", "");
  json.Member("clientIp", event.ip);
  json.Member("userAgent", event.user_agent);
  WriteV3Time(json, "time", event);
  json.EndObject();
}

}  // namespace auditlog::api::authing

#include "enrich/dialect_views.h"

#include <array>
#include <utility>

namespace auditlog::enrich {
namespace {

using event::JsonWriter;

void MemberIfSet(JsonWriter& json, std::string_view key, std::string_view value) {
  if (!value.empty()) json.Member(key, value);
}

void DoubleIfSet(JsonWriter& json, std::string_view key, const std::optional<double>& value) {
  if (!value) return;
  json.Key(key);
  json.Double(*value);
}

void StringOrNull(JsonWriter& json, std::string_view key, std::string_view value) {
  json.Key(key);
  if (value.empty()) {
    json.Null();
  } else {
    json.String(value);
  }
}

// "Chrome", "118", "0", "1" -> "Chrome 118.0.1"; the parts stop at the
// first unknown one.
std::string WithVersion(std::string_view family, std::initializer_list<std::string_view> parts) {
  std::string out(family);
  char separator = ' ';
  for (std::string_view part : parts) {
    if (part.empty()) break;
    out += separator;
    out += part;
    separator = '.';
  }
  return out;
}

// {"lat": ..., "lon": ...}. REQUIRES: both are known.
void WriteLatLon(const event::Geo& geo, JsonWriter& json) {
  json.BeginObject();
  json.Key("lat");
  json.Double(*geo.latitude);
  json.Key("lon");
  json.Double(*geo.longitude);
  json.EndObject();
}

// Authing v2 and v3 share all but `ip`.
void WriteLogstashGeoip(const event::Geo& geo, std::string_view ip, JsonWriter& json) {
  json.BeginObject();
  MemberIfSet(json, "region_code", geo.region_code);
  MemberIfSet(json, "region_name", geo.region_name);
  MemberIfSet(json, "country_code2", geo.country_code);
  MemberIfSet(json, "continent_code", geo.continent_code);
  MemberIfSet(json, "ip", ip);
  DoubleIfSet(json, "longitude", geo.longitude);
  MemberIfSet(json, "country_code3", geo.country_code3);
  DoubleIfSet(json, "latitude", geo.latitude);
  if (geo.latitude && geo.longitude) {
    json.Key("location");
    WriteLatLon(geo, json);
  }
  MemberIfSet(json, "country_name", geo.country_name);
  MemberIfSet(json, "city_name", geo.city_name);
  MemberIfSet(json, "timezone", geo.time_zone);
  json.EndObject();
}

}  // namespace

void WriteAuthingGeoip(const event::Event& event, JsonWriter& json) {
  WriteLogstashGeoip(event.geo, event.ip, json);
}

void WriteAuthingV3Geoip(const event::Geo& geo, JsonWriter& json) {
  WriteLogstashGeoip(geo, {}, json);
}

void WriteAuthingUa(const event::UserAgentInfo& ua, JsonWriter& json) {
  json.BeginObject();
  MemberIfSet(json, "major", ua.major);
  MemberIfSet(json, "os_name", ua.os);
  MemberIfSet(json, "name", ua.name);
  json.Member("build", "");
  MemberIfSet(json, "device", ua.device);
  MemberIfSet(json, "os", ua.os);
  MemberIfSet(json, "minor", ua.minor);
  MemberIfSet(json, "patch", ua.patch);
  MemberIfSet(json, "os_major", ua.os_major);
  MemberIfSet(json, "os_minor", ua.os_minor);
  json.EndObject();
}

std::string BrowserWithVersion(const event::UserAgentInfo& ua) {
  if (ua.name.empty()) return {};
  return WithVersion(ua.name, {ua.major, ua.minor, ua.patch});
}

void WriteAuthingParsedUserAgent(const event::UserAgentInfo& ua, JsonWriter& json) {
  json.BeginObject();
  json.Member("browser", BrowserWithVersion(ua));
  json.Member("os", ua.os.empty() ? std::string() : WithVersion(ua.os, {ua.os_major, ua.os_minor}));
  json.Member("device", ua.device);
  json.EndObject();
}

void WriteAuth0LocationInfo(const event::Geo& geo, JsonWriter& json) {
  json.BeginObject();
  MemberIfSet(json, "country_code", geo.country_code);
  MemberIfSet(json, "country_code3", geo.country_code3);
  MemberIfSet(json, "country_name", geo.country_name);
  MemberIfSet(json, "city_name", geo.city_name);
  DoubleIfSet(json, "latitude", geo.latitude);
  DoubleIfSet(json, "longitude", geo.longitude);
  MemberIfSet(json, "time_zone", geo.time_zone);
  MemberIfSet(json, "continent_code", geo.continent_code);
  json.EndObject();
}

void WriteOktaGeographicalContext(const event::Geo& geo, JsonWriter& json) {
  json.BeginObject();
  StringOrNull(json, "city", geo.city_name);
  StringOrNull(json, "state", geo.region_name);
  StringOrNull(json, "country", geo.country_name);
  json.Key("postalCode");
  json.Null();
  json.Key("geolocation");
  if (geo.latitude && geo.longitude) {
    WriteLatLon(geo, json);
  } else {
    json.Null();
  }
  json.EndObject();
}

std::string OktaBrowserName(std::string_view ua_name) {
  // uap-core family -> Okta's name; families not listed are UNKNOWN.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kNames{{
      {"Chrome", "CHROME"},
      {"Chrome Mobile", "CHROME"},
      {"Chrome Mobile iOS", "CHROME"},
      {"Chromium", "CHROME"},
      {"HeadlessChrome", "CHROME"},
      {"Firefox", "FIREFOX"},
      {"Firefox Mobile", "FIREFOX"},
      {"Firefox iOS", "FIREFOX"},
      {"Safari", "SAFARI"},
      {"Mobile Safari", "SAFARI"},
      {"Edge", "EDGE"},
      {"Edge Mobile", "EDGE"},
      {"IE", "IE"},
      {"Opera", "OPERA"},
  }};
  for (const auto& [family, okta] : kNames) {
    if (family == ua_name) return std::string(okta);
  }
  return "UNKNOWN";
}

void WriteOktaUserAgent(const event::Event& event, JsonWriter& json) {
  const event::UserAgentInfo& ua = event.ua;
  json.BeginObject();
  StringOrNull(json, "rawUserAgent", event.user_agent);
  std::string os = ua.os;
  if (os == "Windows" && !ua.os_major.empty()) os += " " + ua.os_major;
  StringOrNull(json, "os", os == "Other" ? "Unknown" : os);
  json.Member("browser", OktaBrowserName(ua.name));
  json.EndObject();
}

void WriteOktaSecurityContext(const event::Geo& geo, JsonWriter& json) {
  json.BeginObject();
  json.Key("asNumber");
  uint64_t number = 0;
  bool numeric = !geo.asn.empty() && geo.asn.size() <= 10;
  for (char c : geo.asn) {
    numeric = numeric && c >= '0' && c <= '9';
    if (numeric) number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  if (numeric) {
    json.Uint(number);
  } else {
    json.Null();
  }
  StringOrNull(json, "asOrg", geo.as_org);
  json.Key("isp");
  json.Null();
  json.Key("domain");
  json.Null();
  json.Key("isProxy");
  json.Null();
  json.EndObject();
}

}  // namespace auditlog::enrich

#pragma once

// The enrichment of an event as each dialect shows it. The canonical event
// holds one `geo` and one `ua` (event.h); the APIs auditlog mirrors show them
// under their own names and shapes:
//
//   Authing v2  `geoip` — the Logstash GeoIP filter's document: region_code,
//               region_name, country_code2, country_code3, country_name,
//               continent_code, city_name, ip, latitude, longitude,
//               location {lat, lon}, timezone
//               `ua` — the Logstash useragent filter's: name, major, minor,
//               patch, build, os, os_name, os_major, os_minor, device
//   Authing v3  `parsedUserAgent` {browser, os, device}; `geoip` as in v2
//               without `ip`
//   Auth0       `location_info` {country_code, country_code3, country_name,
//               city_name, latitude, longitude, time_zone, continent_code},
//               and `isMobile` (a top-level boolean: the caller writes it)
//   Okta        `client.geographicalContext` {city, state, country,
//               postalCode, geolocation {lat, lon}}, `client.userAgent`
//               {rawUserAgent, os, browser}, `securityContext` {asNumber,
//               asOrg, isp, domain, isProxy}
//
// Each function writes one JSON object as the next value of `json` (the
// caller writes the member name). Members the event lacks are left out,
// except where the vendor always sends them (noted per function).
//
// Thread-safety: pure functions.

#include <string>

#include "event/event.h"
#include "event/json_writer.h"

namespace auditlog::enrich {

// Authing v2 `geoip`; `ip` is the event's address. Logstash writes no member
// for a value it lacks, and neither does this.
void WriteAuthingGeoip(const event::Event& event, event::JsonWriter& json);
// Authing v3 `geoip` (AdminAuditLogDto): v2's without `ip`.
void WriteAuthingV3Geoip(const event::Geo& geo, event::JsonWriter& json);
// Authing v2 `ua`. `build` is always written ("" as Logstash writes it when
// uap-core has no patch_minor); the others only when known.
void WriteAuthingUa(const event::UserAgentInfo& ua, event::JsonWriter& json);
// Authing v3 `parsedUserAgent`: {"browser": "Chrome 118.0.0", "os": "Mac OS X
// 10.15", "device": "Mac"}, each member always present ("" when unknown).
void WriteAuthingParsedUserAgent(const event::UserAgentInfo& ua, event::JsonWriter& json);

// Auth0 `location_info`.
void WriteAuth0LocationInfo(const event::Geo& geo, event::JsonWriter& json);

// Okta `client.geographicalContext`. `country` is the country's name, `state`
// the region's; Okta sends null for what it does not know, and so does this.
void WriteOktaGeographicalContext(const event::Geo& geo, event::JsonWriter& json);
// Okta `client.userAgent`: `browser` in Okta's upper-case form ("CHROME",
// "FIREFOX", "SAFARI", "EDGE", "IE", "OPERA", or "UNKNOWN"), `os` as
// "Windows 10", "Mac OS X", "Android", ... (OS family, plus its major version
// for Windows).
void WriteOktaUserAgent(const event::Event& event, event::JsonWriter& json);
// Okta `securityContext` from the ASN database's answer; isp, domain and
// isProxy are null (no free database carries them).
void WriteOktaSecurityContext(const event::Geo& geo, event::JsonWriter& json);

// The name Okta gives the browser family `ua_name` ("Chrome" -> "CHROME").
std::string OktaBrowserName(std::string_view ua_name);
// "Chrome 118.0.0": family and the version parts that are known.
std::string BrowserWithVersion(const event::UserAgentInfo& ua);

}  // namespace auditlog::enrich

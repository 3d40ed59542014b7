#include "enrich/dialect_views.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace auditlog::enrich {
namespace {

std::string Render(const std::function<void(event::JsonWriter&)>& write) {
  std::string out;
  event::JsonWriter json(&out);
  write(json);
  return out;
}

// The Authing seed's record (reference seeds): 111.202.167.58, Beijing.
event::Event BeijingEvent() {
  event::Event event;
  event.ip = "111.202.167.58";
  event.geo.region_code = "BJ";
  event.geo.region_name = "Beijing";
  event.geo.country_code = "CN";
  event.geo.country_code3 = "CN";
  event.geo.country_name = "China";
  event.geo.city_name = "Beijing";
  event.geo.continent_code = "AS";
  event.geo.latitude = 39.9288;
  event.geo.longitude = 116.3889;
  event.geo.time_zone = "Asia/Shanghai";
  event.user_agent = "python-requests/2.26.0";
  event.ua.name = "Python Requests";
  event.ua.major = "2";
  event.ua.minor = "26";
  event.ua.os = "Other";
  event.ua.device = "Other";
  return event;
}

TEST(DialectViews, AuthingGeoipIsTheSeedsLogstashDocument) {
  const event::Event event = BeijingEvent();
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingGeoip(event, json); }),
            R"({"region_code":"BJ","region_name":"Beijing","country_code2":"CN",)"
            R"("continent_code":"AS","ip":"111.202.167.58","longitude":116.3889,)"
            R"("country_code3":"CN","latitude":39.9288,"location":{"lat":39.9288,)"
            R"("lon":116.3889},"country_name":"China","city_name":"Beijing",)"
            R"("timezone":"Asia/Shanghai"})");
}

TEST(DialectViews, AuthingUaIsTheSeedsLogstashDocument) {
  const event::Event event = BeijingEvent();
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingUa(event.ua, json); }),
            R"({"major":"2","os_name":"Other","name":"Python Requests","build":"",)"
            R"("device":"Other","os":"Other","minor":"26"})");
}

TEST(DialectViews, MissingValuesAreLeftOut) {
  event::Event event;
  event.ip = "10.0.0.1";
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingGeoip(event, json); }), R"({"ip":"10.0.0.1"})");
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingV3Geoip(event.geo, json); }), "{}");
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingUa(event.ua, json); }), R"({"build":""})");
  EXPECT_EQ(Render([&](auto& json) { WriteAuth0LocationInfo(event.geo, json); }), "{}");
  event.geo.latitude = 1.5;  // a latitude alone is no location
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingV3Geoip(event.geo, json); }),
            R"({"latitude":1.5})");
}

TEST(DialectViews, AuthingParsedUserAgentJoinsVersions) {
  event::UserAgentInfo ua;
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingParsedUserAgent(ua, json); }),
            R"({"browser":"","os":"","device":""})");
  ua.name = "Chrome";
  ua.major = "118";
  ua.minor = "0";
  ua.patch = "5993";
  ua.os = "Mac OS X";
  ua.os_major = "10";
  ua.os_minor = "15";
  ua.device = "Mac";
  EXPECT_EQ(Render([&](auto& json) { WriteAuthingParsedUserAgent(ua, json); }),
            R"({"browser":"Chrome 118.0.5993","os":"Mac OS X 10.15","device":"Mac"})");
  ua.minor.clear();  // versions stop at the first unknown part
  EXPECT_EQ(BrowserWithVersion(ua), "Chrome 118");
}

TEST(DialectViews, Auth0LocationInfo) {
  const event::Event event = BeijingEvent();
  EXPECT_EQ(Render([&](auto& json) { WriteAuth0LocationInfo(event.geo, json); }),
            R"({"country_code":"CN","country_code3":"CN","country_name":"China",)"
            R"("city_name":"Beijing","latitude":39.9288,"longitude":116.3889,)"
            R"("time_zone":"Asia/Shanghai","continent_code":"AS"})");
}

TEST(DialectViews, OktaGeographicalContextSendsNullsForWhatIsUnknown) {
  EXPECT_EQ(Render([&](auto& json) { WriteOktaGeographicalContext(event::Geo{}, json); }),
            R"({"city":null,"state":null,"country":null,"postalCode":null,"geolocation":null})");
  const event::Event event = BeijingEvent();
  EXPECT_EQ(Render([&](auto& json) { WriteOktaGeographicalContext(event.geo, json); }),
            R"({"city":"Beijing","state":"Beijing","country":"China","postalCode":null,)"
            R"("geolocation":{"lat":39.9288,"lon":116.3889}})");
}

TEST(DialectViews, OktaUserAgent) {
  event::Event event;
  event.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/118.0.0.0";
  event.ua.name = "Chrome";
  event.ua.os = "Windows";
  event.ua.os_major = "10";
  EXPECT_EQ(Render([&](auto& json) { WriteOktaUserAgent(event, json); }),
            R"({"rawUserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/118.0.0.0",)"
            R"("os":"Windows 10","browser":"CHROME"})");
  EXPECT_EQ(OktaBrowserName("Mobile Safari"), "SAFARI");
  EXPECT_EQ(OktaBrowserName("Python Requests"), "UNKNOWN");
  EXPECT_EQ(OktaBrowserName(""), "UNKNOWN");
  event = {};
  EXPECT_EQ(Render([&](auto& json) { WriteOktaUserAgent(event, json); }),
            R"({"rawUserAgent":null,"os":null,"browser":"UNKNOWN"})");
}

TEST(DialectViews, OktaSecurityContextFromTheAsnDatabase) {
  event::Geo geo;
  geo.asn = "13335";
  geo.as_org = "Cloudflare, Inc.";
  EXPECT_EQ(Render([&](auto& json) { WriteOktaSecurityContext(geo, json); }),
            R"({"asNumber":13335,"asOrg":"Cloudflare, Inc.","isp":null,"domain":null,)"
            R"("isProxy":null})");
  geo.asn = "12x";  // not a number: null rather than a wrong number
  EXPECT_EQ(Render([&](auto& json) { WriteOktaSecurityContext(geo, json); }),
            R"({"asNumber":null,"asOrg":"Cloudflare, Inc.","isp":null,"domain":null,)"
            R"("isProxy":null})");
}

}  // namespace
}  // namespace auditlog::enrich

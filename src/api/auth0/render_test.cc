#include "api/auth0/render.h"

#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "event/json_buffer.h"
#include "ingest/record_decoder.h"

namespace auditlog::api::auth0 {
namespace {

using nlohmann::json;

// Decodes one Auth0 record with the ingest decoder.
event::Event Decode(std::string_view record) {
  auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kAuth0);
  const event::PaddedBuffer buffer(record);
  event::Event event;
  const Status status = decoder->DecodeJson(buffer.view(), &event);
  EXPECT_TRUE(status.ok()) << status << " decoding " << record;
  return event;
}

// An event holding every field the Auth0 log object can carry.
event::Event FullEvent() {
  event::Event event;
  event.id = "90020250316000142549000000000000000000000000000000000000";
  event.timestamp = 1742083302549000;  // 2025-03-16T00:01:42.549Z
  event.type = "fp";
  event.name = "Failed Login (Incorrect Password)";
  event.result = event::Outcome::kFailure;
  event.description = "Wrong email or password.";
  event.details = R"({"error":{"message":"Wrong email or password."},"connection_id":"con_1",)"
                  R"("strategy_type":"database","tenant_name":"acme"})";
  event.actor.id = "auth0|56c75c4e42b6359e98374bc2";
  event.actor.name = "nicole@acme.example.com";
  event.client.id = "AaiyAPdpYdesoKnqjj8HJqRn4T5titww";
  event.client.name = "Store Console";
  event.connection = "Username-Password-Authentication";
  event.strategy = "auth0";
  event.audience = "https://api.acme.example.com";
  event.scope = "openid profile";
  event.ip = "166.110.56.251";
  event.hostname = "acme.eu.auth0.com";
  event.user_agent = "Chrome 114.0.0 / Windows 10.0.0";
  event.security_context = {.ja3 = "771,4865", .ja4 = "t13d1516h2"};
  event.geo.country_code = "DE";
  event.geo.country_code3 = "DEU";
  event.geo.country_name = "Germany";
  event.geo.city_name = "Berlin";
  event.geo.latitude = 52.52;
  event.geo.longitude = 13.405;
  event.geo.time_zone = "Europe/Berlin";
  event.geo.continent_code = "EU";
  event.ua.is_mobile = false;
  return event;
}

TEST(Auth0Render, FullEventInAuth0Shape) {
  const json rendered = json::parse(RenderLog(FullEvent()));
  const json expected = json::parse(R"({
    "date": "2025-03-16T00:01:42.549Z", "type": "fp",
    "description": "Wrong email or password.",
    "connection": "Username-Password-Authentication", "connection_id": "con_1",
    "client_id": "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", "client_name": "Store Console",
    "ip": "166.110.56.251", "hostname": "acme.eu.auth0.com",
    "user_id": "auth0|56c75c4e42b6359e98374bc2", "user_name": "nicole@acme.example.com",
    "audience": "https://api.acme.example.com", "scope": "openid profile",
    "strategy": "auth0", "strategy_type": "database",
    "log_id": "90020250316000142549000000000000000000000000000000000000",
    "_id": "90020250316000142549000000000000000000000000000000000000",
    "isMobile": false,
    "details": {"error": {"message": "Wrong email or password."}},
    "user_agent": "Chrome 114.0.0 / Windows 10.0.0",
    "security_context": {"ja3": "771,4865", "ja4": "t13d1516h2"},
    "location_info": {"country_code": "DE", "country_code3": "DEU", "country_name": "Germany",
      "city_name": "Berlin", "latitude": 52.52, "longitude": 13.405,
      "time_zone": "Europe/Berlin", "continent_code": "EU"},
    "tenant_name": "acme"})");
  EXPECT_EQ(rendered, expected) << rendered.dump();
}

TEST(Auth0Render, AbsentValuesAreLeftOut) {
  event::Event event;
  event.id = "e1";
  event.timestamp = 0;
  EXPECT_EQ(RenderLog(event), R"({"date":"1970-01-01T00:00:00.000Z","log_id":"e1","_id":"e1"})");
}

TEST(Auth0Render, DateKeepsMillisecondsOnly) {
  event::Event event;
  event.id = "e1";
  event.timestamp = 1742083302549999;
  EXPECT_EQ(json::parse(RenderLog(event))["date"], "2025-03-16T00:01:42.549Z");
}

TEST(Auth0Render, UserAgentFromParsedAgentElseAsStored) {
  event::UserAgentInfo ua;
  EXPECT_EQ(UserAgentSummary(ua), "");
  ua.name = "Chrome";
  ua.major = "114";
  ua.minor = "0";
  ua.patch = "5735";
  ua.os = "Windows";
  ua.os_major = "10";
  EXPECT_EQ(UserAgentSummary(ua), "Chrome 114.0.5735 / Windows 10.0.0");
  ua.os.clear();
  ua.minor.clear();
  ua.patch.clear();
  EXPECT_EQ(UserAgentSummary(ua), "Chrome 114.0.0 / Other 0.0.0");
  ua.name = "Other";  // uap-core: no rule matched, as for Auth0's own summary text
  EXPECT_EQ(UserAgentSummary(ua), "");

  event::Event event;
  event.id = "e1";
  event.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/114.0.0.0";
  EXPECT_EQ(json::parse(RenderLog(event))["user_agent"], event.user_agent);
  event.ua.name = "Chrome";
  event.ua.major = "114";
  event.ua.os = "Windows";
  event.ua.os_major = "10";
  EXPECT_EQ(json::parse(RenderLog(event))["user_agent"], "Chrome 114.0.0 / Windows 10.0.0");
}

TEST(Auth0Render, SplitDetailsPrefersTheAtCopy) {
  const SplitDetailsResult split =
      SplitDetails(R"({"connection_id":"own","a":[1,2],"@connection_id":"top","_id":"x"})");
  EXPECT_EQ(split.details, R"({"connection_id":"own","a":[1,2]})");
  ASSERT_EQ(split.top_level.size(), 2u);
  EXPECT_EQ(split.top_level[0], (std::pair<std::string, std::string>{"connection_id", "\"top\""}));
  EXPECT_EQ(split.top_level[1], (std::pair<std::string, std::string>{"_id", "\"x\""}));
  EXPECT_EQ(SplitDetails(R"({"a":1.50})").details, R"({"a":1.50})");  // untouched text
  EXPECT_EQ(SplitDetails(R"({"tenant_name":"t"})").details, "");
  EXPECT_EQ(SplitDetails("not json").details, "not json");
}

TEST(Auth0Render, FieldSelectionAndTotalsWrapper) {
  const std::vector<event::Event> events = {FullEvent()};
  const json only = json::parse(RenderLogList(
      events, FieldSelection({"log_id", "type", "connection_id"}, true), std::nullopt));
  EXPECT_EQ(only, json::parse(
                      R"([{"type":"fp","connection_id":"con_1",)"
                      R"("log_id":"90020250316000142549000000000000000000000000000000000000"}])"));
  const json without =
      json::parse(RenderLogList(events, FieldSelection({"details", "location_info"}, false),
                                ListTotals{.start = 20, .limit = 10, .total = 31}));
  EXPECT_EQ(without["start"], 20);
  EXPECT_EQ(without["limit"], 10);
  EXPECT_EQ(without["length"], 1);
  EXPECT_EQ(without["total"], 31);
  ASSERT_EQ(without["logs"].size(), 1u);
  EXPECT_FALSE(without["logs"][0].contains("details"));
  EXPECT_FALSE(without["logs"][0].contains("location_info"));
  EXPECT_TRUE(without["logs"][0].contains("type"));
  EXPECT_EQ(RenderLogList({}, FieldSelection(), std::nullopt), "[]");
}

// Event -> Auth0 log object -> Auth0 decoder gives the event back, for
// events made only of what the log object carries (render.h lists what it
// does not). `name` and `result` come back from the type code.
TEST(Auth0Mapping, EventsRoundTripThroughTheLogObject) {
  std::vector<event::Event> events;
  events.push_back(FullEvent());
  {
    event::Event minimal;
    minimal.id = "e-min";
    minimal.timestamp = 1'700'000'000'123'000;
    minimal.type = "sapi";
    minimal.name = "Success API Operation";
    minimal.result = event::Outcome::kSuccess;
    events.push_back(minimal);
  }
  {
    // A code outside the table: no name, no result.
    event::Event unknown = FullEvent();
    unknown.id = "e-unknown";
    unknown.type = "zz_custom";
    unknown.name.clear();
    unknown.result = event::Outcome::kUnset;
    unknown.ua.is_mobile = true;
    unknown.geo = {};
    unknown.security_context = {};
    events.push_back(unknown);
  }
  {
    // The record's own details had connection_id, and so had its top level.
    event::Event both = FullEvent();
    both.id = "e-both";
    both.details = R"({"connection_id":"own","@connection_id":"top"})";
    events.push_back(both);
  }
  {
    // `_id` differing from log_id is kept in details by the decoder.
    event::Event other_id = FullEvent();
    other_id.id = "e-id";
    other_id.details = R"({"k":true,"_id":"mongo-1"})";
    events.push_back(other_id);
  }
  {
    // Unknown members of Auth0's groups, kept in details by the decoder.
    event::Event group_extras = FullEvent();
    group_extras.id = "e-groups";
    group_extras.details =
        R"({"k":1,"security_context.ja5":"x","location_info.subdivision_code":"BE"})";
    events.push_back(group_extras);
  }
  for (const event::Event& event : events) {
    const std::string rendered = RenderLog(event);
    EXPECT_EQ(Decode(rendered), event) << rendered;
  }
}

// Auth0 record -> decoder -> log object gives the record back (as JSON
// values; member order aside). Exceptions, by design: members that are ""
// or null, `details: {}` and `scope: []` are absent once decoded, so not
// rendered; a log-stream wrapper (`data`) is not rebuilt; a `scope` array
// comes back as its space-joined string; a record without `_id` gets one
// equal to its log_id. Members of location_info and security_context outside
// Auth0's own go through details and come back.
TEST(Auth0Mapping, RecordsRoundTripThroughTheEvent) {
  const std::vector<std::string> records = {
      R"({"date":"2016-02-23T19:57:29.532Z","type":"sapi","description":"Update client",
          "connection":"conn","connection_id":"con_9","client_id":"AaiyAPdpYdesoKnqjj8HJqRn4T5titww",
          "client_name":"My application Name","ip":"190.257.209.19","hostname":"190.257.209.19",
          "user_id":"auth0|56c75c4e42b6359e98374bc2","user_name":"ana","audience":"aud",
          "scope":"read:clients","strategy":"auth0","strategy_type":"database",
          "log_id":"90020160223195729532","_id":"90020160223195729532","isMobile":true,
          "details":{"request":{"method":"patch","channel":"https://manage.auth0.com/"}},
          "user_agent":"Chrome 114.0.0 / Windows 10.0.0",
          "security_context":{"ja3":"j3","ja4":"j4"},
          "location_info":{"country_code":"CO","country_code3":"COL","country_name":"Colombia",
            "city_name":"Bogota","latitude":4.6,"longitude":-74.08,"time_zone":"America/Bogota",
            "continent_code":"SA"},
          "organization_id":"org_1","organization_name":"Acme","tenant_name":"acme"})",
      R"({"date":"2025-03-16T00:01:42.549Z","type":"s","log_id":"l4","_id":"l4",
          "location_info":{"country_code":"DE","subdivision_code":"BE"},
          "security_context":{"ja3":"j3","extra":{"a":1}}})",
      R"({"date":"2025-03-16T00:01:42.549Z","type":"s","log_id":"l5","_id":"l5",
          "location_info":{"subdivision_code":"BE"}})",
      R"({"date":"2025-03-16T00:01:42.549Z","type":"f","log_id":"l2","_id":"l2","isMobile":false,
          "details":{"connection_id":"own"},"connection_id":"top"})",
      R"({"date":"2025-03-16T00:01:42.000Z","type":"s","log_id":"l3","_id":"other"})",
  };
  for (const std::string& record : records) {
    const event::Event event = Decode(record);
    EXPECT_EQ(json::parse(RenderLog(event)), json::parse(record)) << RenderLog(event);
  }
}

}  // namespace
}  // namespace auditlog::api::auth0

// Enrichment through the running server: events ingested over HTTP come back
// with `geo` (from databases the test writes) and `ua` (uap-core's rules),
// are searchable and countable by those fields, keep what the client sent,
// and a replaced database is picked up without a restart.

#include <filesystem>

#include "enrich/enricher.h"
#include "enrich/testing/test_mmdb.h"
#include "server_fixture.h"

namespace auditlog::testing {
namespace {

constexpr char kChrome[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";
constexpr char kIphone[] =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

class EnrichmentTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    config_.uap_regexes = server::ServeConfig().uap_regexes;
    std::filesystem::create_directories(dir_ / "geoip");
    auto made = MakeTestMmdbFiles((dir_ / "geoip").string());
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    files_ = *made;
  }
  TestMmdbFiles files_;
};

TEST_F(EnrichmentTest, IngestedEventsGetGeoAndUa) {
  config_.geoip_db = {files_.maxmind_city, files_.asn};
  config_.geoip_check_seconds = 0;
  StartServer();
  const std::string key = TenantWithKey("acme");
  const std::string body = std::string(R"([{"type":"s","id":"a","ip":")") + kTestCityIpv4 +
                           R"(","user_agent":")" + kChrome + R"("},)" +
                           R"({"type":"f","id":"b","ip":"10.0.0.9","user_agent":")" + kIphone +
                           R"("},)" + R"({"type":"s","id":"c","ip":")" + kTestCityIpv4 +
                           R"(","geo":{"country_code":"FR"},"ua":{"name":"Sent"}}])";
  Reply ingest = Call("POST", "/v1/events", key, body);
  ASSERT_EQ(ingest.status, 200) << ingest.body;
  EXPECT_EQ(ingest.json["accepted"], 3);

  Reply a = Call("GET", "/v1/events/a", key);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["geo"]["country_code"], kTestCityCountry);
  EXPECT_EQ(a.json["geo"]["asn"], kTestAsn);
  EXPECT_TRUE(a.json["geo"].contains("as_org"));
  EXPECT_EQ(a.json["ua"]["name"], "Chrome");
  EXPECT_EQ(a.json["ua"]["os"], "Windows");
  EXPECT_EQ(a.json["ua"]["is_mobile"], false);

  Reply b = Call("GET", "/v1/events/b", key);
  EXPECT_FALSE(b.json.contains("geo")) << "a private address is not located: " << b.body;
  EXPECT_EQ(b.json["ua"]["name"], "Mobile Safari");
  EXPECT_EQ(b.json["ua"]["is_mobile"], true);

  Reply c = Call("GET", "/v1/events/c", key);
  EXPECT_EQ(c.json["geo"], nlohmann::json::parse(R"({"country_code":"FR"})")) << c.body;
  EXPECT_EQ(c.json["ua"], nlohmann::json::parse(R"({"name":"Sent"})")) << c.body;

  // Enriched fields are ordinary fields: filters and counts see them.
  Reply mobile = Call("GET", "/v1/events?q=ua.is_mobile:true", key);
  ASSERT_EQ(mobile.status, 200) << mobile.body;
  EXPECT_EQ(mobile.json["total"], 1);
  Reply by_country =
      Call("GET", "/v1/stats/count?by=geo.country_code&from=0&to=9999999999999", key);
  ASSERT_EQ(by_country.status, 200) << by_country.body;
  // One located, one sent by the client, one private address (no country);
  // ties go by key, the missing group last.
  EXPECT_EQ(by_country.json["groups"],
            nlohmann::json::parse(std::string(R"([{"key":"FR","count":1},{"key":")") +
                                  kTestCityCountry + R"(","count":1},{"key":null,"count":1}])"))
      << by_country.body;

  Reply metrics = Admin("GET", "/metrics");
  EXPECT_NE(metrics.body.find("auditlog_enrich_geo_located_total 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("auditlog_enrich_ua_parsed_total 2"), std::string::npos);
  EXPECT_NE(metrics.body.find("auditlog_enrich_geoip_enabled 1"), std::string::npos);
}

TEST_F(EnrichmentTest, WithoutDatabasesGeoIpIsOffAndIngestWorks) {
  config_.geoip_db = {(dir_ / "missing.mmdb").string()};
  StartServer();
  EXPECT_FALSE(app_->enricher().geoip_enabled());
  const std::string key = TenantWithKey("acme");
  Reply ingest = Call("POST", "/v1/events", key,
                      std::string(R"({"type":"s","id":"a","ip":")") + kTestCityIpv4 + R"("})");
  ASSERT_EQ(ingest.status, 200) << ingest.body;
  Reply a = Call("GET", "/v1/events/a", key);
  EXPECT_FALSE(a.json.contains("geo")) << a.body;

  // The file appears; a reload (SIGHUP) picks it up without a restart.
  std::filesystem::copy_file(files_.flat_city, config_.geoip_db[0]);
  app_->ReloadEnrichment();
  EXPECT_TRUE(app_->enricher().geoip_enabled());
  Call("POST", "/v1/events", key,
       std::string(R"({"type":"s","id":"b","ip":")") + kTestCityIpv4 + R"("})");
  Reply b = Call("GET", "/v1/events/b", key);
  EXPECT_EQ(b.json["geo"]["country_code"], kTestCityCountry) << b.body;
}

TEST_F(EnrichmentTest, UserAgentParsingCanBeTurnedOff) {
  config_.uap_regexes = "none";
  StartServer();
  EXPECT_FALSE(app_->enricher().ua_enabled());
  const std::string key = TenantWithKey("acme");
  Call("POST", "/v1/events", key,
       std::string(R"({"type":"s","id":"a","user_agent":")") + kChrome + R"("})");
  Reply a = Call("GET", "/v1/events/a", key);
  EXPECT_FALSE(a.json.contains("ua")) << a.body;
}

}  // namespace
}  // namespace auditlog::testing

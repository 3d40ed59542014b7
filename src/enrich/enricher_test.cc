#include "enrich/enricher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "enrich/testing/test_mmdb.h"
#include "testing/status_matchers.h"

namespace auditlog::enrich {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kChromeOnMac =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/118.0.5993.88 Safari/537.36";
constexpr std::string_view kSafariOnIphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

EnrichOptions UaOnly() {
  EnrichOptions options;
  options.ua_cache_entries = 16;
  return options;
}

event::Event WithAgent(std::string_view user_agent) {
  event::Event event;
  event.type = "s";
  event.user_agent = std::string(user_agent);
  return event;
}

TEST(Enricher, ParsesUserAgentsWithUapCoreRules) {
  Enricher enricher(UaOnly());
  ASSERT_TRUE(enricher.ua_enabled()) << enricher.ua_status().ToString();
  std::vector<event::Event> events = {WithAgent(kChromeOnMac), WithAgent(kSafariOnIphone)};
  enricher.Enrich(events);
  EXPECT_EQ(events[0].ua.name, "Chrome");
  EXPECT_EQ(events[0].ua.major, "118");
  EXPECT_EQ(events[0].ua.minor, "0");
  EXPECT_EQ(events[0].ua.patch, "5993");
  EXPECT_EQ(events[0].ua.os, "Mac OS X");
  EXPECT_EQ(events[0].ua.os_major, "10");
  EXPECT_EQ(events[0].ua.os_minor, "15");
  EXPECT_EQ(events[0].ua.device, "Mac");
  EXPECT_EQ(events[0].ua.is_mobile, false);
  EXPECT_EQ(events[1].ua.name, "Mobile Safari");
  EXPECT_EQ(events[1].ua.os, "iOS");
  EXPECT_EQ(events[1].ua.device, "iPhone");
  EXPECT_EQ(events[1].ua.is_mobile, true);
  EXPECT_EQ(enricher.stats().ua_parsed, 2u);
}

TEST(Enricher, KeepsWhatTheClientSent) {
  Enricher enricher(UaOnly());
  std::vector<event::Event> events = {WithAgent(kChromeOnMac), WithAgent(""), WithAgent("")};
  events[0].ua.name = "Sent By Client";  // any member keeps the whole group as sent
  events[2].ua.is_mobile = true;
  const std::vector<event::Event> before = events;
  enricher.Enrich(events);
  EXPECT_EQ(events, before);
  EXPECT_EQ(enricher.stats().ua_parsed, 0u);
}

// Events of one batch that share a user agent copy the first one's answer
// (the batch's memo): with more distinct agents than the memo holds, and an
// event whose client sent its own `ua`, every event must get what it would
// get alone, through no cache at all.
TEST(Enricher, EventsOfABatchGetWhatEachWouldGetAlone) {
  std::vector<event::Event> batch;
  for (int round = 0; round < 2; ++round)
    for (int version = 0; version < 150; ++version)
      batch.push_back(WithAgent(
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
          "Gecko) Chrome/118.0." +
          std::to_string(version) + ".88 Safari/537.36"));
  batch.push_back(WithAgent(kSafariOnIphone));
  batch.push_back(WithAgent(kSafariOnIphone));
  batch.back().ua.name = "Sent By Client";
  batch.push_back(WithAgent(kSafariOnIphone));

  EnrichOptions uncached_options;
  uncached_options.ua_cache_entries = 0;
  Enricher uncached(uncached_options);
  std::vector<event::Event> expected = batch;
  for (event::Event& event : expected) uncached.Enrich(std::span(&event, 1));

  Enricher enricher(UaOnly());
  enricher.Enrich(batch);
  ASSERT_EQ(batch.size(), expected.size());
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch[i].ua, expected[i].ua) << i;
  EXPECT_EQ(batch[0].ua.major, "118");
  EXPECT_EQ(batch[301].ua.name, "Sent By Client");
  EXPECT_EQ(batch[302].ua.name, "Mobile Safari");
  EXPECT_EQ(enricher.stats().ua_parsed, batch.size() - 1);
}

TEST(Enricher, PartsAreOffWithAReason) {
  EnrichOptions options;
  options.uap_regexes = "";
  Enricher off(options);
  EXPECT_FALSE(off.ua_enabled());
  EXPECT_FALSE(off.geoip_enabled());
  EXPECT_THAT(off.geoip_status().message(), HasSubstr("no database given"));
  const std::vector<std::string> lines = off.Describe();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("geoip: off"));
  EXPECT_THAT(lines[1], HasSubstr("user agents: off"));
  std::vector<event::Event> events = {WithAgent(kChromeOnMac)};
  events[0].ip = "8.8.8.8";
  off.Enrich(events);
  EXPECT_TRUE(events[0].ua.empty());
  EXPECT_TRUE(events[0].geo.empty());

  options.uap_regexes = "/nonexistent/regexes.yaml";
  Enricher missing(options);
  EXPECT_FALSE(missing.ua_enabled());
  EXPECT_THAT(missing.ua_status().message(), HasSubstr("/nonexistent/regexes.yaml"));
}

// ---- GeoIP, on databases the tests write (testing/test_mmdb.h)

class EnricherGeoIp : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = testing::MakeTestMmdbFiles(dir_.path());
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    files_ = *made;
  }
  EnrichOptions Options(std::vector<std::string> databases) {
    EnrichOptions options;
    options.uap_regexes = "";
    options.geoip_databases = std::move(databases);
    return options;
  }
  static event::Event WithIp(std::string_view ip) {
    event::Event event;
    event.type = "s";
    event.ip = std::string(ip);
    return event;
  }

  testing::TempDir dir_;
  testing::TestMmdbFiles files_;
};

TEST_F(EnricherGeoIp, CityAndAsnDatabasesTogether) {
  Enricher enricher(Options({files_.maxmind_city, files_.asn}));
  ASSERT_TRUE(enricher.geoip_enabled()) << enricher.geoip_status().ToString();
  std::vector<event::Event> events = {WithIp(testing::kTestCityIpv4), WithIp("10.1.2.3"),
                                      WithIp("10.8.xxx.x"), WithIp(testing::kTestCityIpv6)};
  enricher.Enrich(events);
  EXPECT_EQ(events[0].geo.country_code, testing::kTestCityCountry);
  EXPECT_FALSE(events[0].geo.city_name.empty());
  EXPECT_EQ(events[0].geo.asn, testing::kTestAsn);
  EXPECT_FALSE(events[0].geo.as_org.empty());
  EXPECT_TRUE(events[1].geo.empty()) << "private addresses are not located";
  EXPECT_TRUE(events[2].geo.empty()) << "masked addresses are not located";
  EXPECT_FALSE(events[3].geo.country_code.empty()) << "IPv6";
  EXPECT_EQ(enricher.stats().geo_located, 2u);
  EXPECT_EQ(enricher.stats().geo_not_located, 2u);
}

TEST_F(EnricherGeoIp, ACorruptDatabaseLeavesGeoIpOffAndIngestGoesOn) {
  const std::string corrupt = dir_.path() + "/corrupt.mmdb";
  std::ofstream(corrupt) << "not a MaxMind database";
  Enricher enricher(Options({corrupt}));
  EXPECT_FALSE(enricher.geoip_enabled());
  EXPECT_THAT(enricher.geoip_status().message(), HasSubstr(corrupt));
  std::vector<event::Event> events = {WithIp(testing::kTestCityIpv4)};
  enricher.Enrich(events);
  EXPECT_TRUE(events[0].geo.empty());
}

TEST_F(EnricherGeoIp, ReloadsAReplacedFileAndKeepsTheOldOneWhenTheNewIsBroken) {
  const std::string live = dir_.path() + "/live.mmdb";
  std::filesystem::copy_file(files_.flat_city, live);
  Enricher enricher(Options({live}));
  ASSERT_TRUE(enricher.geoip_enabled()) << enricher.geoip_status().ToString();
  AL_EXPECT_OK(enricher.ReloadIfChanged());
  EXPECT_EQ(enricher.stats().reloads, 0u) << "nothing changed";

  // A broken replacement: the reload fails, the loaded database stays.
  std::filesystem::remove(live);
  std::ofstream(live) << "truncated";
  EXPECT_FALSE(enricher.ReloadIfChanged().ok());
  EXPECT_EQ(enricher.stats().reload_failures, 1u);
  EXPECT_TRUE(enricher.geoip_enabled());
  std::vector<event::Event> events = {WithIp(testing::kTestCityIpv4)};
  enricher.Enrich(events);
  EXPECT_EQ(events[0].geo.country_code, testing::kTestCityCountry);
  AL_EXPECT_OK(enricher.ReloadIfChanged());  // not retried until the file changes again
  EXPECT_EQ(enricher.stats().reload_failures, 1u);

  // A good replacement (another schema, another answer) is picked up.
  std::filesystem::remove(live);
  std::filesystem::copy_file(files_.maxmind_city, live);
  AL_EXPECT_OK(enricher.ReloadIfChanged());
  EXPECT_EQ(enricher.stats().reloads, 1u);
  events = {WithIp(testing::kTestCityIpv4)};
  enricher.Enrich(events);
  EXPECT_EQ(events[0].geo.country_code, testing::kTestCityCountry);
}

// Located addresses are remembered: the same answers as without the cache,
// for addresses found and not found; a reload starts afresh.
TEST_F(EnricherGeoIp, RemembersAddressesUntilAReload) {
  const std::string live = dir_.path() + "/live.mmdb";
  std::filesystem::copy_file(files_.maxmind_city, live);
  Enricher cached(Options({live}));
  EnrichOptions uncached_options = Options({live});
  uncached_options.geoip_cache_entries = 0;
  Enricher uncached(uncached_options);
  auto batch = [] {
    return std::vector<event::Event>{WithIp(testing::kTestCityIpv4), WithIp("10.1.2.3"),
                                     WithIp(testing::kTestCityIpv4),
                                     WithIp(testing::kTestCityIpv6)};
  };
  std::vector<event::Event> expected = batch();
  uncached.Enrich(expected);
  for (int round = 0; round < 2; ++round) {
    std::vector<event::Event> events = batch();
    cached.Enrich(events);
    for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].geo, expected[i].geo) << i;
  }
  EXPECT_EQ(cached.stats().geo_located, 6u);
  EXPECT_EQ(cached.stats().geo_not_located, 2u);

  // The ASN database in its place answers the same address differently.
  std::filesystem::remove(live);
  std::filesystem::copy_file(files_.asn, live);
  AL_ASSERT_OK(cached.Reload());
  std::vector<event::Event> events = {WithIp(testing::kTestCityIpv4)};
  cached.Enrich(events);
  EXPECT_EQ(events[0].geo.asn, testing::kTestAsn);
  EXPECT_TRUE(events[0].geo.country_code.empty());
}

// Addresses repeated within a batch: each event gets what it would get
// alone, an event whose client sent its own `geo` keeps it, and the counts
// count every event.
TEST_F(EnricherGeoIp, EventsOfABatchGetWhatEachWouldGetAlone) {
  const std::vector<std::string> addresses = {testing::kTestCityIpv4, "10.1.2.3",
                                              testing::kTestCityIpv6, "10.8.xxx.x"};
  std::vector<event::Event> batch;
  for (int i = 0; i < 40; ++i) batch.push_back(WithIp(addresses[i % addresses.size()]));
  batch[4].geo.city_name = "Sent By Client";  // an address the batch also locates

  EnrichOptions uncached_options = Options({files_.maxmind_city, files_.asn});
  uncached_options.geoip_cache_entries = 0;
  Enricher uncached(uncached_options);
  std::vector<event::Event> expected = batch;
  for (event::Event& event : expected) uncached.Enrich(std::span(&event, 1));

  Enricher enricher(Options({files_.maxmind_city, files_.asn}));
  enricher.Enrich(batch);
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch[i].geo, expected[i].geo) << i;
  EXPECT_EQ(batch[8].geo.country_code, testing::kTestCityCountry);
  EXPECT_EQ(batch[4].geo.city_name, "Sent By Client");
  EXPECT_TRUE(batch[4].geo.country_code.empty());
  EXPECT_EQ(enricher.stats().geo_located, 19u);  // 10 + 10 located, less the one sent
  EXPECT_EQ(enricher.stats().geo_not_located, 20u);
}

TEST_F(EnricherGeoIp, EnrichesWhileReloading) {
  Enricher enricher(Options({files_.maxmind_city}));
  ASSERT_TRUE(enricher.geoip_enabled());
  std::atomic<bool> stop{false};
  std::thread reloader([&] {
    while (!stop.load()) AL_EXPECT_OK(enricher.Reload());
  });
  // Enrich until several reloads happened under it (or a generous deadline).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t wrong = 0;
  int rounds = 0;
  while ((enricher.stats().reloads < 5 || rounds < 200) &&
         std::chrono::steady_clock::now() < deadline) {
    std::vector<event::Event> events(8, WithIp(testing::kTestCityIpv4));
    enricher.Enrich(events);
    for (const event::Event& event : events)
      wrong += event.geo.country_code != testing::kTestCityCountry;
    ++rounds;
  }
  stop.store(true);
  reloader.join();
  EXPECT_EQ(wrong, 0u);
  EXPECT_GE(enricher.stats().reloads, 5u);
}

TEST_F(EnricherGeoIp, ARenamedOrRewrittenFileIsNoticed) {
  const std::string live = dir_.path() + "/live.mmdb";
  std::filesystem::copy_file(files_.maxmind_city, live);
  Enricher enricher(Options({live}));
  ASSERT_TRUE(enricher.geoip_enabled());
  // A new file of the same size and modification time, renamed over it.
  const std::string next = dir_.path() + "/next.mmdb";
  std::filesystem::copy_file(files_.maxmind_city, next);
  std::filesystem::last_write_time(next, std::filesystem::last_write_time(live));
  std::filesystem::rename(next, live);
  AL_EXPECT_OK(enricher.ReloadIfChanged());
  EXPECT_EQ(enricher.stats().reloads, 1u);
}

}  // namespace
}  // namespace auditlog::enrich

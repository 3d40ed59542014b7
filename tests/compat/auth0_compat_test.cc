// Auth0's official Node client (npm `auth0` 7.x, and the v4 client it
// bundles as `auth0/legacy`) against auditlog's Auth0 logs dialect over TLS:
// events ingested here in Auth0's shape, read back by auth0_logs.js through
// the client's own calls, every value checked here.

#include <fmt/format.h>
#include <gmock/gmock.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string_view>

#include "compat_fixture.h"

namespace auditlog::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr int kEvents = 24;
constexpr char kUser[] = "auth0|56c75c4e42b6359e98374bc2";
constexpr std::array<const char*, 4> kTypes = {"s", "f", "fp", "sapi"};

std::string LogId(int index) {
  return fmt::format("900202602011000{:02}000000000000000000000000", index);
}

// Event i's record. Dates run backwards for odd i, so date order differs
// from ingest order (the checkpoint walk must follow ingest order).
json Record(int i) {
  const int minute = i % 2 == 0 ? i : 59 - i;
  return {{"log_id", LogId(i)},
          {"_id", LogId(i)},
          {"date", fmt::format("2026-02-01T10:{:02}:00.{:03}Z", minute, i)},
          {"type", kTypes[i % kTypes.size()]},
          {"description", i % 4 == 1 ? "Wrong email or password." : "ok"},
          {"user_id", i % 3 == 0 ? kUser : fmt::format("google-oauth2|{}", i)},
          {"user_name", fmt::format("user{}@acme.test", i)},
          {"client_id", "AaiyAPdpYdesoKnqjj8HJqRn4T5titww"},
          {"client_name", "My application Name"},
          {"connection", "Username-Password-Authentication"},
          {"connection_id", "con_1"},
          {"strategy", "auth0"},
          {"strategy_type", "database"},
          {"ip", fmt::format("10.0.0.{}", i)},
          {"hostname", "acme.eu.auth0.com"},
          {"isMobile", i % 5 == 0},
          {"user_agent", "Chrome 114.0.0 / Windows 10.0.0"},
          {"details", {{"attempt", i}, {"request", {{"method", "post"}}}}},
          {"security_context", {{"ja3", "ja3-" + std::to_string(i)}, {"ja4", "ja4-x"}}},
          {"location_info",
           {{"country_code", "DE"},
            {"country_code3", "DEU"},
            {"country_name", "Germany"},
            {"city_name", "Berlin"},
            {"latitude", 52.52},
            {"longitude", 13.405},
            {"time_zone", "Europe/Berlin"},
            {"continent_code", "EU"}}},
          {"tenant_name", "acme"}};
}

// The `member` values of the records matching `keep`, sorted by `date`
// (descending when `descending`).
std::vector<std::string> MembersByDate(const std::function<bool(const json&)>& keep,
                                       bool descending, std::string_view member) {
  std::vector<json> kept;
  for (int i = 0; i < kEvents; ++i) {
    if (keep(Record(i))) kept.push_back(Record(i));
  }
  std::sort(kept.begin(), kept.end(), [&](const json& a, const json& b) {
    return descending ? a["date"] > b["date"] : a["date"] < b["date"];
  });
  std::vector<std::string> values;
  for (const json& record : kept) values.push_back(record[member]);
  return values;
}

std::vector<std::string> IdsByDate(const std::function<bool(const json&)>& keep, bool descending) {
  return MembersByDate(keep, descending, "log_id");
}

std::vector<std::string> Strings(const json& array) {
  std::vector<std::string> out;
  for (const json& value : array) out.push_back(value.get<std::string>());
  return out;
}

class Auth0CompatTest : public CompatFixture {};

TEST_F(Auth0CompatTest, OfficialNodeClientReadsIngestedLogs) {
  AL_REQUIRE_NODE(20, 19, "auth0");
  StartTlsServer();
  const std::string key = TenantWithKey("acme");
  ASSERT_FALSE(key.empty());
  json records = json::array();
  for (int i = 0; i < kEvents; ++i) records.push_back(Record(i));
  const Reply ingested = Call("POST", "/v1/events?format=auth0", key, records.dump());
  ASSERT_EQ(ingested.status, 200) << ingested.body;
  ASSERT_EQ(ingested.json["accepted"], kEvents) << ingested.body;

  const NodeRun run = RunNode("auth0_logs.js", {{"AUTH0_KEY", key},
                                                {"AUTH0_USER", kUser},
                                                {"AUTH0_LOG_ID", LogId(5)},
                                                {"AUTH0_FIRST_ID", LogId(0)}});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const json& report = run.report;
  ASSERT_TRUE(report.is_object()) << run.out;

  const auto is_user = [](const json& r) { return r["user_id"] == kUser; };
  const std::vector<std::string> user_ids_desc = IdsByDate(is_user, true);
  ASSERT_EQ(user_ids_desc.size(), 8u);

  // The seed call: perPage/includeTotals are dropped by the client, which
  // sends per_page=50 and include_totals=true; page 1 of 50 is past the
  // user's 8 logs.
  EXPECT_EQ(report["seed"]["response"]["start"], 50);
  EXPECT_EQ(report["seed"]["response"]["limit"], 50);
  EXPECT_EQ(report["seed"]["response"]["length"], 0);
  EXPECT_EQ(report["seed"]["response"]["total"], 8);
  EXPECT_TRUE(report["seed"]["data"].empty());

  EXPECT_EQ(report["users7"]["total"], 8);
  EXPECT_EQ(report["users7"]["length"], 8);
  EXPECT_EQ(report["users7"]["start"], 0);
  EXPECT_EQ(report["users7"]["limit"], 10);
  EXPECT_EQ(Strings(report["users7"]["ids"]), user_ids_desc);
  EXPECT_EQ(Strings(report["users7"]["dates"]), MembersByDate(is_user, true, "date"));
  const std::vector<std::string> users7_dates = Strings(report["users7"]["dates"]);
  EXPECT_TRUE(std::is_sorted(users7_dates.rbegin(), users7_dates.rend())) << "date:-1";
  for (const json& user : report["users7"]["users"]) EXPECT_EQ(user, kUser);

  const auto is_f = [](const json& r) { return r["type"] == "f"; };
  const std::vector<std::string> f_ids_desc = IdsByDate(is_f, true);
  ASSERT_EQ(f_ids_desc.size(), 6u);
  EXPECT_EQ(report["search7"]["total"], 6);
  EXPECT_EQ(Strings(report["search7"]["ids"]), f_ids_desc);  // default sort: date descending
  for (const json& type : report["search7"]["types"]) EXPECT_EQ(type, "f");

  // Unquoted: starts-with, so f and fp; every record has connection_id con_1.
  const auto is_f_or_fp = [](const json& r) { return r["type"] == "f" || r["type"] == "fp"; };
  EXPECT_EQ(report["searchUnquoted7"]["total"], 12);
  EXPECT_EQ(Strings(report["searchUnquoted7"]["ids"]), IdsByDate(is_f_or_fp, true));
  std::set<std::string> unquoted_types;
  for (const json& type : report["searchUnquoted7"]["types"]) unquoted_types.insert(type);
  EXPECT_EQ(unquoted_types, (std::set<std::string>{"f", "fp"}));
  for (const json& connection : report["searchUnquoted7"]["connections"])
    EXPECT_EQ(connection, "con_1");

  EXPECT_EQ(report["legacyQ"]["status"], 200);
  EXPECT_EQ(report["legacyQ"]["total"], 6);
  EXPECT_EQ(report["legacyQ"]["length"], 5);
  EXPECT_EQ(Strings(report["legacyQ"]["ids"]),
            std::vector<std::string>(f_ids_desc.begin(), f_ids_desc.begin() + 5));

  EXPECT_EQ(report["legacyUsers"]["total"], 8);
  const std::vector<std::string> user_ids_asc = IdsByDate(is_user, false);
  EXPECT_EQ(Strings(report["legacyUsers"]["ids"]),
            std::vector<std::string>(user_ids_asc.begin(), user_ids_asc.begin() + 3));

  // logs.get returns the ingested record as it was sent.
  EXPECT_EQ(report["get7"], Record(5)) << report["get7"].dump();
  EXPECT_EQ(report["legacyGet"], Record(5)) << report["legacyGet"].dump();

  // Both checkpoint walks see every event after the first exactly once, in
  // ingest order.
  std::vector<std::string> after_first;
  for (int i = 1; i < kEvents; ++i) after_first.push_back(LogId(i));
  EXPECT_EQ(Strings(report["walkLegacy"]["ids"]), after_first);
  EXPECT_EQ(report["walkLegacy"]["pages"], 6);  // four pages of 5, one of 3, an empty one
  EXPECT_EQ(report["walkLegacy"]["lastLinkRepeats"], true);
  // The Link's from is a position token (the 24th event's), not a log_id.
  EXPECT_THAT(
      report["walkLegacy"]["lastLink"].get<std::string>(),
      HasSubstr(fmt::format("https://{}/api/v2/logs?from=cp.{}&take=5", HostPort(), kEvents)));
  EXPECT_EQ(Strings(report["walk7"]["ids"]), after_first);
  EXPECT_EQ(report["walk7"]["pages"], 7);  // 23 events in pages of 4, then an empty one
  for (const json& length : report["walk7"]["dataLengths"]) EXPECT_EQ(length, 0);

  // Errors reach the clients in Auth0's envelope.
  EXPECT_EQ(report["error7"]["thrown"], true);
  EXPECT_EQ(report["error7"]["statusCode"], 400);
  EXPECT_EQ(report["error7"]["body"]["errorCode"], "invalid_query_string");
  EXPECT_THAT(report["error7"]["message"].get<std::string>(),
              HasSubstr("Query validation error: 'q: at 1: unknown field \"nope\""));
  EXPECT_EQ(report["errorLegacy"]["statusCode"], 400);
  EXPECT_EQ(report["errorLegacy"]["errorCode"], "invalid_query_string");
  EXPECT_THAT(report["errorLegacy"]["message"].get<std::string>(), HasSubstr("on property q."));
  EXPECT_EQ(report["notFound7"]["statusCode"], 404);
  EXPECT_EQ(report["notFound7"]["body"]["errorCode"], "inexistent_log");
  EXPECT_EQ(report["unauthorized7"]["statusCode"], 401);
  EXPECT_EQ(report["unauthorized7"]["body"]["errorCode"], "invalid_token");
}

}  // namespace
}  // namespace auditlog::testing

// The Auth0 dialect's handlers end to end: a real server on a loopback port,
// events ingested through the native API in Auth0's shape, read back through
// /api/v2/logs, /api/v2/logs/{id} and /api/v2/users/{id}/logs.

#include <fmt/format.h>
#include <gmock/gmock.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "event/time.h"
#include "integration/server_fixture.h"
#include "storage/embedded_store.h"

namespace auditlog::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kEvents = 30;
constexpr std::array<const char*, 4> kTypes = {"s", "f", "fp", "sapi"};
constexpr std::array<const char*, 3> kUsers = {"auth0|u1", "auth0|u2", "google-oauth2|u3"};

std::string LogId(int index) { return fmt::format("log-{:02}", index); }

// Event i: dates run backwards for odd i, so date order is not ingest order.
std::string Records() {
  nlohmann::json records = nlohmann::json::array();
  for (int i = 0; i < kEvents; ++i) {
    const int minute = i % 2 == 0 ? i : 59 - i;
    records.push_back({{"log_id", LogId(i)},
                       {"date", fmt::format("2026-02-01T10:{:02}:00.000Z", minute)},
                       {"type", kTypes[i % kTypes.size()]},
                       {"user_id", kUsers[i % kUsers.size()]},
                       {"user_name", fmt::format("user{}@acme.test", i % kUsers.size())},
                       {"client_name", i % 2 == 0 ? "App A" : "app b"},
                       {"connection_id", fmt::format("con_{}", i % 5)},
                       {"ip", "10.0.0.1"},
                       {"isMobile", i % 3 == 0},
                       {"details", {{"n", i}}}});
  }
  return records.dump();
}

class Auth0ApiTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    StartServer();
    key_ = TenantWithKey("acme");
    ASSERT_FALSE(key_.empty());
    Reply ingested = Call("POST", "/v1/events?format=auth0", key_, Records());
    ASSERT_EQ(ingested.status, 200) << ingested.body;
    ASSERT_EQ(ingested.json["accepted"], kEvents) << ingested.body;
  }
  Reply Get(const std::string& path) { return Call("GET", path, key_); }
  static std::string LinkOf(const Reply& reply) {
    for (const auto& [name, value] : reply.raw.headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "link") return value;
    }
    return "";
  }
  std::string key_;
};

void ExpectEnvelope(const Reply& reply, int status, std::string_view error,
                    std::string_view error_code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.json["statusCode"], status) << reply.body;
  EXPECT_EQ(reply.json["error"], error) << reply.body;
  EXPECT_EQ(reply.json["errorCode"], error_code) << reply.body;
  EXPECT_TRUE(reply.json["message"].is_string()) << reply.body;
}

TEST_F(Auth0ApiTest, AuthenticationAndScopeErrorsInAuth0Envelope) {
  ExpectEnvelope(Call("GET", "/api/v2/logs"), 401, "Unauthorized", "invalid_token");
  ExpectEnvelope(Call("GET", "/api/v2/logs", "not-a-key"), 401, "Unauthorized", "invalid_token");
  const std::string write_only = TenantWithKey("acme", R"(["events:write"])");
  const Reply denied = Call("GET", "/api/v2/users/x/logs", write_only);
  ExpectEnvelope(denied, 403, "Forbidden", "insufficient_scope");
  EXPECT_EQ(denied.json["message"], "Insufficient scope, expected any of: events:read");
}

TEST_F(Auth0ApiTest, UnknownPathsAndMethodsInAuth0Envelope) {
  ExpectEnvelope(Get("/api/v2/logs/a/b"), 404, "Not Found", "not_found");
  ExpectEnvelope(Call("POST", "/api/v2/logs", key_, "{}"), 405, "Method Not Allowed",
                 "method_not_allowed");
  ExpectEnvelope(Get("/api/v2/users/x/y"), 404, "Not Found", "not_found");
}

TEST_F(Auth0ApiTest, SearchWithTotalsAndNoThousandCap) {
  const Reply all = Get("/api/v2/logs?per_page=7&page=4&include_totals=true&sort=date:1");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json["start"], 28);
  EXPECT_EQ(all.json["limit"], 7);
  EXPECT_EQ(all.json["length"], 2);
  EXPECT_EQ(all.json["total"], kEvents);
  ASSERT_EQ(all.json["logs"].size(), 2u);
  // Dates ascending: the last two are minutes 56 and 58 (events 3 and 1).
  EXPECT_EQ(all.json["logs"][1]["log_id"], LogId(1));
  EXPECT_EQ(all.json["logs"][1]["date"], "2026-02-01T10:58:00.000Z");

  const Reply bare = Get("/api/v2/logs");
  ASSERT_EQ(bare.status, 200);
  ASSERT_TRUE(bare.json.is_array());
  EXPECT_EQ(bare.json.size(), 30u);

  const Reply far = Get("/api/v2/logs?page=5000&per_page=100&include_totals=true");
  ASSERT_EQ(far.status, 200) << far.body;
  EXPECT_EQ(far.json["total"], kEvents);
  EXPECT_EQ(far.json["logs"].size(), 0u);
}

TEST_F(Auth0ApiTest, QSearchAndFields) {
  const Reply failed = Get("/api/v2/logs?q=type:%22f%22&include_totals=true&fields=log_id,type");
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(failed.json["total"], 8);  // i % 4 == 1 for i < 30
  for (const auto& log : failed.json["logs"]) {
    EXPECT_EQ(log["type"], "f");
    EXPECT_EQ(log.size(), 2u) << log.dump();
  }
  // search: unquoted is a prefix (f and fp), bare values search client_name, case variants.
  const Reply prefix = Get("/api/v2/logs?search=type:f&include_totals=true");
  ASSERT_EQ(prefix.status, 200) << prefix.body;
  EXPECT_EQ(prefix.json["total"], 15);
  const Reply bare = Get("/api/v2/logs?search=%22APP%20B%22&include_totals=true");
  ASSERT_EQ(bare.status, 200) << bare.body;
  EXPECT_EQ(bare.json["total"], 15);
  const Reply detail = Get("/api/v2/logs?search=connection_id:%22con_3%22&include_totals=true");
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(detail.json["total"], 6);
  EXPECT_EQ(detail.json["logs"][0]["connection_id"], "con_3");

  const Reply bad = Get("/api/v2/logs?q=nope:1");
  ExpectEnvelope(bad, 400, "Bad Request", "invalid_query_string");
  EXPECT_THAT(bad.json["message"].get<std::string>(),
              HasSubstr("Query validation error: 'q: at 1: unknown field"));
  ExpectEnvelope(Get("/api/v2/logs?per_page=101"), 400, "Bad Request", "invalid_query_string");
}

TEST_F(Auth0ApiTest, GetOneLog) {
  const Reply one = Get("/api/v2/logs/" + LogId(5));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json["log_id"], LogId(5));
  EXPECT_EQ(one.json["_id"], LogId(5));
  EXPECT_EQ(one.json["type"], "f");
  EXPECT_EQ(one.json["user_id"], "google-oauth2|u3");
  EXPECT_EQ(one.json["connection_id"], "con_0");
  EXPECT_EQ(one.json["details"], nlohmann::json::parse(R"({"n":5})"));
  EXPECT_EQ(one.json["isMobile"], false);
  ExpectEnvelope(Get("/api/v2/logs/nope"), 404, "Not Found", "inexistent_log");
}

TEST_F(Auth0ApiTest, UserLogs) {
  const Reply logs =
      Get("/api/v2/users/auth0%7Cu2/logs?page=0&per_page=4&sort=date:-1&include_totals=true");
  ASSERT_EQ(logs.status, 200) << logs.body;
  EXPECT_EQ(logs.json["total"], 10);
  ASSERT_EQ(logs.json["logs"].size(), 4u);
  std::string previous = "9999";
  for (const auto& log : logs.json["logs"]) {
    EXPECT_EQ(log["user_id"], "auth0|u2");
    EXPECT_LT(log["date"].get<std::string>(), previous);
    previous = log["date"].get<std::string>();
  }
  ExpectEnvelope(Get("/api/v2/users/auth0%7Cu2/logs?q=x"), 400, "Bad Request",
                 "invalid_query_string");
}

TEST_F(Auth0ApiTest, CheckpointWalkFollowsLinkInIngestOrder) {
  std::vector<std::string> seen;
  std::string path = "/api/v2/logs?from=" + LogId(0) + "&take=7";
  seen.push_back(LogId(0));
  for (int page = 0; page < 20; ++page) {
    const Reply reply = Get(path);
    ASSERT_EQ(reply.status, 200) << reply.body;
    ASSERT_TRUE(reply.json.is_array());
    const std::string link = LinkOf(reply);
    ASSERT_THAT(link, HasSubstr("rel=\"next\""));
    const size_t begin = link.find("/api/v2/logs?");
    const size_t end = link.find('>');
    ASSERT_NE(begin, std::string::npos) << link;
    EXPECT_EQ(link.substr(1, 7), "http://") << link;
    const std::string next = link.substr(begin, end - begin);
    if (reply.json.empty()) {
      EXPECT_EQ(next, path);  // an empty page links to itself
      break;
    }
    for (const auto& log : reply.json) seen.push_back(log["log_id"]);
    path = next;
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(seen[i], LogId(i));
}

TEST_F(Auth0ApiTest, CheckpointEdges) {
  // take alone starts at the oldest event; other parameters are ignored.
  const Reply first = Get("/api/v2/logs?take=3&page=9&per_page=1&include_totals=true&q=broken:(");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.json.size(), 3u);
  EXPECT_EQ(first.json[0]["log_id"], LogId(0));
  EXPECT_THAT(LinkOf(first), HasSubstr("/api/v2/logs?from=cp.3&take=3>"));
  const Reply unknown = Get("/api/v2/logs?from=nope&take=3");
  ExpectEnvelope(unknown, 400, "Bad Request", "invalid_query_string");
  EXPECT_THAT(unknown.json["message"].get<std::string>(), HasSubstr("on property from"));
  ExpectEnvelope(Get("/api/v2/logs?from=" + LogId(0) + "&take=101"), 400, "Bad Request",
                 "invalid_query_string");
  ExpectEnvelope(Get("/api/v2/logs?from=cp.-4&take=3"), 400, "Bad Request", "invalid_query_string");
}

// The path and query of the Link's URL: absolute or relative.
std::string NextPathOf(const std::string& link) {
  const size_t begin = link.find("/api/v2/logs?");
  const size_t end = link.find('>');
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "";
  return link.substr(begin, end - begin);
}

TEST_F(Auth0ApiTest, LinkIsRelativeWithoutATrustworthyHost) {
  const Reply malformed =
      Call("GET", "/api/v2/logs?take=2", key_, "", {"Host: evil.test/phish?x="});
  ASSERT_EQ(malformed.status, 200) << malformed.body;
  EXPECT_EQ(LinkOf(malformed), "</api/v2/logs?from=cp.2&take=2>; rel=\"next\"");
  const Reply injected =
      Call("GET", "/api/v2/logs?take=2", key_, "", {"Host: h>; rel=\"prev\", <http://x"});
  ASSERT_EQ(injected.status, 200) << injected.body;
  EXPECT_EQ(LinkOf(injected), "</api/v2/logs?from=cp.2&take=2>; rel=\"next\"");
  // "Host:" with no value makes the client send no Host header at all.
  const Reply missing = Call("GET", "/api/v2/logs?take=2", key_, "", {"Host:"});
  ASSERT_EQ(missing.status, 200) << missing.body;
  EXPECT_EQ(LinkOf(missing), "</api/v2/logs?from=cp.2&take=2>; rel=\"next\"");
  const Reply good = Call("GET", "/api/v2/logs?take=2", key_, "", {"Host: logs.example.test:8443"});
  EXPECT_EQ(LinkOf(good),
            "<http://logs.example.test:8443/api/v2/logs?from=cp.2&take=2>; "
            "rel=\"next\"");
  EXPECT_EQ(good.raw.Header("cache-control").value_or(""), "no-store");
  EXPECT_EQ(Get("/api/v2/logs/nope").raw.Header("cache-control").value_or(""), "no-store");
}

// Retention removes the event a walk stopped at: the Link still resumes
// there, while the plain log_id of that event no longer names a position.
TEST_F(Auth0ApiTest, CheckpointLinkSurvivesRetention) {
  std::string path = "/api/v2/logs?take=100";
  Reply caught_up = Get(path);
  ASSERT_EQ(caught_up.status, 200) << caught_up.body;
  ASSERT_EQ(caught_up.json.size(), static_cast<size_t>(kEvents));
  path = NextPathOf(LinkOf(caught_up));
  ASSERT_EQ(path, fmt::format("/api/v2/logs?from=cp.{}&take=100", kEvents));

  // Every event is dated 2026-02-01; a one-day policy drops them all.
  ASSERT_TRUE(app_->store().Flush().ok());
  app_->store().SetRetention("acme", int64_t{86'400} * 1'000'000);
  ASSERT_TRUE(app_->store().RunRetention().ok());
  ASSERT_EQ(Get("/api/v2/logs/" + LogId(kEvents - 1)).status, 404) << "retention ran";
  const Reply by_id = Get("/api/v2/logs?from=" + LogId(kEvents - 1) + "&take=100");
  ExpectEnvelope(by_id, 400, "Bad Request", "invalid_query_string");

  const Reply empty = Get(path);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(empty.json.empty());
  EXPECT_EQ(NextPathOf(LinkOf(empty)), path) << "an empty page links to itself";

  // Events that arrive later (dated now, within the policy) come next.
  const std::string now =
      event::FormatRfc3339(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() *
                           1000);
  nlohmann::json records = nlohmann::json::array();
  for (int i = 0; i < 3; ++i) {
    records.push_back({{"log_id", fmt::format("late-{}", i)}, {"date", now}, {"type", "s"}});
  }
  Reply ingested = Call("POST", "/v1/events?format=auth0", key_, records.dump());
  ASSERT_EQ(ingested.status, 200) << ingested.body;
  const Reply later = Get(path);
  ASSERT_EQ(later.status, 200) << later.body;
  ASSERT_EQ(later.json.size(), 3u) << later.body;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(later.json[i]["log_id"], fmt::format("late-{}", i));
  EXPECT_EQ(NextPathOf(LinkOf(later)),
            fmt::format("/api/v2/logs?from=cp.{}&take=100", kEvents + 3));
}

// A walk that runs while another thread appends sees every event exactly
// once, in ingest order, and never one past an event not yet visible.
TEST_F(Auth0ApiTest, CheckpointWalkDuringConcurrentAppends) {
  constexpr int kBatches = 40;
  constexpr int kPerBatch = 5;
  std::atomic<bool> appending_done{false};
  std::atomic<bool> append_failed{false};
  std::thread appender([&] {
    for (int batch = 0; batch < kBatches; ++batch) {
      nlohmann::json records = nlohmann::json::array();
      for (int i = 0; i < kPerBatch; ++i) {
        records.push_back({{"log_id", fmt::format("c-{:03}", batch * kPerBatch + i)},
                           {"date", "2026-02-02T00:00:00.000Z"},
                           {"type", "s"}});
      }
      Reply reply = Call("POST", "/v1/events?format=auth0", key_, records.dump());
      if (reply.status != 200) append_failed = true;
    }
    appending_done = true;
  });
  std::vector<std::string> seen;
  std::string path = "/api/v2/logs?take=7";
  bool final_pass = false;
  for (int page = 0; page < 10'000; ++page) {
    const bool done_before = appending_done.load();
    const Reply reply = Get(path);
    ASSERT_EQ(reply.status, 200) << reply.body;
    for (const auto& log : reply.json) seen.push_back(log["log_id"]);
    path = NextPathOf(LinkOf(reply));
    ASSERT_FALSE(path.empty());
    if (reply.json.empty()) {
      if (final_pass) break;
      // Empty after the appender finished: one more look, then stop.
      final_pass = done_before;
    }
  }
  appender.join();
  ASSERT_FALSE(append_failed.load());
  std::vector<std::string> expected;
  for (int i = 0; i < kEvents; ++i) expected.push_back(LogId(i));
  for (int i = 0; i < kBatches * kPerBatch; ++i) expected.push_back(fmt::format("c-{:03}", i));
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace auditlog::testing

// The native API end to end: a real server on a loopback port, driven over
// HTTP as a client would (docs/api/openapi.yaml).

#include <gmock/gmock.h>

#include <fstream>
#include <iterator>
#include <set>

#include "server_fixture.h"
#include "testing/tls_certs.h"

namespace auditlog::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kThreeEvents[] =
    R"({"id":"e1","type":"s","description":"Successful login","actor":{"id":"u1","name":"Ana Li"},"ip":"10.0.0.1","timestamp":"2026-01-01T10:00:00Z"}
{"id":"e2","type":"f","description":"Wrong email or password","result":"failure","actor":{"id":"u2"},"ip":"10.0.0.2","timestamp":"2026-01-01T11:00:00Z"}
{"id":"e3","type":"s","description":"Successful login","actor":{"id":"u2"},"ip":"10.0.0.2","timestamp":"2026-01-02T09:30:00Z"}
)";

class NativeApiTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    StartServer();
    key_ = TenantWithKey("acme");
    ASSERT_FALSE(key_.empty());
  }
  Reply Ingest(const std::string& body, const std::string& query = "",
               std::vector<std::string> headers = {"Content-Type: application/x-ndjson"}) {
    return Call("POST", "/v1/events" + query, key_, body, std::move(headers));
  }
  std::string key_;
};

TEST_F(NativeApiTest, IngestSearchGetAndStats) {
  Reply ingested = Ingest(kThreeEvents);
  ASSERT_EQ(ingested.status, 200) << ingested.body;
  EXPECT_EQ(ingested.json["accepted"], 3);
  EXPECT_EQ(ingested.json["duplicates"], 0);
  EXPECT_TRUE(ingested.json["errors"].empty());

  Reply search = Call("GET", "/v1/events?q=type:s&sort=timestamp:1", key_);
  ASSERT_EQ(search.status, 200) << search.body;
  ASSERT_EQ(search.json["events"].size(), 2u);
  EXPECT_EQ(search.json["total"], 2);
  EXPECT_EQ(search.json["events"][0]["id"], "e1");
  EXPECT_EQ(search.json["events"][1]["id"], "e3");
  EXPECT_EQ(search.json["events"][0]["tenant"], "acme");
  EXPECT_EQ(search.json["events"][0]["actor"]["name"], "Ana Li");

  Reply words = Call("GET", "/v1/events?q=wrong+password", key_);
  ASSERT_EQ(words.status, 200);
  ASSERT_EQ(words.json["events"].size(), 1u);
  EXPECT_EQ(words.json["events"][0]["id"], "e2");

  Reply ranged = Call("GET",
                      "/v1/events?from=2026-01-01T10:30:00Z&to=2026-01-02T00:00:00Z&"
                      "fields=id,type",
                      key_);
  ASSERT_EQ(ranged.status, 200);
  ASSERT_EQ(ranged.json["events"].size(), 1u);
  EXPECT_EQ(ranged.json["events"][0]["id"], "e2");
  EXPECT_FALSE(ranged.json["events"][0].contains("description"));

  Reply one = Call("GET", "/v1/events/e2", key_);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json["result"], "failure");
  EXPECT_EQ(Call("GET", "/v1/events/nope", key_).status, 404);

  Reply count = Call("GET", "/v1/stats/count?by=ip", key_);
  ASSERT_EQ(count.status, 200) << count.body;
  ASSERT_EQ(count.json["groups"].size(), 2u);
  EXPECT_EQ(count.json["groups"][0]["key"], "10.0.0.2");
  EXPECT_EQ(count.json["groups"][0]["count"], 2);

  Reply histogram = Call("GET", "/v1/stats/histogram?interval=day", key_);
  ASSERT_EQ(histogram.status, 200) << histogram.body;
  ASSERT_EQ(histogram.json["groups"].size(), 2u);
  EXPECT_EQ(histogram.json["groups"][0]["key"], 1767225600000);  // 2026-01-01
  EXPECT_EQ(histogram.json["groups"][0]["count"], 2);

  Reply distinct = Call("GET", "/v1/stats/distinct?field=actor.id", key_);
  ASSERT_EQ(distinct.status, 200) << distinct.body;
  EXPECT_EQ(distinct.json["distinct"], 2);
}

TEST_F(NativeApiTest, BadRecordsAreReportedByIndexAndGoodOnesKept) {
  Reply reply = Ingest(
      "{\"id\":\"ok1\",\"type\":\"s\"}\n{\"type\":7}\n{\"id\":\"ok2\",\"type\":\"s\"}\n{broken\n");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["accepted"], 2);
  ASSERT_EQ(reply.json["errors"].size(), 2u);
  EXPECT_EQ(reply.json["errors"][0]["index"], 1);
  EXPECT_THAT(reply.json["errors"][0]["error"].get<std::string>(), HasSubstr("type"));
  EXPECT_EQ(reply.json["errors"][1]["index"], 3);
  EXPECT_EQ(reply.json["errors"][1]["line"], 4);
  EXPECT_EQ(Call("GET", "/v1/events?q=id:ok2", key_).json["total"], 1);

  // Nothing good: 400 with the error envelope and the details.
  Reply none = Ingest("{\"type\":\"s\",\n  oops}\n", "", {"Content-Type: application/json"});
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.json["error"]["code"], "invalid_argument");
  EXPECT_THAT(none.json["error"]["message"].get<std::string>(),
              HasSubstr("malformed JSON at line 2, column 3"));
  EXPECT_EQ(none.json["accepted"], 0);
}

TEST_F(NativeApiTest, IdempotentRetriesAndConflicts) {
  ASSERT_EQ(Ingest(kThreeEvents).status, 200);
  Reply again = Ingest(kThreeEvents);
  EXPECT_EQ(again.json["accepted"], 3);
  EXPECT_EQ(again.json["duplicates"], 3);
  Reply conflict = Ingest(R"({"id":"e1","type":"changed"})");
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(Call("GET", "/v1/events", key_).json["total"], 3);
}

TEST_F(NativeApiTest, EveryBodyShapeAndFormat) {
  EXPECT_EQ(
      Ingest(R"({"id":"o1","type":"s"})", "", {"Content-Type: application/json"}).json["accepted"],
      1);
  EXPECT_EQ(Ingest(R"([{"id":"a1","type":"s"},{"id":"a2","type":"s"}])", "",
                   {"Content-Type: application/json"})
                .json["accepted"],
            2);
  Reply gzip = Call("POST", "/v1/events", key_, Gzip(kThreeEvents),
                    {"Content-Type: application/x-ndjson", "Content-Encoding: gzip"});
  EXPECT_EQ(gzip.json["accepted"], 3) << gzip.body;
  const std::string seeds = std::string(AL_TESTDATA_DIR) + "/seeds/";
  auto read = [](const std::string& path) {
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), {});
  };
  Reply auth0 = Ingest(read(seeds + "auth0_user_logs_response.json"), "?format=auth0",
                       {"Content-Type: application/json"});
  EXPECT_EQ(auth0.status, 200) << auth0.body;
  EXPECT_GE(auth0.json["accepted"].get<int>(), 1);
  // Authing records name their user pool, which must be the key's tenant;
  // the operator's tenant=* routes them to it.
  Reply refused = Ingest(read(seeds + "authing_log_line.txt"), "?format=authing-line",
                         {"Content-Type: text/plain"});
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.json["errors"][0]["error"].get<std::string>(),
              HasSubstr("names tenant \"61384d3e302f1f75e69ce95a\""));
  Reply authing = Call("POST", "/v1/events?format=authing&tenant=*", kAdminToken,
                       read(seeds + "authing_audit_list_en.json"));
  EXPECT_EQ(authing.status, 200) << authing.body;
  EXPECT_EQ(authing.json["accepted"], 1);
  // The raw line of that same record carries the same id but less: a
  // conflict, reported as such, rather than a second copy.
  const std::string pool_key = TenantWithKey("61384d3e302f1f75e69ce95a");
  Reply line = Call("POST", "/v1/events?format=authing-line", pool_key,
                    read(seeds + "authing_log_line.txt"), {"Content-Type: text/plain"});
  EXPECT_EQ(line.status, 409) << line.body;
  EXPECT_THAT(line.json["errors"][0]["error"].get<std::string>(), HasSubstr("stored already"));
  EXPECT_EQ(Call("GET", "/v1/events", pool_key).json["total"], 1);
  Reply bad_format = Ingest("{}", "?format=xml");
  EXPECT_EQ(bad_format.status, 400);
  EXPECT_EQ(bad_format.json["error"]["field"], "format");
}

TEST_F(NativeApiTest, CursorWalkSeesEveryEventOnce) {
  std::string body;
  for (int i = 0; i < 57; ++i) {
    body += R"({"id":"w)" + std::to_string(i) + R"(","type":"s","timestamp":)" +
            std::to_string(1767225600000 + (i % 7) * 1000) + "}\n";
  }
  ASSERT_EQ(Ingest(body).json["accepted"], 57);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Reply page =
        Call("GET",
             "/v1/events?limit=10&sort=timestamp:-1" + (cursor.empty() ? "" : "&cursor=" + cursor),
             key_);
    ASSERT_EQ(page.status, 200) << page.body;
    for (const auto& event : page.json["events"]) {
      EXPECT_TRUE(seen.insert(event["id"].get<std::string>()).second);
    }
    // Ingest between pages: the walk keeps to what its first page saw.
    if (pages == 1) {
      ASSERT_EQ(Ingest(R"({"id":"late","type":"s","timestamp":1767225600000})").status, 200);
    }
    cursor = page.json.value("next_cursor", "");
    ++pages;
  } while (!cursor.empty() && pages < 20);
  EXPECT_EQ(seen.size(), 57u);
  EXPECT_EQ(pages, 6);
  Reply tampered = Call("GET", "/v1/events?cursor=AAAA", key_);
  EXPECT_EQ(tampered.status, 400);
  EXPECT_EQ(tampered.json["error"]["field"], "cursor");
}

TEST_F(NativeApiTest, ParametersAreValidatedWithTheFieldNamed) {
  struct Case {
    const char* query;
    const char* field;
  } cases[] = {
      {"limit=0", "limit"},       {"limit=1001", "limit"},
      {"offset=-1", "offset"},    {"from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from"},
      {"from=yesterday", "from"}, {"sort=nope:1", "sort"},
      {"sort=type:2", "sort"},    {"q=(type:s", "q"},
      {"q=nope:1", "q"},          {"fields=nope", "fields"},
      {"lmit=5", "lmit"},         {"include_totals=maybe", "include_totals"}};
  for (const Case& c : cases) {
    Reply reply = Call("GET", std::string("/v1/events?") + c.query, key_);
    EXPECT_EQ(reply.status, 400) << c.query;
    EXPECT_EQ(reply.json["error"]["code"], "invalid_argument") << c.query;
    EXPECT_EQ(reply.json["error"]["field"], c.field) << c.query << " " << reply.body;
  }
  Reply past_end = Call("GET", "/v1/events?offset=1000000", key_);
  EXPECT_EQ(past_end.status, 200);
  EXPECT_TRUE(past_end.json["events"].empty());
  EXPECT_EQ(past_end.json["total"], 0);
}

TEST_F(NativeApiTest, CredentialsAndScopes) {
  EXPECT_EQ(Call("GET", "/v1/events").status, 401);
  Reply bad = Call("GET", "/v1/events", "al_aaaaaaaaaaaaaaaa_nottherightsecret");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.raw.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(Call("GET", "/v1/events", "Basic abc").status, 401);

  const std::string reader = TenantWithKey("acme", R"(["events:read"])");
  EXPECT_EQ(Call("GET", "/v1/events", reader).status, 200);
  Reply denied = Call("POST", "/v1/events", reader, R"({"type":"s"})");
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.json["error"]["message"].get<std::string>(), HasSubstr("events:write"));
  EXPECT_EQ(Call("GET", "/v1/stats/count?by=type", reader).status, 403);

  // Keys cannot administer; the admin token can.
  EXPECT_EQ(Call("GET", "/v1/tenants", key_).status, 403);
  EXPECT_EQ(Call("GET", "/v1/tenants").status, 401);
  EXPECT_EQ(Call("GET", "/v1/tenants", "wrong-admin-token").status, 401);
  EXPECT_EQ(Admin("GET", "/v1/tenants").status, 200);

  // Revoked keys stop at once.
  Reply keys = Admin("GET", "/v1/tenants/acme/keys");
  ASSERT_EQ(keys.status, 200);
  std::string reader_id;
  for (const auto& key : keys.json["keys"]) {
    EXPECT_FALSE(key.contains("key"));  // never shown again
    if (key["scopes"].size() == 1) reader_id = key["id"];
  }
  ASSERT_FALSE(reader_id.empty());
  EXPECT_EQ(Admin("DELETE", "/v1/tenants/acme/keys/" + reader_id).status, 204);
  EXPECT_EQ(Call("GET", "/v1/events", reader).status, 401);
  EXPECT_EQ(Admin("DELETE", "/v1/tenants/acme/keys/nosuchkey").status, 404);
}

TEST_F(NativeApiTest, TenantAdministration) {
  Reply created = Admin("POST", "/v1/tenants", R"({"id":"globex","retention_days":365})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["retention_days"], 365);
  EXPECT_EQ(Admin("POST", "/v1/tenants", R"({"id":"globex"})").status, 409);
  EXPECT_EQ(Admin("POST", "/v1/tenants", R"({"id":"bad id!"})").status, 400);
  EXPECT_EQ(Admin("POST", "/v1/tenants", R"({"id":"x","retention_days":0})").status, 400);
  EXPECT_EQ(Admin("POST", "/v1/tenants", R"({"id":"x","color":"red"})").status, 400);
  Reply broken = Admin("POST", "/v1/tenants", "{\"id\":\n  \"x\" \"y\"}");
  EXPECT_EQ(broken.status, 400);
  EXPECT_THAT(broken.json["error"]["message"].get<std::string>(),
              HasSubstr("malformed JSON at line 2, column 7"));
  EXPECT_EQ(Admin("POST", "/v1/tenants/nope/keys", R"({"scopes":["events:read"]})").status, 404);
  EXPECT_EQ(Admin("POST", "/v1/tenants/globex/keys", R"({"scopes":["events:fly"]})").status, 400);
  Reply list = Admin("GET", "/v1/tenants");
  ASSERT_EQ(list.json["tenants"].size(), 2u);
  EXPECT_EQ(list.json["tenants"][1]["id"], "globex");
}

TEST_F(NativeApiTest, OperatorsReadAndWriteAnyTenant) {
  const std::string other = TenantWithKey("globex");
  ASSERT_EQ(Ingest(kThreeEvents).status, 200);
  // Without tenant= an operator's read is ambiguous.
  Reply ambiguous = Admin("GET", "/v1/events");
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_EQ(ambiguous.json["error"]["field"], "tenant");
  EXPECT_EQ(Admin("GET", "/v1/events?tenant=acme").json["total"], 3);
  EXPECT_EQ(Admin("GET", "/v1/events?tenant=globex").json["total"], 0);
  // Bulk routing by each event's tenant, creating unknown tenants.
  Reply routed = Admin(
      "POST", "/v1/events?tenant=*",
      "{\"tenant\":\"globex\",\"id\":\"g1\",\"type\":\"s\"}\n"
      "{\"tenant\":\"initech\",\"id\":\"i1\",\"type\":\"f\"}\n{\"id\":\"x\",\"type\":\"s\"}\n");
  ASSERT_EQ(routed.status, 200) << routed.body;
  EXPECT_EQ(routed.json["accepted"], 2);
  EXPECT_EQ(routed.json["errors"][0]["index"], 2);
  EXPECT_EQ(Call("GET", "/v1/events", other).json["total"], 1);
  EXPECT_EQ(Admin("GET", "/v1/events?tenant=*").json["total"], 5);
  Reply found = Admin("GET", "/v1/events/i1?tenant=*");
  EXPECT_EQ(found.json["tenant"], "initech");
  Reply top = Admin("GET", "/v1/stats/count?tenant=*&by=tenant");
  EXPECT_EQ(top.json["groups"][0]["key"], "acme");
  EXPECT_EQ(Admin("POST", "/v1/events?tenant=nosuch", R"({"type":"s"})").status, 404);
}

TEST_F(NativeApiTest, HealthMetricsOpenApiAndAdmin) {
  Reply health = Call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json["status"], "ok");
  ASSERT_EQ(Ingest(kThreeEvents).status, 200);
  Reply flushed = Admin("POST", "/v1/admin/flush");
  ASSERT_EQ(flushed.status, 200) << flushed.body;
  EXPECT_EQ(flushed.json["events"], 3);
  EXPECT_EQ(flushed.json["memtable_events"], 0);
  EXPECT_GE(flushed.json["segments"].get<int>(), 1);
  EXPECT_EQ(Admin("GET", "/v1/admin/store").json["tenants"][0]["tenant"], "acme");
  EXPECT_EQ(Call("GET", "/metrics").status, 401);
  Reply metrics = Admin("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("auditlog_http_requests_total{"));
  EXPECT_THAT(metrics.body, HasSubstr("route=\"/v1/events\""));
  EXPECT_THAT(metrics.body, HasSubstr("auditlog_store_events 3"));
  EXPECT_THAT(metrics.body, HasSubstr("auditlog_http_request_duration_seconds_bucket"));
  Reply openapi = Call("GET", "/v1/openapi.yaml");
  EXPECT_EQ(openapi.status, 200);
  EXPECT_THAT(openapi.body, StartsWith("openapi: 3"));
}

TEST_F(NativeApiTest, PathsThatTryToEscapeFindNothing) {
  for (const char* path : {"/../../etc/passwd", "/v1/events/..%2F..%2Fetc%2Fpasswd",
                           "/v1/../v1/tenants", "/v1/tenants/..%2Facme/keys"}) {
    Reply reply = Call("GET", path, key_);
    EXPECT_TRUE(reply.status == 404 || reply.status == 403) << path << " " << reply.status;
    EXPECT_THAT(reply.body, ::testing::Not(HasSubstr("root:")));
  }
}

TEST_F(NativeApiTest, EverythingSurvivesARestart) {
  ASSERT_EQ(Ingest(kThreeEvents).status, 200);
  RestartServer();
  Reply after = Call("GET", "/v1/events", key_);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json["total"], 3);
  // The keys file never holds the key itself.
  std::ifstream file(config_.data_dir + "/auth.json");
  const std::string state(std::istreambuf_iterator<char>(file), {});
  EXPECT_FALSE(state.empty());
  // A key is `al_`, a 16-character id, `_` and a 43-character secret; the
  // secret may hold `_` itself, so it is found by position.
  ASSERT_EQ(key_.size(), 3u + 16 + 1 + 43);
  EXPECT_EQ(state.find(key_.substr(3 + 16 + 1)), std::string::npos);
}

TEST_F(NativeApiTest, OversizeBodiesAre413) {
  app_.reset();
  config_.body_limit_bytes = 4096;
  StartServer();
  Reply big = Ingest(std::string(10'000, ' ') + R"({"type":"s"})");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json["error"]["code"], "resource_exhausted");
}

class NativeApiTlsTest : public ServerFixture {};

TEST_F(NativeApiTlsTest, ServesTheApiOverTls) {
  AL_ASSERT_OK_AND_ASSIGN(TestCertificates certs, MakeTestCertificates(dir_.string()));
  config_.tls_cert = certs.cert_file;
  config_.tls_key = certs.key_file;
  ca_file_ = certs.ca_file;
  StartServer();
  EXPECT_THAT(app_->base_url(), StartsWith("https://"));
  const std::string key = TenantWithKey("acme");
  Reply ingested =
      Call("POST", "/v1/events", key, kThreeEvents, {"Content-Type: application/x-ndjson"});
  EXPECT_EQ(ingested.json["accepted"], 3);
  EXPECT_EQ(Call("GET", "/v1/events?q=type:f", key).json["total"], 1);
}

}  // namespace
}  // namespace auditlog::testing

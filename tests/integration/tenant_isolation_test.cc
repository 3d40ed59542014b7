// Two tenants, every endpoint, every id-bearing path and parameter: a key of
// one tenant never reads or writes the other's events, and its answers never
// hint that the other's ids exist.

#include <gmock/gmock.h>

#include "server_fixture.h"

namespace auditlog::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TenantIsolationTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    StartServer();
    key_a_ = TenantWithKey("tenant-a");
    key_b_ = TenantWithKey("tenant-b");
    // Both hold "shared" (with different contents); only B holds "secret-b".
    ASSERT_EQ(Call("POST", "/v1/events", key_a_,
                   "{\"id\":\"shared\",\"type\":\"s\",\"description\":\"a's login\","
                   "\"actor\":{\"id\":\"alice\"},\"ip\":\"10.1.0.1\"}\n"
                   "{\"id\":\"only-a\",\"type\":\"f\",\"actor\":{\"id\":\"alice\"}}\n",
                   {"Content-Type: application/x-ndjson"})
                  .json["accepted"],
              2);
    ASSERT_EQ(Call("POST", "/v1/events", key_b_,
                   "{\"id\":\"shared\",\"type\":\"s\",\"description\":\"b's secret login\","
                   "\"actor\":{\"id\":\"bob\"},\"ip\":\"10.2.0.2\"}\n"
                   "{\"id\":\"secret-b\",\"type\":\"sapi\",\"actor\":{\"id\":\"bob\"},"
                   "\"ip\":\"10.2.0.2\"}\n",
                   {"Content-Type: application/x-ndjson"})
                  .json["accepted"],
              2);
  }
  // No answer to A may carry any of B's values.
  void ExpectNothingOfB(const Reply& reply, const std::string& what) {
    EXPECT_THAT(reply.body, Not(HasSubstr("bob"))) << what;
    EXPECT_THAT(reply.body, Not(HasSubstr("10.2.0.2"))) << what;
    EXPECT_THAT(reply.body, Not(HasSubstr("secret"))) << what;
    EXPECT_THAT(reply.body, Not(HasSubstr("tenant-b"))) << what;
  }
  std::string key_a_, key_b_;
};

TEST_F(TenantIsolationTest, SearchesSeeOnlyTheirTenant) {
  for (const char* query :
       {"/v1/events", "/v1/events?q=bob", "/v1/events?q=actor.id:bob",
        "/v1/events?q=tenant:tenant-b", "/v1/events?q=ip:10.2.0.0/16", "/v1/events?q=secret",
        "/v1/events?q=id:secret-b", "/v1/events?q=*", "/v1/events?sort=actor.id:-1&limit=1000",
        "/v1/events?q=NOT+actor.id:alice", "/v1/events?offset=1"}) {
    Reply reply = Call("GET", query, key_a_);
    ASSERT_EQ(reply.status, 200) << query << reply.body;
    for (const auto& event : reply.json["events"]) EXPECT_EQ(event["tenant"], "tenant-a") << query;
    ExpectNothingOfB(reply, query);
  }
  EXPECT_EQ(Call("GET", "/v1/events", key_a_).json["total"], 2);
}

TEST_F(TenantIsolationTest, IdsOfTheOtherTenantAreNotFound) {
  Reply mine = Call("GET", "/v1/events/shared", key_a_);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.json["description"], "a's login");
  Reply theirs = Call("GET", "/v1/events/secret-b", key_a_);
  Reply nothing = Call("GET", "/v1/events/never-existed", key_a_);
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(nothing.status, 404);
  // The same answer, word for word apart from the id: no hint that it exists.
  std::string theirs_message = theirs.json["error"]["message"];
  std::string nothing_message = nothing.json["error"]["message"];
  theirs_message.replace(theirs_message.find("secret-b"), 8, "X");
  nothing_message.replace(nothing_message.find("never-existed"), 13, "X");
  EXPECT_EQ(theirs_message, nothing_message);
  EXPECT_THAT(theirs.body, Not(HasSubstr("bob")));
}

TEST_F(TenantIsolationTest, TheTenantParameterCannotCrossOver) {
  for (const char* path :
       {"/v1/events?tenant=tenant-b", "/v1/events?tenant=*", "/v1/events/secret-b?tenant=tenant-b",
        "/v1/events/shared?tenant=*", "/v1/stats/count?by=type&tenant=tenant-b",
        "/v1/stats/histogram?interval=1h&tenant=*",
        "/v1/stats/distinct?field=actor.id&tenant=tenant-b"}) {
    Reply reply = Call("GET", path, key_a_);
    EXPECT_EQ(reply.status, 403) << path;
    ExpectNothingOfB(reply, path);
  }
  Reply post = Call("POST", "/v1/events?tenant=tenant-b", key_a_, R"({"type":"s"})");
  EXPECT_EQ(post.status, 403);
  // Repeating its own tenant is fine.
  EXPECT_EQ(Call("GET", "/v1/events?tenant=tenant-a", key_a_).status, 200);
}

TEST_F(TenantIsolationTest, StatsCountOnlyTheirTenant) {
  for (const char* path :
       {"/v1/stats/count?by=actor.id", "/v1/stats/count?by=ip", "/v1/stats/count?by=tenant",
        "/v1/stats/histogram?interval=1h&by=type", "/v1/stats/distinct?field=actor.id"}) {
    Reply reply = Call("GET", path, key_a_);
    ASSERT_EQ(reply.status, 200) << path << reply.body;
    ExpectNothingOfB(reply, path);
  }
  EXPECT_EQ(Call("GET", "/v1/stats/distinct?field=actor.id", key_a_).json["distinct"], 1);
}

TEST_F(TenantIsolationTest, WritesCannotLandInTheOtherTenant) {
  Reply reply = Call("POST", "/v1/events", key_a_,
                     "{\"tenant\":\"tenant-b\",\"id\":\"planted\",\"type\":\"s\"}\n"
                     "{\"id\":\"fine\",\"type\":\"s\"}\n",
                     {"Content-Type: application/x-ndjson"});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["accepted"], 1);
  ASSERT_EQ(reply.json["errors"].size(), 1u);
  EXPECT_EQ(reply.json["errors"][0]["index"], 0);
  EXPECT_EQ(Call("GET", "/v1/events/planted", key_b_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/events/planted", key_a_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/events", key_b_).json["total"], 2);
  // The same id in both tenants stays two events.
  Reply dup = Call("POST", "/v1/events", key_a_, R"({"id":"secret-b","type":"x"})");
  EXPECT_EQ(dup.status, 200);
  EXPECT_EQ(dup.json["duplicates"], 0);
  EXPECT_EQ(Call("GET", "/v1/events/secret-b", key_b_).json["type"], "sapi");
}

TEST_F(TenantIsolationTest, CursorsDoNotCrossTenants) {
  Reply page = Call("GET", "/v1/events?limit=1", key_b_);
  ASSERT_EQ(page.status, 200);
  const std::string cursor = page.json.value("next_cursor", "");
  ASSERT_FALSE(cursor.empty());
  Reply stolen = Call("GET", "/v1/events?limit=1&cursor=" + cursor, key_a_);
  EXPECT_EQ(stolen.status, 400);
  EXPECT_EQ(stolen.json["error"]["field"], "cursor");
  ExpectNothingOfB(stolen, "cursor");
}

TEST_F(TenantIsolationTest, KeysAndAdministrationStayWithTheOperator) {
  Reply keys_b = Admin("GET", "/v1/tenants/tenant-b/keys");
  ASSERT_EQ(keys_b.status, 200);
  const std::string key_id_b = keys_b.json["keys"][0]["id"];
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/tenants"},
           {"GET", "/v1/tenants/tenant-b/keys"},
           {"POST", "/v1/tenants/tenant-b/keys"},
           {"DELETE", "/v1/tenants/tenant-b/keys/" + key_id_b},
           {"DELETE", "/v1/tenants/tenant-a/keys/" + key_id_b},
           {"POST", "/v1/admin/flush"},
           {"GET", "/v1/admin/store"},
           {"GET", "/metrics"}}) {
    Reply reply = Call(method, path, key_a_);
    EXPECT_EQ(reply.status, 403) << method << " " << path;
    ExpectNothingOfB(reply, path);
  }
  // B's key id under A's path is as unknown as a made-up one.
  EXPECT_EQ(Admin("DELETE", "/v1/tenants/tenant-a/keys/" + key_id_b).status, 404);
  EXPECT_EQ(Call("GET", "/v1/events", key_b_).status, 200);  // still valid
}

}  // namespace
}  // namespace auditlog::testing

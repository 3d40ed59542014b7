// The EnOS dialect against a real server (docs/dialects/enos.md): EnOS has
// no installable client, so the test sends what a client sends, the seed
// document's sample request as printed (2-space indent, Content-Type
// application/json, Authorization: Bearer <API key>, ?orgId=<tenant>), and
// checks each answer whole: pagination, entries, order, every error body.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compat_fixture.h"
#include "testing/testdata.h"

namespace auditlog::testing {
namespace {

using nlohmann::json;

constexpr char kQueryPath[] = "/app-portal-service/v2.2/log/query";
constexpr char kEventLogPath[] = "/app-portal-service/v2.3/event/log/query";
constexpr char kProducePath[] = "/app-portal-service/v2.3/event/log/produce";
constexpr char kProduceV3Path[] = "/app-portal-service/api/v3/event/log/produce";

// The seed's window: 2021-07-20T16:00:00Z .. 2021-09-18T15:59:59Z.
constexpr int64_t kWindowStartMs = 1626796800000;
constexpr int64_t kWindowEndMs = 1631980799000;
constexpr int64_t kFiveDaysMs = 5 * 86'400'000LL;

constexpr char kBadRequestEn[] =
    "The OU ID, pagination, start timestamp, and end timestamp are required";
constexpr char kBadRequestZh[] = "组织ID、分页参数、起始时间戳或截止时间戳为空";

// An error body exactly as the server writes it, members in its order.
std::string ErrorBody(int code, std::string_view message, std::string_view detail) {
  const std::string text = json(message).dump();
  return fmt::format(R"({{"code":{},"msg":{},"message":{},"detail":{},"data":null}})", code, text,
                     text, json(detail).dump());
}

// The seed's response sample with its typo (`"name": "user2,`) mended.
json SeedResponse() {
  std::string body = ReadTestData("seeds/enos_query_response.json");
  const size_t typo = body.find("\"user2,");
  if (typo != std::string::npos) body.replace(typo, 7, "\"user2\",");
  return json::parse(body);
}

// Ten entries from the window's first millisecond, five days apart, all
// older than the seed's two; and one just outside each end of the window.
json GeneratedEntries() {
  json entries = json::array();
  for (int i = 0; i < 10; ++i) {
    entries.push_back({{"eventTime", kWindowStartMs + i * kFiveDaysMs},
                       {"ipAddress", fmt::format("10.0.0.{}", i)},
                       {"resources", {{{"type", "App"}, {"content", fmt::format("app{}", i)}}}},
                       {"eventName", "Update"},
                       {"description", fmt::format("generated {}", i)},
                       {"account",
                        {{"domain", "corp"},
                         {"name", fmt::format("gen{}", i)},
                         {"id", fmt::format("u{}", i)},
                         {"userType", "Sub-Administrator"},
                         {"email", "gen@example.com"}}}});
  }
  for (const int64_t outside : {kWindowStartMs - 1, kWindowEndMs + 1}) {
    entries.push_back({{"eventTime", outside},
                       {"ipAddress", "10.9.9.9"},
                       {"resources", json::array()},
                       {"eventName", "Outside"},
                       {"account",
                        {{"domain", ""},
                         {"name", "x"},
                         {"id", "ux"},
                         {"userType", "Sub-Administrator"},
                         {"email", ""}}}});
  }
  return entries;
}

class EnosCompatTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    StartServer();
    key_ = TenantWithKey("acme");
    other_key_ = TenantWithKey("globex");
    read_only_key_ = TenantWithKey("acme", R"(["events:read"])");
    ASSERT_FALSE(key_.empty());
    Reply seed = Call("POST", "/v1/events?format=enos", key_, SeedResponse().dump());
    ASSERT_EQ(seed.status, 200) << seed.body;
    ASSERT_EQ(seed.json["accepted"], 2) << seed.body;
    Reply generated = Call("POST", "/v1/events?format=enos", key_, GeneratedEntries().dump());
    ASSERT_EQ(generated.status, 200) << generated.body;
    ASSERT_EQ(generated.json["accepted"], 12) << generated.body;
  }

  // POSTs `body` as an EnOS client does.
  Reply Post(const std::string& path_and_query, const std::string& body, const std::string& key) {
    return Call("POST", path_and_query, key, body, {"Content-Type: application/json"});
  }
  Reply Query(const std::string& body, const std::string& query = "?orgId=acme") {
    return Post(kQueryPath + query, body, key_);
  }
  // Expects HTTP 200 and exactly `expected` as the body.
  void ExpectError(const Reply& reply, const std::string& expected) {
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, expected);
  }

  std::string key_;
  std::string other_key_;
  std::string read_only_key_;
};

TEST_F(EnosCompatTest, SeedSampleRequestByteForByte) {
  const std::string body = ReadTestData("seeds/enos_query_request.json");
  ASSERT_EQ(body.substr(0, 20), "{\n  \"pagination\": {\n") << "the sample as printed";
  Reply reply = Query(body, "?orgId=acme");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["code"], 0);
  EXPECT_EQ(reply.json["message"], "OK");
  EXPECT_EQ(reply.json["msg"], "OK");
  EXPECT_EQ(reply.json["data"]["pagination"], json::parse(R"({"total":12,"limit":2,
      "currentPage":0,"pageNo":0,"pageSize":2,"totalElements":12})"));
  // Newest first: the seed's two entries, served back as the sample shows them.
  EXPECT_EQ(reply.json["data"]["auditLog"], SeedResponse()["data"]["auditLog"]);
}

TEST_F(EnosCompatTest, PagesWalkNewestFirstAndTheStartIsInclusive) {
  std::vector<int64_t> times;
  for (int page = 0; page < 6; ++page) {
    Reply reply = Query(fmt::format(R"({{"pagination":{{"pageNo":{},"pageSize":2}},
        "startTime":{},"endTime":{}}})",
                                    page, kWindowStartMs, kWindowEndMs));
    ASSERT_EQ(reply.json["code"], 0) << reply.body;
    ASSERT_EQ(reply.json["data"]["auditLog"].size(), 2u) << "page " << page;
    EXPECT_EQ(reply.json["data"]["pagination"]["currentPage"], page);
    for (const json& entry : reply.json["data"]["auditLog"]) {
      times.push_back(entry["eventTime"].get<int64_t>());
    }
  }
  ASSERT_EQ(times.size(), 12u);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_GT(times[i - 1], times[i]);
  EXPECT_EQ(times.back(), kWindowStartMs) << "startTime <= eventTime";
  Reply past_end = Query(fmt::format(R"({{"pagination":{{"pageNo":6,"pageSize":2}},
      "startTime":{},"endTime":{}}})",
                                     kWindowStartMs, kWindowEndMs));
  EXPECT_TRUE(past_end.json["data"]["auditLog"].empty());
  EXPECT_EQ(past_end.json["data"]["pagination"]["total"], 12);
}

TEST_F(EnosCompatTest, GeneratedEntriesComeBackAsIngested) {
  Reply reply = Query(fmt::format(R"({{"startTime":{},"endTime":{},
      "pagination":{{"pageNo":0,"pageSize":1}}}})",
                                  kWindowStartMs, kWindowStartMs));
  ASSERT_EQ(reply.json["data"]["auditLog"].size(), 1u) << reply.body;
  EXPECT_EQ(reply.json["data"]["auditLog"][0], GeneratedEntries()[0]);
}

TEST_F(EnosCompatTest, EndIsInclusiveAndStringTimesWork) {
  const int64_t login_ms = 1631960934544;
  Reply through =
      Query(fmt::format(R"({{"startTime":"{}","endTime":"{}"}})", kWindowStartMs, login_ms));
  EXPECT_EQ(through.json["data"]["pagination"]["totalElements"], 12) << through.body;
  EXPECT_EQ(through.json["data"]["pagination"]["pageSize"], 1000) << "the default page";
  EXPECT_EQ(through.json["data"]["auditLog"].size(), 12u);
  Reply before =
      Query(fmt::format(R"({{"startTime":{},"endTime":{}}})", kWindowStartMs, login_ms - 1));
  EXPECT_EQ(before.json["data"]["pagination"]["totalElements"], 11);
  Reply everything = Query(R"({"startTime":0,"endTime":253402300799999})");
  EXPECT_EQ(everything.json["data"]["pagination"]["totalElements"], 14);
}

TEST_F(EnosCompatTest, BadParametersAre31400) {
  const auto bad = [](std::string_view detail) { return ErrorBody(31400, kBadRequestEn, detail); };
  ExpectError(Query(R"({"endTime":2})"), bad("startTime: required"));
  ExpectError(Query(R"({"startTime":1})"), bad("endTime: required"));
  ExpectError(Query(R"({"startTime":"abc","endTime":2})"),
              bad("startTime: not a number: \"abc\" (send epoch milliseconds or a count as "
                  "digits)"));
  ExpectError(Query(R"({"startTime":-1,"endTime":2})"),
              bad("startTime: must not be negative, got -1"));
  ExpectError(Query(R"({"startTime":3,"endTime":2})"), bad("startTime: 3 is after endTime 2"));
  ExpectError(Query(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":-1,"pageSize":2}})"),
              bad("pagination.pageNo: must not be negative, got -1"));
  ExpectError(Query(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":0,"pageSize":0}})"),
              bad("pagination.pageSize: must be 1..10000, got 0"));
  ExpectError(Query(R"({"startTime":1,"endTime":2,"pagination":{"pageSize":10001}})"),
              bad("pagination.pageSize: must be 1..10000, got 10001"));
  ExpectError(Query("{\"startTime\": 1,"),
              bad("body: malformed JSON at line 1, column 17: unexpected end of input"));
  ExpectError(Query(R"({"startTime":1,"endTime":2})", ""), bad("orgId: required"));
  ExpectError(Query(R"({"startTime":1,"endTime":2})", "?orgId=acme&locale=fr_FR"),
              bad("locale: unsupported locale \"fr_FR\"; use en_US, zh_CN, es_ES, ja_JP, de_DE "
                  "or pl_PL"));
  ExpectError(Query(R"({"endTime":2})", "?orgId=acme&locale=zh_CN"),
              ErrorBody(31400, kBadRequestZh, "startTime: required"));
  ExpectError(Query(R"({"endTime":2})", "?orgId=acme&locale=ja_JP"), bad("startTime: required"));
  // The menu-access query reads the same body.
  ExpectError(Post(std::string(kEventLogPath) + "?orgId=acme", R"({"startTime":1})", key_),
              bad("endTime: required"));
  ExpectError(Post(std::string(kEventLogPath) + "?orgId=nosuch", R"({"startTime":1})", key_),
              ErrorBody(31404, "The OU does not exist",
                        "orgId: OU \"nosuch\" does not exist or is not this key's OU"));
}

TEST_F(EnosCompatTest, BadTokenIs31401) {
  const std::string body = R"({"startTime":1,"endTime":2})";
  ExpectError(Call("POST", std::string(kQueryPath) + "?orgId=acme", "", body),
              ErrorBody(31401, "The token is invalid",
                        "missing credentials: send Authorization: Bearer <API key>"));
  ExpectError(Post(std::string(kQueryPath) + "?orgId=acme", body, "not-a-key"),
              ErrorBody(31401, "The token is invalid", "invalid API key"));
  ExpectError(Post(std::string(kQueryPath) + "?orgId=acme&locale=zh_CN", body, "not-a-key"),
              ErrorBody(31401, "令牌无效", "invalid API key"));
}

TEST_F(EnosCompatTest, AnotherOuIsAnswered31404LikeAnUnknownOne) {
  const std::string body = R"({"startTime":1,"endTime":2})";
  const auto not_found = [](std::string_view org, std::string_view message) {
    return ErrorBody(31404, message,
                     fmt::format("orgId: OU \"{}\" does not exist or is not this key's OU", org));
  };
  ExpectError(Query(body, "?orgId=nosuch"), not_found("nosuch", "The OU does not exist"));
  ExpectError(Query(body, "?orgId=globex"), not_found("globex", "The OU does not exist"));
  ExpectError(Query(body, "?orgId=globex&locale=zh_CN"), not_found("globex", "组织不存在"));
  // And the other tenant's key sees none of acme's events.
  Reply other = Post(std::string(kQueryPath) + "?orgId=globex",
                     R"({"startTime":0,"endTime":253402300799999})", other_key_);
  EXPECT_EQ(other.json["code"], 0) << other.body;
  EXPECT_EQ(other.json["data"]["pagination"]["total"], 0);
}

TEST_F(EnosCompatTest, ProduceThenQuery) {
  for (const char* path : {kProducePath, kProduceV3Path}) {
    Reply produced =
        Post(std::string(path) + "?orgId=acme",
             fmt::format(R"({{"subjectId":"menu-{}","subjectType":"menu","upstreamId":"app-1",
                 "upstreamType":"app"}})",
                         path == kProducePath ? 1 : 2),
             key_);
    EXPECT_EQ(produced.status, 200);
    EXPECT_EQ(produced.json, json::parse(R"({"code":0,"msg":"OK","message":"OK","data":true})"))
        << produced.body;
  }
  const std::string all_time = R"({"startTime":0,"endTime":253402300799999})";
  Reply logs = Post(std::string(kEventLogPath) + "?orgId=acme", all_time, key_);
  ASSERT_EQ(logs.json["code"], 0) << logs.body;
  EXPECT_EQ(logs.json["data"]["pagination"],
            json::parse(R"({"totalElements":2,"pageSize":1000,"pageNo":0})"));
  ASSERT_EQ(logs.json["data"]["logs"].size(), 2u);
  const json& newest = logs.json["data"]["logs"][0];
  EXPECT_EQ(newest["subjectId"], "menu-2");
  EXPECT_EQ(newest["subjectType"], "menu");
  EXPECT_EQ(newest["upstreamId"], "app-1");
  EXPECT_EQ(newest["upstreamType"], "app");
  EXPECT_EQ(newest["organizationId"], "acme");
  EXPECT_FALSE(newest["userId"].get<std::string>().empty());
  EXPECT_GT(newest["eventTime"].get<int64_t>(), kWindowEndMs);

  Reply audit = Query(all_time);
  EXPECT_EQ(audit.json["data"]["pagination"]["total"], 16);
  const json& entry = audit.json["data"]["auditLog"][0];
  EXPECT_EQ(entry["eventName"], "event.log");
  EXPECT_EQ(entry["resources"], json::parse(R"([{"type":"menu","content":"menu-2"}])"));
}

TEST_F(EnosCompatTest, ProduceErrors) {
  const std::string path = std::string(kProducePath) + "?orgId=acme";
  const std::string message =
      "The subject ID and subject type are required, and parameters must not exceed 64 "
      "characters";
  ExpectError(Post(path, R"({"subjectType":"menu"})", key_),
              ErrorBody(31400, message, "subjectId: required"));
  ExpectError(Post(path, R"({"subjectId":"m"})", key_),
              ErrorBody(31400, message, "subjectType: required"));
  ExpectError(
      Post(path, R"({"subjectId":")" + std::string(65, 'x') + R"(","subjectType":"m"})", key_),
      ErrorBody(31400, message, "subjectId: 65 characters, over the limit of 64"));
  ExpectError(Post(std::string(kProducePath) + "?orgId=globex", R"({"subjectId":"m"})", key_),
              ErrorBody(31404, "The OU does not exist",
                        "orgId: OU \"globex\" does not exist or is not this key's OU"));
  ExpectError(Post(path, R"({"subjectId":"m","subjectType":"menu"})", "bad"),
              ErrorBody(31401, "The token is invalid", "invalid API key"));
  ExpectError(Post(path, R"({"subjectId":"m","subjectType":"menu"})", read_only_key_),
              ErrorBody(31403, "No permission", "this API key lacks the scope events:write"));
}

TEST_F(EnosCompatTest, UnroutedRequestsAnswerInTheEnosEnvelope) {
  Reply wrong_method = Call("GET", std::string(kQueryPath) + "?orgId=acme", key_);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.json["code"], 31905) << wrong_method.body;
  EXPECT_TRUE(wrong_method.json.contains("msg"));
  Reply unknown = Post("/app-portal-service/v9/nothing?orgId=acme", "{}", key_);
  EXPECT_EQ(unknown.status, 404);
  // Not 31404, which is EnOS's "the OU does not exist".
  EXPECT_EQ(unknown.json["code"], 31904) << unknown.body;
  EXPECT_TRUE(unknown.json["data"].is_null());
}

}  // namespace
}  // namespace auditlog::testing

// The handlers end to end on a router, with an embedded store and a tenant
// registry on an in-memory file system and a manual clock: credentials
// (token lifetime, revocation, pools), signatures against the server's
// clock, and the three error envelopes.

#include "api/authing/authing_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/authing/signature.h"
#include "common/clock.h"
#include "common/random.h"
#include "env/mem_file_system.h"
#include "http/router.h"
#include "storage/embedded_store.h"
#include "testing/status_matchers.h"

namespace auditlog::api::authing {
namespace {

using nlohmann::json;

// Sun, 22 Nov 2026 03:05:23 GMT.
constexpr int64_t kNowMicros = 1'795'316'723'000'000;
constexpr char kDate[] = "Sun, 22 Nov 2026 03:05:23 GMT";

class AuthingApi : public ::testing::Test {
 protected:
  void SetUp() override {
    http::TenantRegistryOptions registry_options;
    registry_options.dir = "/registry";
    registry_options.fs = &fs_;
    registry_options.clock = &clock_;
    registry_options.random = &random_;
    AL_ASSERT_OK_AND_ASSIGN(registry_, http::TenantRegistry::Open(registry_options));
    storage::EmbeddedStoreOptions store_options;
    store_options.dir = "/store";
    store_options.fs = &fs_;
    store_options.clock = &clock_;
    store_options.random = &random_;
    AL_ASSERT_OK_AND_ASSIGN(store_, storage::EmbeddedStore::Open(store_options));
    AL_ASSERT_OK(registry_->CreateTenant("pool-a", std::nullopt));
    AL_ASSERT_OK(registry_->CreateTenant("pool-b", std::nullopt));
    AL_ASSERT_OK_AND_ASSIGN(key_, registry_->CreateKey("pool-a", 3));
    AL_ASSERT_OK_AND_ASSIGN(other_key_, registry_->CreateKey("pool-b", 3));
    std::vector<event::Event> events(3);
    const char* types[] = {"createUser", "login", "login"};
    for (size_t index = 0; index < events.size(); ++index) {
      events[index].id = "e" + std::to_string(index);
      events[index].type = types[index];
      events[index].actor.id = "u1";
      events[index].timestamp = kNowMicros - static_cast<int64_t>(index) * 1'000'000;
      events[index].result = index == 2 ? event::Outcome::kFailure : event::Outcome::kSuccess;
    }
    AL_ASSERT_OK(store_->Append("pool-a", events).status());
    options_.store = store_.get();
    options_.registry = registry_.get();
    options_.clock = &clock_;
    RegisterAuthingApi(router_, options_);
  }

  http::Response Send(std::string method, std::string path, std::vector<http::NameValue> query = {},
                      std::vector<http::NameValue> headers = {}, std::string_view body = {}) {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = request.path;
    request.query = std::move(query);
    request.headers = std::move(headers);
    request.body = event::PaddedBuffer(body);
    return router_.Dispatch(request);
  }

  std::string Exchange(const std::string& pool, const std::string& secret, json* answer) {
    const json body = {{"query",
                        "query accessToken($userPoolId: String!, $secret: String!) { "
                        "accessToken(userPoolId: $userPoolId, secret: $secret) { accessToken exp "
                        "iat } }"},
                       {"variables", {{"userPoolId", pool}, {"secret", secret}}}};
    const http::Response response = Send("POST", "/graphql/v2", {}, {}, body.dump());
    EXPECT_EQ(response.status, 200);
    *answer = json::parse(response.body);
    return answer->value("/data/accessToken/accessToken"_json_pointer, std::string());
  }

  json AuditWith(const std::string& bearer, int* status,
                 std::vector<http::NameValue> extra_headers = {}) {
    extra_headers.emplace_back("authorization", "Bearer " + bearer);
    const http::Response response =
        Send("GET", "/api/v2/analysis/audit", {}, std::move(extra_headers));
    *status = response.status;
    return json::parse(response.body);
  }

  // A v3 request signed as authing-node-sdk signs it, dated kDate, with
  // `key` (key_ when null). A request that cannot be signed goes out with a
  // dummy signature.
  http::Response SignedV3(std::string_view body, std::string_view nonce,
                          std::string path = "/api/v3/get-user-action-logs",
                          const http::NewKey* key = nullptr, std::string method = "POST",
                          std::vector<http::NameValue> query = {},
                          std::vector<http::NameValue> extra_headers = {}) {
    if (key == nullptr) key = &key_;
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = request.path;
    request.query = std::move(query);
    request.headers = {{"content-type", "application/json"},
                       {"x-authing-signature-nonce", std::string(nonce)},
                       {"x-authing-signature-method", "HMAC-SHA1"},
                       {"x-authing-signature-version", "1.0"},
                       {"x-authing-sdk-version", "authing-node-sdk:4.0.1"},
                       {"x-authing-lang", "zh-CN"},
                       {"date", kDate}};
    for (auto& header : extra_headers) request.headers.push_back(std::move(header));
    request.body = event::PaddedBuffer(body);
    const auto text = StringToSign(request);
    const std::string signature = text.ok() ? SignString(key->key, *text) : "unsigned=";
    request.headers.emplace_back("authorization", "authing " + key->info.id + ":" + signature);
    return router_.Dispatch(request);
  }

  env::MemFileSystem fs_;
  ManualClock clock_{kNowMicros};
  SeededRandom random_{11};
  std::unique_ptr<http::TenantRegistry> registry_;
  std::unique_ptr<storage::EmbeddedStore> store_;
  http::NewKey key_;
  http::NewKey other_key_;
  DialectApiOptions options_;
  http::Router router_;
};

TEST_F(AuthingApi, ExchangedTokenReadsTheTenantsAuditLogs) {
  json answer;
  const std::string token = Exchange("pool-a", key_.key, &answer);
  ASSERT_FALSE(token.empty()) << answer.dump();
  EXPECT_EQ(answer["data"]["accessToken"]["iat"], kNowMicros / 1'000'000);
  EXPECT_EQ(answer["data"]["accessToken"]["exp"], kNowMicros / 1'000'000 + 7200);
  int status = 0;
  const json audit = AuditWith(token, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(audit["code"], 200);
  EXPECT_EQ(audit["data"]["totalCount"], 1);
  EXPECT_EQ(audit["data"]["list"][0]["logId"], "e0");
}

TEST_F(AuthingApi, ExchangeRefusesBadSecretsAndOtherPoolsKeys) {
  for (const auto& [pool, secret] : std::vector<std::pair<std::string, std::string>>{
           {"pool-a", "not-a-key"}, {"pool-a", other_key_.key}, {"pool-x", key_.key}}) {
    json answer;
    EXPECT_TRUE(Exchange(pool, secret, &answer).empty());
    EXPECT_EQ(answer["errors"][0]["message"]["code"], 2000) << answer.dump();
    EXPECT_TRUE(answer["data"].is_null());
  }
}

TEST_F(AuthingApi, ExpiredTokenIsRefused) {
  json answer;
  const std::string token = Exchange("pool-a", key_.key, &answer);
  clock_.AdvanceMicros(int64_t{7200} * 1'000'000);
  int status = 0;
  const json audit = AuditWith(token, &status);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(audit["code"], 401);
  EXPECT_EQ(audit["message"], "token expired");
  EXPECT_TRUE(audit["data"].is_null());
}

TEST_F(AuthingApi, RevokingTheKeyEndsItsTokens) {
  json answer;
  const std::string token = Exchange("pool-a", key_.key, &answer);
  AL_ASSERT_OK(registry_->RevokeKey("pool-a", key_.info.id));
  int status = 0;
  const json audit = AuditWith(token, &status);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(audit["message"], "token revoked: its API key is no longer valid");
}

TEST_F(AuthingApi, UserPoolHeaderMustNameTheCredentialsPool) {
  int status = 0;
  AuditWith(key_.key, &status, {{"x-authing-userpool-id", "pool-a"}});
  EXPECT_EQ(status, 200);
  const json refused = AuditWith(key_.key, &status, {{"x-authing-userpool-id", "pool-b"}});
  EXPECT_EQ(status, 403);
  EXPECT_EQ(refused["code"], 403);
}

TEST_F(AuthingApi, MissingScopeIsForbidden) {
  AL_ASSERT_OK_AND_ASSIGN(const http::NewKey writer, registry_->CreateKey("pool-a", 1));
  int status = 0;
  const json refused = AuditWith(writer.key, &status);
  EXPECT_EQ(status, 403);
  EXPECT_EQ(refused["message"], "this API key lacks the scope events:read");
}

TEST_F(AuthingApi, SignedV3RequestIsAnsweredOnceAndOnlyWhileFresh) {
  const std::string body = R"({"userId":"u1","success":false,"pagination":{"page":1,"limit":10}})";
  http::Response response = SignedV3(body, "nonce-1");
  ASSERT_EQ(response.status, 200) << response.body;
  json answer = json::parse(response.body);
  EXPECT_EQ(answer["statusCode"], 200);
  EXPECT_EQ(answer["data"]["totalCount"], 1);
  EXPECT_EQ(answer["data"]["list"][0]["eventType"], "login");
  EXPECT_EQ(answer["data"]["list"][0]["success"], false);

  response = SignedV3(body, "nonce-1");
  EXPECT_EQ(response.status, 401);
  answer = json::parse(response.body);
  EXPECT_EQ(answer["statusCode"], 401);
  EXPECT_EQ(answer["apiCode"], 40100);
  EXPECT_TRUE(answer["message"].get<std::string>().starts_with("signature: replayed request"));
  EXPECT_TRUE(answer["data"].is_null());

  clock_.AdvanceMicros(int64_t{16} * 60 * 1'000'000);
  response = SignedV3(body, "nonce-2");
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(json::parse(response.body)["message"].get<std::string>().starts_with(
      "signature: stale date"));
}

TEST_F(AuthingApi, V3ParameterErrorsUseTheV3Envelope) {
  const http::Response response = SignedV3(R"({"pagination":{"limit":51}})", "nonce-3");
  EXPECT_EQ(response.status, 400);
  const json answer = json::parse(response.body);
  EXPECT_EQ(answer["statusCode"], 400);
  EXPECT_EQ(answer["message"], "pagination.limit: must be a whole number from 1 to 50, got \"51\"");
}

TEST_F(AuthingApi, V3SeesOnlyTheKeysOwnPool) {
  const std::string body = R"({"userId":"u1"})";
  http::Response response = SignedV3(body, "iso-1", "/api/v3/get-user-action-logs", &other_key_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["data"]["totalCount"], 0);
  response = SignedV3("{}", "iso-2", "/api/v3/get-admin-audit-logs", &other_key_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["data"]["totalCount"], 0);
  response = SignedV3("", "iso-3", "/api/v3/get-user-login-history", &other_key_, "GET",
                      {{"userId", "u1"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["data"]["totalCount"], 0);
  // The same requests with pool-a's key see pool-a's events.
  response = SignedV3("", "iso-4", "/api/v3/get-user-login-history", &key_, "GET",
                      {{"userId", "u1"}, {"userIdType", "user_id"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["data"]["totalCount"], 2);
}

TEST_F(AuthingApi, V3LoginHistoryAlsoTakesAPostBody) {
  const http::Response response = SignedV3(R"({"user_id":"u1","page":1,"limit":10})", "post-1",
                                           "/api/v3/get-user-login-history");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["data"]["totalCount"], 2);
}

TEST_F(AuthingApi, V3KeyWithoutReadScopeIsForbiddenAndItsNonceNotKept) {
  AL_ASSERT_OK_AND_ASSIGN(const http::NewKey writer, registry_->CreateKey("pool-a", 1));
  http::Response response = SignedV3("{}", "scope-1", "/api/v3/get-user-action-logs", &writer);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(json::parse(response.body)["message"], "this API key lacks the scope events:read");
  // The refused request took no room in the nonce cache: the same nonce,
  // with a key that may read, is a first use.
  response = SignedV3("{}", "scope-1", "/api/v3/get-user-action-logs");
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(AuthingApi, V3UserPoolHeaderMustNameTheKeysPool) {
  http::Response response = SignedV3("{}", "pool-1", "/api/v3/get-user-action-logs", nullptr,
                                     "POST", {}, {{"x-authing-userpool-id", "pool-b"}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(json::parse(response.body)["message"],
            "x-authing-userpool-id: the credential belongs to another user pool");
  response = SignedV3("{}", "pool-2", "/api/v3/get-user-action-logs", nullptr, "POST", {},
                      {{"x-authing-userpool-id", "pool-a"}});
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(AuthingApi, V3AmbiguousRequestsAreRefusedBeforeAnyQuery) {
  http::Response response = SignedV3(R"({"pagination={\"page\":1,\"limit\":50}&userId":"u1"})",
                                     "amb-1", "/api/v3/get-admin-audit-logs");
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(json::parse(response.body)["message"].get<std::string>().starts_with(
      "body key \"pagination="));
  response =
      SignedV3("", "amb-2", "/api/v3/get-user-login-history", nullptr, "GET",
               {{"end=E&limit=10&page=1&start", "S"}, {"userId", "U"}, {"userIdType", "user_id"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(json::parse(response.body)["message"].get<std::string>().starts_with(
      "query key \"end=E&limit=10&page=1&start\""));
  response = SignedV3(R"({"userId":"u1","offset":5})", "amb-3");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body)["message"], "offset: unknown member");
}

TEST_F(AuthingApi, V3UnknownKeyAndBadSignatureLookTheSame) {
  http::NewKey unknown = key_;
  unknown.info.id = "unknownkeyid0000";
  http::Response response = SignedV3("{}", "who-1", "/api/v3/get-user-action-logs", &unknown);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(json::parse(response.body)["message"], "signature: invalid accessKeyId or signature");
  http::NewKey wrong_secret = key_;
  wrong_secret.key = other_key_.key;
  response = SignedV3("{}", "who-2", "/api/v3/get-user-action-logs", &wrong_secret);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(json::parse(response.body)["message"], "signature: invalid accessKeyId or signature");
}

TEST_F(AuthingApi, V2DocumentsNameTheQueriedPool) {
  int status = 0;
  const json audit = AuditWith(key_.key, &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(audit["data"]["list"][0]["userPoolId"], "pool-a");
}

TEST_F(AuthingApi, UnknownRoutesAnswerInEachPrefixsEnvelope) {
  http::Response response = Send("GET", "/graphql/v2");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(json::parse(response.body)["errors"][0]["message"]["code"], 405);
  response = Send("GET", "/api/v3/nothing");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(json::parse(response.body)["statusCode"], 404);
  response = Send("POST", "/api/v2/analysis/audit");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(json::parse(response.body)["code"], 405);
}

TEST_F(AuthingApi, UnsupportedGraphqlOperationIsAGraphqlError) {
  const http::Response response =
      Send("POST", "/graphql/v2", {}, {}, R"({"query":"{ users { totalCount } }"})");
  EXPECT_EQ(response.status, 200);
  const json answer = json::parse(response.body);
  EXPECT_EQ(answer["errors"][0]["message"]["code"], 400);
  EXPECT_TRUE(answer["data"].is_null());
}

}  // namespace
}  // namespace auditlog::api::authing

// Authing's official clients against a real auditlog server:
//   - npm authing-js-sdk 4.23 (v2 API: GraphQL token exchange, then
//     /api/v2/analysis/audit and /api/v2/analysis/user-action),
//   - npm authing-node-sdk 4.0.1 (v3 API, HMAC-SHA1 signed requests),
//   - the exact requests of Authing's Python SDK v2 (it cannot be installed
//     here), written out from its source and replayed byte for byte.
// The same 20 events, ingested through the native API as Authing log lines,
// back every check; the expected answers are worked out from that table.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compat_fixture.h"
#include "http/message.h"

namespace auditlog::testing {
namespace {

using nlohmann::json;

constexpr char kPool[] = "pool-compat";
// 2021-09-22T07:00:00Z; event i happens i minutes later.
constexpr int64_t kBaseMillis = 1'632'294'000'000;

struct Row {
  const char* id;
  const char* type;
  const char* user;
  const char* ip;
  const char* app;  // "" for none
  bool success;
  const char* operation;
};

// a* are admin (audit) operations, u* user actions; index = minutes after base.
const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      {"a1", "createUser", "admin-1", "111.202.167.58", "app-1", true, "create"},
      {"a2", "createUser", "admin-1", "111.202.167.58", "", true, "create"},
      {"a3", "createUser", "admin-1", "111.202.167.58", "", false, "create"},
      {"a4", "createUser", "svc-ops-automation", "111.202.167.58", "", true, "create"},
      {"a5", "deleteUser", "svc-ops-automation", "10.0.0.5", "", true, "delete"},
      {"a6", "deleteUser", "svc-ops-automation", "10.0.0.5", "", false, "delete"},
      {"a7", "importUser", "admin-1", "10.0.0.5", "app-1", true, "import"},
      {"a8", "importUser", "svc-ops-automation", "10.0.0.5", "app-1", true, "import"},
      {"u1", "login", "6139user", "111.202.167.58", "app-1", true, "login"},
      {"u2", "login", "6139user", "111.202.167.58", "app-1", false, "login"},
      {"u3", "login", "6139user", "111.202.167.58", "app-1", true, "login"},
      {"u4", "login", "6139user", "10.0.0.9", "app-1", true, "login"},
      {"u5", "login", "6139user", "10.0.0.9", "app-1", false, "login"},
      {"u6", "login", "6139user", "10.0.0.9", "app-1", true, "login"},
      {"u7", "register", "newbie", "10.0.0.9", "app-2", true, "create"},
      {"u8", "register", "newbie", "10.0.0.9", "app-2", true, "create"},
      {"u9", "updatePassword", "6139user", "111.202.167.58", "app-1", true, "update"},
      {"u10", "updatePassword", "6139user", "111.202.167.58", "app-1", true, "update"},
      {"u11", "logout", "6139user", "10.0.0.9", "app-1", true, "logout"},
      {"u12", "logout", "6139user", "10.0.0.9", "app-1", true, "logout"},
  };
  return rows;
}

int64_t MillisOf(std::string_view id) {
  for (size_t index = 0; index < Rows().size(); ++index) {
    if (Rows()[index].id == id) return kBaseMillis + static_cast<int64_t>(index) * 60'000;
  }
  return 0;
}

// Authing log lines, one per row.
std::string LogLines() {
  std::string body;
  for (size_t index = 0; index < Rows().size(); ++index) {
    const Row& row = Rows()[index];
    const int minute = static_cast<int>(index);
    body += "[2021-09-22T07:" + std::string(minute < 10 ? "0" : "") + std::to_string(minute) +
            ":00.000-0000] logId=" + row.id + " appId=" + (*row.app ? row.app : "null") +
            " userName=" + row.user + " userPoolId=" + kPool + " userId=" + row.user +
            " requestId=req-" + row.id + " roleName=null roleCode=null roleId=null" +
            " userAgent=python-requests/2.26.0 clientIp=" + row.ip + " eventType=" + row.type +
            " eventDetails=null resourceType=DATA resourceName=user resourceDetails=" + row.id +
            " operationType=" + row.operation + " operationMode=sdk originValue=null" +
            " targetValue=null eventResultCode=" + (row.success ? "success" : "failure") +
            " operationParam=null eventResultMsg=null\n";
  }
  return body;
}

std::vector<std::string> LogIds(const json& list) {
  std::vector<std::string> ids;
  for (const json& record : list) ids.push_back(record.value("logId", ""));
  return ids;
}

class AuthingCompat : public CompatFixture {
 protected:
  // Creates the pool (tenant) with a key and ingests the rows.
  void Seed() {
    key_ = TenantWithKey(kPool);
    ASSERT_FALSE(key_.empty());
    // al_<16-character id>_<secret>
    key_id_ = key_.substr(3, 16);
    const Reply ingested = Call("POST", "/v1/events?format=authing-line", key_, LogLines(),
                                {"Content-Type: text/plain"});
    ASSERT_EQ(ingested.status, 200) << ingested.body;
    ASSERT_EQ(ingested.json["accepted"], Rows().size()) << ingested.body;
  }

  std::string key_;
  std::string key_id_;
};

TEST_F(AuthingCompat, JsSdkListsAuditLogsAndUserActions) {
  AL_REQUIRE_NODE(20, 19, "authing-js-sdk");
  StartTlsServer();
  Seed();
  const NodeRun run =
      RunNode("authing_js_sdk.js", {{"AUTHING_POOL", kPool},
                                    {"AUTHING_SECRET", key_},
                                    {"AUTHING_START", std::to_string(MillisOf("u2"))},
                                    {"AUTHING_END", std::to_string(MillisOf("u9"))}});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const json& report = run.report;
  ASSERT_TRUE(report.is_object()) << run.out;

  // Audit logs from one address, newest first.
  EXPECT_EQ(report["auditByIp"]["total"], 4);
  EXPECT_EQ(report["auditByIp"]["logIds"], json({"a4", "a3", "a2", "a1"}));
  const json& first = report["auditByIp"]["first"];
  EXPECT_EQ(first["userId"], "svc-ops-automation");
  EXPECT_EQ(first["eventType"], "createUser");
  EXPECT_EQ(first["clientIp"], "111.202.167.58");
  EXPECT_EQ(first["userPoolId"], kPool);
  EXPECT_EQ(first["timestamp"], "2021-09-22T07:03:00.000-0000");
  EXPECT_EQ(first["filedate"], "2021.09.22");
  EXPECT_EQ(first["roleCode"], "null");
  EXPECT_EQ(first["resourceType"], "DATA");
  EXPECT_EQ(first["appId"], "null");
  EXPECT_TRUE(first["message"].get<std::string>().starts_with(
      "[2021-09-22T07:03:00.000-0000] logId=a4 appId=null userName=svc-ops-automation"));

  // userId (camelCase, as 4.23 sends it), second page of two.
  EXPECT_EQ(report["auditByUser"]["total"], 4);
  EXPECT_EQ(report["auditByUser"]["logIds"], json({"a5", "a4"}));

  EXPECT_EQ(report["actionsByUser"]["total"], 6);
  EXPECT_EQ(report["actionsByUser"]["logIds"], json({"u6", "u5", "u4", "u3", "u2", "u1"}));

  // start/end (epoch ms, inclusive) with clientip.
  EXPECT_EQ(report["actionsByWindow"]["total"], 3);
  EXPECT_EQ(report["actionsByWindow"]["logIds"], json({"u9", "u3", "u2"}));

  // userAction.list: operation_name and the pool-qualified operator_arn.
  EXPECT_EQ(report["userActionList"]["total"], 3);
  EXPECT_EQ(report["userActionList"]["logIds"], json({"u6", "u5", "u4"}));
  EXPECT_EQ(report["otherPoolArn"]["total"], 0);

  EXPECT_EQ(report["badSecret"]["code"], 2000) << report["badSecret"].dump();
}

TEST_F(AuthingCompat, NodeSdkSignsV3Requests) {
  AL_REQUIRE_NODE(20, 19, "authing-node-sdk");
  StartTlsServer();
  Seed();
  const NodeRun run =
      RunNode("authing_node_sdk.js", {{"AUTHING_KEY_ID", key_id_},
                                      {"AUTHING_SECRET", key_},
                                      {"AUTHING_START", std::to_string(MillisOf("u1"))},
                                      {"AUTHING_END", std::to_string(MillisOf("u12"))}});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const json& report = run.report;
  ASSERT_TRUE(report.is_object()) << run.out;

  EXPECT_EQ(report["adminByUser"]["statusCode"], 200);
  EXPECT_EQ(report["adminByUser"]["total"], 4);
  const json& newest = report["adminByUser"]["list"][0];
  EXPECT_EQ(newest["adminUserId"], "svc-ops-automation");
  EXPECT_EQ(newest["operationType"], "import");
  EXPECT_EQ(newest["success"], true);
  EXPECT_EQ(newest["timestamp"], "2021-09-22T07:07:00.000+0000");
  EXPECT_EQ(newest["requestId"], "req-a8");
  // Authing's category (the lines' resourceType=DATA), not resourceName.
  EXPECT_EQ(newest["resourceType"], "DATA");
  EXPECT_TRUE(newest.contains("parsedUserAgent"));
  EXPECT_TRUE(newest.contains("geoip"));

  // resourceType filters by the same category.
  EXPECT_EQ(report["adminByCategory"]["total"], 4);
  EXPECT_EQ(report["adminByResourceName"]["total"], 0);

  EXPECT_EQ(report["adminFailures"]["total"], 1);
  EXPECT_EQ(report["adminFailures"]["list"][0]["requestId"], "req-a6");
  EXPECT_EQ(report["adminFailures"]["list"][0]["success"], false);

  EXPECT_EQ(report["actionFailures"]["total"], 2);
  EXPECT_EQ(report["actionFailures"]["list"][0]["requestId"], "req-u5");
  EXPECT_EQ(report["actionFailures"]["list"][0]["eventType"], "login");
  EXPECT_EQ(report["actionFailures"]["list"][0]["appId"], "app-1");
  EXPECT_EQ(report["actionFailures"]["list"][1]["requestId"], "req-u2");

  EXPECT_EQ(report["loginHistory"]["total"], 6);
  ASSERT_EQ(report["loginHistory"]["list"].size(), 4u);
  EXPECT_EQ(report["loginHistory"]["list"][0]["time"], "2021-09-22T07:13:00.000+0000");
  EXPECT_EQ(report["loginHistory"]["list"][0]["clientIp"], "10.0.0.9");

  EXPECT_EQ(report["badSecret"]["status"], 401) << report["badSecret"].dump();
  EXPECT_EQ(report["badSecret"]["body"]["statusCode"], 401);
  EXPECT_EQ(report["badSecret"]["body"]["message"], "signature: invalid accessKeyId or signature");
}

// ---- Authing's Python SDK v2, replayed --------------------------------------

// graphql-core 2's introspection_query as gql 2.0.0 prints it (print_ast).
constexpr std::string_view kPrintedIntrospection =
    "query IntrospectionQuery {\n  __schema {\n    queryType {\n      name\n    }\n    "
    "mutationType {\n      name\n    }\n    subscriptionType {\n      name\n    }\n    types {\n"
    "      ...FullType\n    }\n    directives {\n      name\n      description\n      locations\n"
    "      args {\n        ...InputValue\n      }\n    }\n  }\n}\n\nfragment FullType on __Type {\n"
    "  kind\n  name\n  description\n  fields(includeDeprecated: true) {\n    name\n    "
    "description\n"
    "    args {\n      ...InputValue\n    }\n    type {\n      ...TypeRef\n    }\n    "
    "isDeprecated\n"
    "    deprecationReason\n  }\n  inputFields {\n    ...InputValue\n  }\n  interfaces {\n"
    "    ...TypeRef\n  }\n  enumValues(includeDeprecated: true) {\n    name\n    description\n"
    "    isDeprecated\n    deprecationReason\n  }\n  possibleTypes {\n    ...TypeRef\n  }\n}\n\n"
    "fragment InputValue on __InputValue {\n  name\n  description\n  type {\n    ...TypeRef\n  }\n"
    "  defaultValue\n}\n\nfragment TypeRef on __Type {\n  kind\n  name\n  ofType {\n    kind\n"
    "    name\n    ofType {\n      kind\n      name\n      ofType {\n        kind\n        name\n"
    "      }\n    }\n  }\n}\n";

constexpr std::string_view kPrintedAccessToken =
    "query accessToken($userPoolId: String!, $secret: String!) {\n"
    "  accessToken(userPoolId: $userPoolId, secret: $secret) {\n    accessToken\n    exp\n"
    "    iat\n  }\n}\n";

// A JSON string literal as Python's json.dumps writes it (ASCII input).
std::string PyJsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct RawAnswer {
  int status = 0;
  json body;
};

// The status and JSON body of one HTTP/1.1 response (Content-Length or chunked).
RawAnswer ParseRawResponse(const std::string& bytes) {
  RawAnswer answer;
  if (bytes.size() < 12) return answer;
  answer.status = std::stoi(bytes.substr(9, 3));
  const size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return answer;
  std::string head = bytes.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = bytes.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    std::string decoded;
    size_t pos = 0;
    while (pos < body.size()) {
      const size_t line_end = body.find("\r\n", pos);
      if (line_end == std::string::npos) break;
      const size_t size = std::stoul(body.substr(pos, line_end - pos), nullptr, 16);
      if (size == 0) break;
      decoded += body.substr(line_end + 2, size);
      pos = line_end + 2 + size + 2;
    }
    body = decoded;
  }
  answer.body = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return answer;
}

class AuthingPythonReplay : public AuthingCompat {
 protected:
  // Sends `request` exactly and returns the answer. Python's requests keeps
  // the connection alive, so the read ends on the timeout.
  RawAnswer Exchange(const std::string& request) {
    auto reply = RawExchange(app_->port(), request, std::chrono::milliseconds(1500));
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    return ParseRawResponse(reply->bytes);
  }

  std::string HostHeader() { return "Host: 127.0.0.1:" + std::to_string(app_->port()) + "\r\n"; }

  // gql 2.0.0's RequestsHTTPTransport.execute: requests.post(json=payload).
  std::string GraphqlPost(std::string_view printed_query, std::string_view variables_json) {
    const std::string body = "{\"query\": " + PyJsonString(printed_query) +
                             ", \"variables\": " + std::string(variables_json) + "}";
    return "POST /graphql/v2 HTTP/1.1\r\n" + HostHeader() +
           "User-Agent: python-requests/2.26.0\r\nAccept-Encoding: gzip, deflate\r\n"
           "Accept: */*\r\nConnection: keep-alive\r\nx-authing-sdk-version: python:4.5.18\r\n"
           "x-authing-userpool-id: " +
           kPool +
           "\r\nx-authing-request-from: sdk\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nContent-Type: application/json\r\n\r\n" + body;
  }

  // authing/v2/common/rest.py's RestClient.request (GET).
  std::string RestGet(std::string_view target, std::string_view token) {
    return "GET " + std::string(target) + " HTTP/1.1\r\n" + HostHeader() +
           "User-Agent: python-requests/2.26.0\r\nAccept-Encoding: gzip, deflate\r\n"
           "Accept: */*\r\nConnection: keep-alive\r\nx-authing-sdk-version: python:4.5.18\r\n"
           "x-authing-userpool-id: " +
           kPool + "\r\nx-authing-request-from: sdk\r\nx-authing-lang: \r\nauthorization: Bearer " +
           std::string(token) + "\r\n\r\n";
  }
};

TEST_F(AuthingPythonReplay, TheSdksRequestsGetSensibleAnswers) {
  StartServer();  // plain HTTP: RawExchange writes to the socket itself
  Seed();

  // 1. gql fetches the schema first.
  const RawAnswer schema = Exchange(GraphqlPost(kPrintedIntrospection, "{}"));
  ASSERT_EQ(schema.status, 200);
  EXPECT_EQ(schema.body["data"]["__schema"]["queryType"]["name"], "Query");

  // 2. ManagementTokenProvider's accessToken query.
  const RawAnswer token =
      Exchange(GraphqlPost(kPrintedAccessToken, "{\"userPoolId\": \"" + std::string(kPool) +
                                                    "\", \"secret\": \"" + key_ + "\"}"));
  ASSERT_EQ(token.status, 200);
  const std::string jwt = token.body["data"]["accessToken"]["accessToken"].get<std::string>();
  const int64_t exp = token.body["data"]["accessToken"]["exp"];
  const int64_t iat = token.body["data"]["accessToken"]["iat"];
  EXPECT_GT(exp - iat, 3600);

  // 3. list_audit_logs(app_ids=["appid"]): every guard tests operation_names,
  //    so nothing is sent: all audit logs, first page of 10.
  RawAnswer answer = Exchange(RestGet("/api/v2/analysis/audit", jwt));
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["code"], 200);
  EXPECT_EQ(answer.body["message"], "");
  EXPECT_EQ(answer.body["data"]["totalCount"], 8);
  EXPECT_EQ(answer.body["data"]["list"].size(), 8u);

  // 4. list_audit_logs(client_ip=...).
  answer = Exchange(RestGet("/api/v2/analysis/audit?clientip=111.202.167.58", jwt));
  EXPECT_EQ(answer.body["data"]["totalCount"], 4);

  // 5. list_audit_logs(operation_names=["createUser"], user_ids=[U], app_ids=[A],
  //    page=1, limit=10): the names were overwritten by page, then limit.
  answer = Exchange(RestGet(
      "/api/v2/analysis/audit?operation_name=10&operator_arn=arn%3Acn%3Aauthing%3Auser%3Aadmin-1"
      "&app_id=app-1",
      jwt));
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["data"]["totalCount"], 2);
  EXPECT_EQ(LogIds(answer.body["data"]["list"]), std::vector<std::string>({"a7", "a1"}));

  // 6. users.list_user_actions(page=1, limit=10, client_ip=IP): empty values sent.
  answer = Exchange(
      RestGet("/api/v2/analysis/user-action?page=1&limit=10&clientip=111.202.167.58&operation_name="
              "&operator_arn=",
              jwt));
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["data"]["totalCount"], 5);
  EXPECT_EQ(LogIds(answer.body["data"]["list"]),
            std::vector<std::string>({"u10", "u9", "u3", "u2", "u1"}));

  // 7. list_user_actions(page=2, limit=5, operation_name="login", operato_arn=...).
  answer =
      Exchange(RestGet("/api/v2/analysis/user-action?page=2&limit=5&clientip=&operation_name=login"
                       "&operator_arn=arn%3Acn%3Aauthing%3Auser%3A6139user",
                       jwt));
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["data"]["totalCount"], 6);
  EXPECT_EQ(LogIds(answer.body["data"]["list"]), std::vector<std::string>({"u1"}));

  // A bad secret: Authing's GraphQL error shape, which the SDK indexes.
  const RawAnswer refused =
      Exchange(GraphqlPost(kPrintedAccessToken, "{\"userPoolId\": \"" + std::string(kPool) +
                                                    "\", \"secret\": \"wrong\"}"));
  EXPECT_EQ(refused.status, 200);
  EXPECT_EQ(refused.body["errors"][0]["message"]["code"], 2000);
  EXPECT_TRUE(refused.body["data"].is_null());
}

// ---- the v2 routes' credentials ------------------------------------------------

TEST_F(AuthingPythonReplay, TokensDieWithTheirKeyAndPoolsMustMatch) {
  StartServer();
  Seed();
  const Reply exchanged = Call(
      "POST", "/graphql/v2", "",
      R"({"query":"query accessToken($userPoolId: String!, $secret: String!) { accessToken(userPoolId: $userPoolId, secret: $secret) { accessToken exp iat } }","variables":{"userPoolId":")" +
          std::string(kPool) + R"(","secret":")" + key_ + R"("}})");
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  const std::string jwt = exchanged.json["data"]["accessToken"]["accessToken"];

  // The JWT and the plain API key both work as Bearer.
  EXPECT_EQ(Call("GET", "/api/v2/analysis/audit?limit=1", jwt).json["data"]["totalCount"], 8);
  EXPECT_EQ(Call("GET", "/api/v2/analysis/audit?limit=1", key_).json["data"]["totalCount"], 8);

  // Another pool in x-authing-userpool-id.
  const Reply other =
      Call("GET", "/api/v2/analysis/audit", jwt, "", {"x-authing-userpool-id: someone-else"});
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.json["code"], 403);
  EXPECT_TRUE(other.json["data"].is_null());

  // A parameter error in the v2 envelope.
  const Reply bad = Call("GET", "/api/v2/analysis/audit?limit=500", jwt);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["code"], 400);
  EXPECT_EQ(bad.json["message"], "limit: must be a whole number from 1 to 200, got \"500\"");

  // An unknown path under the prefix answers in the same envelope.
  const Reply missing = Call("GET", "/api/v2/analysis/nothing", jwt);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json["code"], 404);

  // Revoking the key ends its tokens at once.
  ASSERT_EQ(Admin("DELETE", "/v1/tenants/" + std::string(kPool) + "/keys/" + key_id_).status, 204);
  const Reply revoked = Call("GET", "/api/v2/analysis/audit", jwt);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.json["message"], "token revoked: its API key is no longer valid");
}

}  // namespace
}  // namespace auditlog::testing

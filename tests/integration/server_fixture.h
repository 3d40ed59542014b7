#pragma once

// A real auditlog server (server/app.h) on a free loopback port over a
// fresh data directory, and a client that speaks to it over HTTP(S): what
// every integration test starts from.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "http/auth/tenant_registry.h"
#include "server/app.h"
#include "testing/http_client.h"
#include "testing/status_matchers.h"

namespace auditlog::testing {

inline constexpr char kAdminToken[] = "admin-token-for-tests-0123456789";

struct Reply {
  long status = 0;
  nlohmann::json json;  // null when the body is not JSON
  std::string body;
  HttpReply raw;
};

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("auditlog_it_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    config_.data_dir = (dir_ / "data").string();
    config_.master_key_file = config_.data_dir + "/master.key";
    config_.listen = "127.0.0.1:0";
    config_.admin_token = kAdminToken;
    config_.io_threads = 2;
    config_.worker_threads = 4;
    config_.access_log = false;
    config_.memtable_mb = 16;
    config_.cache_mb = 32;
    // Loading uap-core's rules takes a second or more under the sanitizers;
    // the tests of enrichment turn it back on.
    config_.uap_regexes = "none";
  }
  void TearDown() override {
    app_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer() {
    auto app = server::App::Start(config_, &log_);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
  }
  void RestartServer() {
    app_->Stop();
    app_.reset();
    StartServer();
  }

  Reply Call(const std::string& method, const std::string& path_and_query,
             const std::string& credential = "", const std::string& body = "",
             std::vector<std::string> headers = {}) {
    HttpCall call;
    call.method = method;
    call.url = app_->base_url() + path_and_query;
    if (!credential.empty()) headers.push_back("Authorization: Bearer " + credential);
    if (!body.empty() && method != "GET") {
      bool has_type = false;
      for (const std::string& header : headers) has_type |= header.starts_with("Content-Type");
      if (!has_type) headers.push_back("Content-Type: application/json");
    }
    call.headers = std::move(headers);
    call.body = body;
    call.ca_file = ca_file_;
    auto reply = Fetch(call);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    Reply out;
    if (!reply.ok()) return out;
    out.status = reply->status;
    out.body = reply->body;
    out.json = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
    if (out.json.is_discarded()) out.json = nullptr;
    out.raw = std::move(*reply);
    return out;
  }
  Reply Admin(const std::string& method, const std::string& path, const std::string& body = "") {
    return Call(method, path, kAdminToken, body);
  }

  // Creates `tenant` and a key with `scopes`; returns the key.
  std::string TenantWithKey(
      const std::string& tenant,
      const std::string& scopes = R"(["events:write","events:read","stats:read"])") {
    Reply created = Admin("POST", "/v1/tenants", R"({"id":")" + tenant + R"("})");
    EXPECT_TRUE(created.status == 201 || created.status == 409) << created.body;
    Reply key = Admin("POST", "/v1/tenants/" + tenant + "/keys", R"({"scopes":)" + scopes + "}");
    EXPECT_EQ(key.status, 201) << key.body;
    return key.json.is_object() ? key.json.value("key", "") : "";
  }

  std::filesystem::path dir_;
  server::ServeConfig config_;
  server::Logger log_{server::LogLevel::kWarn, /*json=*/false};
  std::unique_ptr<server::App> app_;
  std::string ca_file_;
};

}  // namespace auditlog::testing

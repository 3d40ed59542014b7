// Data-driven HTTP scenarios: every tests/api/<dialect>/NNNN-name.yaml is one
// test that starts a fresh server, loads events through the native API and
// then sends requests, checking each answer against an expected subset. They
// pin each dialect's wire contract in a form that reads like the vendor's
// documentation. The format is described in tests/api/README.md.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../integration/server_fixture.h"

namespace auditlog::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ScenarioDir() { return std::string(AL_SOURCE_DIR) + "/tests/api"; }

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(ScenarioDir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(fs::relative(entry.path(), ScenarioDir()).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class Variables {
 public:
  void Set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  // Replaces every ${NAME}. An unknown name (a typo, a capture that never
  // ran) fails the test: left as written it could make a step that expects
  // an error pass for the wrong reason.
  std::string Expand(const std::string& text) const {
    std::string out;
    size_t at = 0;
    while (true) {
      const size_t open = text.find("${", at);
      if (open == std::string::npos) break;
      const size_t close = text.find('}', open);
      if (close == std::string::npos) break;
      out.append(text, at, open - at);
      const std::string name = text.substr(open + 2, close - open - 2);
      const auto found = values_.find(name);
      if (found == values_.end()) {
        ADD_FAILURE() << "unknown variable ${" << name << "} in: " << text;
        out += text.substr(open, close - open + 1);
      } else {
        out += found->second;
      }
      at = close + 1;
    }
    out.append(text, at);
    return out;
  }

 private:
  std::map<std::string, std::string> values_;
};

// A YAML value as JSON, ${NAME}s expanded. Plain scalars take the JSON type
// they spell once expanded (true, 12, 1.5, null), so `total: ${N}` is a
// number; quoted ones stay strings. YAML 1.1 spellings (True, NULL, 0x10)
// are strings.
json ToJson(const YAML::Node& node, const Variables& variables) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) array.push_back(ToJson(item, variables));
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& item : node)
        object[item.first.as<std::string>()] = ToJson(item.second, variables);
      return object;
    }
    default:
      break;
  }
  const std::string text = variables.Expand(node.Scalar());
  if (node.Tag() == "!") return text;  // quoted
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null" || text == "~") return nullptr;
  // A JSON number as written (no leading zeros, no '+'): "0001" and
  // "10.8.xxx.x" stay strings.
  if (!text.empty() && (text[0] == '-' || std::isdigit(static_cast<unsigned char>(text[0])))) {
    const json number = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!number.is_discarded() && number.is_number()) return number;
  }
  return text;
}

// Whether `actual` holds `expected`: objects need every expected member
// (the value "$absent" means the member must not be there, "$any" that it
// is there with any value), arrays need the same length and each element
// to match, scalars must be equal. Appends each mismatch to `problems`.
void Match(const json& expected, const json& actual, const std::string& where,
           std::vector<std::string>* problems) {
  if (expected.is_string() && expected.get<std::string>() == "$any") return;
  if (expected.is_object()) {
    if (!actual.is_object()) {
      problems->push_back(where + ": expected an object, got " + actual.dump());
      return;
    }
    for (const auto& [name, value] : expected.items()) {
      const bool absent = value.is_string() && value.get<std::string>() == "$absent";
      const auto found = actual.find(name);
      if (absent) {
        if (found != actual.end()) problems->push_back(where + "/" + name + ": should be absent");
        continue;
      }
      if (found == actual.end()) {
        problems->push_back(where + "/" + name + ": missing");
        continue;
      }
      Match(value, *found, where + "/" + name, problems);
    }
    return;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      problems->push_back(where + ": expected an array of " + std::to_string(expected.size()) +
                          ", got " + actual.dump().substr(0, 300));
      return;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      Match(expected[i], actual[i], where + "/" + std::to_string(i), problems);
    }
    return;
  }
  bool equal = expected == actual;  // integers exactly, whatever their size
  if (!equal && expected.is_number() && actual.is_number() &&
      (expected.is_number_float() || actual.is_number_float())) {
    equal = expected.get<double>() == actual.get<double>();  // 2 matches 2.0
  }
  if (!equal)
    problems->push_back(where + ": expected " + expected.dump() + ", got " + actual.dump());
}

class ApiScenario : public ServerFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  // Tenants "acme" (the scenario's: ${TENANT}, ${KEY} with every scope,
  // ${KEY_ID}, ${READ_KEY} events:read only, ${WRITE_KEY} events:write only)
  // and "other" (${OTHER_KEY}), which a scenario can use to show isolation.
  void SetUpTenants() {
    for (const auto& [tenant, prefix] :
         std::vector<std::pair<std::string, std::string>>{{"acme", ""}, {"other", "OTHER_"}}) {
      Reply created = Admin("POST", "/v1/tenants", R"({"id":")" + tenant + R"("})");
      ASSERT_EQ(created.status, 201) << created.body;
      Reply key =
          Admin("POST", "/v1/tenants/" + tenant + "/keys",
                R"({"scopes":["events:write","events:read","stats:read","integrity:read"]})");
      ASSERT_EQ(key.status, 201) << key.body;
      variables_.Set(prefix + "KEY", key.json["key"]);
      variables_.Set(prefix + "KEY_ID", key.json["id"]);
    }
    variables_.Set("TENANT", "acme");
    for (const auto& [name, scope] : std::vector<std::pair<std::string, std::string>>{
             {"READ_KEY", "events:read"}, {"WRITE_KEY", "events:write"}}) {
      Reply key = Admin("POST", "/v1/tenants/acme/keys", R"({"scopes":[")" + scope + R"("]})");
      ASSERT_EQ(key.status, 201) << key.body;
      variables_.Set(name, key.json["key"]);
    }
    variables_.Set("ADMIN_TOKEN", kAdminToken);
    variables_.Set("HOST", "127.0.0.1:" + std::to_string(app_->port()));
    variables_.Set("BASE", app_->base_url());
  }

  Variables variables_;
};

TEST_P(ApiScenario, Passes) {
  const std::string file = ScenarioDir() + "/" + GetParam();
  YAML::Node scenario;
  try {
    scenario = YAML::LoadFile(file);
  } catch (const YAML::Exception& error) {
    FAIL() << file << ": " << error.what();
  }
  StartServer();
  ASSERT_NO_FATAL_FAILURE(SetUpTenants());

  // Events loaded before the steps, through the native API (as the
  // vendor's own export would be loaded).
  for (const auto& load : scenario["ingest"]) {
    const std::string format = load["format"] ? load["format"].as<std::string>() : "native";
    const std::string body = variables_.Expand(load["body"].as<std::string>());
    std::vector<std::string> headers;
    if (load["content_type"])
      headers.push_back("Content-Type: " + load["content_type"].as<std::string>());
    const std::string key = load["key"] ? variables_.Expand(load["key"].as<std::string>())
                                        : variables_.Expand(std::string("${KEY}"));
    Reply loaded = Call("POST", "/v1/events?format=" + format, key, body, headers);
    ASSERT_EQ(loaded.status, 200) << "ingest: " << loaded.body;
    ASSERT_TRUE(loaded.json["errors"].empty()) << "ingest: " << loaded.body;
  }

  int index = 0;
  for (const auto& step : scenario["steps"]) {
    ++index;
    const std::string label =
        GetParam() + " step " + std::to_string(index) +
        (step["name"] ? " (" + step["name"].as<std::string>() + ")" : std::string());
    const YAML::Node request = step["request"];
    ASSERT_TRUE(request) << label << ": no request";
    const std::string method = request["method"] ? request["method"].as<std::string>() : "GET";
    const std::string path = variables_.Expand(request["path"].as<std::string>());
    std::vector<std::string> headers;
    for (const auto& header : request["headers"]) {
      headers.push_back(header.first.as<std::string>() + ": " +
                        variables_.Expand(header.second.as<std::string>()));
    }
    const std::string body =
        request["body"] ? variables_.Expand(request["body"].as<std::string>()) : std::string();
    Reply reply = Call(method, path, "", body, headers);

    const YAML::Node expect = step["expect"];
    if (expect["status"]) {
      EXPECT_EQ(reply.status, expect["status"].as<long>()) << label << "\n" << reply.body;
    }
    for (const auto& header : expect["headers"]) {
      std::string name = header.first.as<std::string>();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::string want = variables_.Expand(header.second.as<std::string>());
      std::vector<std::string> got;  // every value: a repeated header is a finding too
      for (const auto& [header_name, value] : reply.raw.headers) {
        if (header_name == name) got.push_back(value);
      }
      if (want == "$absent") {
        EXPECT_TRUE(got.empty()) << label << ": header " << name << " should be absent";
      } else {
        EXPECT_EQ(got, std::vector<std::string>{want}) << label << ": header " << name;
      }
    }
    for (const auto& header : expect["header_contains"]) {
      std::string name = header.first.as<std::string>();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::string want = variables_.Expand(header.second.as<std::string>());
      EXPECT_NE(reply.raw.Header(name).value_or("").find(want), std::string::npos)
          << label << ": header " << name << " = " << reply.raw.Header(name).value_or("<absent>")
          << ", expected it to contain " << want;
    }
    if (expect["body_contains"]) {
      const std::string want = variables_.Expand(expect["body_contains"].as<std::string>());
      EXPECT_NE(reply.body.find(want), std::string::npos) << label << "\n" << reply.body;
    }
    if (expect["json"]) {
      const YAML::Node& wanted = expect["json"];
      json expected = wanted.IsScalar() && wanted.Tag() != "?"
                          ? json::parse(variables_.Expand(wanted.as<std::string>()), nullptr, false)
                          : ToJson(wanted, variables_);
      ASSERT_FALSE(expected.is_discarded()) << label << ": expect.json is not JSON";
      std::vector<std::string> problems;
      Match(expected, reply.json, "", &problems);
      std::string all;
      for (const std::string& problem : problems) all += "\n  " + problem;
      EXPECT_TRUE(problems.empty())
          << label << ":" << all << "\nbody: " << reply.body.substr(0, 2000);
    }
    for (const auto& capture : step["capture"]) {
      const std::string name = capture.first.as<std::string>();
      const std::string pointer = capture.second.as<std::string>();
      if (pointer.starts_with("header:")) {
        variables_.Set(name, reply.raw.Header(pointer.substr(7)).value_or(""));
        continue;
      }
      const json value =
          reply.json.is_null() ? json() : reply.json.value(json::json_pointer(pointer), json());
      ASSERT_FALSE(value.is_null()) << label << ": nothing at " << pointer << " to capture";
      variables_.Set(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  ASSERT_GT(index, 0) << GetParam() << ": no steps";
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 5);  // drop ".yaml"
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ApiScenario, ::testing::ValuesIn(ScenarioFiles()), TestName);

}  // namespace
}  // namespace auditlog::testing

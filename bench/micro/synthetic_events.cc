#include "bench/micro/synthetic_events.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "common/random.h"

namespace auditlog::bench {
namespace {

constexpr std::string_view kFirstNames[] = {"Nicole", "Joe",  "Emily", "Jing",
                                            "Walter", "Aiko", "Ravi",  "Lena"};
constexpr std::string_view kLastNames[] = {"Barnes",  "Young", "Cooper", "Jenkins",
                                           "Alvarez", "Sato",  "Patel",  "Berg"};
constexpr std::string_view kTenants[] = {"acme", "umbrella", "initech", "globex", "hooli"};
constexpr std::string_view kConnections[] = {"email", "google-oauth2", "samlp", "github",
                                             "Username-Password"};
constexpr std::string_view kCountries[] = {"US", "CN", "JP", "DE", "BR", "IN"};
constexpr std::string_view kApps[] = {"Store Console", "Crm SPA", "Checkout Portal", "Mobile App"};
constexpr std::string_view kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/104.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.2 "
    "Mobile/15E148 Safari/604.1",
    "python-requests/2.31.0", "okhttp/4.12.0"};

struct Kind {
  std::string_view type;
  std::string_view name;
  std::string_view operation;
  bool failure;
};
constexpr Kind kKinds[] = {{"s", "Success Login", "login", false},
                           {"s", "Success Login", "login", false},
                           {"sertft", "Success Exchange (Refresh Token)", "read", false},
                           {"f", "Failed Login", "login", true},
                           {"updateUser", "Update User", "update", false},
                           {"sapi", "Success API Operation", "update", false},
                           {"createUser", "Create User", "create", false}};

struct SyntheticEvent {
  std::string id, tenant, timestamp, type, name, description, actor_id, actor_name, actor_email,
      client_id, client_name, ip, user_agent, operation, request_id, connection, country,
      session_id;
  bool failure = false;
  int64_t timestamp_ms = 0;
};

std::string RandomToken(SeededRandom& random, std::string_view alphabet, size_t length) {
  std::string token(length, ' ');
  for (char& c : token) c = alphabet[random.Uniform(alphabet.size())];
  return token;
}

SyntheticEvent MakeEvent(SeededRandom& random, size_t index) {
  static constexpr std::string_view kBase32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  static constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::string_view kHex = "0123456789abcdef";
  SyntheticEvent event;
  event.timestamp_ms = 1740787200000 + static_cast<int64_t>(index) * 2591 +
                       static_cast<int64_t>(random.Uniform(997));
  event.id = "01J" + RandomToken(random, kBase32, 23);
  event.tenant = std::string(kTenants[random.Uniform(std::size(kTenants))]);
  const int64_t seconds = event.timestamp_ms / 1000;
  event.timestamp =
      fmt::format("2025-03-{:02}T{:02}:{:02}:{:02}.{:03}Z", 1 + seconds / 86400 % 28,
                  seconds / 3600 % 24, seconds / 60 % 60, seconds % 60, event.timestamp_ms % 1000);
  const Kind& kind = kKinds[random.Uniform(std::size(kKinds))];
  event.type = std::string(kind.type);
  event.name = std::string(kind.name);
  event.operation = std::string(kind.operation);
  event.failure = kind.failure;
  const std::string_view first = kFirstNames[random.Uniform(std::size(kFirstNames))];
  const std::string_view last = kLastNames[random.Uniform(std::size(kLastNames))];
  event.actor_name = fmt::format("{} {}", first, last);
  event.actor_id = "u_" + RandomToken(random, kLower, 12);
  event.actor_email =
      fmt::format("{}.{}{}@{}.example.com", first, last, random.Uniform(1000), event.tenant);
  for (char& c : event.actor_email)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  event.client_id = RandomToken(random, kLower, 32);
  event.client_name =
      fmt::format("{} {}", kApps[random.Uniform(std::size(kApps))], random.Uniform(1000));
  event.connection = std::string(kConnections[random.Uniform(std::size(kConnections))]);
  event.description =
      fmt::format("{} logged in to {} via {} {}", event.actor_name, event.client_name,
                  event.connection, RandomToken(random, kLower, 7));
  event.ip = fmt::format("{}.{}.{}.{}", 1 + random.Uniform(223), random.Uniform(256),
                         random.Uniform(256), 1 + random.Uniform(254));
  event.user_agent = std::string(kUserAgents[random.Uniform(std::size(kUserAgents))]);
  event.request_id = fmt::format("{}-{}-4{}-{}-{}", RandomToken(random, kHex, 8),
                                 RandomToken(random, kHex, 4), RandomToken(random, kHex, 3),
                                 RandomToken(random, kHex, 4), RandomToken(random, kHex, 12));
  event.country = std::string(kCountries[random.Uniform(std::size(kCountries))]);
  event.session_id = RandomToken(random, kHex, 16);
  return event;
}

template <typename Fn>
void ForEachEvent(size_t count, uint64_t seed, Fn&& fn) {
  SeededRandom random(seed);
  for (size_t index = 0; index < count; ++index) fn(MakeEvent(random, index));
}

}  // namespace

std::string SyntheticNdjson(size_t count, uint64_t seed) {
  std::string out;
  ForEachEvent(count, seed, [&](const SyntheticEvent& e) {
    fmt::format_to(
        std::back_inserter(out),
        R"({{"id":"{}","tenant":"{}","timestamp":"{}","type":"{}","name":"{}","description":"{}","result":"{}",)"
        R"("result_message":{},"actor":{{"id":"{}","name":"{}","email":"{}","type":"user"}},)"
        R"("client":{{"id":"{}","name":"{}"}},"ip":"{}","user_agent":"{}",)"
        R"("resource":{{"type":"user","id":"{}","name":"{}"}},"operation":{{"type":"{}","mode":"sdk"}},)"
        R"("request_id":"{}","details":{{"connection":"{}","country":"{}","session_id":"{}"}}}})"
        "\n",
        e.id, e.tenant, e.timestamp, e.type, e.name, e.description,
        e.failure ? "failure" : "success", e.failure ? "\"Wrong email or password.\"" : "null",
        e.actor_id, e.actor_name, e.actor_email, e.client_id, e.client_name, e.ip, e.user_agent,
        e.actor_id, e.actor_name, e.operation, e.request_id, e.connection, e.country, e.session_id);
  });
  return out;
}

std::string SyntheticAuth0Array(size_t count, uint64_t seed) {
  std::string out = "[";
  ForEachEvent(count, seed, [&](const SyntheticEvent& e) {
    if (out.size() > 1) out.push_back(',');
    fmt::format_to(
        std::back_inserter(out),
        R"({{"date":"{}","type":"{}","description":"{}","connection":"{}","connection_id":"con_{}",)"
        R"("client_id":"{}","client_name":"{}","ip":"{}","user_agent":"{}","user_id":"auth0|{}",)"
        R"("user_name":"{}","strategy":"auth0","strategy_type":"database","log_id":"{}",)"
        R"("details":{{"session_id":"{}"}},"isMobile":false}})",
        e.timestamp, e.type, e.description, e.connection, e.session_id, e.client_id, e.client_name,
        e.ip, e.user_agent, e.actor_id, e.actor_email, e.id, e.session_id);
  });
  out.push_back(']');
  return out;
}

std::string SyntheticAuthingLines(size_t count, uint64_t seed) {
  std::string out;
  ForEachEvent(count, seed, [&](const SyntheticEvent& e) {
    fmt::format_to(
        std::back_inserter(out),
        "[{}] logId={} appId={} userName={} userPoolId={} userId={} requestId={} roleName=admin "
        "roleCode=null roleId=null userAgent={} clientIp={} eventType={} eventDetails={} "
        "resourceType=DATA resourceName=user resourceDetails={} operationType={} operationMode=sdk "
        "originValue=null targetValue=null eventResultCode={} operationParam=null "
        "eventResultMsg=null\n",
        e.timestamp, e.id, e.client_id, e.actor_email, e.tenant, e.actor_id, e.request_id,
        e.user_agent, e.ip, e.type, e.description, e.actor_name, e.operation,
        e.failure ? "failure" : "success");
  });
  return out;
}

std::string NdjsonFromEnvironment() {
  const char* path = std::getenv("AL_BENCH_NDJSON");
  if (path == nullptr || *path == '\0') return {};
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "AL_BENCH_NDJSON=%s: cannot open\n", path);
    std::exit(2);
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::filesystem::path BenchRoot() {
  const char* dir = std::getenv("AL_BENCH_DIR");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                        : std::filesystem::temp_directory_path();
}

}  // namespace auditlog::bench

#include "testing/event_builder.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace auditlog::testing {
namespace {

constexpr std::array<std::string_view, 8> kTypes = {
    "s", "f", "fp", "sapi", "createUser", "updateUser", "deleteUser", "login"};
constexpr std::array<std::string_view, 8> kNames = {"Success Login",
                                                    "Failed Login",
                                                    "Failed Login (Incorrect Password)",
                                                    "Success API Operation",
                                                    "创建用户",
                                                    "Update User",
                                                    "删除用户",
                                                    "Login"};
constexpr std::array<std::string_view, 6> kFirst = {"Nicole", "Wei", "Ana", "Kenji", "Omar", "Li"};
constexpr std::array<std::string_view, 6> kLast = {"Barnes", "Zhang",  "Silva",
                                                   "Sato",   "Haddad", "Na"};
constexpr std::array<std::string_view, 4> kAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/104.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "okhttp/4.9.2", "curl/7.88.1"};
constexpr std::array<std::string_view, 4> kCountries = {"CN", "US", "DE", "JP"};

}  // namespace

event::Event EventBuilder::Next() {
  event::Event event;
  ++counter_;
  // Mostly forward by up to 2 s; one event in 16 is late by up to an hour.
  time_micros_ += static_cast<int64_t>(Uniform(2'000'000));
  int64_t timestamp = time_micros_;
  if (Uniform(16) == 0) timestamp -= static_cast<int64_t>(Uniform(3'600'000'000));
  event.timestamp = timestamp;
  event.received_at = time_micros_ + 1000;
  event.id = fmt::format("evt_{:016x}_{}", random_.Next64(), counter_);
  const size_t type = Uniform(kTypes.size());
  event.type = kTypes[type];
  event.name = kNames[type];
  event.result = type == 1 || type == 2 ? event::Outcome::kFailure : event::Outcome::kSuccess;
  if (event.result == event::Outcome::kFailure && Uniform(2) == 0)
    event.result_message = "Wrong email or password.";
  const uint64_t actor = Uniform(40);
  const std::string actor_name = fmt::format("{} {}", kFirst[actor % kFirst.size()],
                                             kLast[actor / kFirst.size() % kLast.size()]);
  event.actor.id = fmt::format("u_{:04}", actor);
  event.actor.name = actor_name;
  if (Uniform(4) != 0) event.actor.email = fmt::format("user{}@example.com", actor);
  event.actor.type = actor < 36 ? "user" : "admin";
  event.client.id = fmt::format("client_{}", Uniform(5));
  event.client.name = fmt::format("Store Console {}", Uniform(5));
  if (type == 4 && Uniform(2) == 0) {
    event.description = fmt::format("创建「 {} 」共 {} 个用户", event.actor.id, 1 + Uniform(3));
  } else {
    event.description =
        fmt::format("{} {} to {}", actor_name,
                    event.result == event::Outcome::kFailure ? "failed to log in" : "logged in",
                    event.client.name);
  }
  event.ip = fmt::format("10.{}.{}.{}", Uniform(4), Uniform(8), Uniform(250));
  event.user_agent = kAgents[Uniform(kAgents.size())];
  event.operation.type = type >= 4 ? "update" : "login";
  if (Uniform(3) == 0) event.request_id = fmt::format("req-{:012x}", random_.Next64() >> 16);
  if (Uniform(2) == 0) {
    event.details = fmt::format(R"({{"connection":"email","country":"{}"}})",
                                kCountries[Uniform(kCountries.size())]);
  }
  if (Uniform(3) == 0) {
    event.geo.country_code = kCountries[Uniform(kCountries.size())];
    event.geo.latitude = static_cast<double>(Uniform(180)) - 90.0 + 0.25;
    event.geo.longitude = static_cast<double>(Uniform(360)) - 180.0;
  }
  if (Uniform(3) == 0) event.ua.is_mobile = Uniform(2) == 0;
  return event;
}

}  // namespace auditlog::testing

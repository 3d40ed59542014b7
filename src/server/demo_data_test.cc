#include "server/demo_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "event/event_id.h"
#include "event/json_buffer.h"
#include "event/json_codec.h"
#include "event/time.h"
#include "event/validation.h"
#include "testing/status_matchers.h"

namespace auditlog::server {
namespace {

using event::Event;
using event::Outcome;

constexpr int64_t kMicrosPerDay = int64_t{86'400'000'000};
// 2025-03-16T00:00:00Z.
constexpr event::UnixMicros kNow = int64_t{1'742'083'200'000'000};
constexpr uint64_t kSeed = 42;

// One shared 100k set for the distribution tests: generating it once keeps
// the debug-build test run short.
const std::vector<Event>& HundredThousand() {
  static const auto* events = new std::vector<Event>(GenerateDemoEvents(100'000, kNow, kSeed));
  return *events;
}

bool IsFailedLogin(const Event& event) {
  return event.type == "f" || event.type == "fp" || event.type == "fu";
}

double Share(size_t part, size_t whole) {
  return static_cast<double>(part) / static_cast<double>(whole);
}

TEST(DemoData, CountZeroGivesNone) { EXPECT_TRUE(GenerateDemoEvents(0, kNow, kSeed).empty()); }

TEST(DemoData, GivesExactlyCountEvents) {
  EXPECT_EQ(GenerateDemoEvents(1, kNow, kSeed).size(), 1u);
  EXPECT_EQ(GenerateDemoEvents(1234, kNow, kSeed).size(), 1234u);
}

TEST(DemoData, SameSeedGivesIdenticalEvents) {
  const std::vector<Event> first = GenerateDemoEvents(5000, kNow, kSeed);
  const std::vector<Event> second = GenerateDemoEvents(5000, kNow, kSeed);
  ASSERT_EQ(first.size(), second.size());
  for (size_t event_idx = 0; event_idx < first.size(); ++event_idx) {
    ASSERT_EQ(first[event_idx], second[event_idx])
        << "event " << event_idx << ": " << event::EventToJson(first[event_idx]) << "\nvs\n"
        << event::EventToJson(second[event_idx]);
  }
}

TEST(DemoData, DifferentSeedGivesDifferentEvents) {
  const std::vector<Event> first = GenerateDemoEvents(1000, kNow, 1);
  const std::vector<Event> second = GenerateDemoEvents(1000, kNow, 2);
  ASSERT_EQ(first.size(), second.size());
  size_t same_ids = 0;
  size_t same_actors = 0;
  std::set<std::string> first_emails;
  std::set<std::string> second_emails;
  for (size_t event_idx = 0; event_idx < first.size(); ++event_idx) {
    same_ids += first[event_idx].id == second[event_idx].id;
    same_actors += first[event_idx].actor == second[event_idx].actor;
    first_emails.insert(first[event_idx].actor.email);
    second_emails.insert(second[event_idx].actor.email);
  }
  EXPECT_EQ(same_ids, 0u);
  EXPECT_LT(same_actors, 200u) << "another seed must draw other actors, not only other ids";
  EXPECT_NE(first_emails, second_emails) << "another seed must draw another cast of users";
}

TEST(DemoData, EveryEventIsValidAndSurvivesTheNativeCodec) {
  event::NativeJsonDecoder decoder;
  size_t with_details = 0;
  std::set<std::string> round_tripped_types;
  for (size_t event_idx = 0; event_idx < HundredThousand().size(); ++event_idx) {
    const Event& event = HundredThousand()[event_idx];
    AL_ASSERT_OK(event::ValidateEvent(event)) << event::EventToJson(event);
    with_details += !event.details.empty();
    // The codec parses `details` fully, so this also proves it is real JSON.
    // Every tenth event is plenty (and keeps sanitizer builds quick).
    if (event_idx % 10 != 0) continue;
    round_tripped_types.insert(event.type);
    const std::string json = event::EventToJson(event);
    const event::PaddedBuffer buffer(json);
    Event decoded;
    AL_ASSERT_OK(decoder.Decode(buffer.view(), &decoded)) << json;
    ASSERT_EQ(decoded, event) << json;
  }
  EXPECT_GE(round_tripped_types.size(), 20u) << "the sample covers nearly every type";
  EXPECT_GT(with_details, 5'000u) << "some events carry details";
  EXPECT_LT(with_details, 50'000u) << "not all of them";
}

TEST(DemoData, LeavesStoreFieldsUnsetAndSetsTimestampAndId) {
  for (const Event& event : GenerateDemoEvents(2000, kNow, kSeed)) {
    EXPECT_TRUE(event.tenant.empty());
    EXPECT_EQ(event.seq, 0u);
    EXPECT_FALSE(event.received_at.has_value());
    ASSERT_TRUE(event.timestamp.has_value());
    ASSERT_TRUE(event::IsUlid(event.id)) << event.id;
    EXPECT_EQ(event::UlidTimeMs(event.id), static_cast<uint64_t>(*event.timestamp / 1000))
        << "the id is made from the event's own time";
    EXPECT_EQ(*event.timestamp % 1000, 0) << "timestamps are whole milliseconds";
  }
}

TEST(DemoData, IdsAreUniqueAndFollowTimestampOrder) {
  const std::vector<Event>& events = HundredThousand();
  std::set<std::string> ids;
  for (size_t event_idx = 0; event_idx < events.size(); ++event_idx) {
    EXPECT_TRUE(ids.insert(events[event_idx].id).second) << "duplicate " << events[event_idx].id;
    if (event_idx == 0) continue;
    ASSERT_LE(*events[event_idx - 1].timestamp, *events[event_idx].timestamp);
    ASSERT_LT(events[event_idx - 1].id, events[event_idx].id);
  }
}

void ExpectWithinWindow(const std::vector<Event>& events, event::UnixMicros start,
                        event::UnixMicros end) {
  ASSERT_FALSE(events.empty());
  for (const Event& event : events) {
    ASSERT_GE(*event.timestamp, start) << event::EventToJson(event);
    ASSERT_LE(*event.timestamp, end) << event::EventToJson(event);
  }
}

TEST(DemoData, TimestampsSpreadOverTheWholeWindow) {
  for (int days : {1, 3, 30}) {
    SCOPED_TRACE(days);
    const std::vector<Event> events = GenerateDemoEvents(20'000, kNow, kSeed, days);
    const event::UnixMicros start = kNow - days * kMicrosPerDay;
    ExpectWithinWindow(events, start, kNow);
    // Sorted, so the first and last events bound the spread.
    EXPECT_LT(*events.front().timestamp, start + kMicrosPerDay / 48);
    EXPECT_GT(*events.back().timestamp, kNow - kMicrosPerDay / 48);
  }
}

TEST(DemoData, TimestampsFollowADailyRhythm) {
  std::vector<size_t> per_hour(24);
  for (const Event& event : HundredThousand()) {
    ++per_hour[static_cast<size_t>(*event.timestamp / (kMicrosPerDay / 24) % 24)];
  }
  // 02:00 UTC runs at a quarter of 12:00 UTC.
  EXPECT_GT(per_hour[12], 3 * per_hour[2]);
}

TEST(DemoData, OutOfRangeArgumentsAreClamped) {
  // Zero or negative days give one day.
  for (int days : {0, -5}) {
    SCOPED_TRACE(days);
    ExpectWithinWindow(GenerateDemoEvents(500, kNow, kSeed, days), kNow - kMicrosPerDay, kNow);
  }
  // A window reaching back before 1970 starts at 1970.
  const event::UnixMicros early_now = 2 * kMicrosPerDay + 12345;
  ExpectWithinWindow(GenerateDemoEvents(500, early_now, kSeed, 30), 0, early_now);
  // A clock before 1970 or after 9999 is pulled into the valid range.
  ExpectWithinWindow(GenerateDemoEvents(50, -kMicrosPerDay, kSeed), 0, 0);
  ExpectWithinWindow(GenerateDemoEvents(50, event::kMaxTimeMicros + kMicrosPerDay, kSeed, 1),
                     event::kMaxTimeMicros - kMicrosPerDay, event::kMaxTimeMicros);
  ExpectWithinWindow(GenerateDemoEvents(50, kNow, kSeed, 1'000'000'000), 0, kNow);
  for (const Event& event : GenerateDemoEvents(50, -kMicrosPerDay, kSeed)) {
    AL_EXPECT_OK(event::ValidateEvent(event));
  }
}

TEST(DemoData, LoginMixIsRoughlyAsSpecified) {
  const std::vector<Event>& events = HundredThousand();
  std::map<std::string, size_t> per_type;
  for (const Event& event : events) ++per_type[event.type];
  const size_t failed_logins = per_type["f"] + per_type["fp"] + per_type["fu"];
  EXPECT_GT(Share(per_type["s"], events.size()), 0.30);
  EXPECT_LT(Share(per_type["s"], events.size()), 0.50);
  EXPECT_GT(Share(failed_logins, events.size()), 0.05);
  EXPECT_LT(Share(failed_logins, events.size()), 0.11);
  for (const char* type : {"s", "f", "fp", "fu", "ss", "sapi", "fapi", "limit_wc", "seccft",
                           "createUser", "updateUser", "deleteUser", "assignRole", "login"}) {
    EXPECT_GT(per_type[type], 0u) << type;
  }
}

TEST(DemoData, ResultFollowsTheType) {
  for (const Event& event : HundredThousand()) {
    ASSERT_NE(event.result, Outcome::kUnset) << event.type;
    if (event.result == Outcome::kFailure) {
      EXPECT_FALSE(event.result_message.empty()) << event::EventToJson(event);
      EXPECT_EQ(event.result_message.find('|'), std::string::npos) << "one alternative only";
    } else {
      EXPECT_TRUE(event.result_message.empty()) << event::EventToJson(event);
    }
    // Auth0 codes name their outcome; Authing operations may go either way.
    if (event.type.starts_with("s") || event.type == "gd_auth_succeed") {
      EXPECT_EQ(event.result, Outcome::kSuccess) << event.type;
    } else if (event.type.starts_with("f") || event.type.starts_with("limit_") ||
               event.type == "gd_auth_failed") {
      EXPECT_EQ(event.result, Outcome::kFailure) << event.type;
    }
  }
}

TEST(DemoData, FailuresVaryTheirMessage) {
  std::map<std::string, std::set<std::string>> messages_per_type;
  for (const Event& event : HundredThousand()) {
    if (event.result == Outcome::kFailure)
      messages_per_type[event.type].insert(event.result_message);
  }
  EXPECT_THAT(messages_per_type["f"],
              ::testing::ElementsAre("Multifactor authentication required", "Password is expired",
                                     "user is blocked"));
  EXPECT_THAT(messages_per_type["fp"], ::testing::ElementsAre("invalid_user_password"));
  EXPECT_THAT(messages_per_type["fapi"],
              ::testing::Contains(::testing::StartsWith("Insufficient scope, expected any of: ")));
}

TEST(DemoData, OperationsNameTheirResource) {
  for (const Event& event : HundredThousand()) {
    const bool admin_op = event.type == "createUser" || event.type == "updateUser" ||
                          event.type == "deleteUser" || event.type == "assignRole" ||
                          event.type == "revokeRole";
    if (admin_op) {
      EXPECT_EQ(event.resource.type, "user") << event::EventToJson(event);
      EXPECT_FALSE(event.resource.id.empty()) << event::EventToJson(event);
      EXPECT_EQ(event.actor.type, "admin") << event::EventToJson(event);
      EXPECT_EQ(event.operation.mode, "console");
    }
    if (event.type == "sapi" || event.type == "fapi") {
      EXPECT_FALSE(event.resource.type.empty()) << event::EventToJson(event);
      EXPECT_THAT(event.details, ::testing::HasSubstr(R"("path":"/api/v2/)"));
    }
    if (event.type == "s" || event.type == "fp") {
      EXPECT_EQ(event.operation.type, "login");
      EXPECT_FALSE(event.client.name.empty());
      EXPECT_FALSE(event.connection.empty());
      EXPECT_FALSE(event.ip.empty());
      EXPECT_FALSE(event.user_agent.empty());
    }
  }
}

TEST(DemoData, CastHasTheSpecifiedSize) {
  std::set<std::string> users, clients, connections, ips, agents;
  for (const Event& event : HundredThousand()) {
    if (event.actor.type == "user" || event.actor.type == "admin") users.insert(event.actor.id);
    clients.insert(event.client.name);
    connections.insert(event.connection);
    ips.insert(event.ip);
    agents.insert(event.user_agent);
  }
  EXPECT_GE(users.size(), 200u);
  EXPECT_LE(users.size(), 1000u);
  EXPECT_GE(clients.size(), 15u);
  EXPECT_LE(clients.size(), 25u);
  EXPECT_GE(connections.size(), 8u);
  EXPECT_LE(connections.size(), 12u);
  EXPECT_GE(ips.size(), 1000u);
  EXPECT_LE(ips.size(), 5000u);
  EXPECT_GE(agents.size(), 10u);
  EXPECT_THAT(users, ::testing::Contains(::testing::StartsWith("auth0|")));
  EXPECT_THAT(users, ::testing::Contains(::testing::StartsWith("google-oauth2|")));
}

TEST(DemoData, NamesAndEmailsAgree) {
  for (const Event& event : GenerateDemoEvents(3000, kNow, kSeed)) {
    if (event.actor.type != "user" || event.actor.name.empty()) continue;
    // "Ana Li" is ana.li@example.com.
    std::string expected;
    for (char c : event.actor.name) expected += c == ' ' ? '.' : static_cast<char>(std::tolower(c));
    EXPECT_EQ(event.actor.email, expected + "@example.com");
  }
}

TEST(DemoData, UserActivityIsSkewed) {
  std::map<std::string, size_t> per_user;
  size_t user_events = 0;
  for (const Event& event : HundredThousand()) {
    if (event.actor.type != "user" || event.type != "s") continue;
    ++per_user[event.actor.id];
    ++user_events;
  }
  std::vector<size_t> counts;
  for (const auto& [user, count] : per_user) counts.push_back(count);
  std::sort(counts.rbegin(), counts.rend());
  ASSERT_GE(counts.size(), 100u);
  const size_t top_tenth = counts.size() / 10;
  size_t top_events = 0;
  for (size_t rank = 0; rank < top_tenth; ++rank) top_events += counts[rank];
  EXPECT_GT(Share(top_events, user_events), 0.35) << "the busiest tenth of users dominate";
  EXPECT_GT(counts.front(), 20 * counts[counts.size() / 2]) << "the busiest vs the median user";
}

TEST(DemoData, FailedLoginsComeMostlyFromAFewAttackerIps) {
  std::map<std::string, size_t> failures_per_ip;
  std::map<std::string, size_t> successes_per_ip;
  size_t failures = 0;
  for (const Event& event : HundredThousand()) {
    if (IsFailedLogin(event)) {
      ++failures_per_ip[event.ip];
      ++failures;
    } else if (event.type == "s") {
      ++successes_per_ip[event.ip];
    }
  }
  std::vector<std::pair<size_t, std::string>> ranked;
  for (const auto& [ip, count] : failures_per_ip) ranked.emplace_back(count, ip);
  std::sort(ranked.rbegin(), ranked.rend());
  ASSERT_GE(ranked.size(), 20u);

  const auto& [top_failures, top_ip] = ranked.front();
  EXPECT_GT(Share(top_failures, failures), 0.10) << top_ip;
  EXPECT_EQ(successes_per_ip[top_ip], 0u) << top_ip << " is an attacker, not a user";
  EXPECT_GT(top_failures, 20 * ranked[ranked.size() / 2].first) << "vs the median failing IP";
  size_t top_dozen = 0;
  for (size_t rank = 0; rank < 12; ++rank) top_dozen += ranked[rank].first;
  EXPECT_GT(Share(top_dozen, failures), 0.40);

  // Brute-force blocks name the same attackers.
  for (const Event& event : HundredThousand()) {
    if (event.type == "limit_wc" || event.type == "limit_mu") {
      EXPECT_EQ(successes_per_ip[event.ip], 0u) << event.ip;
    }
  }
}

}  // namespace
}  // namespace auditlog::server

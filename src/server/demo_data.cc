#include "server/demo_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <span>
#include <string>
#include <string_view>

#include "common/check.h"
#include "common/random.h"
#include "event/event_id.h"
#include "event/json_writer.h"
#include "event/time.h"

namespace auditlog::server {
namespace {

using event::Event;
using event::Outcome;
using event::UnixMicros;

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMicrosPerHour = int64_t{3'600'000'000};
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

constexpr size_t kUserCount = 400;
constexpr size_t kIpPoolSize = 3000;
constexpr size_t kAttackerCount = 12;
// Share of a user's events sent from somewhere other than their home IP
// (travel, mobile networks); this is what spreads events over the IP pool.
constexpr uint64_t kRoamingPercent = 15;
// Share of a user's events through their usual app rather than another one.
constexpr uint64_t kUsualAppPercent = 70;
// Share of "s" events and of failed logins that carry `details`.
constexpr uint64_t kLoginDetailsPercent = 30;
constexpr uint64_t kFailureDetailsPercent = 50;

constexpr std::string_view kLoginHost = "login.demo.example.com";
constexpr std::string_view kConsoleHost = "console.demo.example.com";
constexpr std::string_view kApiAudience = "https://api.demo.example.com/";
constexpr std::string_view kManagementAudience = "https://demo.example.com/api/v2/";

// Activity by UTC hour, in percent of the busiest hour; weekends run at
// kWeekendPercent of a weekday.
constexpr std::array<uint64_t, 24> kHourPercent = {30, 25, 25,  25,  30,  40,  55,  70,
                                                   85, 95, 100, 100, 100, 100, 100, 100,
                                                   95, 90, 80,  70,  60,  50,  40,  35};
constexpr uint64_t kWeekendPercent = 55;

// ---------------------------------------------------------------------------
// Catalogues. Plain ASCII without double quotes or backslashes, so they can be
// pasted into `details`; variable text goes through AppendJsonString anyway.

constexpr std::string_view kFirstNames[] = {
    "Ana",  "Ben",   "Carla", "David",  "Elena",  "Farid", "Grace",  "Hiro",  "Ines",  "Jamal",
    "Kai",  "Lena",  "Marco", "Nadia",  "Omar",   "Priya", "Quinn",  "Rosa",  "Sam",   "Tara",
    "Umar", "Vera",  "Wei",   "Ximena", "Yusuf",  "Zoe",   "Aiko",   "Bruno", "Chloe", "Diego",
    "Emma", "Felix", "Gita",  "Hugo",   "Isla",   "Jonas", "Kira",   "Liam",  "Maya",  "Noah",
    "Olga", "Pablo", "Rahul", "Sofia",  "Tomas",  "Uma",   "Victor", "Wen",   "Yara",  "Zain",
    "Amir", "Bea",   "Dana",  "Erik",   "Fatima", "Goran", "Hana",   "Ivan",  "Julia", "Leo"};

constexpr std::string_view kLastNames[] = {
    "Li",     "Smith",  "Garcia",    "Kim",     "Nguyen",  "Muller",  "Rossi",    "Silva",
    "Khan",   "Tanaka", "Novak",     "Okafor",  "Jensen",  "Cohen",   "Dubois",   "Ivanova",
    "Patel",  "Lopez",  "Wang",      "Brown",   "Schmidt", "Ahmed",   "Kowalski", "Sato",
    "Moreau", "Costa",  "Haddad",    "Larsen",  "Mendes",  "Fischer", "Chen",     "Park",
    "Singh",  "Yilmaz", "Johansson", "Bianchi", "Popescu", "Horvat",  "Murphy",   "Wilson",
    "Zhang",  "Ali",    "Hansen",    "Ortiz",   "Suzuki",  "Weber",   "Romero",   "Kaur",
    "Abe",    "Reyes"};

struct ConnectionSpec {
  std::string_view name;
  std::string_view strategy;  // also the prefix of its users' ids, as in Auth0
  uint64_t weight;            // share of users, in percent
  bool social;                // social ids are long decimal numbers
};

constexpr ConnectionSpec kConnections[] = {
    {"Username-Password-Authentication", "auth0", 50, false},
    {"google-oauth2", "google-oauth2", 20, true},
    {"github", "github", 6, true},
    {"apple", "apple", 5, true},
    {"facebook", "facebook", 4, true},
    {"windowslive", "windowslive", 3, true},
    {"linkedin", "linkedin", 2, true},
    {"email", "email", 4, false},
    {"sms", "sms", 2, false},
    {"acme-corp-saml", "samlp", 4, false},
};
// Password failures and brute-force blocks happen on the database connection.
constexpr size_t kPasswordConnection = 0;

enum class AppKind : uint8_t { kWeb, kSpa, kNative, kMachine, kConsole };

struct AppSpec {
  std::string_view name;
  AppKind kind;
};

// Interactive apps are listed by popularity: users pick them Zipf-wise.
constexpr AppSpec kApps[] = {
    {"Customer Portal", AppKind::kSpa},
    {"Acme Mobile (iOS)", AppKind::kNative},
    {"Acme Mobile (Android)", AppKind::kNative},
    {"Online Store", AppKind::kWeb},
    {"Checkout", AppKind::kSpa},
    {"Support Desk", AppKind::kWeb},
    {"Developer Portal", AppKind::kWeb},
    {"Partner Hub", AppKind::kWeb},
    {"Loyalty Program", AppKind::kSpa},
    {"HR Portal", AppKind::kWeb},
    {"Internal Wiki", AppKind::kWeb},
    {"Smart TV App", AppKind::kNative},
    {"Acme CLI", AppKind::kNative},
    {"Marketing Site", AppKind::kSpa},
    {"Billing Service", AppKind::kMachine},
    {"Inventory Sync", AppKind::kMachine},
    {"Analytics Jobs", AppKind::kMachine},
    {"User Provisioning (SCIM)", AppKind::kMachine},
    {"Reporting Worker", AppKind::kMachine},
    {"Management Dashboard", AppKind::kConsole},
};
constexpr size_t kInteractiveAppCount =
    static_cast<size_t>(std::ranges::count_if(kApps, [](const AppSpec& app) {
      return app.kind != AppKind::kMachine && app.kind != AppKind::kConsole;
    }));
// Attackers aim at the most popular login page (an index into the interactive apps).
constexpr size_t kAttackedApp = 0;

constexpr std::string_view kMachineScopes[] = {
    "read:invoices write:invoices", "read:inventory write:inventory", "read:events",
    "read:users create:users update:users", "read:reports"};

constexpr std::string_view kDesktopAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
};

constexpr std::string_view kMobileAgents[] = {
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.6312.99 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
    "AcmeMobile/5.12.0 (iPhone; iOS 17.4.1; Scale/3.00)",
};

// What machine apps and attack scripts send.
constexpr std::string_view kToolAgents[] = {"python-requests/2.31.0", "curl/8.5.0",
                                            "Go-http-client/1.1", "node-auth0/4.3.1"};

// First octets of public unicast /8s, so addresses look real and geolocate.
constexpr uint64_t kPublicFirstOctets[] = {23,  24,  31,  37,  46,  50,  62,  66,  73,  77,  81,
                                           84,  89,  94,  98,  101, 109, 112, 121, 134, 141, 146,
                                           151, 163, 171, 176, 178, 190, 201, 213, 217};
// Attackers rent from hosting ranges.
constexpr uint64_t kAttackerFirstOctets[] = {5, 45, 91, 103, 179, 185, 193, 194};

// Addresses tried in credential stuffing that belong to nobody.
constexpr std::string_view kGuessedLocalParts[] = {"admin",  "test",    "info",       "support",
                                                   "root",   "sales",   "user",       "demo",
                                                   "office", "contact", "john.smith", "jane.doe"};

constexpr std::string_view kRoles[] = {"editor", "viewer", "billing-admin", "support-agent",
                                       "auditor"};

// Console admins: users at these activity ranks, and their console roles.
constexpr size_t kAdminRanks[] = {2, 9, 23, 57, 131, 289};
constexpr std::string_view kAdminRoles[] = {"Owner",   "Administrator", "Administrator",
                                            "Support", "Support",       "Auditor"};
static_assert(std::size(kAdminRanks) == std::size(kAdminRoles));
static_assert(std::ranges::max(kAdminRanks) < kUserCount);

// ---------------------------------------------------------------------------
// Event kinds.

enum class Shape : uint8_t {
  kUserAuth,       // a user acting through an app: logins, logouts, signups, passwords
  kFailedLogin,    // a failed login, often from an attacker
  kBlock,          // brute-force protection tripping on an attacker
  kMachineToken,   // a machine app getting a token
  kManagementApi,  // Auth0 Management API calls, by machine apps or console admins
  kAdminConsole,   // Authing-style console operations by an admin on a user
  kAdminLogin,     // an admin signing in to the console
};

struct KindSpec {
  std::string_view type;
  std::string_view name;
  std::string_view description;  // for kManagementApi, the API operation's instead
  std::string_view operation_type;
  Shape shape;
  uint64_t weight;                    // events per 10,000
  uint64_t failure_percent;           // 0 or 100 for Auth0 codes: the code says the outcome
  uint64_t attacker_percent;          // share sent from an attacker IP
  std::string_view api_path;          // kAdminConsole: the management call behind it
  std::string_view failure_messages;  // alternatives for result_message, split by '|'
};

constexpr KindSpec kKinds[] = {
    {"s", "Success Login", "Successful login", "login", Shape::kUserAuth, 4000, 0, 0, "", ""},
    {"ssa", "Success Silent Auth", "Successful silent authentication", "login", Shape::kUserAuth,
     1100, 0, 0, "", ""},
    {"seacft", "Success Exchange", "Authorization Code for Access Token", "token", Shape::kUserAuth,
     1000, 0, 0, "", ""},
    {"slo", "Success Logout", "User successfully logged out", "logout", Shape::kUserAuth, 600, 0, 0,
     "", ""},
    {"ss", "Success Signup", "Successful signup", "create", Shape::kUserAuth, 200, 0, 0, "", ""},
    {"fs", "Failed Signup", "Failed signup", "create", Shape::kUserAuth, 40, 100, 0, "",
     "The user already exists.|PasswordStrengthError: Password is too weak|Signups from this email "
     "domain are not allowed"},
    {"scp", "Success Change Password", "Password changed", "update", Shape::kUserAuth, 100, 0, 0,
     "", ""},
    {"fcp", "Failed Change Password", "Failed to change password", "update", Shape::kUserAuth, 20,
     100, 0, "",
     "PasswordHistoryError: Password has previously been used|PasswordStrengthError: Password is "
     "too weak|Access expired."},
    {"scpr", "Success Change Password Request", "Password change requested", "update",
     Shape::kUserAuth, 80, 0, 0, "", ""},
    {"sv", "Success Verification Email", "Email verified", "update", Shape::kUserAuth, 100, 0, 0,
     "", ""},
    {"gd_auth_succeed", "OTP Auth success", "Multi-factor authentication succeeded", "login",
     Shape::kUserAuth, 300, 0, 0, "", ""},
    {"gd_auth_failed", "OTP Auth failed", "Multi-factor authentication failed", "login",
     Shape::kFailedLogin, 50, 100, 10, "", "Invalid otp_code.|MFA code expired"},
    {"f", "Failed Login", "Failed login", "login", Shape::kFailedLogin, 200, 100, 40, "",
     "user is blocked|Multifactor authentication required|Password is expired"},
    {"fp", "Failed Login (Incorrect Password)", "Wrong email or password.", "login",
     Shape::kFailedLogin, 450, 100, 65, "", "invalid_user_password"},
    {"fu", "Failed Login (Invalid Email/Username)", "Wrong email or password.", "login",
     Shape::kFailedLogin, 150, 100, 90, "", "user does not exist"},
    {"limit_wc", "Blocked Account", "Too many failed login attempts for this account", "login",
     Shape::kBlock, 30, 100, 100, "", "too_many_attempts: account blocked for this IP"},
    {"limit_mu", "Blocked IP Address", "Too many failed logins from this IP across accounts",
     "login", Shape::kBlock, 20, 100, 100, "", "too_many_attempts: IP address blocked"},
    {"seccft", "Success Exchange", "Client Credentials for Access Token", "token",
     Shape::kMachineToken, 400, 0, 0, "", ""},
    {"sapi", "Success API Operation", "", "", Shape::kManagementApi, 500, 0, 0, "", ""},
    {"fapi", "Failed API Operation", "", "", Shape::kManagementApi, 50, 100, 0, "", ""},
    {"createUser", "Create user", "Create a user", "create", Shape::kAdminConsole, 150, 3, 0,
     "/api/v3/create-user", "User already exists|Permission denied"},
    {"updateUser", "Update user", "Update a user", "update", Shape::kAdminConsole, 200, 3, 0,
     "/api/v3/update-user", "User not found|Permission denied|Phone number already in use"},
    {"deleteUser", "Delete user", "Delete a user", "delete", Shape::kAdminConsole, 30, 3, 0,
     "/api/v3/delete-users-batch", "User not found|Permission denied"},
    {"assignRole", "Assign role", "Assign a role to a user", "update", Shape::kAdminConsole, 70, 3,
     0, "/api/v3/assign-role", "Role not found|Permission denied"},
    {"revokeRole", "Revoke role", "Revoke a role from a user", "update", Shape::kAdminConsole, 20,
     3, 0, "/api/v3/revoke-role", "Role not found|Permission denied"},
    {"login", "Login", "Console login", "login", Shape::kAdminLogin, 140, 5, 0, "",
     "Incorrect password|MFA code expired"},
};

enum class ResourceKind : uint8_t { kUser, kUserList, kClient, kConnection, kTenant };

// Auth0 Management API operations behind "sapi" / "fapi".
struct ApiOpSpec {
  std::string_view description;
  std::string_view method;
  std::string_view path;         // when it ends in '/', the resource's id follows
  std::string_view path_suffix;  // after the id
  std::string_view operation_type;
  std::string_view scope;  // what a token needs to call it
  ResourceKind resource;
  bool elevated;
  int success_status;
  uint64_t weight;
};

constexpr ApiOpSpec kApiOps[] = {
    {"Get a user", "GET", "/api/v2/users/", "", "read", "read:users", ResourceKind::kUser, false,
     200, 30},
    {"Search users", "GET", "/api/v2/users", "", "read", "read:users", ResourceKind::kUserList,
     false, 200, 20},
    {"Update a user", "PATCH", "/api/v2/users/", "", "update", "update:users", ResourceKind::kUser,
     false, 200, 20},
    {"Create a user", "POST", "/api/v2/users", "", "create", "create:users", ResourceKind::kUser,
     false, 201, 15},
    {"Assign roles to a user", "POST", "/api/v2/users/", "/roles", "update", "update:users",
     ResourceKind::kUser, false, 204, 5},
    {"Delete a user", "DELETE", "/api/v2/users/", "", "delete", "delete:users", ResourceKind::kUser,
     true, 204, 3},
    {"Update a client", "PATCH", "/api/v2/clients/", "", "update", "update:clients",
     ResourceKind::kClient, false, 200, 3},
    {"Update a connection", "PATCH", "/api/v2/connections/", "", "update", "update:connections",
     ResourceKind::kConnection, false, 200, 2},
    {"Rotate a client secret", "POST", "/api/v2/clients/", "/rotate-secret", "update",
     "update:client_keys", ResourceKind::kClient, true, 200, 1},
    {"Update tenant settings", "PATCH", "/api/v2/tenants/settings", "", "update",
     "update:tenant_settings", ResourceKind::kTenant, false, 200, 1},
};

// ---------------------------------------------------------------------------
// Sampling.

// Picks index i with probability weights[i] / sum. Integer-only, so the
// same seed gives the same events on every platform.
class WeightedSampler {
 public:
  explicit WeightedSampler(std::span<const uint64_t> weights) {
    cumulative_.reserve(weights.size());
    uint64_t total = 0;
    for (uint64_t weight : weights) {
      total += weight;
      cumulative_.push_back(total);
    }
    AL_CHECK(total > 0, "every catalogue has a positive weight");
  }

  size_t Sample(Random& random) const {
    const uint64_t target = random.Uniform(cumulative_.back());
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), target) -
                               cumulative_.begin());
  }

 private:
  std::vector<uint64_t> cumulative_;
};

// Weights for ranks 0..n-1 proportional to 1 / (rank + 2): Zipf with a
// Mandelbrot offset, so the busiest of 400 users has ~7% of user events
// rather than a third of them.
std::vector<uint64_t> ZipfWeights(size_t n) {
  constexpr uint64_t kScale = 1'000'000'000;
  std::vector<uint64_t> weights(n);
  for (size_t rank = 0; rank < n; ++rank) weights[rank] = kScale / (rank + 2);
  return weights;
}

template <typename Spec, size_t N>
std::vector<uint64_t> WeightsOf(const Spec (&specs)[N]) {
  std::vector<uint64_t> weights;
  weights.reserve(N);
  for (const Spec& spec : specs) weights.push_back(spec.weight);
  return weights;
}

template <typename T, size_t N>
const T& PickFrom(Random& random, const T (&items)[N]) {
  return items[random.Uniform(N)];
}

bool Chance(Random& random, uint64_t percent) { return random.Uniform(100) < percent; }

// One of the '|'-separated alternatives in `alternatives`, uniformly.
std::string_view PickAlternative(Random& random, std::string_view alternatives) {
  const size_t count = 1 + static_cast<size_t>(std::ranges::count(alternatives, '|'));
  size_t skip = random.Uniform(count);
  size_t begin = 0;
  while (skip-- > 0) begin = alternatives.find('|', begin) + 1;
  return alternatives.substr(begin, alternatives.find('|', begin) - begin);
}

std::string RandomAlnum(Random& random, size_t length) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(length, ' ');
  for (char& c : out) c = kAlphabet[random.Uniform(kAlphabet.size())];
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// An id inside a URL path: Auth0 user ids hold '|'.
std::string EscapePathSegment(std::string_view id) {
  std::string out;
  out.reserve(id.size() + 4);
  for (char c : id) {
    if (c == '|') {
      out += "%7C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RandomIp(Random& random, std::span<const uint64_t> first_octets) {
  return fmt::format("{}.{}.{}.{}", first_octets[random.Uniform(first_octets.size())],
                     random.Uniform(256), random.Uniform(256), 1 + random.Uniform(254));
}

// {"request":{"method":M,"path":P},"response":{"statusCode":S},"elevated":E}
std::string RequestDetails(std::string_view method, std::string_view path, int status,
                           bool elevated) {
  std::string out = R"({"request":{"method":)";
  event::AppendJsonString(&out, method);
  out += R"(,"path":)";
  event::AppendJsonString(&out, path);
  out += fmt::format(R"(}},"response":{{"statusCode":{}}},"elevated":{}}})", status, elevated);
  return out;
}

// ---------------------------------------------------------------------------
// The generator: a fixed cast (users, apps, IPs, attackers) drawn from the
// seed, then one event per timestamp.

struct DemoUser {
  std::string id;
  std::string name;
  std::string email;
  size_t connection = 0;
  size_t home_ip = 0;
  size_t usual_app = 0;  // index into interactive_apps_
  std::string_view desktop_agent;
  std::string_view mobile_agent;
  std::string_view admin_role;  // non-empty for console admins
  uint64_t logins_count = 0;    // what Auth0 reports in an "s" event's stats
};

struct DemoApp {
  std::string id;
  std::string_view name;
  AppKind kind = AppKind::kWeb;
  size_t ip = 0;  // machine apps call from one address
  std::string_view scope;
  std::string_view user_agent;
};

struct Attacker {
  std::string ip;
  std::string_view user_agent;
};

class DemoGenerator {
 public:
  explicit DemoGenerator(uint64_t seed);

  // Fills the fields of one event at `timestamp`, leaving `id` to the caller.
  void Fill(UnixMicros timestamp, Event* event);

 private:
  void FillUserAuth(const KindSpec& kind, Event* event);
  void FillFailedLogin(const KindSpec& kind, Event* event);
  void FillBlock(const KindSpec& kind, Event* event);
  void FillMachineToken(Event* event);
  void FillManagementApi(bool failed, Event* event);
  void FillAdminConsole(const KindSpec& kind, bool failed, Event* event);

  DemoUser& PickActiveUser() { return users_[user_sampler_.Sample(random_)]; }
  const DemoUser& PickAnyUser() { return users_[random_.Uniform(users_.size())]; }
  void SetUserActor(const DemoUser& user, Event* event) const;
  void SetApp(const DemoApp& app, Event* event) const;
  void SetConnection(size_t connection, Event* event) const;
  // Actor, app, connection, IP and user agent of `user` acting as usual.
  void SetUserContext(const DemoUser& user, Event* event);
  void SetAttackerContext(Event* event);
  void SetAdminContext(const DemoUser& admin, Event* event) const;

  SeededRandom random_;
  std::vector<std::string> ips_;
  std::vector<DemoApp> apps_;
  std::vector<size_t> interactive_apps_;  // by popularity
  std::vector<size_t> machine_apps_;
  size_t console_app_ = 0;
  std::vector<std::string> connection_ids_;
  std::vector<DemoUser> users_;  // by activity rank
  std::vector<size_t> admins_;
  std::vector<Attacker> attackers_;
  WeightedSampler kind_sampler_;
  WeightedSampler api_op_sampler_;
  WeightedSampler user_sampler_;
  WeightedSampler interactive_app_sampler_;
  WeightedSampler attacker_sampler_;
};

DemoGenerator::DemoGenerator(uint64_t seed)
    : random_(seed),
      kind_sampler_(WeightsOf(kKinds)),
      api_op_sampler_(WeightsOf(kApiOps)),
      user_sampler_(ZipfWeights(kUserCount)),
      interactive_app_sampler_(ZipfWeights(kInteractiveAppCount)),
      attacker_sampler_(ZipfWeights(kAttackerCount)) {
  ips_.reserve(kIpPoolSize);
  for (size_t ip_idx = 0; ip_idx < kIpPoolSize; ++ip_idx) {
    ips_.push_back(RandomIp(random_, kPublicFirstOctets));
  }

  for (const AppSpec& spec : kApps) {
    const size_t app_idx = apps_.size();
    DemoApp app;
    app.id = RandomAlnum(random_, 32);
    app.name = spec.name;
    app.kind = spec.kind;
    switch (spec.kind) {
      case AppKind::kMachine:
        app.ip = random_.Uniform(ips_.size());
        app.scope = kMachineScopes[machine_apps_.size() % std::size(kMachineScopes)];
        app.user_agent = PickFrom(random_, kToolAgents);
        machine_apps_.push_back(app_idx);
        break;
      case AppKind::kConsole:
        console_app_ = app_idx;
        break;
      default:
        interactive_apps_.push_back(app_idx);
        break;
    }
    apps_.push_back(std::move(app));
  }
  AL_DCHECK(interactive_apps_.size() == kInteractiveAppCount, "both count kApps alike");

  for (size_t connection_idx = 0; connection_idx < std::size(kConnections); ++connection_idx) {
    connection_ids_.push_back("con_" + RandomAlnum(random_, 16));
  }

  // Distinct names: the first kUserCount of a shuffle of all first/last pairs.
  constexpr size_t kLastCount = std::size(kLastNames);
  std::vector<size_t> name_pairs(std::size(kFirstNames) * kLastCount);
  std::iota(name_pairs.begin(), name_pairs.end(), size_t{0});
  static_assert(std::size(kFirstNames) * std::size(kLastNames) >= kUserCount);
  const WeightedSampler connection_sampler(WeightsOf(kConnections));
  users_.reserve(kUserCount);
  for (size_t user_idx = 0; user_idx < kUserCount; ++user_idx) {
    std::swap(name_pairs[user_idx],
              name_pairs[user_idx + random_.Uniform(name_pairs.size() - user_idx)]);
    const std::string_view first = kFirstNames[name_pairs[user_idx] / kLastCount];
    const std::string_view last = kLastNames[name_pairs[user_idx] % kLastCount];
    DemoUser user;
    user.name = fmt::format("{} {}", first, last);
    user.email = fmt::format("{}.{}@example.com", Lowercase(first), Lowercase(last));
    user.connection = connection_sampler.Sample(random_);
    const ConnectionSpec& connection = kConnections[user.connection];
    if (connection.social) {
      user.id = fmt::format("{}|1{:010}{:010}", connection.strategy,
                            random_.Uniform(10'000'000'000), random_.Uniform(10'000'000'000));
    } else if (connection.strategy == "samlp") {
      user.id = fmt::format("samlp|{}|{}", connection.name, user.email);
    } else {
      user.id = fmt::format("{}|{:012x}{:012x}", connection.strategy, random_.Uniform(1ull << 48),
                            random_.Uniform(1ull << 48));
    }
    user.home_ip = random_.Uniform(ips_.size());
    user.usual_app = interactive_app_sampler_.Sample(random_);
    user.desktop_agent = PickFrom(random_, kDesktopAgents);
    user.mobile_agent = PickFrom(random_, kMobileAgents);
    user.logins_count = random_.Uniform(500);
    users_.push_back(std::move(user));
  }
  for (size_t admin_idx = 0; admin_idx < std::size(kAdminRanks); ++admin_idx) {
    users_[kAdminRanks[admin_idx]].admin_role = kAdminRoles[admin_idx];
    admins_.push_back(kAdminRanks[admin_idx]);
  }

  for (size_t attacker_idx = 0; attacker_idx < kAttackerCount; ++attacker_idx) {
    // Most scripts say what they are; some pretend to be a browser.
    const std::string_view agent =
        Chance(random_, 75) ? PickFrom(random_, kToolAgents) : PickFrom(random_, kDesktopAgents);
    attackers_.push_back({RandomIp(random_, kAttackerFirstOctets), agent});
  }
}

void DemoGenerator::Fill(UnixMicros timestamp, Event* event) {
  const KindSpec& kind = kKinds[kind_sampler_.Sample(random_)];
  event->timestamp = timestamp;
  event->type = kind.type;
  event->name = kind.name;
  event->description = kind.description;
  event->operation.type = kind.operation_type;
  event->request_id = fmt::format("{:016x}", random_.Next64());
  const bool failed = Chance(random_, kind.failure_percent);
  event->result = failed ? Outcome::kFailure : Outcome::kSuccess;
  if (failed && !kind.failure_messages.empty()) {
    event->result_message = PickAlternative(random_, kind.failure_messages);
  }
  switch (kind.shape) {
    case Shape::kUserAuth:
      FillUserAuth(kind, event);
      break;
    case Shape::kFailedLogin:
      FillFailedLogin(kind, event);
      break;
    case Shape::kBlock:
      FillBlock(kind, event);
      break;
    case Shape::kMachineToken:
      FillMachineToken(event);
      break;
    case Shape::kManagementApi:
      FillManagementApi(failed, event);
      break;
    case Shape::kAdminConsole:
    case Shape::kAdminLogin:
      FillAdminConsole(kind, failed, event);
      break;
  }
}

void DemoGenerator::SetUserActor(const DemoUser& user, Event* event) const {
  event->actor.id = user.id;
  event->actor.name = user.name;
  event->actor.email = user.email;
  event->actor.type = user.admin_role.empty() ? "user" : "admin";
  event->actor.role = user.admin_role;
}

void DemoGenerator::SetApp(const DemoApp& app, Event* event) const {
  event->client.id = app.id;
  event->client.name = app.name;
}

void DemoGenerator::SetConnection(size_t connection, Event* event) const {
  event->connection = kConnections[connection].name;
  event->strategy = kConnections[connection].strategy;
}

void DemoGenerator::SetUserContext(const DemoUser& user, Event* event) {
  SetUserActor(user, event);
  const size_t app_rank =
      Chance(random_, kUsualAppPercent) ? user.usual_app : interactive_app_sampler_.Sample(random_);
  const DemoApp& app = apps_[interactive_apps_[app_rank]];
  SetApp(app, event);
  SetConnection(user.connection, event);
  const size_t ip = Chance(random_, kRoamingPercent) ? random_.Uniform(ips_.size()) : user.home_ip;
  event->ip = ips_[ip];
  const bool native = app.kind == AppKind::kNative;
  event->user_agent = native ? user.mobile_agent : user.desktop_agent;
  event->operation.mode = native ? "sdk" : "web";
  event->hostname = kLoginHost;
}

void DemoGenerator::SetAttackerContext(Event* event) {
  const Attacker& attacker = attackers_[attacker_sampler_.Sample(random_)];
  event->ip = attacker.ip;
  event->user_agent = attacker.user_agent;
  SetApp(apps_[interactive_apps_[kAttackedApp]], event);
  SetConnection(kPasswordConnection, event);
  event->operation.mode = "web";
  event->hostname = kLoginHost;
}

void DemoGenerator::SetAdminContext(const DemoUser& admin, Event* event) const {
  SetUserActor(admin, event);
  SetApp(apps_[console_app_], event);
  event->ip = ips_[admin.home_ip];
  event->user_agent = admin.desktop_agent;
  event->operation.mode = "console";
  event->hostname = kConsoleHost;
}

void DemoGenerator::FillUserAuth(const KindSpec& kind, Event* event) {
  DemoUser& user = PickActiveUser();
  SetUserContext(user, event);
  if (kind.type == "s") {
    ++user.logins_count;
    if (Chance(random_, kLoginDetailsPercent)) {
      event->details = fmt::format(
          R"({{"prompts":[{{"name":"login","elapsedTime":{}}}],"stats":{{"loginsCount":{}}}}})",
          300 + random_.Uniform(9000), user.logins_count);
    }
  } else if (kind.type == "seacft") {
    event->audience = kApiAudience;
    event->scope = "openid profile email offline_access";
  }
}

void DemoGenerator::FillFailedLogin(const KindSpec& kind, Event* event) {
  const bool unknown_user = kind.type == "fu";
  if (Chance(random_, kind.attacker_percent)) {
    SetAttackerContext(event);
    if (unknown_user) {
      // Credential stuffing tries addresses that belong to nobody...
      const std::string_view local = PickFrom(random_, kGuessedLocalParts);
      event->actor.email = Chance(random_, 50)
                               ? fmt::format("{}@example.com", local)
                               : fmt::format("{}{}@example.com", local, random_.Uniform(100));
    } else {
      // ...and leaked addresses of real users, with no regard to who is active.
      SetUserActor(PickAnyUser(), event);
    }
  } else {
    const DemoUser& user = PickActiveUser();
    SetUserContext(user, event);
    if (kind.type == "fp" || unknown_user) SetConnection(kPasswordConnection, event);
    if (unknown_user) {
      // A typo in the domain: the address matches no user.
      event->actor = {};
      event->actor.email = user.email.substr(0, user.email.find('@')) + "@exmaple.com";
    }
  }
  if (Chance(random_, kFailureDetailsPercent)) {
    std::string details = R"({"error":{"message":)";
    event::AppendJsonString(&details, event->result_message);
    details += R"(,"oauthError":"access_denied"}})";
    event->details = std::move(details);
  }
}

void DemoGenerator::FillBlock(const KindSpec& kind, Event* event) {
  SetAttackerContext(event);
  // "limit_mu" blocks the IP whatever account it tries; "limit_wc" names one.
  if (kind.type == "limit_wc") SetUserActor(PickAnyUser(), event);
}

void DemoGenerator::FillMachineToken(Event* event) {
  const DemoApp& app = apps_[machine_apps_[random_.Uniform(machine_apps_.size())]];
  event->actor.id = app.id + "@clients";
  event->actor.name = app.name;
  event->actor.type = "service";
  SetApp(app, event);
  event->ip = ips_[app.ip];
  event->user_agent = app.user_agent;
  event->operation.mode = "api";
  event->hostname = kLoginHost;
  event->audience = kApiAudience;
  event->scope = app.scope;
}

void DemoGenerator::FillManagementApi(bool failed, Event* event) {
  const ApiOpSpec& op = kApiOps[api_op_sampler_.Sample(random_)];
  event->description = op.description;
  event->operation.type = op.operation_type;
  // Most calls come from provisioning and sync jobs, the rest from admins
  // clicking in the dashboard.
  if (Chance(random_, 60)) {
    FillMachineToken(event);
    event->audience = kManagementAudience;
    event->scope = op.scope;
  } else {
    SetAdminContext(users_[admins_[random_.Uniform(admins_.size())]], event);
  }
  event->hostname = kConsoleHost;

  std::string path(op.path);
  switch (op.resource) {
    case ResourceKind::kUser: {
      const DemoUser& target = PickAnyUser();
      event->resource = {.type = "user", .id = target.id, .name = target.email};
      if (path.ends_with('/')) path += EscapePathSegment(target.id);
      break;
    }
    case ResourceKind::kUserList:
      event->resource.type = "user";
      break;
    case ResourceKind::kClient: {
      const DemoApp& target = apps_[random_.Uniform(apps_.size())];
      event->resource = {.type = "client", .id = target.id, .name = std::string(target.name)};
      if (path.ends_with('/')) path += target.id;
      break;
    }
    case ResourceKind::kConnection: {
      const size_t target = random_.Uniform(std::size(kConnections));
      event->resource = {.type = "connection",
                         .id = connection_ids_[target],
                         .name = std::string(kConnections[target].name)};
      if (path.ends_with('/')) path += connection_ids_[target];
      break;
    }
    case ResourceKind::kTenant:
      event->resource = {.type = "tenant", .id = "demo", .name = "demo"};
      break;
  }
  path += op.path_suffix;

  int status = op.success_status;
  if (failed) {
    switch (random_.Uniform(3)) {
      case 0:
        event->result_message = fmt::format("Insufficient scope, expected any of: {}", op.scope);
        status = 403;
        break;
      case 1:
        event->result_message = "Global limit has been reached";
        status = 429;
        break;
      default:
        event->result_message = "Payload validation error: 'Object didn't pass validation'";
        status = 400;
        break;
    }
  }
  event->details = RequestDetails(op.method, path, status, op.elevated);
}

void DemoGenerator::FillAdminConsole(const KindSpec& kind, bool failed, Event* event) {
  SetAdminContext(users_[admins_[random_.Uniform(admins_.size())]], event);
  if (kind.shape == Shape::kAdminLogin) return;
  const DemoUser& target = PickAnyUser();
  event->resource = {.type = "user", .id = target.id, .name = target.name};
  if (kind.type == "assignRole") event->target_value = PickFrom(random_, kRoles);
  if (kind.type == "revokeRole") event->origin_value = PickFrom(random_, kRoles);
  const int status = failed ? 400 : 200;
  event->details = RequestDetails("POST", kind.api_path, status, false);
}

// Draws a time in [start, end] with the daily and weekly rhythm, rounded down
// to a millisecond but not below `start`.
UnixMicros DrawTimestamp(Random& random, UnixMicros start, UnixMicros end) {
  while (true) {
    const UnixMicros t =
        start + static_cast<int64_t>(random.Uniform(static_cast<uint64_t>(end - start) + 1));
    const uint64_t hour = static_cast<uint64_t>(t / kMicrosPerHour % 24);
    // 1970-01-01 was a Thursday: day 0 is weekday 4 counting from Sunday.
    const uint64_t weekday = static_cast<uint64_t>((t / kMicrosPerDay + 4) % 7);
    const bool weekend = weekday == 0 || weekday == 6;
    const uint64_t percent = kHourPercent[hour] * (weekend ? kWeekendPercent : 100) / 100;
    if (Chance(random, percent)) return std::max(start, t - t % kMicrosPerMilli);
  }
}

}  // namespace

std::vector<Event> GenerateDemoEvents(size_t count, UnixMicros now_micros, uint64_t seed,
                                      int days) {
  std::vector<Event> events;
  if (count == 0) return events;

  const UnixMicros end = std::clamp(now_micros, event::kMinTimeMicros, event::kMaxTimeMicros);
  const int64_t window_days = std::max(days, 1);
  const int64_t longest_span = end - event::kMinTimeMicros;
  const int64_t span =
      window_days > longest_span / kMicrosPerDay ? longest_span : window_days * kMicrosPerDay;
  const UnixMicros start = end - span;

  // Three independent streams, so that the cast, the times and the ids do
  // not shift when one of them draws a different amount.
  SeededRandom time_random(seed ^ 0x74696d6573ull);  // "times"
  SeededRandom id_random(seed ^ 0x756c696473ull);    // "ulids"
  std::vector<UnixMicros> timestamps(count);
  for (UnixMicros& timestamp : timestamps) timestamp = DrawTimestamp(time_random, start, end);
  std::sort(timestamps.begin(), timestamps.end());

  DemoGenerator generator(seed);
  event::EventIdGenerator ids(id_random);
  events.resize(count);
  for (size_t event_idx = 0; event_idx < count; ++event_idx) {
    Event& event = events[event_idx];
    generator.Fill(timestamps[event_idx], &event);
    // Timestamps ascend, so the monotonic generator keeps ids unique and in
    // the same order as the times.
    event.id = ids.Next(timestamps[event_idx] / kMicrosPerMilli);
  }
  return events;
}

}  // namespace auditlog::server

#pragma once

// Event is the canonical audit event: one struct, a superset of every record
// shape the project ingests (native JSON, Authing, EnOS, Auth0, ...). Dialect
// decoders in ingest/ map their names onto it; dialect renderers in api/ map it
// back. Its fields, their JSON names, types and index kinds are listed in the
// field registry (event/fields.h); its JSON form in docs/dialects/native.md.
//
// Conventions that hold for every field:
//   - A string field that is empty is absent. Decoders never store "" or the
//     literal "null"; renderers omit empty fields.
//   - Times are microseconds since the Unix epoch, UTC, within
//     [1970-01-01T00:00:00Z, 9999-12-31T23:59:59.999999Z].
//   - `details` holds the text of one minified JSON object (or is empty); its
//     nesting is at most kMaxDetailsDepth.
//
// Thread-safety: a plain value. Intentionally copyable.

#include <cstdint>
#include <optional>
#include <string>

namespace auditlog::event {

// Microseconds since 1970-01-01T00:00:00Z.
using UnixMicros = int64_t;

// `result` of an event. Persisted: values are stable.
enum class Outcome : uint8_t { kUnset = 0, kSuccess = 1, kFailure = 2 };

struct Actor {
  std::string id;
  std::string name;
  std::string email;
  std::string type;  // user, admin, service, ...
  std::string role;

  friend bool operator==(const Actor&, const Actor&) = default;
};

// The application (OAuth client) the event happened through.
struct ClientApp {
  std::string id;
  std::string name;

  friend bool operator==(const ClientApp&, const ClientApp&) = default;
};

struct Operation {
  std::string type;  // create, read, update, delete, login, ...
  std::string mode;  // console, api, sdk, ...

  friend bool operator==(const Operation&, const Operation&) = default;
};

struct Resource {
  std::string type;
  std::string id;
  std::string name;

  friend bool operator==(const Resource&, const Resource&) = default;
};

struct SecurityContext {
  std::string ja3;
  std::string ja4;

  friend bool operator==(const SecurityContext&, const SecurityContext&) = default;
};

// Where the request came from, derived from `ip` at ingest (or supplied).
struct Geo {
  std::string country_code;   // ISO 3166-1 alpha-2
  std::string country_code3;  // ISO 3166-1 alpha-3
  std::string country_name;
  std::string region_code;
  std::string region_name;
  std::string city_name;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::string time_zone;  // IANA name, e.g. Asia/Shanghai
  std::string continent_code;
  std::string asn;     // autonomous system number, decimal digits: "13335"
  std::string as_org;  // the organization the AS is registered to

  bool empty() const;

  friend bool operator==(const Geo&, const Geo&) = default;
};

// The parsed `user_agent`, derived at ingest (or supplied).
struct UserAgentInfo {
  std::string name;  // browser or library family, e.g. "Chrome"
  std::string major;
  std::string minor;
  std::string patch;
  std::string os;
  std::string os_major;
  std::string os_minor;
  std::string device;
  std::optional<bool> is_mobile;

  bool empty() const;

  friend bool operator==(const UserAgentInfo&, const UserAgentInfo&) = default;
};

// The deepest nesting allowed inside `details`; `{}` has depth 1.
inline constexpr int kMaxDetailsDepth = 16;
// The largest accepted encoded event, in bytes of its source record.
inline constexpr size_t kMaxEventBytes = 256 * 1024;
// The longest accepted client-supplied id.
inline constexpr size_t kMaxIdBytes = 128;

struct Event {
  // identity
  std::string id;      // unique per tenant; client-supplied (idempotency) or a ULID
  std::string tenant;  // owner; from the API key, or checked against it
  uint64_t seq = 0;    // per-tenant ingest order from 1, gap-free; 0 = not yet assigned

  // time
  std::optional<UnixMicros> timestamp;    // when it happened, per the client
  std::optional<UnixMicros> received_at;  // when the server accepted it

  // what
  std::string type;  // code: "s", "f", "createUser", ...
  std::string name;  // human label of the type: "Success Login"
  std::string description;
  Outcome result = Outcome::kUnset;
  std::string result_message;
  Operation operation;
  Resource resource;
  std::string origin_value;  // value before a change
  std::string target_value;  // value after a change
  std::string details;       // minified JSON object text, or empty

  // who
  Actor actor;
  ClientApp client;
  std::string connection;
  std::string strategy;
  std::string audience;
  std::string scope;
  std::string request_id;
  std::string session_id;

  // where
  std::string ip;  // as given; not required to parse (sources mask them: "10.8.xxx.x")
  std::string hostname;
  std::string user_agent;
  SecurityContext security_context;

  // derived at ingest
  Geo geo;
  UserAgentInfo ua;

  // Resets every field to absent, keeping string capacity (cheaper than
  // assigning a fresh Event when decoding into reused or new objects).
  void Clear();

  friend bool operator==(const Event&, const Event&) = default;
};

std::string_view OutcomeName(Outcome outcome);  // "", "success", "failure"

}  // namespace auditlog::event

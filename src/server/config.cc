#include "server/config.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include "common/no_destructor.h"

namespace auditlog::server {
namespace {

// ---------------------------------------------------------------------------
// The option table: one row per option, read by AddServeOptions (flags and
// --help) and ResolveServeConfig (environment and file), so that the three
// sources cannot drift apart.

// kStringList: a repeatable flag; in the environment and as a YAML scalar,
// comma-separated; in the file also a YAML list.
enum class Kind : uint8_t { kString, kUint32, kUint64, kBool, kStringList };

// Checks a string option's value; returns the problem, or OK. Messages carry
// no prefix: the caller names the option and its source.
using StringCheck = Status (*)(std::string_view value);

struct OptionSpec {
  std::string_view key;    // config key; the environment name is derived from it
  std::string_view flags;  // CLI11 names; the first is the one looked up
  std::string_view type_name;
  Kind kind = Kind::kString;
  std::string ServeConfig::*string_member = nullptr;
  uint32_t ServeConfig::*uint32_member = nullptr;
  uint64_t ServeConfig::*uint64_member = nullptr;
  bool ServeConfig::*bool_member = nullptr;
  std::vector<std::string> ServeConfig::*list_member = nullptr;
  uint64_t min = 0;  // numbers only, inclusive
  uint64_t max = 0;
  StringCheck check = nullptr;  // strings only; null accepts anything
  bool secret = false;          // never echoed in messages or --help defaults
  std::string_view help;
};

Status CheckNotEmpty(std::string_view value) {
  if (value.empty()) return Status::InvalidArgument("must not be empty");
  return Status::OK();
}

Status CheckToken(std::string_view value) {
  // The token travels in `Authorization: Bearer <token>`; one with a space
  // or control character could never match a request.
  for (const char c : value) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("contains a space or control character");
    }
  }
  return Status::OK();
}

// The URL clients reach the server at: the scheme and authority only
// (links are built by appending paths to it).
Status CheckPublicUrl(std::string_view value) {
  std::string_view rest = value;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return Status::InvalidArgument("must start with https:// or http://");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty()) return Status::InvalidArgument("has no host");
  for (const char c : rest) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                         c == '_' || c == '~' || c == ':' || c == '[' || c == ']';
    if (!allowed) {
      return Status::InvalidArgument(
          "must be scheme://host[:port] with no path, query or credentials");
    }
  }
  return Status::OK();
}

Status ListenAddressProblem(std::string_view text, ListenAddress* address);

Status CheckListen(std::string_view value) {
  ListenAddress unused;
  return ListenAddressProblem(value, &unused);
}

Status CheckLogFormat(std::string_view value) {
  if (value == "json" || value == "text") return Status::OK();
  return Status::InvalidArgument(fmt::format("must be \"json\" or \"text\", got \"{}\"", value));
}

Status CheckLogLevel(std::string_view value) {
  if (value == "debug" || value == "info" || value == "warn" || value == "error") {
    return Status::OK();
  }
  return Status::InvalidArgument(
      fmt::format("must be \"debug\", \"info\", \"warn\" or \"error\", got \"{}\"", value));
}

OptionSpec StringOption(std::string_view key, std::string_view flags, std::string_view type_name,
                        std::string ServeConfig::*member, StringCheck check,
                        std::string_view help) {
  OptionSpec spec;
  spec.key = key;
  spec.flags = flags;
  spec.type_name = type_name;
  spec.kind = Kind::kString;
  spec.string_member = member;
  spec.check = check;
  spec.help = help;
  return spec;
}

OptionSpec Uint32Option(std::string_view key, std::string_view flags, std::string_view type_name,
                        uint32_t ServeConfig::*member, uint64_t min, uint64_t max,
                        std::string_view help) {
  OptionSpec spec;
  spec.key = key;
  spec.flags = flags;
  spec.type_name = type_name;
  spec.kind = Kind::kUint32;
  spec.uint32_member = member;
  spec.min = min;
  spec.max = max;
  spec.help = help;
  return spec;
}

OptionSpec Uint64Option(std::string_view key, std::string_view flags, std::string_view type_name,
                        uint64_t ServeConfig::*member, uint64_t min, uint64_t max,
                        std::string_view help) {
  OptionSpec spec;
  spec.key = key;
  spec.flags = flags;
  spec.type_name = type_name;
  spec.kind = Kind::kUint64;
  spec.uint64_member = member;
  spec.min = min;
  spec.max = max;
  spec.help = help;
  return spec;
}

OptionSpec StringListOption(std::string_view key, std::string_view flags,
                            std::string_view type_name,
                            std::vector<std::string> ServeConfig::*member, std::string_view help) {
  OptionSpec spec;
  spec.key = key;
  spec.flags = flags;
  spec.type_name = type_name;
  spec.kind = Kind::kStringList;
  spec.list_member = member;
  spec.help = help;
  return spec;
}

OptionSpec BoolOption(std::string_view key, std::string_view flags, bool ServeConfig::*member,
                      std::string_view help) {
  OptionSpec spec;
  spec.key = key;
  spec.flags = flags;
  spec.type_name = "";
  spec.kind = Kind::kBool;
  spec.bool_member = member;
  spec.help = help;
  return spec;
}

constexpr uint64_t kMaxBodyLimitBytes = uint64_t{4} << 30;

std::vector<OptionSpec> BuildOptionSpecs() {
  using C = ServeConfig;
  std::vector<OptionSpec> specs = {
      StringOption("data_dir", "--data,--data-dir", "DIR", &C::data_dir, CheckNotEmpty,
                   "Directory of the store, the tenants and (by default) the master key"),
      StringOption("listen", "--listen", "HOST:PORT", &C::listen, CheckListen,
                   "Address to listen on: 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080; port 0 "
                   "picks any free port"),
      StringOption("admin_token", "--admin-token", "TOKEN", &C::admin_token, CheckToken,
                   "Bearer token of the admin endpoints (tenants, keys, cross-tenant reads); "
                   "unset, they refuse every request. Prefer --admin-token-file: flags show in "
                   "the process list"),
      StringOption("admin_token_file", "--admin-token-file", "FILE", &C::admin_token_file, nullptr,
                   "File holding the admin token (trailing whitespace trimmed); not with "
                   "--admin-token"),
      StringOption("master_key_file", "--master-key-file", "FILE", &C::master_key_file, nullptr,
                   "Key that encrypts API keys at rest. Default: <data dir>/master.key"),
      StringOption("tls_cert", "--tls-cert", "FILE", &C::tls_cert, nullptr,
                   "PEM certificate chain: serve HTTPS (needs --tls-key)"),
      StringOption("tls_key", "--tls-key", "FILE", &C::tls_key, nullptr,
                   "PEM private key of --tls-cert"),
      StringOption("public_url", "--public-url", "URL", &C::public_url, CheckPublicUrl,
                   "How clients reach this server (https://logs.example.com), for the links it "
                   "returns (Auth0's checkpoint Link); unset, they are built from the request's "
                   "Host header and whether it came over TLS, which a TLS-terminating proxy "
                   "makes http"),
      Uint32Option("io_threads", "--io-threads", "N", &C::io_threads, 0, 256,
                   "Threads running the network event loop; 0: one per core"),
      Uint32Option("worker_threads", "--worker-threads", "N", &C::worker_threads, 0, 4096,
                   "Threads running writes and other handlers that wait on fsync; 0: four per "
                   "core"),
      Uint32Option("read_threads", "--read-threads", "N", &C::read_threads, 0, 4096,
                   "Threads running GET and HEAD handlers (queries); 0: two per core"),
      Uint64Option("body_limit_bytes", "--body-limit-bytes", "BYTES", &C::body_limit_bytes, 1024,
                   kMaxBodyLimitBytes,
                   "Largest request body, after gzip decoding; larger ones get 413 unread"),
      Uint32Option("header_timeout_seconds", "--header-timeout-seconds", "SECONDS",
                   &C::header_timeout_seconds, 1, 3600,
                   "Time a client has to send a request's headers"),
      Uint32Option("idle_timeout_seconds", "--idle-timeout-seconds", "SECONDS",
                   &C::idle_timeout_seconds, 1, 86400,
                   "A keep-alive connection idle this long is closed"),
      Uint32Option("max_requests_in_flight", "--max-requests-in-flight", "N",
                   &C::max_requests_in_flight, 1, 1'000'000,
                   "Requests waiting for or in a handler beyond this get 429 with Retry-After"),
      Uint32Option("query_timeout_ms", "--query-timeout-ms", "MS", &C::query_timeout_ms, 1,
                   3'600'000, "A query running longer is abandoned with 504"),
      Uint64Option("memtable_mb", "--memtable-mb", "MB", &C::memtable_mb, 1, 65536,
                   "Memory for events not yet written to a segment"),
      Uint64Option("cache_mb", "--cache-mb", "MB", &C::cache_mb, 0, 1 << 20,
                   "Memory for cached segment blocks; 0 disables the cache"),
      Uint32Option("idle_flush_seconds", "--idle-flush-seconds", "S", &C::idle_flush_seconds, 0,
                   86'400,
                   "Events not yet in a segment are written to one after ingest pauses this "
                   "long (from 1/16 of --memtable-mb); 0: only when the memtable is full"),
      BoolOption("demo", "--demo", &C::demo,
                 "Create a `demo` tenant with generated events and print its API key and "
                 "example curl commands"),
      Uint64Option("demo_events", "--demo-events", "N", &C::demo_events, 0, 100'000'000,
                   "Events generated for --demo"),
      StringOption("log_format", "--log-format", "json|text", &C::log_format, CheckLogFormat,
                   "Log line format"),
      StringOption("log_level", "--log-level", "LEVEL", &C::log_level, CheckLogLevel,
                   "Least severe log level written: debug, info, warn or error"),
      BoolOption("access_log", "--access-log,!--no-access-log", &C::access_log,
                 "One structured log line per request (default on)"),
      StringListOption("geoip_db", "--geoip-db", "FILE", &C::geoip_db,
                       "GeoIP database (.mmdb, MaxMind or ip-location-db format) that fills "
                       "`geo` from `ip`: a city or country one and, repeating the flag, an ASN "
                       "one. Reloaded on SIGHUP and when the file is replaced (rename a new "
                       "file over it; never rewrite it in place). Unset: no GeoIP"),
      Uint32Option("geoip_check_seconds", "--geoip-check-seconds", "SECONDS",
                   &C::geoip_check_seconds, 0, 86400,
                   "How often the GeoIP files are checked for a change; 0: only on SIGHUP"),
      StringOption("uap_regexes", "--uap-regexes", "FILE", &C::uap_regexes, CheckNotEmpty,
                   "uap-core's regexes.yaml, the rules that fill `ua` from `user_agent`; "
                   "`none` turns user-agent parsing off"),
      Uint64Option("ua_cache_entries", "--ua-cache-entries", "N", &C::ua_cache_entries, 0,
                   100'000'000, "Parsed user agents kept in memory; 0: no cache"),
      Uint64Option("geoip_cache_entries", "--geoip-cache-entries", "N", &C::geoip_cache_entries, 0,
                   100'000'000, "Located addresses kept in memory; 0: no cache"),
  };
  for (OptionSpec& spec : specs) {
    if (spec.key == "admin_token") spec.secret = true;
  }
  return specs;
}

const std::vector<OptionSpec>& OptionSpecs() {
  // Never destroyed: CLI11 callbacks hold pointers into it (STYLE.md §8.14).
  static const NoDestructor<std::vector<OptionSpec>> kSpecs(BuildOptionSpecs());
  return *kSpecs;
}

std::string EnvName(std::string_view key) {
  std::string name = "AUDITLOG_";
  for (const char c : key) name.push_back(static_cast<char>(std::toupper(c)));
  return name;
}

std::string_view FirstFlag(std::string_view flags) { return flags.substr(0, flags.find(',')); }

// ---------------------------------------------------------------------------
// Parsing one value, the same way whatever its source.

Status ParseUnsigned(std::string_view text, uint64_t min, uint64_t max, uint64_t* out) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  // from_chars takes no sign, no space, no 0x: exactly decimal digits.
  if (text.empty() || ptr != end ||
      (error != std::errc() && error != std::errc::result_out_of_range)) {
    return Status::InvalidArgument(fmt::format("not a number: \"{}\"", text));
  }
  if (error == std::errc::result_out_of_range || value < min || value > max) {
    return Status::InvalidArgument(
        fmt::format("{} is out of range: must be between {} and {}", text, min, max));
  }
  *out = value;
  return Status::OK();
}

Status ParseBool(std::string_view text, bool* out) {
  std::string lower;
  for (const char c : text) lower.push_back(static_cast<char>(std::tolower(c)));
  if (lower == "true" || lower == "yes" || lower == "1") {
    *out = true;
  } else if (lower == "false" || lower == "no" || lower == "0") {
    *out = false;
  } else {
    return Status::InvalidArgument(
        fmt::format("not a boolean (true/false, yes/no, 1/0): \"{}\"", text));
  }
  return Status::OK();
}

// Sets the option from `text`, or returns the problem (no prefix).
Status SetOption(const OptionSpec& spec, std::string_view text, ServeConfig* config) {
  switch (spec.kind) {
    case Kind::kString:
      if (spec.check != nullptr) AL_RETURN_IF_ERROR(spec.check(text));
      config->*spec.string_member = std::string(text);
      return Status::OK();
    case Kind::kUint32: {
      uint64_t value = 0;
      AL_RETURN_IF_ERROR(ParseUnsigned(text, spec.min, spec.max, &value));
      config->*spec.uint32_member = static_cast<uint32_t>(value);
      return Status::OK();
    }
    case Kind::kUint64: {
      uint64_t value = 0;
      AL_RETURN_IF_ERROR(ParseUnsigned(text, spec.min, spec.max, &value));
      config->*spec.uint64_member = value;
      return Status::OK();
    }
    case Kind::kBool:
      return ParseBool(text, &(config->*spec.bool_member));
    case Kind::kStringList: {
      std::vector<std::string> items;
      for (size_t start = 0; start <= text.size();) {
        const size_t comma = std::min(text.find(',', start), text.size());
        std::string_view item = text.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.empty()) return Status::InvalidArgument("an empty item in the list");
        items.emplace_back(item);
        start = comma + 1;
      }
      config->*spec.list_member = std::move(items);
      return Status::OK();
    }
  }
  return Status::Internal("config: unknown option kind");
}

std::string DefaultText(const OptionSpec& spec, const ServeConfig& config) {
  switch (spec.kind) {
    case Kind::kString:
      return config.*spec.string_member;
    case Kind::kUint32:
      return std::to_string(config.*spec.uint32_member);
    case Kind::kUint64:
      return std::to_string(config.*spec.uint64_member);
    case Kind::kBool:
      return config.*spec.bool_member ? "true" : "false";
    case Kind::kStringList:
      return fmt::format("{}", fmt::join(config.*spec.list_member, ","));
  }
  return "";
}

// ---------------------------------------------------------------------------
// Listen addresses.

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

Status ListenAddressProblem(std::string_view text, ListenAddress* address) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("missing ']' in \"{}\"", text));
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Status::InvalidArgument(
          fmt::format("missing port in \"{}\": expected [HOST]:PORT", text));
    }
    port_text = rest.substr(1);
    // A zone ("fe80::1%eth0") names the interface; the address before it must parse.
    const std::string address_part(host.substr(0, host.find('%')));
    in6_addr parsed;
    if (host.empty() || inet_pton(AF_INET6, address_part.c_str(), &parsed) != 1) {
      return Status::InvalidArgument(fmt::format("not an IPv6 address: \"{}\"", host));
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("missing port in \"{}\": expected HOST:PORT", text));
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Status::InvalidArgument(fmt::format(
          "IPv6 addresses go in brackets: \"[{}]:{}\", not \"{}\"", host, port_text, text));
    }
    if (host.empty()) {
      return Status::InvalidArgument(fmt::format(
          "missing host in \"{}\": use 0.0.0.0{} for every IPv4 interface", text, text));
    }
    bool all_digits_and_dots = true;
    for (const char c : host) {
      if (!IsHostNameChar(c)) {
        return Status::InvalidArgument(fmt::format("not a host name: \"{}\"", host));
      }
      if (c != '.' && (c < '0' || c > '9')) all_digits_and_dots = false;
    }
    in_addr parsed;
    if (all_digits_and_dots && inet_pton(AF_INET, std::string(host).c_str(), &parsed) != 1) {
      return Status::InvalidArgument(fmt::format("not an IPv4 address: \"{}\"", host));
    }
  }
  if (port_text.empty()) {
    return Status::InvalidArgument(fmt::format("missing port in \"{}\"", text));
  }
  uint64_t port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [ptr, error] = std::from_chars(port_text.data(), end, port);
  if (ptr != end || (error != std::errc() && error != std::errc::result_out_of_range)) {
    return Status::InvalidArgument(fmt::format("port is not a number: \"{}\"", port_text));
  }
  if (error == std::errc::result_out_of_range || port > 65535) {
    return Status::InvalidArgument(
        fmt::format("port {} is out of range: must be between 0 and 65535", port_text));
  }
  address->host = std::string(host);
  address->port = static_cast<uint16_t>(port);
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Sources.

enum class Source : uint8_t { kDefault, kFlag, kEnv, kFile };

struct FileValue {
  std::string value;
  int line = 0;
};

struct Origin {
  Source source = Source::kDefault;
  int line = 0;  // kFile
};

std::string DescribeOrigin(const OptionSpec& spec, const Origin& origin,
                           std::string_view config_path) {
  switch (origin.source) {
    case Source::kFlag:
      return std::string(FirstFlag(spec.flags));
    case Source::kEnv:
      return EnvName(spec.key);
    case Source::kFile:
      return fmt::format("config file {}: line {}", config_path, origin.line);
    case Source::kDefault:
      return "default";
  }
  return "";
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::InvalidArgument(fmt::format("cannot read: {}", std::strerror(errno)));
  }
  std::string contents;
  char buffer[4096];
  size_t read_bytes = 0;
  while ((read_bytes = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    contents.append(buffer, read_bytes);
  }
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) {
    return Status::InvalidArgument(fmt::format("cannot read: {}", std::strerror(read_errno)));
  }
  return contents;
}

const OptionSpec* FindSpec(std::string_view key) {
  for (const OptionSpec& spec : OptionSpecs()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

// Line `line_idx` (0-based) of `text`, without its newline; empty past the end.
std::string_view LineAt(std::string_view text, int line_idx) {
  for (int skipped = 0; skipped < line_idx; ++skipped) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return {};
    text.remove_prefix(newline + 1);
  }
  return text.substr(0, text.find('\n'));
}

// Reads the YAML config file into key -> value, checking that every key is
// an option given once with a single value, and that every value parses.
Status ReadConfigFile(const std::string& path, std::map<std::string, FileValue>* values) {
  const std::string prefix = fmt::format("config file {}", path);
  auto contents = ReadWholeFile(path);
  if (!contents.ok()) return contents.status().WithContext(prefix);

  YAML::Node root;
  try {
    root = YAML::Load(*contents);
  } catch (const YAML::Exception& error) {
    // yaml-cpp reports through exceptions; they stop here (STYLE.md §3).
    if (error.mark.is_null()) {
      return Status::InvalidArgument(fmt::format("{}: {}", prefix, error.msg));
    }
    // `listen: [::1]:8080` is the likely culprit: a flow list that is not one.
    const std::string_view line = LineAt(*contents, error.mark.line);
    const size_t colon = line.find(':');
    const size_t value_start =
        colon == std::string_view::npos ? colon : line.find_first_not_of(' ', colon + 1);
    const bool looks_unquoted_flow = value_start != std::string_view::npos &&
                                     (line[value_start] == '[' || line[value_start] == '{');
    return Status::InvalidArgument(
        fmt::format("{}: line {}: {}{}", prefix, error.mark.line + 1, error.msg,
                    looks_unquoted_flow ? " (quote values that start with '[' or '{')" : ""));
  }
  if (root.IsNull()) return Status::OK();  // empty, or only comments
  if (!root.IsMap()) {
    return Status::InvalidArgument(
        fmt::format("{}: line {}: expected option: value lines", prefix, root.Mark().line + 1));
  }
  ServeConfig scratch;
  for (const auto& entry : root) {
    const int line = entry.first.Mark().line + 1;
    const std::string where = fmt::format("{}: line {}", prefix, line);
    if (!entry.first.IsScalar()) {
      return Status::InvalidArgument(fmt::format("{}: expected an option name", where));
    }
    const std::string key = entry.first.Scalar();
    const OptionSpec* spec = FindSpec(key);
    if (spec == nullptr) {
      std::string underscored = key;
      for (char& c : underscored) {
        if (c == '-') c = '_';
      }
      if (underscored != key && FindSpec(underscored) != nullptr) {
        return Status::InvalidArgument(fmt::format(
            "{}: unknown option \"{}\" (did you mean \"{}\"?)", where, key, underscored));
      }
      return Status::InvalidArgument(fmt::format("{}: unknown option \"{}\"", where, key));
    }
    if (auto previous = values->find(key); previous != values->end()) {
      return Status::InvalidArgument(
          fmt::format("{}: {} given twice (first on line {})", where, key, previous->second.line));
    }
    const YAML::Node& value = entry.second;
    if (value.IsNull()) {
      return Status::InvalidArgument(fmt::format("{}: {}: no value", where, key));
    }
    if (spec->kind == Kind::kStringList && value.IsSequence()) {
      std::vector<std::string> items;
      for (const auto& item : value) {
        if (!item.IsScalar() || item.Scalar().empty()) {
          return Status::InvalidArgument(
              fmt::format("{}: {}: expected a list of file names", where, key));
        }
        items.push_back(item.Scalar());
      }
      const std::string joined = fmt::format("{}", fmt::join(items, ","));
      const Status parsed = SetOption(*spec, joined, &scratch);
      if (!parsed.ok()) return parsed.WithContext(fmt::format("{}: {}", where, key));
      values->emplace(key, FileValue{joined, line});
      continue;
    }
    if (!value.IsScalar()) {
      // `listen: [::1]:8080` reads as a YAML list.
      return Status::InvalidArgument(fmt::format(
          "{}: {}: expected a single value, not a {} (quote values that start with '[' or '{{')",
          where, key, value.IsSequence() ? "list" : "mapping"));
    }
    const Status parsed = SetOption(*spec, value.Scalar(), &scratch);
    if (!parsed.ok()) return parsed.WithContext(fmt::format("{}: {}", where, key));
    values->emplace(key, FileValue{value.Scalar(), line});
  }
  return Status::OK();
}

Status ReadAdminTokenFile(const std::string& path, std::string* token) {
  AL_ASSIGN_OR_RETURN(std::string contents, ReadWholeFile(path));
  while (!contents.empty() && (contents.back() == '\n' || contents.back() == '\r' ||
                               contents.back() == ' ' || contents.back() == '\t')) {
    contents.pop_back();
  }
  if (contents.empty()) return Status::InvalidArgument("the file is empty");
  if (!CheckToken(contents).ok()) {
    return Status::InvalidArgument("the token contains a space or control character");
  }
  *token = std::move(contents);
  return Status::OK();
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress address;
  AL_RETURN_IF_ERROR(ListenAddressProblem(text, &address).WithContext("listen"));
  return address;
}

std::optional<std::string> GetProcessEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void AddServeOptions(CLI::App& serve, ServeConfig* config) {
  serve
      .add_option("--config", config->config_file,
                  "YAML file of options, keys as in the brackets below (`listen: "
                  "0.0.0.0:8080`); flags and environment variables override it "
                  "[env AUDITLOG_CONFIG]")
      ->type_name("FILE");
  for (const OptionSpec& spec : OptionSpecs()) {
    const std::string help =
        fmt::format("{} [env {}, config key {}]", spec.help, EnvName(spec.key), spec.key);
    CLI::Option* option = nullptr;
    if (spec.kind == Kind::kBool) {
      option = serve.add_flag(std::string(spec.flags), config->*spec.bool_member, help);
    } else if (spec.kind == Kind::kStringList) {
      const OptionSpec* spec_ptr = &spec;
      option = serve.add_option_function<std::vector<std::string>>(
          std::string(spec.flags),
          [spec_ptr, config](const std::vector<std::string>& values) {
            config->*spec_ptr->list_member = values;
          },
          help);
      option->check(CLI::Validator(
          [](std::string& value) -> std::string {
            return value.empty() ? "must not be empty" : std::string();
          },
          ""));
      option->type_name(std::string(spec.type_name));
    } else {
      const OptionSpec* spec_ptr = &spec;
      option = serve.add_option_function<std::string>(
          std::string(spec.flags),
          [spec_ptr, config](const std::string& value) {
            // The validator below has accepted `value`, so this cannot fail.
            (void)SetOption(*spec_ptr, value, config);
          },
          help);
      option->check(CLI::Validator(
          [spec_ptr](std::string& value) -> std::string {
            ServeConfig scratch;
            const Status status = SetOption(*spec_ptr, value, &scratch);
            return status.ok() ? std::string() : std::string(status.message());
          },
          ""));
      option->type_name(std::string(spec.type_name));
    }
    // Flags show their state in CLI11's own way; a default_str would add "=false".
    if (!spec.secret && spec.kind != Kind::kBool) {
      const std::string default_text = DefaultText(spec, *config);
      if (!default_text.empty()) option->default_str(default_text);
    }
  }
}

Status ResolveServeConfig(const CLI::App& serve, const EnvLookup& getenv, ServeConfig* config) {
  auto lookup = [&getenv](std::string_view name) -> std::optional<std::string> {
    std::optional<std::string> value = getenv(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };

  if (serve.get_option("--config")->count() == 0) {
    config->config_file = lookup("AUDITLOG_CONFIG").value_or("");
  }
  std::map<std::string, FileValue> file_values;
  if (!config->config_file.empty()) {
    AL_RETURN_IF_ERROR(ReadConfigFile(config->config_file, &file_values));
  }

  std::map<std::string_view, Origin> origins;
  ServeConfig scratch;
  for (const OptionSpec& spec : OptionSpecs()) {
    Origin& origin = origins[spec.key];
    if (serve.get_option(std::string(FirstFlag(spec.flags)))->count() > 0) {
      origin.source = Source::kFlag;
    }
    const std::string env_name = EnvName(spec.key);
    if (const auto env_value = lookup(env_name)) {
      const bool applies = origin.source == Source::kDefault;
      const Status status = SetOption(spec, *env_value, applies ? config : &scratch);
      if (!status.ok()) return status.WithContext(env_name);
      if (applies) origin.source = Source::kEnv;
    }
    if (auto file_value = file_values.find(std::string(spec.key));
        file_value != file_values.end() && origin.source == Source::kDefault) {
      // Checked by ReadConfigFile already.
      AL_RETURN_IF_ERROR(SetOption(spec, file_value->second.value, config));
      origin = Origin{Source::kFile, file_value->second.line};
    }
  }

  auto describe = [&](std::string_view key) {
    return DescribeOrigin(*FindSpec(key), origins[key], config->config_file);
  };

  if (!config->admin_token.empty() && !config->admin_token_file.empty()) {
    return Status::InvalidArgument(
        fmt::format("admin_token (from {}) and admin_token_file (from {}) are both set: give one",
                    describe("admin_token"), describe("admin_token_file")));
  }
  if (!config->admin_token_file.empty()) {
    const Status status = ReadAdminTokenFile(config->admin_token_file, &config->admin_token);
    if (!status.ok()) {
      return status.WithContext(fmt::format("admin_token_file (from {}): {}",
                                            describe("admin_token_file"),
                                            config->admin_token_file));
    }
  }
  if (config->tls_cert.empty() != config->tls_key.empty()) {
    const bool cert_set = !config->tls_cert.empty();
    const std::string_view set_key = cert_set ? "tls_cert" : "tls_key";
    const std::string_view unset_key = cert_set ? "tls_key" : "tls_cert";
    return Status::InvalidArgument(
        fmt::format("{} (from {}) is set but {} is not: give both or neither", set_key,
                    describe(set_key), unset_key));
  }
  if (config->master_key_file.empty()) {
    config->master_key_file = (std::filesystem::path(config->data_dir) / "master.key").string();
  }
  return Status::OK();
}

}  // namespace auditlog::server

#pragma once

// The configuration of `auditlog serve`, and where it comes from.
//
// Every option can be given three ways, and the first that gives it wins:
//   1. a command-line flag:     --listen 0.0.0.0:8080
//   2. an environment variable: AUDITLOG_LISTEN=0.0.0.0:8080
//   3. the YAML config file:    listen: 0.0.0.0:8080   (named by --config or AUDITLOG_CONFIG)
// and otherwise the default below. Environment names are AUDITLOG_ and the
// option's key in upper case; keys are the field names of ServeConfig.
//
// Every source is read whole and checked, including values a higher source
// overrides: a typo in the file or a stale variable is reported, not
// silently shadowed. Errors are kInvalidArgument naming the option and its
// source:
//   config file x.yaml: line 3: unknown option "lisen"
//   AUDITLOG_IO_THREADS: not a number: "abc"
//   tls_cert (from --tls-cert) is set but tls_key is not: give both or neither
//
// Usage, in main:
//   ServeConfig config;
//   CLI::App* serve = app.add_subcommand("serve", "...");
//   AddServeOptions(*serve, &config);
//   ... parse ...
//   Status status = ResolveServeConfig(*serve, GetProcessEnv, &config);
//
// Thread-safety: plain functions over caller-owned objects.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace auditlog::server {

struct ServeConfig {
  // Directory of the store, the master key (by default) and the tenants.
  std::string data_dir = "data";
  // HOST:PORT to listen on; "[::1]:8080" for IPv6; port 0 picks any free port.
  std::string listen = "127.0.0.1:8080";
  // The YAML file the other options were read from; empty when none.
  std::string config_file;
  // Bearer token of the admin endpoints. Empty: they refuse every request.
  std::string admin_token;
  // Alternative to admin_token: a file holding the token (trailing
  // whitespace trimmed). Giving both is an error. After ResolveServeConfig,
  // admin_token holds the file's token.
  std::string admin_token_file;
  // The file of the key that encrypts API keys at rest. After
  // ResolveServeConfig never empty. Default: <data_dir>/master.key.
  std::string master_key_file;
  // PEM certificate chain and private key: TLS when both are set, plain
  // HTTP when neither.
  std::string tls_cert;
  std::string tls_key;
  // How clients reach the server, "https://logs.example.com[:port]": the
  // base of the absolute links it returns. Empty: built from each request's
  // Host header and transport.
  std::string public_url;
  // Threads running the event loop. Default 0: one per core.
  uint32_t io_threads = 0;
  // Threads running the other handlers (writes, which block on fsync).
  // Default 0: four per core.
  uint32_t worker_threads = 0;
  // Threads running GET and HEAD handlers (queries). Default 0: two per core.
  uint32_t read_threads = 0;
  // Largest request body accepted (after gzip decoding); larger ones get 413
  // before being read. Default 32 MiB; each in-flight request may hold this much.
  uint64_t body_limit_bytes = 32u << 20;
  // Time a client has to send a request's headers (slowloris defence).
  uint32_t header_timeout_seconds = 10;
  // A keep-alive connection with no request for this long is closed.
  uint32_t idle_timeout_seconds = 60;
  // Requests waiting for or running in a handler beyond this many are
  // answered 429 with Retry-After instead of queueing without bound.
  uint32_t max_requests_in_flight = 1024;
  // A query running longer is abandoned with 504.
  uint32_t query_timeout_ms = 30000;
  // Memory for unflushed events before they are written as a segment.
  uint64_t memtable_mb = 128;
  // Memory for cached segment blocks. 0 disables the cache.
  uint64_t cache_mb = 256;
  // Unflushed events that ingest has left alone this long are written to
  // segments (queries match memtable rows one by one). 0: only when full.
  uint32_t idle_flush_seconds = 2;
  // Creates a `demo` tenant with a printed API key and generated events.
  bool demo = false;
  uint64_t demo_events = 100000;
  std::string log_format = "json";  // json | text
  std::string log_level = "info";   // debug | info | warn | error
  // One structured line per request.
  bool access_log = true;
  // Enrichment (enrich/enricher.h): GeoIP databases, how often to look for
  // a replaced file (0: only on SIGHUP), uap-core's rules ("none": off) and
  // the parsed user agents and located addresses kept.
  std::vector<std::string> geoip_db;
  uint32_t geoip_check_seconds = 60;
  std::string uap_regexes = "/usr/share/uap-core/regexes.yaml";
  uint64_t ua_cache_entries = 100'000;
  uint64_t geoip_cache_entries = 100'000;
};

struct ListenAddress {
  std::string host;  // without brackets: "::1", "127.0.0.1", "localhost"
  uint16_t port = 0;
};

// Parses HOST:PORT, with IPv6 hosts in brackets ("[::1]:8080"). Hosts are
// IPv4 addresses, bracketed IPv6 addresses or DNS names; the port is 0..65535.
// Errors are kInvalidArgument "listen: ...".
Result<ListenAddress> ParseListenAddress(std::string_view text);

// Declares every option on the `serve` subcommand, bound to *config, with a
// --help text naming its environment variable and config key. Includes
// --config FILE. `config` must outlive `serve`; its current values are the
// defaults shown.
void AddServeOptions(CLI::App& serve, ServeConfig* config);

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment, for ResolveServeConfig.
std::optional<std::string> GetProcessEnv(std::string_view name);

// After `serve` has parsed the command line: fills every option not given as
// a flag from the environment (through `getenv`; an empty variable counts as
// unset), then from the config file, reads admin_token_file, defaults
// master_key_file, and checks options that depend on each other (tls pair,
// token and token file). REQUIRES: `serve` was set up by AddServeOptions with
// this `config`.
Status ResolveServeConfig(const CLI::App& serve, const EnvLookup& getenv, ServeConfig* config);

}  // namespace auditlog::server

#pragma once

// The running service: the embedded store, the tenant registry, the router
// with every API registered, metrics, and the HTTP server, wired from one
// ServeConfig. `auditlog serve` builds one and waits for a signal; tests
// build one on port 0 and drive it over HTTP.
//
// Data directory layout:
//   <data_dir>/store/      the embedded store (WAL, segments, manifest)
//   <data_dir>/auth.json   tenants and API keys (keys sealed with the master key)
//   <data_dir>/master.key  unless master_key_file points elsewhere
//
// Thread-safety: Start/Stop from one thread; everything else is served by
// the server's threads.

#include <memory>
#include <string>

#include "common/result.h"
#include "server/config.h"
#include "server/log.h"

namespace auditlog::storage {
class EmbeddedStore;
}
namespace auditlog::http {
class TenantRegistry;
}
namespace auditlog::enrich {
class Enricher;
}

namespace auditlog::server {

class App {
 public:
  // Opens the store and the registry and starts serving.
  static Result<std::unique_ptr<App>> Start(const ServeConfig& config, Logger* log);
  // Stop() if still running.
  ~App();

  // Graceful: stops accepting, lets requests in flight finish (up to
  // `grace`), then closes the store (everything acknowledged is in its WAL).
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  uint16_t port() const;
  // "http://127.0.0.1:8080" (https with TLS), as a client on this machine
  // reaches it.
  std::string base_url() const;
  storage::EmbeddedStore& store();
  http::TenantRegistry& registry();
  enrich::Enricher& enricher();

  // Opens the GeoIP databases again (SIGHUP), logging the outcome; on
  // failure the loaded ones stay in use.
  void ReloadEnrichment();

  App(const App&) = delete;
  App& operator=(const App&) = delete;

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// `auditlog serve`: starts an App, sets up the demo tenant when asked,
// prints how to reach it, and runs until SIGTERM or SIGINT; SIGHUP reloads
// the GeoIP databases. Returns the process exit code.
int RunServe(const ServeConfig& config);

}  // namespace auditlog::server

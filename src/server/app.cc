#include "server/app.h"

#include <fmt/format.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "api/auth0/auth0_api.h"
#include "api/authing/authing_api.h"
#include "api/dialect/dialect_api.h"
#include "api/enos/enos_api.h"
#include "api/native/native_api.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/random.h"
#include "enrich/enricher.h"
#include "env/file_system.h"
#include "http/auth/tenant_registry.h"
#include "http/error_mapping.h"
#include "http/metrics/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "query/cursor.h"
#include "server/demo_data.h"
#include "storage/embedded_store.h"

namespace auditlog::server {

struct App::Parts {
  ServeConfig config;
  Logger* log = nullptr;
  std::unique_ptr<storage::EmbeddedStore> store;
  std::unique_ptr<http::TenantRegistry> registry;
  std::unique_ptr<query::CursorCodec> cursors;
  http::MetricsRegistry metrics;
  http::Router router;
  api::native::NativeApiOptions native;
  api::DialectApiOptions dialect;  // the vendor dialects'
  std::unique_ptr<http::Server> server;
  // The collector runs on server threads, possibly before `server` is set.
  std::atomic<http::Server*> running_server{nullptr};
  std::string host;
  bool stopped = false;
  std::unique_ptr<enrich::Enricher> enricher;
  // Polls the GeoIP files for a replacement every geoip_check_seconds.
  std::thread geoip_watch;
  std::mutex watch_mutex;
  std::condition_variable watch_wake;
  bool watch_stop = false;  // guarded by watch_mutex
};

namespace {

constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;

uint32_t PerCore(uint32_t configured, uint32_t per_core) {
  if (configured > 0) return configured;
  return std::max<uint32_t>(1, std::thread::hardware_concurrency()) * per_core;
}

// Says once at start what enrichment does, and why a part is off.
void LogEnrichment(const enrich::Enricher& enricher, const ServeConfig& config, Logger& log) {
  // A part that was asked for and is off is a warning; one not asked for is not.
  const bool geoip_broken = !config.geoip_db.empty() && !enricher.geoip_enabled();
  const bool ua_broken = config.uap_regexes != "none" && !enricher.ua_enabled();
  for (const std::string& line : enricher.Describe()) {
    const bool broken = line.starts_with("geoip") ? geoip_broken : ua_broken;
    if (broken) {
      log.Warn("enrichment", {{"state", line}});
    } else {
      log.Info("enrichment", {{"state", line}});
    }
  }
}

}  // namespace

Result<std::unique_ptr<App>> App::Start(const ServeConfig& config, Logger* log) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  parts->log = log;
  env::FileSystem& fs = env::PosixFileSystem();
  if (Status made = fs.CreateDirs(config.data_dir); !made.ok()) return made;

  http::TenantRegistryOptions registry_options;
  registry_options.dir = config.data_dir;
  registry_options.master_key_file = config.master_key_file;
  auto registry = http::TenantRegistry::Open(registry_options);
  if (!registry.ok()) return registry.status();
  parts->registry = std::move(*registry);

  storage::EmbeddedStoreOptions store_options;
  store_options.dir = config.data_dir + "/store";
  store_options.memtable_bytes = config.memtable_mb << 20;
  store_options.cache_bytes = config.cache_mb << 20;
  store_options.idle_flush_micros = int64_t{config.idle_flush_seconds} * 1'000'000;
  for (const http::TenantInfo& tenant : parts->registry->Tenants()) {
    if (tenant.retention_days) {
      store_options.retention_micros[tenant.id] = *tenant.retention_days * kMicrosPerDay;
    }
  }
  auto store = storage::EmbeddedStore::Open(store_options);
  if (!store.ok()) return store.status();
  parts->store = std::move(*store);
  parts->cursors = std::make_unique<query::CursorCodec>(parts->registry->DeriveKey("cursor"));

  enrich::EnrichOptions enrich_options;
  enrich_options.geoip_databases = config.geoip_db;
  enrich_options.uap_regexes = config.uap_regexes == "none" ? "" : config.uap_regexes;
  enrich_options.ua_cache_entries = config.ua_cache_entries;
  enrich_options.geoip_cache_entries = config.geoip_cache_entries;
  parts->enricher = std::make_unique<enrich::Enricher>(enrich_options);
  LogEnrichment(*parts->enricher, config, *log);

  Parts* p = parts.get();
  p->native.store = p->store.get();
  p->native.registry = p->registry.get();
  p->native.cursors = p->cursors.get();
  p->native.admin_token = config.admin_token;
  p->native.query_timeout = std::chrono::milliseconds(config.query_timeout_ms);
  p->native.flush = [p] { return p->store->FlushAndSettle(); };
  p->native.set_retention = [p](const std::string& tenant, std::optional<uint32_t> days) {
    p->store->SetRetention(tenant,
                           days ? std::optional<int64_t>(*days * kMicrosPerDay) : std::nullopt);
  };
  p->native.metrics_text = [p] { return p->metrics.RenderPrometheus(); };
  p->native.enricher = p->enricher.get();
  api::native::RegisterNativeApi(p->router, p->native);
  p->dialect.store = p->store.get();
  p->dialect.registry = p->registry.get();
  p->dialect.enricher = p->enricher.get();
  p->dialect.query_timeout = p->native.query_timeout;
  p->dialect.public_url = config.public_url;
  while (p->dialect.public_url.ends_with('/')) p->dialect.public_url.pop_back();
  api::authing::RegisterAuthingApi(p->router, p->dialect);
  api::enos::RegisterEnosApi(p->router, p->dialect);
  api::auth0::RegisterAuth0Api(p->router, p->dialect);

  // Store figures are read at scrape time.
  p->metrics.AddCollector([p](http::MetricsRegistry& metrics) {
    auto stats = p->store->Stats();
    if (!stats.ok()) return;
    uint64_t ingested = 0;
    for (const auto& tenant : stats->tenants) ingested += tenant.last_seq;
    metrics.GetCounter("auditlog_ingest_events_total", "Events accepted since the store began")
        .Set(ingested);
    metrics.GetGauge("auditlog_store_events", "Events stored").Set(double(stats->events));
    metrics.GetGauge("auditlog_store_segments", "Segment files").Set(double(stats->segments));
    metrics.GetGauge("auditlog_store_segment_bytes", "Bytes in segment files")
        .Set(double(stats->segment_bytes));
    metrics.GetGauge("auditlog_store_wal_bytes", "Bytes in write-ahead log files")
        .Set(double(stats->wal_bytes));
    metrics.GetGauge("auditlog_store_memtable_events", "Events not yet in segments")
        .Set(double(stats->memtable_events));
    metrics.GetGauge("auditlog_store_memtable_bytes", "Memory held by unflushed events")
        .Set(double(stats->memtable_bytes));
    metrics.GetGauge("auditlog_store_cache_bytes", "Decoded segment sections in memory")
        .Set(double(stats->cache_bytes));
    metrics.GetCounter("auditlog_store_flushes_total", "Memtable flushes").Set(stats->flushes);
    metrics.GetCounter("auditlog_store_compactions_total", "Segment compactions")
        .Set(stats->compactions);
    metrics.GetCounter("auditlog_wal_syncs_total", "WAL fsyncs (group commits)")
        .Set(stats->wal_syncs);
    // rate(sync seconds) / rate(syncs) is the mean fsync latency.
    metrics.GetGauge("auditlog_wal_sync_seconds_sum", "Time spent in WAL fsyncs since start")
        .Set(stats->wal_sync_seconds_total);
    metrics.GetGauge("auditlog_wal_sync_seconds_max", "The longest WAL fsync since start")
        .Set(stats->wal_sync_seconds_max);
    metrics.GetGauge("auditlog_store_writable", "1 when the store takes writes")
        .Set(stats->write_status.ok() ? 1 : 0);
    metrics.GetGauge("auditlog_store_damaged_segments", "Segments that failed their checks")
        .Set(double(stats->damaged_segments.size()));
    metrics.GetGauge("auditlog_tenants", "Tenants").Set(double(stats->tenants.size()));
    const enrich::EnrichStats enriched = p->enricher->stats();
    metrics.GetCounter("auditlog_enrich_geo_located_total", "Events given a location from `ip`")
        .Set(enriched.geo_located);
    metrics
        .GetCounter("auditlog_enrich_geo_not_located_total",
                    "Events whose `ip` no database located (private, masked or unknown)")
        .Set(enriched.geo_not_located);
    metrics.GetCounter("auditlog_enrich_ua_parsed_total", "Events given a parsed user agent")
        .Set(enriched.ua_parsed);
    metrics.GetCounter("auditlog_enrich_geoip_reloads_total", "GeoIP database reloads")
        .Set(enriched.reloads);
    metrics
        .GetCounter("auditlog_enrich_geoip_reload_failures_total",
                    "GeoIP reloads that failed (the loaded databases stayed)")
        .Set(enriched.reload_failures);
    metrics.GetGauge("auditlog_enrich_geoip_enabled", "1 when GeoIP databases are loaded")
        .Set(p->enricher->geoip_enabled() ? 1 : 0);
    metrics.GetGauge("auditlog_enrich_ua_enabled", "1 when user agents are parsed")
        .Set(p->enricher->ua_enabled() ? 1 : 0);
    if (stats->last_retention) {
      metrics
          .GetGauge("auditlog_retention_last_run_timestamp_seconds",
                    "When retention last dropped segments")
          .Set(double(stats->last_retention->at) / 1e6);
      metrics.GetGauge("auditlog_retention_last_events_dropped", "Events the last run dropped")
          .Set(double(stats->last_retention->events_dropped));
    }
    if (http::Server* running = p->running_server.load()) {
      const http::ServerStats server = running->stats();
      metrics.GetGauge("auditlog_http_connections_open", "Open connections")
          .Set(double(server.connections_open));
      metrics.GetCounter("auditlog_http_connections_total", "Accepted connections")
          .Set(server.connections_accepted);
      metrics
          .GetCounter("auditlog_http_connections_timed_out_total",
                      "Connections closed for a slow or idle client")
          .Set(server.connections_timed_out);
      metrics.GetGauge("auditlog_http_requests_in_flight", "Requests being handled")
          .Set(double(server.requests_in_flight));
    }
  });

  auto address = ParseListenAddress(config.listen);
  if (!address.ok()) return address.status();
  p->host = address->host;
  http::ServerOptions server_options;
  server_options.host = address->host;
  server_options.port = address->port;
  server_options.io_threads = PerCore(config.io_threads, 1);
  server_options.worker_threads = PerCore(config.worker_threads, 4);
  server_options.read_threads = PerCore(config.read_threads, 2);
  server_options.body_limit_bytes = config.body_limit_bytes;
  server_options.header_timeout = std::chrono::seconds(config.header_timeout_seconds);
  server_options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  server_options.max_requests_in_flight = config.max_requests_in_flight;
  server_options.tls_cert_file = config.tls_cert;
  server_options.tls_key_file = config.tls_key;

  auto handler = [p](http::Request& request) { return p->router.Dispatch(request); };
  auto render_error = [p](const http::Request& request, int status, const Status& why) {
    http::Response response = p->router.RenderError(request, why);
    response.status = status;
    return response;
  };
  const bool access_log = config.access_log;
  auto observer = [p, access_log](const http::Request& request,
                                  const http::RequestSummary& summary) {
    const std::string route = request.route.empty() ? "(none)" : request.route;
    // Labels come from a closed set: any other method would mint a series.
    std::string_view method = "other";
    for (const std::string_view known :
         {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
      if (request.method == known) method = known;
    }
    const double seconds = std::chrono::duration<double>(summary.elapsed).count();
    p->metrics
        .GetCounter("auditlog_http_requests_total", "HTTP requests by route, method and status",
                    {{"route", route},
                     {"method", request.method},
                     {"status", std::to_string(summary.status)}})
        .Increment();
    p->metrics
        .GetHistogram("auditlog_http_request_duration_seconds",
                      "Time from a request's header to its response written", {{"route", route}},
                      http::kLatencyBucketsSeconds)
        .Observe(seconds);
    if (access_log && p->log->enabled(LogLevel::kInfo)) {
      p->log->Info("request", {{"method", request.method},
                               {"path", request.path},
                               {"route", route},
                               {"status", summary.status},
                               {"bytes_in", summary.request_body_bytes},
                               {"bytes_out", summary.response_body_bytes},
                               {"ms", seconds * 1000},
                               {"remote", request.remote_address}});
    }
  };
  auto server = http::Server::Start(server_options, handler, render_error, observer);
  if (!server.ok()) return server.status();
  p->server = std::move(*server);
  p->running_server.store(p->server.get());
  if (!config.geoip_db.empty() && config.geoip_check_seconds > 0) {
    p->geoip_watch = std::thread([p] {
      std::unique_lock lock(p->watch_mutex);
      while (!p->watch_wake.wait_for(lock, std::chrono::seconds(p->config.geoip_check_seconds),
                                     [p] { return p->watch_stop; })) {
        lock.unlock();
        const bool was_enabled = p->enricher->geoip_enabled();
        if (Result<bool> reloaded = p->enricher->ReloadIfChanged(); !reloaded.ok()) {
          p->log->Warn("geoip reload failed; the loaded databases stay in use",
                       {{"error", reloaded.status().ToString()}});
        } else if (*reloaded) {
          p->log->Info(was_enabled ? "geoip databases reloaded" : "geoip databases loaded",
                       {{"files", p->config.geoip_db.size()}});
        }
        lock.lock();
      }
    });
  }
  return std::unique_ptr<App>(new App(std::move(parts)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(std::chrono::seconds(0)); }

void App::Stop(std::chrono::milliseconds grace) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  if (parts_->geoip_watch.joinable()) {
    {
      std::lock_guard lock(parts_->watch_mutex);
      parts_->watch_stop = true;
    }
    parts_->watch_wake.notify_all();
    parts_->geoip_watch.join();
  }
  parts_->server->Stop(grace);
  // Closing the store stops its background work; the WAL already holds
  // every acknowledged event.
  parts_->store.reset();
}

uint16_t App::port() const { return parts_->server->port(); }

std::string App::base_url() const {
  std::string host = parts_->host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}://{}:{}", parts_->server->tls() ? "https" : "http", host, port());
}

storage::EmbeddedStore& App::store() { return *parts_->store; }
http::TenantRegistry& App::registry() { return *parts_->registry; }
enrich::Enricher& App::enricher() { return *parts_->enricher; }

void App::ReloadEnrichment() {
  if (parts_->config.geoip_db.empty()) {
    parts_->log->Info("SIGHUP: no GeoIP databases configured; nothing to reload");
    return;
  }
  if (Status status = parts_->enricher->Reload(); !status.ok()) {
    parts_->log->Warn("geoip reload failed; the loaded databases stay in use",
                      {{"error", status.ToString()}});
    return;
  }
  for (const std::string& line : parts_->enricher->Describe()) {
    if (line.starts_with("geoip")) parts_->log->Info("geoip databases reloaded", {{"state", line}});
  }
}

namespace {

constexpr std::string_view kDemoTenant = "demo";

// The demo tenant, its key (the same one across restarts) and its events.
Result<std::string> SetUpDemo(App& app, const ServeConfig& config, Logger& log) {
  http::TenantRegistry& registry = app.registry();
  if (auto ensured = registry.EnsureTenant(kDemoTenant); !ensured.ok()) return ensured.status();
  std::string key;
  for (const http::KeyInfo& info : registry.Keys(kDemoTenant)) {
    if (info.revoked) continue;
    auto secret = registry.SecretOf(info.id);
    if (secret.ok()) {
      key = secret->second;
      break;
    }
  }
  if (key.empty()) {
    auto created = registry.CreateKey(kDemoTenant, http::kAllScopes);
    if (!created.ok()) return created.status();
    key = created->key;
  }
  auto stats = app.store().Stats();
  if (!stats.ok()) return stats.status();
  uint64_t stored = 0;
  for (const auto& tenant : stats->tenants) {
    if (tenant.tenant == kDemoTenant) stored = tenant.last_seq;
  }
  if (stored == 0 && config.demo_events > 0) {
    log.Info("generating demo events", {{"tenant", kDemoTenant}, {"events", config.demo_events}});
    std::vector<event::Event> events =
        GenerateDemoEvents(config.demo_events, SystemClock().NowMicros(), /*seed=*/20261206);
    app.enricher().Enrich(events);
    constexpr size_t kBatch = 5000;
    for (size_t start = 0; start < events.size(); start += kBatch) {
      const size_t count = std::min(kBatch, events.size() - start);
      auto appended =
          app.store().Append(kDemoTenant, std::span<event::Event>(events.data() + start, count));
      if (!appended.ok()) return appended.status();
    }
    log.Info("demo events stored", {{"tenant", kDemoTenant}, {"events", events.size()}});
  }
  return key;
}

void PrintDemoHelp(const App& app, const std::string& key, const std::string& admin_token) {
  const std::string base = app.base_url();
  std::printf(
      "\n"
      "auditlog is serving the demo tenant at %s\n"
      "API key (events:write, events:read, stats:read, integrity:read):\n"
      "  %s\n\n"
      "Try:\n"
      "  export AUDITLOG_KEY=%s\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" '%s/v1/events?limit=3'\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" "
      "'%s/v1/events?q=type:f&sort=timestamp:-1&limit=5&fields=timestamp,type,actor.name,ip'\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" "
      "'%s/v1/stats/count?by=ip&q=result:failure&top=5'\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" "
      "'%s/v1/stats/histogram?interval=day&q=type:s'\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" -H 'Content-Type: application/json' "
      "\\\n"
      "       -d '{\"type\":\"s\",\"description\":\"Successful login\",\"actor\":{\"id\":\"u1\"},"
      "\"ip\":\"203.0.113.7\"}' %s/v1/events\n"
      "The same events through the vendors' APIs (docs/dialects/):\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" "
      "'%s/api/v2/logs?q=type:f&per_page=3&include_totals=true'\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" "
      "'%s/api/v2/analysis/audit?page=1&limit=3'\n"
      "  curl -s -H \"Authorization: Bearer $AUDITLOG_KEY\" -H 'Content-Type: application/json' "
      "\\\n"
      "       -d '{\"startTime\":0,\"endTime\":\"253402300799999\","
      "\"pagination\":{\"pageNo\":0,\"pageSize\":3}}' "
      "'%s/app-portal-service/v2.2/log/query?orgId=%s'\n"
      "The API is described at %s/v1/openapi.yaml. Stop with Ctrl-C.\n",
      base.c_str(), key.c_str(), key.c_str(), base.c_str(), base.c_str(), base.c_str(),
      base.c_str(), base.c_str(), base.c_str(), base.c_str(), base.c_str(),
      std::string(kDemoTenant).c_str(), base.c_str());
  if (!admin_token.empty()) {
    std::printf(
        "Admin token for this run (tenants and keys; set --admin-token to keep one):\n"
        "  curl -s -H 'Authorization: Bearer %s' %s/v1/tenants\n",
        admin_token.c_str(), base.c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int RunServe(const ServeConfig& config) {
  auto level = ParseLogLevel(config.log_level);
  Logger log(level.ok() ? *level : LogLevel::kInfo, config.log_format != "text");

  // Signals are taken by sigwait below; block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServeConfig effective = config;
  if (effective.demo && effective.admin_token.empty()) {
    // A demo should show administration too: a token for this run only.
    std::array<uint8_t, 24> bytes;
    SecureRandom().Fill(bytes);
    effective.admin_token =
        "demo-admin-" + Base64UrlEncode(std::string_view(
                            reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  auto app = App::Start(effective, &log);
  if (!app.ok()) {
    log.Error("cannot start", {{"error", app.status().ToString()}});
    return 1;
  }
  log.Info("listening", {{"address", (*app)->base_url()},
                         {"data_dir", config.data_dir},
                         {"tls", (*app)->base_url().starts_with("https") ? "on" : "off"}});
  if (effective.admin_token.empty()) {
    log.Warn(
        "no admin token: tenant and key administration is refused "
        "(set --admin-token or --admin-token-file)");
  }
  if (config.demo) {
    auto key = SetUpDemo(**app, config, log);
    if (!key.ok()) {
      log.Error("demo setup failed", {{"error", key.status().ToString()}});
      return 1;
    }
    PrintDemoHelp(**app, *key, config.admin_token.empty() ? effective.admin_token : "");
  }
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    (*app)->ReloadEnrichment();
  }
  log.Info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*app)->Stop(std::chrono::seconds(10));
  log.Info("stopped");
  return 0;
}

}  // namespace auditlog::server

// What enrichment adds to each ingested event: Enricher::Enrich over batches
// shaped like bench/http_load.py's ingest bodies (ten user agents from
// browsers, phones and API clients; the same 1,000 public addresses), with
// user agents only, GeoIP only, and both. The argument turns the cache of
// located addresses on (1, the default) or off (0: every address searched in
// the databases and its records decoded, as for addresses never seen).
//
// GeoIP uses AL_GEOIP_BENCH_DB (a comma-separated list of .mmdb files, e.g.
// the DB-IP city and ASN files of scripts/install-deps.sh --geoip --geoip-asn)
// or, without it, the GeoLite2-City-shaped test database of
// tests/tools/make_test_mmdb.pl.
//
// Compare ns/event with the ingest path's cost per event (bench/RESULTS.md):
// the budget is 15% of it.
//
// Run: build/release/bench/micro/enricher_bench [--benchmark_repetitions=3]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/micro/geoip_bench_files.h"
#include "enrich/enricher.h"
#include "enrich/testing/test_mmdb.h"

namespace auditlog::bench {
namespace {

constexpr const char* kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.72",
    "python-requests/2.31.0",
    "okhttp/4.12.0",
    "curl/8.4.0",
    "Go-http-client/2.0",
};
constexpr size_t kBatch = 1000;

std::vector<std::string> GeoIpFiles() {
  if (std::vector<std::string> files = GeoIpBenchDatabases(); !files.empty()) return files;
  static testing::TempDir dir;
  auto made = testing::MakeTestMmdbFiles(dir.path());
  if (!made.ok()) {
    std::fprintf(stderr, "enricher_bench: %s\n", made.status().ToString().c_str());
    std::exit(1);
  }
  return {made->maxmind_city};
}

// One batch as http_load.py sends it; the same addresses as its bodies.
std::vector<event::Event> Batch(size_t round) {
  std::vector<event::Event> events;
  events.reserve(kBatch);
  for (size_t i = 0; i < kBatch; ++i) {
    const size_t n = round * kBatch + i;
    char ip[32];
    const int ip_length =
        std::snprintf(ip, sizeof(ip), "198.51.%zu.%zu", n % 200, (n * 7) % 250 + 1);
    const std::string_view user_agent = kUserAgents[n % std::size(kUserAgents)];
    event::Event& event = events.emplace_back();
    event.type.push_back('s');
    event.ip.append(ip, static_cast<size_t>(ip_length));
    event.user_agent.append(user_agent.data(), user_agent.size());
  }
  return events;
}

void RunEnrich(benchmark::State& state, bool ua, bool geoip) {
  enrich::EnrichOptions options;
  if (state.range(0) == 0) options.geoip_cache_entries = 0;
  if (!ua) options.uap_regexes = "";
  if (geoip) options.geoip_databases = GeoIpFiles();
  enrich::Enricher enricher(options);
  if ((ua && !enricher.ua_enabled()) || (geoip && !enricher.geoip_enabled())) {
    state.SkipWithError("enrichment did not load");
    return;
  }
  std::vector<std::vector<event::Event>> batches;
  for (size_t round = 0; round < 64; ++round) batches.push_back(Batch(round));
  size_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<event::Event> events = batches[round++ % batches.size()];
    state.ResumeTiming();
    enricher.Enrich(events);
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}

void BM_EnrichUserAgents(benchmark::State& state) { RunEnrich(state, true, false); }
void BM_EnrichGeoIp(benchmark::State& state) { RunEnrich(state, false, true); }
void BM_EnrichBoth(benchmark::State& state) { RunEnrich(state, true, true); }

BENCHMARK(BM_EnrichUserAgents)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EnrichGeoIp)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EnrichBoth)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace auditlog::bench

BENCHMARK_MAIN();

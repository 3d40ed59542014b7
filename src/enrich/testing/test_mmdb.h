#pragma once

// Test helpers for GeoIP: MaxMind DB files written by
// tests/tools/make_test_mmdb.pl (Perl, MaxMind::DB::Writer from the Debian
// package libmaxmind-db-writer-perl), since no package ships test databases.
// The script runs once per version of it; its output is kept under the
// temporary directory (auditlog-geoip-<hash of the script>) and copied from
// there, so test processes (ctest runs each test in its own) do not each run
// Perl. The records are listed at the top of the script.
//
// Header-only: test targets get AL_SOURCE_DIR from al_add_test(), and no
// library needs to know about Perl.

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "testing/temp_dir.h"

namespace auditlog::testing {

#ifdef AL_SOURCE_DIR
inline constexpr const char* kMmdbSourceDir = AL_SOURCE_DIR;
#else
inline constexpr const char* kMmdbSourceDir = ".";  // outside test targets (check_headers)
#endif

// An address, and what the location databases say about it.
inline constexpr const char* kTestCityIpv4 = "81.2.69.142";  // London, GB
inline constexpr const char* kTestCityIpv6 = "2001:480::1";  // San Diego, US
inline constexpr const char* kTestCityCountry = "GB";        // of kTestCityIpv4
inline constexpr const char* kTestAsn = "20712";             // of kTestCityIpv4

// Paths of the files MakeTestMmdbFiles() wrote.
struct TestMmdbFiles {
  std::string dir;
  std::string maxmind_city;     // GeoLite2-City schema, IPv4 and IPv6
  std::string maxmind_country;  // GeoLite2-Country
  std::string asn;              // GeoLite2-ASN
  std::string flat_city;        // ip-location-db "city ipv4" (IPv4 only)
  std::string flat_city_ipv6;   // ip-location-db "city ipv6" (IPv6 only)
  std::string flat_country;     // ip-location-db "country ipvAll"
  std::string flat_asn;         // ip-location-db "asn ipv4"
  std::string unknown_schema;   // GeoIP2-Connection-Type records: Open() rejects it
};

// Returns the directory holding every file of make_test_mmdb.pl (plus the
// benchmark databases when `bench_networks` > 0, in a directory of their own),
// running the script when no earlier process has. Do not write into it.
inline Result<std::string> TestMmdbDirectory(int bench_networks = 0) {
  const std::string script = std::string(kMmdbSourceDir) + "/tests/tools/make_test_mmdb.pl";
  std::ifstream script_file(script, std::ios::binary);
  const std::string script_text((std::istreambuf_iterator<char>(script_file)),
                                std::istreambuf_iterator<char>());
  if (script_text.empty()) return Status::NotFound("test mmdb: cannot read " + script);
  const std::filesystem::path temp_dir = std::filesystem::temp_directory_path();
  char name[64];
  std::snprintf(name, sizeof(name), "auditlog-geoip-%u-%016zx-%d", static_cast<unsigned>(getuid()),
                std::hash<std::string>()(script_text), bench_networks);
  const std::string dir = (temp_dir / name).string();
  // The directory appears whole (renamed from staging below), but a cleaner
  // of the temporary directory may have taken files out of it since.
  const auto complete = [&] {
    std::vector<std::string> names = {
        "geolite2-city.mmdb",  "geolite2-country.mmdb", "geolite2-asn.mmdb", "dbip-city-ipv4.mmdb",
        "dbip-city-ipv6.mmdb", "iptoasn-country.mmdb",  "asn-ipv4.mmdb",     "unknown-schema.mmdb"};
    if (bench_networks > 0) {
      names.insert(names.end(), {"bench-city.mmdb", "bench-flat.mmdb", "bench-addresses.txt"});
    }
    for (const std::string& file : names) {
      if (!std::filesystem::exists(std::filesystem::path(dir) / file)) return false;
    }
    return true;
  };
  if (std::filesystem::exists(dir)) {
    if (complete()) return dir;
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  if (std::system("command -v perl >/dev/null 2>&1") != 0) {
    return Status::NotFound("test mmdb: perl is not installed (Debian package perl)");
  }
  std::string staging = (temp_dir / "auditlog-geoip-staging.XXXXXX").string();
  if (mkdtemp(staging.data()) == nullptr) {
    return Status::IOError("test mmdb: cannot create a directory " + staging);
  }
  std::string command = "perl '" + script + "' ";
  if (bench_networks > 0) command += "--bench-networks " + std::to_string(bench_networks) + " ";
  command += "'" + staging + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::Internal("test mmdb: cannot run " + command);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int exit_status = pclose(pipe);
  std::error_code ignored;
  if (!WIFEXITED(exit_status) || WEXITSTATUS(exit_status) != 0) {
    std::filesystem::remove_all(staging, ignored);
    return Status::Internal("test mmdb: " + command + " failed: " + output +
                            "(MaxMind::DB::Writer comes with the Debian package "
                            "libmaxmind-db-writer-perl)");
  }
  // Another process may have won the race; then its files serve.
  if (std::rename(staging.c_str(), dir.c_str()) != 0) std::filesystem::remove_all(staging, ignored);
  if (!std::filesystem::exists(dir)) return Status::IOError("test mmdb: cannot create " + dir);
  return dir;
}

// Copies the test databases into `dir` (which must exist) and returns their
// paths there; the caller may replace or damage them.
inline Result<TestMmdbFiles> MakeTestMmdbFiles(const std::string& dir) {
  AL_ASSIGN_OR_RETURN(const std::string source, TestMmdbDirectory());
  TestMmdbFiles files;
  files.dir = dir;
  const auto copy = [&](const char* name, std::string* path) -> Status {
    *path = (std::filesystem::path(dir) / name).string();
    std::error_code error;
    std::filesystem::copy_file(std::filesystem::path(source) / name, *path,
                               std::filesystem::copy_options::overwrite_existing, error);
    if (error) return Status::IOError("test mmdb: cannot copy " + std::string(name) + " to " + dir);
    return Status::OK();
  };
  AL_RETURN_IF_ERROR(copy("geolite2-city.mmdb", &files.maxmind_city));
  AL_RETURN_IF_ERROR(copy("geolite2-country.mmdb", &files.maxmind_country));
  AL_RETURN_IF_ERROR(copy("geolite2-asn.mmdb", &files.asn));
  AL_RETURN_IF_ERROR(copy("dbip-city-ipv4.mmdb", &files.flat_city));
  AL_RETURN_IF_ERROR(copy("dbip-city-ipv6.mmdb", &files.flat_city_ipv6));
  AL_RETURN_IF_ERROR(copy("iptoasn-country.mmdb", &files.flat_country));
  AL_RETURN_IF_ERROR(copy("asn-ipv4.mmdb", &files.flat_asn));
  AL_RETURN_IF_ERROR(copy("unknown-schema.mmdb", &files.unknown_schema));
  return files;
}

}  // namespace auditlog::testing

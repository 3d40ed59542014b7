// Fuzzes GeoIP address parsing and the MaxMind DB record reader.
//
// The first byte picks what the rest is:
//   even: address text. Invariants: no crash; ParseIpAddress accepts exactly
//         what inet_pton accepts (for text without a zone or NUL), mapping
//         ::ffff:a.b.c.d to IPv4; printing the address and parsing it again
//         gives the same address; IsNonPublicAddress(text) agrees with the
//         parsed form.
//   odd:  a database file. Invariants: Open() never crashes on arbitrary bytes,
//         and lookups in whatever it accepts never read out of bounds (ASan)
//         and fill only valid UTF-8.
// Seeds: fuzz/corpus/geoip_fuzz/ (addresses, and the test databases of
// tests/tools/make_test_mmdb.pl behind a 0x01 byte).

#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "enrich/geoip_database.h"
#include "event/validation.h"

namespace {

using auditlog::enrich::GeoIpDatabase;
using auditlog::enrich::IpAddress;

void CheckAddress(std::string_view text) {
  const std::optional<IpAddress> parsed = auditlog::enrich::ParseIpAddress(text);
  if (auditlog::enrich::IsNonPublicAddress(text) !=
      (parsed && auditlog::enrich::IsNonPublicAddress(*parsed))) {
    std::abort();
  }

  const bool plain = text.size() < 64 && text.find('%') == std::string_view::npos &&
                     text.find('\0') == std::string_view::npos;
  if (plain) {
    const std::string terminated(text);
    unsigned char bytes[16] = {};
    const bool is_ipv6 = text.find(':') != std::string_view::npos;
    const bool accepted = inet_pton(is_ipv6 ? AF_INET6 : AF_INET, terminated.c_str(), bytes) == 1;
    if (accepted != parsed.has_value()) std::abort();
  }
  if (!parsed) return;

  char printed[INET6_ADDRSTRLEN];
  const bool is_ipv4 = parsed->family == IpAddress::Family::kIpv4;
  if (inet_ntop(is_ipv4 ? AF_INET : AF_INET6, parsed->bytes.data(), printed, sizeof(printed)) ==
      nullptr) {
    std::abort();
  }
  const std::optional<IpAddress> again = auditlog::enrich::ParseIpAddress(printed);
  if (!again || !(*again == *parsed)) std::abort();
}

void CheckGeo(const auditlog::event::Geo& geo) {
  for (const std::string* member : {&geo.country_code, &geo.country_code3, &geo.country_name,
                                    &geo.region_code, &geo.region_name, &geo.city_name,
                                    &geo.time_zone, &geo.continent_code, &geo.asn, &geo.as_org}) {
    if (!auditlog::event::IsValidUtf8(*member)) std::abort();
  }
}

void CheckDatabase(std::string_view bytes) {
  // An anonymous in-memory file, opened by path as the server opens its databases.
  const int fd = memfd_create("geoip_fuzz", 0);
  if (fd < 0) return;
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t step = write(fd, bytes.data() + written, bytes.size() - written);
    if (step <= 0) break;
    written += static_cast<size_t>(step);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto database = GeoIpDatabase::Open(path);
  close(fd);  // the database keeps its own mapping
  if (!database.ok()) {
    if (database.status().message().find(path) == std::string_view::npos) std::abort();
    return;
  }
  for (std::string_view ip : {"81.2.69.142", "89.160.20.112", "175.16.199.1", "2.125.160.216",
                              "1.0.0.1", "2001:480::1", "2a00:1450::1", "8.8.8.8"}) {
    auditlog::event::Geo geo;
    (*database)->Lookup(ip, &geo);
    CheckGeo(geo);
  }
  (void)(*database)->Describe();
}

}  // namespace

// libmaxminddb 1.7.1 (Debian 12) leaks its metadata list when MMDB_open
// rejects malformed metadata (read_metadata returns without freeing it). A
// few KB per rejected file, once per start or reload: reported, not ours.
extern "C" const char* __lsan_default_suppressions() { return "leak:libmaxminddb.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    CheckAddress(rest);
  } else {
    CheckDatabase(rest);
  }
  return 0;
}

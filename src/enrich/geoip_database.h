#pragma once

// GeoIpDatabase locates IP addresses with one MaxMind DB file (.mmdb, the
// format of https://maxmind.github.io/MaxMind-DB/), read through
// libmaxminddb's memory map. The enricher holds one per configured file (a
// City or Country database and an ASN database, say) and fills event::Geo at
// ingest.
//
// Record schemas read (chosen per record by its keys, so one reader serves all):
//   - MaxMind GeoIP2/GeoLite2 City and Country (and DB-IP's files in that
//     shape): country.iso_code, country.names.en, continent.code,
//     subdivisions[0].iso_code/names.en, city.names.en,
//     location.latitude/longitude/time_zone;
//   - the flat files of the ip-location-db project: country_code, state1,
//     city, latitude, longitude, timezone;
//   - ASN databases (GeoLite2-ASN, GeoIP2-ISP, ip-location-db asn):
//     autonomous_system_number, autonomous_system_organization (also read
//     under traits, where GeoIP2 Enterprise keeps them).
// Whatever the database lacks but the country implies (alpha-3 code, English
// name, continent) comes from a built-in ISO 3166-1 table. Some databases come
// as an IPv4 file and an IPv6 file (ip-location-db's dbip-city): open both.
//
// Memory: the file is mapped, not read; the tree search's tables add 256 KiB
// per address family the database holds (MmdbSearchTree).
//
// Thread-safety: a GeoIpDatabase is immutable once opened; Lookup() may be
// called from any number of threads at once.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "event/event.h"

namespace auditlog::enrich {

// An IPv4 or IPv6 address. Intentionally copyable.
struct IpAddress {
  enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };

  Family family = Family::kIpv4;
  // Network byte order; an IPv4 address uses the first 4 bytes, the rest are 0.
  std::array<uint8_t, 16> bytes{};

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Parses dotted-quad IPv4 ("203.0.113.7", no leading zeros) or RFC 4291 IPv6
// text ("2001:db8::1", "::ffff:203.0.113.7"), optionally with an IPv6 zone
// ("fe80::1%eth0", dropped). An IPv4-mapped IPv6 address (::ffff:0:0/96)
// becomes the IPv4 address it carries. Returns nullopt for anything else:
// masked addresses ("10.8.xxx.x"), host names, ports, brackets, whitespace.
// Does not allocate.
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// Whether `address` lies in a range that no GeoIP database locates: private,
// shared (CGN), loopback, link-local, multicast, unspecified, documentation,
// benchmarking, IETF-reserved, and for IPv6 anything outside 2000::/3. Such
// addresses are left unlocated without a lookup.
bool IsNonPublicAddress(const IpAddress& address);

// Whether `ip` parses (as ParseIpAddress) and is non-public. Text that is not
// an address gives false.
bool IsNonPublicAddress(std::string_view ip);

// One row of the built-in ISO 3166-1 table (plus XK, Kosovo, as the databases
// use it). Strings are static.
struct CountryInfo {
  std::string_view alpha2;          // "DE"
  std::string_view alpha3;          // "DEU"
  std::string_view continent_code;  // AF AN AS EU NA OC SA, as GeoNames assigns them
  std::string_view name;            // common English name: "Germany", "South Korea"
};

// Returns the row for an upper-case alpha-2 code, or nullptr.
const CountryInfo* FindCountry(std::string_view alpha2);

class GeoIpDatabase {
 public:
  // What a database locates, from its metadata's database_type and, when that
  // is not conclusive, the keys of its records.
  enum class Kind : uint8_t {
    kCity = 1,  // a City or Country database: country, region, city, location
    kAsn = 2,   // autonomous system number and organization
  };

  // Opens and memory-maps the .mmdb file at `path`. Errors name the path:
  // kInvalidArgument for an empty path, a file that is not a MaxMind DB
  // (truncated, random bytes) or one whose records have no schema read here;
  // kNotFound for a missing file; kIOError when it cannot be read.
  static Result<std::unique_ptr<GeoIpDatabase>> Open(const std::string& path);

  GeoIpDatabase(const GeoIpDatabase&) = delete;
  GeoIpDatabase& operator=(const GeoIpDatabase&) = delete;
  ~GeoIpDatabase();

  // Looks `ip` up and assigns the members of *geo that the matching record
  // holds (plus what its country implies), leaving the others untouched.
  // Returns true when the database has a record for the address. Text that is
  // not an address, a non-public address, an IPv6 address in an IPv4-only
  // database and a record that fails to decode give false and leave *geo as
  // it was. Allocates only when a member of *geo must grow.
  bool Lookup(std::string_view ip, event::Geo* geo) const;
  // The same for an address parsed once for several databases.
  bool Lookup(const IpAddress& address, event::Geo* geo) const;

  Kind kind() const { return kind_; }
  // The path given to Open().
  const std::string& path() const { return path_; }
  // The metadata's database_type: "GeoLite2-City", "city ipv4", ...
  const std::string& database_type() const { return database_type_; }
  // Whether the database holds IPv6 networks (else IPv6 lookups find nothing).
  bool has_ipv6() const { return has_ipv6_; }
  // One line for logs: "GeoLite2-City built 2026-06-05, 6324797 nodes, IPv6".
  std::string Describe() const;

 private:
  struct Handle;  // the libmaxminddb state, kept out of this header

  GeoIpDatabase(std::string path, std::unique_ptr<Handle> handle);

  std::string path_;
  std::unique_ptr<Handle> handle_;
  std::string database_type_;
  Kind kind_ = Kind::kCity;
  bool has_ipv6_ = false;
};

}  // namespace auditlog::enrich

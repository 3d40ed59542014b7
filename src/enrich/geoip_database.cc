// GeoIpDatabase: MaxMind DB lookups with a record decoder of our own.
//
// Why our own decoder: libmaxminddb's MMDB_get_value walks the record from its
// start for every path, and MMDB_get_entry_data_list allocates a list per
// record. Filling a Geo needs up to eleven values from nested maps, so we walk
// each record once over the mapped data section (the format's byte grammar:
// https://maxmind.github.io/MaxMind-DB/, "Output Data Section") and take the
// keys we know as they come. The tree search is ours too (MmdbSearchTree:
// a table for the top 16 levels, then the mapped nodes); libmaxminddb opens
// the file, checks it and reads its metadata. Addresses are parsed here
// because MMDB_lookup_string goes through getaddrinfo.
// bench/micro/geoip_bench.cc measures both readers.

#include "enrich/geoip_database.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <maxminddb.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "enrich/mmdb_search_tree.h"
#include "event/validation.h"

namespace auditlog::enrich {
namespace {

// ISO 3166-1 (from Debian's iso-codes, common names where it has them) plus
// XK; continents as GeoNames, and so MaxMind, assign them.
constexpr CountryInfo kCountries[] = {
    {"AD", "AND", "EU", "Andorra"},
    {"AE", "ARE", "AS", "United Arab Emirates"},
    {"AF", "AFG", "AS", "Afghanistan"},
    {"AG", "ATG", "NA", "Antigua and Barbuda"},
    {"AI", "AIA", "NA", "Anguilla"},
    {"AL", "ALB", "EU", "Albania"},
    {"AM", "ARM", "AS", "Armenia"},
    {"AO", "AGO", "AF", "Angola"},
    {"AQ", "ATA", "AN", "Antarctica"},
    {"AR", "ARG", "SA", "Argentina"},
    {"AS", "ASM", "OC", "American Samoa"},
    {"AT", "AUT", "EU", "Austria"},
    {"AU", "AUS", "OC", "Australia"},
    {"AW", "ABW", "NA", "Aruba"},
    {"AX", "ALA", "EU", "Åland Islands"},
    {"AZ", "AZE", "AS", "Azerbaijan"},
    {"BA", "BIH", "EU", "Bosnia and Herzegovina"},
    {"BB", "BRB", "NA", "Barbados"},
    {"BD", "BGD", "AS", "Bangladesh"},
    {"BE", "BEL", "EU", "Belgium"},
    {"BF", "BFA", "AF", "Burkina Faso"},
    {"BG", "BGR", "EU", "Bulgaria"},
    {"BH", "BHR", "AS", "Bahrain"},
    {"BI", "BDI", "AF", "Burundi"},
    {"BJ", "BEN", "AF", "Benin"},
    {"BL", "BLM", "NA", "Saint Barthélemy"},
    {"BM", "BMU", "NA", "Bermuda"},
    {"BN", "BRN", "AS", "Brunei"},
    {"BO", "BOL", "SA", "Bolivia"},
    {"BQ", "BES", "NA", "Bonaire, Sint Eustatius and Saba"},
    {"BR", "BRA", "SA", "Brazil"},
    {"BS", "BHS", "NA", "Bahamas"},
    {"BT", "BTN", "AS", "Bhutan"},
    {"BV", "BVT", "AN", "Bouvet Island"},
    {"BW", "BWA", "AF", "Botswana"},
    {"BY", "BLR", "EU", "Belarus"},
    {"BZ", "BLZ", "NA", "Belize"},
    {"CA", "CAN", "NA", "Canada"},
    {"CC", "CCK", "AS", "Cocos (Keeling) Islands"},
    {"CD", "COD", "AF", "DR Congo"},
    {"CF", "CAF", "AF", "Central African Republic"},
    {"CG", "COG", "AF", "Congo Republic"},
    {"CH", "CHE", "EU", "Switzerland"},
    {"CI", "CIV", "AF", "Ivory Coast"},
    {"CK", "COK", "OC", "Cook Islands"},
    {"CL", "CHL", "SA", "Chile"},
    {"CM", "CMR", "AF", "Cameroon"},
    {"CN", "CHN", "AS", "China"},
    {"CO", "COL", "SA", "Colombia"},
    {"CR", "CRI", "NA", "Costa Rica"},
    {"CU", "CUB", "NA", "Cuba"},
    {"CV", "CPV", "AF", "Cabo Verde"},
    {"CW", "CUW", "NA", "Curaçao"},
    {"CX", "CXR", "AS", "Christmas Island"},
    {"CY", "CYP", "EU", "Cyprus"},
    {"CZ", "CZE", "EU", "Czechia"},
    {"DE", "DEU", "EU", "Germany"},
    {"DJ", "DJI", "AF", "Djibouti"},
    {"DK", "DNK", "EU", "Denmark"},
    {"DM", "DMA", "NA", "Dominica"},
    {"DO", "DOM", "NA", "Dominican Republic"},
    {"DZ", "DZA", "AF", "Algeria"},
    {"EC", "ECU", "SA", "Ecuador"},
    {"EE", "EST", "EU", "Estonia"},
    {"EG", "EGY", "AF", "Egypt"},
    {"EH", "ESH", "AF", "Western Sahara"},
    {"ER", "ERI", "AF", "Eritrea"},
    {"ES", "ESP", "EU", "Spain"},
    {"ET", "ETH", "AF", "Ethiopia"},
    {"FI", "FIN", "EU", "Finland"},
    {"FJ", "FJI", "OC", "Fiji"},
    {"FK", "FLK", "SA", "Falkland Islands"},
    {"FM", "FSM", "OC", "Micronesia"},
    {"FO", "FRO", "EU", "Faroe Islands"},
    {"FR", "FRA", "EU", "France"},
    {"GA", "GAB", "AF", "Gabon"},
    {"GB", "GBR", "EU", "United Kingdom"},
    {"GD", "GRD", "NA", "Grenada"},
    {"GE", "GEO", "AS", "Georgia"},
    {"GF", "GUF", "SA", "French Guiana"},
    {"GG", "GGY", "EU", "Guernsey"},
    {"GH", "GHA", "AF", "Ghana"},
    {"GI", "GIB", "EU", "Gibraltar"},
    {"GL", "GRL", "NA", "Greenland"},
    {"GM", "GMB", "AF", "Gambia"},
    {"GN", "GIN", "AF", "Guinea"},
    {"GP", "GLP", "NA", "Guadeloupe"},
    {"GQ", "GNQ", "AF", "Equatorial Guinea"},
    {"GR", "GRC", "EU", "Greece"},
    {"GS", "SGS", "AN", "South Georgia and the South Sandwich Islands"},
    {"GT", "GTM", "NA", "Guatemala"},
    {"GU", "GUM", "OC", "Guam"},
    {"GW", "GNB", "AF", "Guinea-Bissau"},
    {"GY", "GUY", "SA", "Guyana"},
    {"HK", "HKG", "AS", "Hong Kong"},
    {"HM", "HMD", "AN", "Heard Island and McDonald Islands"},
    {"HN", "HND", "NA", "Honduras"},
    {"HR", "HRV", "EU", "Croatia"},
    {"HT", "HTI", "NA", "Haiti"},
    {"HU", "HUN", "EU", "Hungary"},
    {"ID", "IDN", "AS", "Indonesia"},
    {"IE", "IRL", "EU", "Ireland"},
    {"IL", "ISR", "AS", "Israel"},
    {"IM", "IMN", "EU", "Isle of Man"},
    {"IN", "IND", "AS", "India"},
    {"IO", "IOT", "AS", "British Indian Ocean Territory"},
    {"IQ", "IRQ", "AS", "Iraq"},
    {"IR", "IRN", "AS", "Iran"},
    {"IS", "ISL", "EU", "Iceland"},
    {"IT", "ITA", "EU", "Italy"},
    {"JE", "JEY", "EU", "Jersey"},
    {"JM", "JAM", "NA", "Jamaica"},
    {"JO", "JOR", "AS", "Jordan"},
    {"JP", "JPN", "AS", "Japan"},
    {"KE", "KEN", "AF", "Kenya"},
    {"KG", "KGZ", "AS", "Kyrgyzstan"},
    {"KH", "KHM", "AS", "Cambodia"},
    {"KI", "KIR", "OC", "Kiribati"},
    {"KM", "COM", "AF", "Comoros"},
    {"KN", "KNA", "NA", "Saint Kitts and Nevis"},
    {"KP", "PRK", "AS", "North Korea"},
    {"KR", "KOR", "AS", "South Korea"},
    {"KW", "KWT", "AS", "Kuwait"},
    {"KY", "CYM", "NA", "Cayman Islands"},
    {"KZ", "KAZ", "AS", "Kazakhstan"},
    {"LA", "LAO", "AS", "Laos"},
    {"LB", "LBN", "AS", "Lebanon"},
    {"LC", "LCA", "NA", "Saint Lucia"},
    {"LI", "LIE", "EU", "Liechtenstein"},
    {"LK", "LKA", "AS", "Sri Lanka"},
    {"LR", "LBR", "AF", "Liberia"},
    {"LS", "LSO", "AF", "Lesotho"},
    {"LT", "LTU", "EU", "Lithuania"},
    {"LU", "LUX", "EU", "Luxembourg"},
    {"LV", "LVA", "EU", "Latvia"},
    {"LY", "LBY", "AF", "Libya"},
    {"MA", "MAR", "AF", "Morocco"},
    {"MC", "MCO", "EU", "Monaco"},
    {"MD", "MDA", "EU", "Moldova"},
    {"ME", "MNE", "EU", "Montenegro"},
    {"MF", "MAF", "NA", "Saint Martin"},
    {"MG", "MDG", "AF", "Madagascar"},
    {"MH", "MHL", "OC", "Marshall Islands"},
    {"MK", "MKD", "EU", "North Macedonia"},
    {"ML", "MLI", "AF", "Mali"},
    {"MM", "MMR", "AS", "Myanmar"},
    {"MN", "MNG", "AS", "Mongolia"},
    {"MO", "MAC", "AS", "Macao"},
    {"MP", "MNP", "OC", "Northern Mariana Islands"},
    {"MQ", "MTQ", "NA", "Martinique"},
    {"MR", "MRT", "AF", "Mauritania"},
    {"MS", "MSR", "NA", "Montserrat"},
    {"MT", "MLT", "EU", "Malta"},
    {"MU", "MUS", "AF", "Mauritius"},
    {"MV", "MDV", "AS", "Maldives"},
    {"MW", "MWI", "AF", "Malawi"},
    {"MX", "MEX", "NA", "Mexico"},
    {"MY", "MYS", "AS", "Malaysia"},
    {"MZ", "MOZ", "AF", "Mozambique"},
    {"NA", "NAM", "AF", "Namibia"},
    {"NC", "NCL", "OC", "New Caledonia"},
    {"NE", "NER", "AF", "Niger"},
    {"NF", "NFK", "OC", "Norfolk Island"},
    {"NG", "NGA", "AF", "Nigeria"},
    {"NI", "NIC", "NA", "Nicaragua"},
    {"NL", "NLD", "EU", "Netherlands"},
    {"NO", "NOR", "EU", "Norway"},
    {"NP", "NPL", "AS", "Nepal"},
    {"NR", "NRU", "OC", "Nauru"},
    {"NU", "NIU", "OC", "Niue"},
    {"NZ", "NZL", "OC", "New Zealand"},
    {"OM", "OMN", "AS", "Oman"},
    {"PA", "PAN", "NA", "Panama"},
    {"PE", "PER", "SA", "Peru"},
    {"PF", "PYF", "OC", "French Polynesia"},
    {"PG", "PNG", "OC", "Papua New Guinea"},
    {"PH", "PHL", "AS", "Philippines"},
    {"PK", "PAK", "AS", "Pakistan"},
    {"PL", "POL", "EU", "Poland"},
    {"PM", "SPM", "NA", "Saint Pierre and Miquelon"},
    {"PN", "PCN", "OC", "Pitcairn"},
    {"PR", "PRI", "NA", "Puerto Rico"},
    {"PS", "PSE", "AS", "Palestine"},
    {"PT", "PRT", "EU", "Portugal"},
    {"PW", "PLW", "OC", "Palau"},
    {"PY", "PRY", "SA", "Paraguay"},
    {"QA", "QAT", "AS", "Qatar"},
    {"RE", "REU", "AF", "Réunion"},
    {"RO", "ROU", "EU", "Romania"},
    {"RS", "SRB", "EU", "Serbia"},
    {"RU", "RUS", "EU", "Russia"},
    {"RW", "RWA", "AF", "Rwanda"},
    {"SA", "SAU", "AS", "Saudi Arabia"},
    {"SB", "SLB", "OC", "Solomon Islands"},
    {"SC", "SYC", "AF", "Seychelles"},
    {"SD", "SDN", "AF", "Sudan"},
    {"SE", "SWE", "EU", "Sweden"},
    {"SG", "SGP", "AS", "Singapore"},
    {"SH", "SHN", "AF", "Saint Helena, Ascension and Tristan da Cunha"},
    {"SI", "SVN", "EU", "Slovenia"},
    {"SJ", "SJM", "EU", "Svalbard and Jan Mayen"},
    {"SK", "SVK", "EU", "Slovakia"},
    {"SL", "SLE", "AF", "Sierra Leone"},
    {"SM", "SMR", "EU", "San Marino"},
    {"SN", "SEN", "AF", "Senegal"},
    {"SO", "SOM", "AF", "Somalia"},
    {"SR", "SUR", "SA", "Suriname"},
    {"SS", "SSD", "AF", "South Sudan"},
    {"ST", "STP", "AF", "Sao Tome and Principe"},
    {"SV", "SLV", "NA", "El Salvador"},
    {"SX", "SXM", "NA", "Sint Maarten"},
    {"SY", "SYR", "AS", "Syria"},
    {"SZ", "SWZ", "AF", "Eswatini"},
    {"TC", "TCA", "NA", "Turks and Caicos Islands"},
    {"TD", "TCD", "AF", "Chad"},
    {"TF", "ATF", "AN", "French Southern Territories"},
    {"TG", "TGO", "AF", "Togo"},
    {"TH", "THA", "AS", "Thailand"},
    {"TJ", "TJK", "AS", "Tajikistan"},
    {"TK", "TKL", "OC", "Tokelau"},
    {"TL", "TLS", "AS", "Timor-Leste"},
    {"TM", "TKM", "AS", "Turkmenistan"},
    {"TN", "TUN", "AF", "Tunisia"},
    {"TO", "TON", "OC", "Tonga"},
    {"TR", "TUR", "AS", "Türkiye"},
    {"TT", "TTO", "NA", "Trinidad and Tobago"},
    {"TV", "TUV", "OC", "Tuvalu"},
    {"TW", "TWN", "AS", "Taiwan"},
    {"TZ", "TZA", "AF", "Tanzania"},
    {"UA", "UKR", "EU", "Ukraine"},
    {"UG", "UGA", "AF", "Uganda"},
    {"UM", "UMI", "OC", "United States Minor Outlying Islands"},
    {"US", "USA", "NA", "United States"},
    {"UY", "URY", "SA", "Uruguay"},
    {"UZ", "UZB", "AS", "Uzbekistan"},
    {"VA", "VAT", "EU", "Vatican City"},
    {"VC", "VCT", "NA", "Saint Vincent and the Grenadines"},
    {"VE", "VEN", "SA", "Venezuela"},
    {"VG", "VGB", "NA", "British Virgin Islands"},
    {"VI", "VIR", "NA", "U.S. Virgin Islands"},
    {"VN", "VNM", "AS", "Vietnam"},
    {"VU", "VUT", "OC", "Vanuatu"},
    {"WF", "WLF", "OC", "Wallis and Futuna"},
    {"WS", "WSM", "OC", "Samoa"},
    {"XK", "XKX", "EU", "Kosovo"},
    {"YE", "YEM", "AS", "Yemen"},
    {"YT", "MYT", "AF", "Mayotte"},
    {"ZA", "ZAF", "AF", "South Africa"},
    {"ZM", "ZMB", "AF", "Zambia"},
    {"ZW", "ZWE", "AF", "Zimbabwe"},
};

constexpr std::optional<size_t> CountrySlot(char first, char second) {
  if (first < 'A' || first > 'Z' || second < 'A' || second > 'Z') return std::nullopt;
  return static_cast<size_t>(first - 'A') * 26 + static_cast<size_t>(second - 'A');
}

// kCountries row + 1 by alpha-2 code (0: none), so that a lookup costs one load.
constexpr auto kCountryIndex = [] {
  static_assert(std::size(kCountries) < 255);
  std::array<uint8_t, 26 * 26> index{};
  for (size_t row = 0; row < std::size(kCountries); ++row) {
    const std::optional<size_t> slot =
        CountrySlot(kCountries[row].alpha2[0], kCountries[row].alpha2[1]);
    if (!slot || index[*slot] != 0) throw "kCountries: bad or duplicate alpha-2 code";
    index[*slot] = static_cast<uint8_t>(row + 1);
  }
  return index;
}();

// ---------------------------------------------------------------------------
// Addresses

// Longest text that can be an address: IPv6 with an embedded IPv4 address
// (45 characters) plus a zone id.
constexpr size_t kMaxAddressTextBytes = 64;

struct Ipv4Range {
  uint32_t first;  // host byte order
  int prefix_bits;
};

constexpr uint32_t Ipv4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA's IPv4 special-purpose registry (RFC 6890 and updates), the entries
// that are not globally reachable, plus multicast and the reserved 240/4.
constexpr Ipv4Range kNonPublicIpv4[] = {
    {Ipv4(0, 0, 0, 0), 8},        // "this network"
    {Ipv4(10, 0, 0, 0), 8},       // private (RFC 1918)
    {Ipv4(100, 64, 0, 0), 10},    // shared address space, carrier-grade NAT
    {Ipv4(127, 0, 0, 0), 8},      // loopback
    {Ipv4(169, 254, 0, 0), 16},   // link-local
    {Ipv4(172, 16, 0, 0), 12},    // private
    {Ipv4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {Ipv4(192, 0, 2, 0), 24},     // documentation (TEST-NET-1)
    {Ipv4(192, 88, 99, 0), 24},   // deprecated 6to4 relay anycast
    {Ipv4(192, 168, 0, 0), 16},   // private
    {Ipv4(198, 18, 0, 0), 15},    // benchmarking
    {Ipv4(198, 51, 100, 0), 24},  // documentation (TEST-NET-2)
    {Ipv4(203, 0, 113, 0), 24},   // documentation (TEST-NET-3)
    {Ipv4(224, 0, 0, 0), 4},      // multicast
    {Ipv4(240, 0, 0, 0), 4},      // reserved, and 255.255.255.255 broadcast
};

uint32_t Ipv4HostOrder(const IpAddress& address) {
  return (uint32_t{address.bytes[0]} << 24) | (uint32_t{address.bytes[1]} << 16) |
         (uint32_t{address.bytes[2]} << 8) | uint32_t{address.bytes[3]};
}

bool IsNonPublicIpv4(uint32_t ip) {
  for (const Ipv4Range& range : kNonPublicIpv4) {
    const uint32_t mask = ~uint32_t{0} << (32 - range.prefix_bits);
    if ((ip & mask) == range.first) return true;
  }
  return false;
}

// Only 2000::/3 is allocated as global unicast; everything else (::/8 with
// loopback, unspecified and IPv4-compatible, 100::/64 discard, fc00::/7
// unique-local, fe80::/10 link-local, ff00::/8 multicast, the unallocated
// rest) is non-public. Inside 2000::/3: documentation (2001:db8::/32,
// 3fff::/20) and IETF assignments (2001::/23: benchmarking, ORCHID, ...),
// except Teredo (2001::/32), whose addresses the databases do locate.
bool IsNonPublicIpv6(const std::array<uint8_t, 16>& b) {
  if ((b[0] & 0xE0) != 0x20) return true;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return true;
  if (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0x00) return true;
  const bool in_ietf_assignments = b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xFE) == 0x00;
  const bool is_teredo = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00;
  return in_ietf_assignments && !is_teredo;
}

// ---------------------------------------------------------------------------
// The data section decoder

// Type numbers of the MaxMind DB format. 0 marks an extended type (7 + the
// next byte).
enum class DataType : uint8_t {
  kPointer = 1,
  kString = 2,
  kDouble = 3,
  kBytes = 4,
  kUint16 = 5,
  kUint32 = 6,
  kMap = 7,
  kInt32 = 8,
  kUint64 = 9,
  kUint128 = 10,
  kArray = 11,
  kContainer = 12,
  kEndMarker = 13,
  kBoolean = 14,
  kFloat = 15,
};

// One decoded control header.
struct DataItem {
  DataType type = DataType::kEndMarker;
  // Payload bytes of scalars and strings, pairs of a map, elements of an
  // array, the value of a boolean; for a pointer, the offset it points to.
  uint32_t size = 0;
  uint32_t payload = 0;  // offset of the first payload byte (first key of a map)
};

// Real databases nest four deep at most (subdivisions -> [0] -> names -> en);
// anything deeper is treated as corrupt rather than recursed into.
constexpr int kMaxDataDepth = 16;
// Values longer than this are not names or codes; such a record is corrupt
// or not of a schema read here, and the value is ignored.
constexpr uint32_t kMaxStringBytes = 256;

// Reads items of a data section. Every read is bounds-checked: a corrupt
// database makes a lookup fail, never read outside the mapping.
class DataSection {
 public:
  DataSection(const uint8_t* bytes, uint32_t size) : bytes_(bytes), size_(size) {}

  // Decodes the header at `offset` without following a pointer; *end is the
  // offset after the header (after the whole item for pointers).
  bool ReadHeader(uint32_t offset, DataItem* item, uint32_t* end) const {
    if (offset >= size_) return false;
    const uint8_t control = bytes_[offset++];
    uint8_t type_number = control >> 5;
    if (type_number == static_cast<uint8_t>(DataType::kPointer)) {
      return ReadPointer(control, offset, item, end);
    }
    if (type_number == 0) {
      if (offset >= size_) return false;
      type_number = 7 + bytes_[offset++];
      if (type_number < 8 || type_number > 15) return false;
    }
    item->type = static_cast<DataType>(type_number);
    uint32_t size = control & 0x1F;
    if (size >= 29) {
      const uint32_t extra_bytes = size - 28;
      if (extra_bytes > size_ - offset) return false;
      uint32_t extra = 0;
      for (uint32_t byte_idx = 0; byte_idx < extra_bytes; ++byte_idx) {
        extra = (extra << 8) | bytes_[offset++];
      }
      static constexpr uint32_t kSizeBase[] = {29, 285, 65821};
      size = kSizeBase[extra_bytes - 1] + extra;
    }
    item->size = size;
    item->payload = offset;
    *end = offset;
    if (HasPayloadBytes(item->type)) {
      if (size > size_ - offset) return false;
      *end = offset + size;
    }
    return true;
  }

  // Decodes the item at `offset`, following one pointer (the format forbids
  // pointers to pointers).
  bool Resolve(uint32_t offset, DataItem* item) const {
    uint32_t end = 0;
    if (!ReadHeader(offset, item, &end)) return false;
    if (item->type != DataType::kPointer) return true;
    return ReadHeader(item->size, item, &end) && item->type != DataType::kPointer;
  }

  // Sets *end to the offset after the item stored at `offset` (a pointer is
  // not followed: the item is the pointer).
  bool Skip(uint32_t offset, uint32_t* end, int depth = 0) const {
    DataItem item;
    if (!ReadHeader(offset, &item, end)) return false;
    uint64_t children = 0;
    if (item.type == DataType::kMap) {
      children = uint64_t{item.size} * 2;
    } else if (item.type == DataType::kArray) {
      children = item.size;
    } else {
      return IsValueType(item.type) || item.type == DataType::kPointer;
    }
    if (depth >= kMaxDataDepth) return false;
    for (uint64_t child_idx = 0; child_idx < children; ++child_idx) {
      if (!Skip(*end, end, depth + 1)) return false;
    }
    return true;
  }

  // The string at `offset` (following a pointer), or false.
  bool ReadString(uint32_t offset, std::string_view* text) const {
    DataItem item;
    if (!Resolve(offset, &item) || item.type != DataType::kString) return false;
    *text = std::string_view(reinterpret_cast<const char*>(bytes_ + item.payload), item.size);
    return true;
  }

  // A double or float at `offset`. A float becomes the double of its first
  // seven significant digits, all a float holds (37.422 rather than
  // 37.42200088500977): the decimals the database's author wrote. Numbers of
  // 1000 or more are left as they are (no latitude or longitude is).
  bool ReadNumber(uint32_t offset, double* number) const {
    DataItem item;
    if (!Resolve(offset, &item)) return false;
    if (item.type == DataType::kDouble && item.size == 8) {
      *number = std::bit_cast<double>(ReadBigEndian(item.payload, 8));
      return true;
    }
    if (item.type != DataType::kFloat || item.size != 4) return false;
    const double widened =
        std::bit_cast<float>(static_cast<uint32_t>(ReadBigEndian(item.payload, 4)));
    const double magnitude = std::abs(widened);
    double scale = 1e7;  // 10^(7 - digits before the point)
    if (magnitude >= 1000 || !std::isfinite(widened)) {
      scale = 1;
    } else if (magnitude >= 100) {
      scale = 1e4;
    } else if (magnitude >= 10) {
      scale = 1e5;
    } else if (magnitude >= 1) {
      scale = 1e6;
    }
    *number = scale == 1 ? widened : std::round(widened * scale) / scale;
    return true;
  }

  // An unsigned integer (uint16/32/64, or a non-negative int32) at `offset`.
  bool ReadUnsigned(uint32_t offset, uint64_t* number) const {
    DataItem item;
    if (!Resolve(offset, &item)) return false;
    switch (item.type) {
      case DataType::kUint16:
      case DataType::kUint32:
      case DataType::kUint64:
        if (item.size > 8) return false;
        *number = ReadBigEndian(item.payload, item.size);
        return true;
      case DataType::kInt32: {
        if (item.size > 4) return false;
        uint64_t raw = ReadBigEndian(item.payload, item.size);
        // Four bytes are two's complement; fewer are always non-negative.
        if (item.size == 4 && (raw & 0x80000000u) != 0) return false;
        *number = raw;
        return true;
      }
      default:
        return false;
    }
  }

 private:
  static bool HasPayloadBytes(DataType type) {
    return type != DataType::kMap && type != DataType::kArray && type != DataType::kBoolean;
  }
  static bool IsValueType(DataType type) {
    return type != DataType::kContainer && type != DataType::kEndMarker;
  }

  bool ReadPointer(uint8_t control, uint32_t offset, DataItem* item, uint32_t* end) const {
    const uint32_t size_bits = (control >> 3) & 0x3;
    const uint32_t pointer_bytes = size_bits + 1;
    if (pointer_bytes > size_ - offset) return false;
    uint32_t value = size_bits == 3 ? 0 : (control & 0x7);
    for (uint32_t byte_idx = 0; byte_idx < pointer_bytes; ++byte_idx) {
      value = (value << 8) | bytes_[offset + byte_idx];
    }
    static constexpr uint32_t kPointerBase[] = {0, 2048, 526336, 0};
    item->type = DataType::kPointer;
    item->size = value + kPointerBase[size_bits];
    item->payload = offset;
    *end = offset + pointer_bytes;
    return true;
  }

  uint64_t ReadBigEndian(uint32_t offset, uint32_t length) const {
    uint64_t value = 0;
    for (uint32_t byte_idx = 0; byte_idx < length; ++byte_idx) {
      value = (value << 8) | bytes_[offset + byte_idx];
    }
    return value;
  }

  const uint8_t* bytes_;
  uint32_t size_;
};

// Calls `visit(key, value_offset)` for each pair of the map at `offset`
// (following a pointer to it) until `visit` returns false. Returns false when
// the item is not a map or is malformed.
template <typename Visitor>
bool ForEachPair(const DataSection& data, uint32_t offset, Visitor&& visit) {
  DataItem map;
  if (!data.Resolve(offset, &map) || map.type != DataType::kMap) return false;
  uint32_t cursor = map.payload;
  for (uint32_t pair_idx = 0; pair_idx < map.size; ++pair_idx) {
    std::string_view key;
    if (!data.ReadString(cursor, &key) || !data.Skip(cursor, &cursor)) return false;
    if (!visit(key, cursor)) return true;
    if (!data.Skip(cursor, &cursor)) return false;
  }
  return true;
}

// The value of `key` in the map at `offset`, if the map has it.
bool FindInMap(const DataSection& data, uint32_t offset, std::string_view key,
               uint32_t* value_offset) {
  bool found = false;
  ForEachPair(data, offset, [&](std::string_view candidate, uint32_t candidate_offset) {
    if (candidate != key) return true;
    *value_offset = candidate_offset;
    found = true;
    return false;
  });
  return found;
}

// ---------------------------------------------------------------------------
// Records

// What one record says, as views into the mapped file.
struct RecordFields {
  std::string_view country_code;
  std::string_view country_name;
  std::string_view continent_code;
  std::string_view region_code;
  std::string_view region_name;
  std::string_view city_name;
  std::string_view time_zone;
  std::string_view as_org;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::optional<uint64_t> asn;
};

// Sets *out to the string at `offset` when there is one; other types and
// over-long values are ignored (absent), as the member would be.
void TakeString(const DataSection& data, uint32_t offset, std::string_view* out) {
  std::string_view text;
  if (data.ReadString(offset, &text) && text.size() <= kMaxStringBytes) *out = text;
}

void TakeNumber(const DataSection& data, uint32_t offset, std::optional<double>* out) {
  double number = 0;
  if (data.ReadNumber(offset, &number)) *out = number;
}

// names.en of a GeoIP2 map (country, city, subdivision).
void TakeEnglishName(const DataSection& data, uint32_t names_offset, std::string_view* out) {
  uint32_t english_offset = 0;
  if (FindInMap(data, names_offset, "en", &english_offset)) TakeString(data, english_offset, out);
}

// A GeoIP2 place map: {iso_code|code, names: {en}}; stops once both are read.
void TakePlace(const DataSection& data, uint32_t offset, std::string_view code_key,
               std::string_view* code, std::string_view* name) {
  ForEachPair(data, offset, [&](std::string_view key, uint32_t value_offset) {
    if (code != nullptr && key == code_key) {
      TakeString(data, value_offset, code);
      code = nullptr;
    } else if (name != nullptr && key == "names") {
      TakeEnglishName(data, value_offset, name);
      name = nullptr;
    }
    return code != nullptr || name != nullptr;
  });
}

void TakeAsnPair(std::string_view key, const DataSection& data, uint32_t value_offset,
                 RecordFields* fields) {
  if (key == "autonomous_system_number") {
    uint64_t number = 0;
    if (data.ReadUnsigned(value_offset, &number)) fields->asn = number;
  } else if (key == "autonomous_system_organization") {
    TakeString(data, value_offset, &fields->as_org);
  }
}

// "country": a GeoIP2 place map, or (ipinfo-style) the English name.
void TakeCountry(const DataSection& data, uint32_t offset, RecordFields* fields) {
  DataItem value;
  if (!data.Resolve(offset, &value)) return;
  if (value.type == DataType::kMap) {
    TakePlace(data, offset, "iso_code", &fields->country_code, &fields->country_name);
  } else if (value.type == DataType::kString) {
    TakeString(data, offset, &fields->country_name);
  }
}

// "city": a GeoIP2 place map, or the flat schema's name.
void TakeCity(const DataSection& data, uint32_t offset, RecordFields* fields) {
  DataItem value;
  if (!data.Resolve(offset, &value)) return;
  if (value.type == DataType::kMap) {
    TakePlace(data, offset, {}, nullptr, &fields->city_name);
  } else if (value.type == DataType::kString) {
    TakeString(data, offset, &fields->city_name);
  }
}

// "subdivisions": the first one is the largest (state, then county).
void TakeFirstSubdivision(const DataSection& data, uint32_t offset, RecordFields* fields) {
  DataItem value;
  if (!data.Resolve(offset, &value) || value.type != DataType::kArray || value.size == 0) return;
  TakePlace(data, value.payload, "iso_code", &fields->region_code, &fields->region_name);
}

void TakeLocation(const DataSection& data, uint32_t offset, RecordFields* fields) {
  ForEachPair(data, offset, [&](std::string_view key, uint32_t value_offset) {
    if (key == "latitude") {
      TakeNumber(data, value_offset, &fields->latitude);
    } else if (key == "longitude") {
      TakeNumber(data, value_offset, &fields->longitude);
    } else if (key == "time_zone") {
      TakeString(data, value_offset, &fields->time_zone);
    }
    return true;
  });
}

// Reads the record at `offset` in any of the schemas this file knows; keys of
// other schemas are skipped. False when the record is not a well-formed map.
bool ReadRecord(const DataSection& data, uint32_t offset, RecordFields* fields) {
  // Keys whose values are walked are read once: a malformed record repeating
  // "country" with a pointer to one large map must not cost its size squared.
  uint32_t walked_keys = 0;
  const auto first_time = [&walked_keys](uint32_t key_bit) {
    const bool is_first = (walked_keys & key_bit) == 0;
    walked_keys |= key_bit;
    return is_first;
  };
  // Dispatch on the key's length first: most keys of a record are compared
  // with one or two candidates instead of every known key.
  return ForEachPair(data, offset, [&](std::string_view key, uint32_t value_offset) {
    switch (key.size()) {
      case 4:
        if (key == "city" && first_time(1u << 0)) TakeCity(data, value_offset, fields);
        break;
      case 6:
        if (key == "state1") {
          TakeString(data, value_offset, &fields->region_name);
        } else if (key == "traits" && first_time(1u << 1)) {
          ForEachPair(data, value_offset, [&](std::string_view traits_key, uint32_t traits_offset) {
            TakeAsnPair(traits_key, data, traits_offset, fields);
            return true;
          });
        }
        break;
      case 7:
        if (key == "country" && first_time(1u << 2)) TakeCountry(data, value_offset, fields);
        break;
      case 8:
        if (key == "latitude") {
          TakeNumber(data, value_offset, &fields->latitude);
        } else if (key == "timezone") {
          TakeString(data, value_offset, &fields->time_zone);
        } else if (key == "location" && first_time(1u << 3)) {
          TakeLocation(data, value_offset, fields);
        }
        break;
      case 9:
        if (key == "longitude") {
          TakeNumber(data, value_offset, &fields->longitude);
        } else if (key == "continent" && first_time(1u << 4)) {
          TakePlace(data, value_offset, "code", &fields->continent_code, nullptr);
        }
        break;
      case 12:
        if (key == "country_code") {
          TakeString(data, value_offset, &fields->country_code);
        } else if (key == "subdivisions" && first_time(1u << 5)) {
          TakeFirstSubdivision(data, value_offset, fields);
        }
        break;
      default:
        TakeAsnPair(key, data, value_offset, fields);
        break;
    }
    return true;
  });
}

// Assigns `text` unless it is absent (empty, as the ip-location-db files
// store missing values) or not UTF-8.
void Assign(std::string_view text, std::string* member) {
  if (text.empty()) return;
  bool is_ascii = true;  // the common case, checked inline before simdjson's validator
  for (const char c : text) is_ascii &= static_cast<unsigned char>(c) < 0x80;
  if (!is_ascii && !event::IsValidUtf8(text)) return;
  member->assign(text);
}

void Commit(const RecordFields& fields, event::Geo* geo) {
  Assign(fields.country_code, &geo->country_code);
  Assign(fields.country_name, &geo->country_name);
  Assign(fields.continent_code, &geo->continent_code);
  Assign(fields.region_code, &geo->region_code);
  Assign(fields.region_name, &geo->region_name);
  Assign(fields.city_name, &geo->city_name);
  Assign(fields.time_zone, &geo->time_zone);
  Assign(fields.as_org, &geo->as_org);
  const bool has_position = fields.latitude && fields.longitude &&
                            std::abs(*fields.latitude) <= 90 && std::abs(*fields.longitude) <= 180;
  if (has_position) {
    geo->latitude = fields.latitude;
    geo->longitude = fields.longitude;
  }
  if (fields.asn) {
    char digits[24];
    const auto printed = std::to_chars(digits, digits + sizeof(digits), *fields.asn);
    geo->asn.assign(digits, printed.ptr);
  }
  if (fields.country_code.empty()) return;
  const CountryInfo* country = FindCountry(fields.country_code);
  if (country == nullptr) return;
  geo->country_code3.assign(country->alpha3);
  if (fields.country_name.empty()) geo->country_name.assign(country->name);
  if (fields.continent_code.empty()) geo->continent_code.assign(country->continent_code);
}

// ---------------------------------------------------------------------------
// Opening

// Keys that mark a record as one of the schemas read here.
bool IsLocationKey(std::string_view key) {
  static constexpr std::string_view kKeys[] = {
      "country",      "city",   "location", "continent", "subdivisions", "registered_country",
      "country_code", "state1", "latitude", "longitude", "timezone"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

bool IsAsnKey(std::string_view key) {
  return key == "autonomous_system_number" || key == "autonomous_system_organization";
}

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// How far the schema probe walks the search tree looking for a record.
constexpr int kMaxProbeNodes = 1 << 16;

}  // namespace

// ---------------------------------------------------------------------------

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressTextBytes) return std::nullopt;
  // inet_pton reads up to a NUL, which must therefore not end the text early.
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return std::nullopt;
  const bool is_ipv6 = text.find(':') != std::string_view::npos;
  if (is_ipv6) {
    const size_t zone_start = text.find('%');
    if (zone_start != std::string_view::npos) {
      if (zone_start + 1 == text.size()) return std::nullopt;
      text = text.substr(0, zone_start);
    }
  }
  char terminated[kMaxAddressTextBytes + 1];
  std::memcpy(terminated, text.data(), text.size());
  terminated[text.size()] = '\0';

  IpAddress address;
  if (!is_ipv6) {
    if (inet_pton(AF_INET, terminated, address.bytes.data()) != 1) return std::nullopt;
    address.family = IpAddress::Family::kIpv4;
    return address;
  }
  if (inet_pton(AF_INET6, terminated, address.bytes.data()) != 1) return std::nullopt;
  address.family = IpAddress::Family::kIpv6;
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(address.bytes.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    IpAddress ipv4;
    std::memcpy(ipv4.bytes.data(), address.bytes.data() + 12, 4);
    return ipv4;
  }
  return address;
}

bool IsNonPublicAddress(const IpAddress& address) {
  if (address.family == IpAddress::Family::kIpv4) return IsNonPublicIpv4(Ipv4HostOrder(address));
  return IsNonPublicIpv6(address.bytes);
}

bool IsNonPublicAddress(std::string_view ip) {
  const std::optional<IpAddress> address = ParseIpAddress(ip);
  return address && IsNonPublicAddress(*address);
}

const CountryInfo* FindCountry(std::string_view alpha2) {
  if (alpha2.size() != 2) return nullptr;
  const std::optional<size_t> slot = CountrySlot(alpha2[0], alpha2[1]);
  if (!slot || kCountryIndex[*slot] == 0) return nullptr;
  return &kCountries[kCountryIndex[*slot] - 1];
}

// ---------------------------------------------------------------------------

struct GeoIpDatabase::Handle {
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (is_open) MMDB_close(&mmdb);
  }

  MMDB_s mmdb{};
  bool is_open = false;
  // Set once the file is known to be laid out as its metadata says.
  std::optional<MmdbSearchTree> tree;
};

GeoIpDatabase::GeoIpDatabase(std::string path, std::unique_ptr<Handle> handle)
    : path_(std::move(path)), handle_(std::move(handle)) {}

GeoIpDatabase::~GeoIpDatabase() = default;

Result<std::unique_ptr<GeoIpDatabase>> GeoIpDatabase::Open(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("geoip: empty database path");
  struct stat file_stat;
  if (::stat(path.c_str(), &file_stat) != 0) {
    const int error_number = errno;
    const std::string message =
        fmt::format("geoip: cannot open {}: {}", path, std::strerror(error_number));
    if (error_number == ENOENT || error_number == ENOTDIR) return Status::NotFound(message);
    return Status::IOError(message);
  }
  if (!S_ISREG(file_stat.st_mode)) {
    return Status::InvalidArgument(fmt::format("geoip: {} is not a regular file", path));
  }
  if (file_stat.st_size == 0) {  // which mmap refuses with a less clear error
    return Status::InvalidArgument(
        fmt::format("geoip: {} is not a MaxMind DB file: the file is empty", path));
  }

  auto handle = std::make_unique<Handle>();
  const int open_error = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &handle->mmdb);
  if (open_error != MMDB_SUCCESS) {
    const std::string reason = MMDB_strerror(open_error);
    switch (open_error) {
      case MMDB_FILE_OPEN_ERROR:
      case MMDB_IO_ERROR:
        return Status::IOError(fmt::format("geoip: cannot read {}: {}", path, reason));
      case MMDB_OUT_OF_MEMORY_ERROR:
        return Status::ResourceExhausted(fmt::format("geoip: cannot map {}: {}", path, reason));
      default:
        return Status::InvalidArgument(
            fmt::format("geoip: {} is not a MaxMind DB file: {}", path, reason));
    }
  }
  handle->is_open = true;
  const MMDB_s& mmdb = handle->mmdb;
  // libmaxminddb before 1.9 computes the search tree's size in 32 bits: a
  // crafted node count wraps it, and data_section then points outside the
  // mapping. Recompute it in 64 bits and insist the layout is the file's.
  const uint64_t tree_bytes =
      uint64_t{mmdb.metadata.node_count} * uint64_t{mmdb.metadata.record_size} / 4;
  const uint64_t data_start = tree_bytes + 16;  // 16 zero bytes separate tree and data
  if (mmdb.metadata.record_size % 4 != 0 || mmdb.file_size < 0 ||
      data_start > static_cast<uint64_t>(mmdb.file_size) ||
      mmdb.data_section != mmdb.file_content + data_start ||
      mmdb.data_section_size > static_cast<uint64_t>(mmdb.file_size) - data_start) {
    return Status::InvalidArgument(fmt::format(
        "geoip: {} is not a MaxMind DB file: its search tree ({} nodes of {} bits) does not fit "
        "the file",
        path, mmdb.metadata.node_count, mmdb.metadata.record_size));
  }

  auto tree = MmdbSearchTree::Build(mmdb);
  if (!tree.ok()) {
    return Status::InvalidArgument(fmt::format("geoip: {} is not a MaxMind DB file we read: {}",
                                               path, tree.status().message()));
  }
  handle->tree.emplace(std::move(tree).value());

  auto database = std::unique_ptr<GeoIpDatabase>(new GeoIpDatabase(path, std::move(handle)));
  database->database_type_ =
      mmdb.metadata.database_type != nullptr ? mmdb.metadata.database_type : "";
  database->has_ipv6_ = mmdb.metadata.ip_version == 6;

  // The first record found walking the tree from the left, to check that
  // records decode and, when database_type says nothing we know, what they
  // hold.
  const DataSection data(mmdb.data_section, mmdb.data_section_size);
  std::optional<uint32_t> probe_offset;
  std::vector<uint32_t> pending_nodes = {0};
  for (int visited = 0; !pending_nodes.empty() && visited < kMaxProbeNodes && !probe_offset;
       ++visited) {
    const uint32_t node_number = pending_nodes.back();
    pending_nodes.pop_back();
    MMDB_search_node_s node;
    if (MMDB_read_node(&mmdb, node_number, &node) != MMDB_SUCCESS) break;
    if (node.left_record_type == MMDB_RECORD_TYPE_DATA) {
      probe_offset = node.left_record_entry.offset;
    } else if (node.right_record_type == MMDB_RECORD_TYPE_DATA) {
      probe_offset = node.right_record_entry.offset;
    } else {
      if (node.right_record_type == MMDB_RECORD_TYPE_SEARCH_NODE) {
        pending_nodes.push_back(static_cast<uint32_t>(node.right_record));
      }
      if (node.left_record_type == MMDB_RECORD_TYPE_SEARCH_NODE) {
        pending_nodes.push_back(static_cast<uint32_t>(node.left_record));
      }
    }
  }
  if (!probe_offset) {
    return Status::InvalidArgument(fmt::format("geoip: {} holds no records", path));
  }
  bool has_location_keys = false;
  bool has_asn_keys = false;
  std::string keys;
  size_t keys_shown = 0;
  const bool is_map = ForEachPair(data, *probe_offset, [&](std::string_view key, uint32_t) {
    has_location_keys = has_location_keys || IsLocationKey(key);
    has_asn_keys = has_asn_keys || IsAsnKey(key);
    // Only for the error message: a few keys, short, printable (a crafted
    // record may hold a million keys of megabytes each).
    constexpr size_t kKeysShown = 16, kKeyBytesShown = 64;
    if (keys_shown++ < kKeysShown) {
      if (!keys.empty()) keys += ", ";
      for (const char c : key.substr(0, kKeyBytesShown)) {
        keys += (c >= 0x20 && c < 0x7f) ? c : '?';
      }
    }
    return true;
  });
  if (!is_map) {
    return Status::InvalidArgument(
        fmt::format("geoip: {}: corrupt record at data offset {}", path, *probe_offset));
  }

  // "GeoLite2-City", "GeoIP2-Country", "DBIP-City-Lite", "city ipv4",
  // "country ipvAll"; "GeoLite2-ASN", "GeoIP2-ISP", "asn ipv4".
  const std::string type = Lowercase(database->database_type_);
  const auto type_has = [&](std::string_view word) { return type.find(word) != std::string::npos; };
  if (type_has("city") || type_has("country") || type_has("enterprise")) {
    database->kind_ = Kind::kCity;
  } else if (type_has("asn") || type_has("isp")) {
    database->kind_ = Kind::kAsn;
  } else if (has_location_keys) {
    database->kind_ = Kind::kCity;
  } else if (has_asn_keys) {
    database->kind_ = Kind::kAsn;
  } else {
    return Status::InvalidArgument(
        fmt::format("geoip: {}: unknown schema (database_type \"{}\", record keys: {})", path,
                    database->database_type_, keys.empty() ? "none" : keys));
  }
  return database;
}

bool GeoIpDatabase::Lookup(std::string_view ip, event::Geo* geo) const {
  const std::optional<IpAddress> address = ParseIpAddress(ip);
  return address && Lookup(*address, geo);
}

bool GeoIpDatabase::Lookup(const IpAddress& address, event::Geo* geo) const {
  if (IsNonPublicAddress(address)) return false;
  const std::optional<uint32_t> offset = handle_->tree->Find(address);
  if (!offset) return false;
  const DataSection data(handle_->mmdb.data_section, handle_->mmdb.data_section_size);
  RecordFields fields;
  if (!ReadRecord(data, *offset, &fields)) return false;
  Commit(fields, geo);
  return true;
}

std::string GeoIpDatabase::Describe() const {
  const MMDB_metadata_s& metadata = handle_->mmdb.metadata;
  const auto build_time = static_cast<std::time_t>(metadata.build_epoch);
  std::tm build_date{};
  gmtime_r(&build_time, &build_date);
  return fmt::format("{} built {:04}-{:02}-{:02}, {} nodes, IPv{}",
                     database_type_.empty() ? "(untyped)" : database_type_,
                     build_date.tm_year + 1900, build_date.tm_mon + 1, build_date.tm_mday,
                     metadata.node_count, metadata.ip_version);
}

}  // namespace auditlog::enrich

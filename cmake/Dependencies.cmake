# Debian 12 packages only; scripts/install-deps.sh installs every one of them.
find_package(Threads REQUIRED)
find_package(simdjson 3 REQUIRED CONFIG)   # simdjson::simdjson
find_package(fmt 9 REQUIRED CONFIG)        # fmt::fmt
find_package(CLI11 2 REQUIRED CONFIG)       # CLI11::CLI11
find_package(zstd REQUIRED CONFIG)          # zstd::libzstd_shared
# No version file, and the 0.2.x C++ class is ::Roaring (no namespace).
find_package(roaring REQUIRED CONFIG)       # roaring::roaring
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)  # PkgConfig::XXHASH
find_package(OpenSSL 3 REQUIRED)            # OpenSSL::Crypto (cursor MACs), OpenSSL::SSL
find_package(yaml-cpp 0.7 REQUIRED CONFIG)  # yaml-cpp (no namespace): config file, uap-core regexes
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)                  # PkgConfig::RE2
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)   # PkgConfig::MAXMINDDB

if(AL_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED CONFIG)   # GTest::gtest_main GTest::gmock
  find_package(rapidcheck REQUIRED CONFIG)   # rapidcheck rapidcheck_gtest (no namespace)
  find_package(SQLite3 REQUIRED)             # SQLite::SQLite3: the differential tests' oracle
  find_package(CURL 7.88 REQUIRED)           # CURL::libcurl: the server tests' client
  find_package(nlohmann_json 3 REQUIRED CONFIG)  # tests read JSON answers back
  include(GoogleTest)
endif()
if(AL_BUILD_BENCH)
  find_package(benchmark 1.7 REQUIRED CONFIG)  # benchmark::benchmark
endif()

#include "server/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace auditlog::server {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

// A `serve` subcommand with its options, an environment of our choosing and
// files in the test's temporary directory.
class ServeConfigTest : public ::testing::Test {
 protected:
  // Parses `args` (after "serve") and resolves. A CLI11 parse error becomes
  // kInvalidArgument with CLI11's message, as main would print it.
  Status Run(std::vector<std::string> args) {
    AddServeOptions(serve_, &config_);
    std::vector<const char*> argv = {"serve"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    try {
      serve_.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& error) {
      return Status::InvalidArgument(error.what());
    }
    return ResolveServeConfig(
        serve_,
        [this](std::string_view name) -> std::optional<std::string> {
          auto found = env_.find(std::string(name));
          if (found == env_.end()) return std::nullopt;
          return found->second;
        },
        &config_);
  }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    const std::string path = temp_dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
    return path;
  }

  testing::TempDir temp_dir_;  // removed with its files when the test ends
  CLI::App serve_{"serve"};
  ServeConfig config_;
  std::map<std::string, std::string> env_;
};

TEST_F(ServeConfigTest, DefaultsWhenNothingIsGiven) {
  AL_ASSERT_OK(Run({}));
  EXPECT_EQ(config_.data_dir, "data");
  EXPECT_EQ(config_.listen, "127.0.0.1:8080");
  EXPECT_EQ(config_.admin_token, "");
  EXPECT_EQ(config_.master_key_file, "data/master.key");
  EXPECT_EQ(config_.io_threads, 0u);
  EXPECT_EQ(config_.body_limit_bytes, 32u << 20);
  EXPECT_EQ(config_.query_timeout_ms, 30000u);
  EXPECT_FALSE(config_.demo);
  EXPECT_TRUE(config_.access_log);
  EXPECT_EQ(config_.log_format, "json");
}

TEST_F(ServeConfigTest, FlagsAlone) {
  AL_ASSERT_OK(Run({"--data",
                    "/srv/audit",
                    "--listen",
                    "0.0.0.0:9000",
                    "--admin-token",
                    "s3cret",
                    "--tls-cert",
                    "c.pem",
                    "--tls-key",
                    "k.pem",
                    "--io-threads",
                    "3",
                    "--worker-threads",
                    "16",
                    "--body-limit-bytes",
                    "1048576",
                    "--header-timeout-seconds",
                    "5",
                    "--idle-timeout-seconds",
                    "30",
                    "--query-timeout-ms",
                    "1500",
                    "--memtable-mb",
                    "64",
                    "--cache-mb",
                    "0",
                    "--idle-flush-seconds",
                    "0",
                    "--demo",
                    "--demo-events",
                    "500",
                    "--log-format",
                    "text",
                    "--log-level",
                    "debug",
                    "--no-access-log",
                    "--master-key-file",
                    "/keys/m.key"}));
  EXPECT_EQ(config_.data_dir, "/srv/audit");
  EXPECT_EQ(config_.listen, "0.0.0.0:9000");
  EXPECT_EQ(config_.admin_token, "s3cret");
  EXPECT_EQ(config_.tls_cert, "c.pem");
  EXPECT_EQ(config_.tls_key, "k.pem");
  EXPECT_EQ(config_.io_threads, 3u);
  EXPECT_EQ(config_.worker_threads, 16u);
  EXPECT_EQ(config_.body_limit_bytes, 1048576u);
  EXPECT_EQ(config_.header_timeout_seconds, 5u);
  EXPECT_EQ(config_.idle_timeout_seconds, 30u);
  EXPECT_EQ(config_.query_timeout_ms, 1500u);
  EXPECT_EQ(config_.memtable_mb, 64u);
  EXPECT_EQ(config_.cache_mb, 0u);
  EXPECT_EQ(config_.idle_flush_seconds, 0u);
  EXPECT_TRUE(config_.demo);
  EXPECT_EQ(config_.demo_events, 500u);
  EXPECT_EQ(config_.log_format, "text");
  EXPECT_EQ(config_.log_level, "debug");
  EXPECT_FALSE(config_.access_log);
  EXPECT_EQ(config_.master_key_file, "/keys/m.key");
}

TEST_F(ServeConfigTest, DataDirFlagHasTwoSpellings) {
  AL_ASSERT_OK(Run({"--data-dir", "/var/lib/auditlog"}));
  EXPECT_EQ(config_.data_dir, "/var/lib/auditlog");
  EXPECT_EQ(config_.master_key_file, "/var/lib/auditlog/master.key");
}

TEST_F(ServeConfigTest, EnvironmentAlone) {
  env_ = {{"AUDITLOG_DATA_DIR", "/env/data"},
          {"AUDITLOG_LISTEN", "[::1]:7000"},
          {"AUDITLOG_ADMIN_TOKEN", "from-env"},
          {"AUDITLOG_IO_THREADS", "2"},
          {"AUDITLOG_DEMO", "yes"},
          {"AUDITLOG_ACCESS_LOG", "0"},
          {"AUDITLOG_BODY_LIMIT_BYTES", "2048"},
          {"AUDITLOG_LOG_LEVEL", "warn"}};
  AL_ASSERT_OK(Run({}));
  EXPECT_EQ(config_.data_dir, "/env/data");
  EXPECT_EQ(config_.listen, "[::1]:7000");
  EXPECT_EQ(config_.admin_token, "from-env");
  EXPECT_EQ(config_.io_threads, 2u);
  EXPECT_TRUE(config_.demo);
  EXPECT_FALSE(config_.access_log);
  EXPECT_EQ(config_.body_limit_bytes, 2048u);
  EXPECT_EQ(config_.log_level, "warn");
}

TEST_F(ServeConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  env_ = {{"AUDITLOG_IO_THREADS", ""}, {"AUDITLOG_LISTEN", ""}};
  AL_ASSERT_OK(Run({}));
  EXPECT_EQ(config_.io_threads, 0u);
  EXPECT_EQ(config_.listen, "127.0.0.1:8080");
}

TEST_F(ServeConfigTest, ConfigFileAlone) {
  const std::string path = WriteFile("c.yaml",
                                     "# the server\n"
                                     "data_dir: /file/data\n"
                                     "listen: \"[::]:8443\"\n"
                                     "tls_cert: cert.pem\n"
                                     "tls_key: key.pem\n"
                                     "worker_threads: 8\n"
                                     "read_threads: 3\n"
                                     "demo: true\n"
                                     "access_log: no\n"
                                     "admin_token: 0123\n");
  AL_ASSERT_OK(Run({"--config", path}));
  EXPECT_EQ(config_.config_file, path);
  EXPECT_EQ(config_.data_dir, "/file/data");
  EXPECT_EQ(config_.listen, "[::]:8443");
  EXPECT_EQ(config_.tls_cert, "cert.pem");
  EXPECT_EQ(config_.tls_key, "key.pem");
  EXPECT_EQ(config_.worker_threads, 8u);
  EXPECT_EQ(config_.read_threads, 3u);
  EXPECT_TRUE(config_.demo);
  EXPECT_FALSE(config_.access_log);
  EXPECT_EQ(config_.admin_token, "0123") << "scalars are read as written, not as numbers";
}

TEST_F(ServeConfigTest, EmptyConfigFileIsAllDefaults) {
  AL_ASSERT_OK(Run({"--config", WriteFile("e.yaml", "# nothing yet\n")}));
  EXPECT_EQ(config_.listen, "127.0.0.1:8080");
}

TEST_F(ServeConfigTest, ConfigFileFromEnvironment) {
  env_ = {{"AUDITLOG_CONFIG", WriteFile("c.yaml", "listen: 10.0.0.1:80\n")}};
  AL_ASSERT_OK(Run({}));
  EXPECT_EQ(config_.listen, "10.0.0.1:80");
}

TEST_F(ServeConfigTest, ConfigFileFlagBeatsConfigFileVariable) {
  env_ = {{"AUDITLOG_CONFIG", WriteFile("env.yaml", "listen: 10.0.0.1:80\n")}};
  const std::string flag_path = WriteFile("flag.yaml", "listen: 10.0.0.2:80\n");
  AL_ASSERT_OK(Run({"--config", flag_path}));
  EXPECT_EQ(config_.listen, "10.0.0.2:80");
  EXPECT_EQ(config_.config_file, flag_path);
}

TEST_F(ServeConfigTest, FlagsBeatEnvironmentBeatsFileBeatsDefaults) {
  const std::string path = WriteFile("c.yaml",
                                     "listen: 10.0.0.1:1\n"
                                     "io_threads: 1\n"
                                     "cache_mb: 1\n"
                                     "log_level: error\n");
  env_ = {{"AUDITLOG_LISTEN", "10.0.0.2:2"},
          {"AUDITLOG_IO_THREADS", "2"},
          {"AUDITLOG_CACHE_MB", "2"},
          {"AUDITLOG_DEMO", "true"}};
  AL_ASSERT_OK(Run({"--config", path, "--listen", "10.0.0.3:3", "--demo=false"}));
  EXPECT_EQ(config_.listen, "10.0.0.3:3");    // flag over env and file
  EXPECT_FALSE(config_.demo);                 // flag over env
  EXPECT_EQ(config_.io_threads, 2u);          // env over file
  EXPECT_EQ(config_.cache_mb, 2u);            // env over file
  EXPECT_EQ(config_.log_level, "error");      // file over default
  EXPECT_EQ(config_.memtable_mb, 128u);       // default
  EXPECT_EQ(config_.idle_flush_seconds, 2u);  // default
}

TEST_F(ServeConfigTest, UnknownConfigKeyNamesFileAndLine) {
  const std::string path = WriteFile("c.yaml",
                                     "data_dir: d\n"
                                     "\n"
                                     "lisen: 0.0.0.0:1\n");
  EXPECT_THAT(Run({"--config", path}),
              StatusIs(StatusCode::kInvalidArgument,
                       "config file " + path + ": line 3: unknown option \"lisen\""));
}

TEST_F(ServeConfigTest, DashedConfigKeySuggestsUnderscore) {
  const std::string path = WriteFile("c.yaml", "data-dir: d\n");
  EXPECT_THAT(Run({"--config", path}),
              StatusIs(StatusCode::kInvalidArgument,
                       "config file " + path +
                           ": line 1: unknown option \"data-dir\" (did you mean \"data_dir\"?)"));
}

TEST_F(ServeConfigTest, BadConfigFileValues) {
  struct Case {
    std::string yaml;
    std::string message;  // after "config file PATH: "
  };
  const std::vector<Case> cases = {
      {"io_threads: abc\n", "line 1: io_threads: not a number: \"abc\""},
      {"demo: 1\nio_threads: -1\n", "line 2: io_threads: not a number: \"-1\""},
      {"io_threads: 0x10\n", "line 1: io_threads: not a number: \"0x10\""},
      {"io_threads: 5000\n", "line 1: io_threads: 5000 is out of range: must be between 0 and 256"},
      {"demo: maybe\n", "line 1: demo: not a boolean (true/false, yes/no, 1/0): \"maybe\""},
      {"log_format: xml\n", "line 1: log_format: must be \"json\" or \"text\", got \"xml\""},
      {"log_level: trace\n",
       "line 1: log_level: must be \"debug\", \"info\", \"warn\" or \"error\", got \"trace\""},
      {"listen:\n", "line 1: listen: no value"},
      {"listen: [::1]:8080\n",
       "line 1: end of map not found (quote values that start with '[' or '{')"},
      {"listen: [a, b]\n",
       "line 1: listen: expected a single value, not a list (quote values that start with '[' or "
       "'{')"},
      {"listen: {a: b}\n",
       "line 1: listen: expected a single value, not a mapping (quote values that start with '[' "
       "or '{')"},
      {"listen: 1.2.3.4:8080\nlisten: 1.2.3.4:8081\n",
       "line 2: listen given twice (first on line 1)"},
      {"data_dir: \"\"\n", "line 1: data_dir: must not be empty"},
      {"- listen\n", "line 1: expected option: value lines"},
      {"listen: x\ndemo: [1,\n", "line 3: end of sequence flow not found"},
      {"listen: x\n\tdemo: 1\n", "line 2: illegal tab when looking for indentation"},
  };
  for (const Case& test_case : cases) {
    CLI::App serve("serve");
    ServeConfig config;
    AddServeOptions(serve, &config);
    const std::string path = WriteFile("bad.yaml", test_case.yaml);
    const char* argv[] = {"serve", "--config", path.c_str()};
    serve.parse(3, argv);
    const Status status = ResolveServeConfig(
        serve, [](std::string_view) { return std::nullopt; }, &config);
    EXPECT_THAT(status, StatusIs(StatusCode::kInvalidArgument,
                                 "config file " + path + ": " + test_case.message))
        << test_case.yaml;
  }
}

TEST_F(ServeConfigTest, MissingConfigFile) {
  EXPECT_THAT(Run({"--config", "/nonexistent/auditlog.yaml"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "config file /nonexistent/auditlog.yaml: cannot read: No such file or "
                       "directory"));
}

TEST_F(ServeConfigTest, BadEnvironmentValuesNameTheVariable) {
  env_ = {{"AUDITLOG_IO_THREADS", "abc"}};
  EXPECT_THAT(Run({}),
              StatusIs(StatusCode::kInvalidArgument, "AUDITLOG_IO_THREADS: not a number: \"abc\""));
}

TEST_F(ServeConfigTest, BadEnvironmentValueIsReportedEvenWhenAFlagOverridesIt) {
  env_ = {{"AUDITLOG_QUERY_TIMEOUT_MS", "0"}};
  EXPECT_THAT(Run({"--query-timeout-ms", "10"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "AUDITLOG_QUERY_TIMEOUT_MS: 0 is out of range: must be between 1 and "
                       "3600000"));
}

TEST_F(ServeConfigTest, BadFileValueIsReportedEvenWhenOverridden) {
  const std::string path = WriteFile("c.yaml", "memtable_mb: lots\n");
  EXPECT_THAT(Run({"--config", path, "--memtable-mb", "10"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "config file " + path + ": line 1: memtable_mb: not a number: \"lots\""));
}

TEST_F(ServeConfigTest, BadFlagValuesAreRejectedByTheParser) {
  EXPECT_THAT(Run({"--io-threads", "-1"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a number: \"-1\"")));
}

TEST_F(ServeConfigTest, BadFlagRange) {
  EXPECT_THAT(Run({"--body-limit-bytes", "18446744073709551616"}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("18446744073709551616 is out of range: must be between 1024 and "
                                 "4294967296")));
}

TEST_F(ServeConfigTest, BadFlagListen) {
  EXPECT_THAT(Run({"--listen", "localhost"}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("missing port in \"localhost\": expected HOST:PORT")));
}

TEST_F(ServeConfigTest, AdminTokenFileIsReadAndTrimmed) {
  const std::string path = WriteFile("token", "t0ken-from-file\r\n\n");
  AL_ASSERT_OK(Run({"--admin-token-file", path}));
  EXPECT_EQ(config_.admin_token, "t0ken-from-file");
  EXPECT_EQ(config_.admin_token_file, path);
}

TEST_F(ServeConfigTest, AdminTokenAndTokenFileConflict) {
  const std::string path = WriteFile("token", "abc\n");
  env_ = {{"AUDITLOG_ADMIN_TOKEN_FILE", path}};
  EXPECT_THAT(Run({"--admin-token", "xyz"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "admin_token (from --admin-token) and admin_token_file (from "
                       "AUDITLOG_ADMIN_TOKEN_FILE) are both set: give one"));
}

TEST_F(ServeConfigTest, AdminTokenConflictNamesTheConfigFileLine) {
  const std::string path = WriteFile("c.yaml", "listen: 1.2.3.4:5\nadmin_token: abc\n");
  EXPECT_THAT(Run({"--config", path, "--admin-token-file", WriteFile("token", "x")}),
              StatusIs(StatusCode::kInvalidArgument,
                       "admin_token (from config file " + path +
                           ": line 2) and admin_token_file (from --admin-token-file) are both "
                           "set: give one"));
}

TEST_F(ServeConfigTest, AdminTokenFileProblems) {
  const std::string empty = WriteFile("empty", "\n");
  EXPECT_THAT(
      Run({"--admin-token-file", empty}),
      StatusIs(StatusCode::kInvalidArgument,
               "admin_token_file (from --admin-token-file): " + empty + ": the file is empty"));
}

TEST_F(ServeConfigTest, AdminTokenFileMissing) {
  EXPECT_THAT(Run({"--admin-token-file", "/nonexistent/token"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "admin_token_file (from --admin-token-file): /nonexistent/token: cannot "
                       "read: No such file or directory"));
}

TEST_F(ServeConfigTest, AdminTokenFileWithInnerSpace) {
  const std::string path = WriteFile("spaced", "two words\n");
  EXPECT_THAT(Run({"--admin-token-file", path}),
              StatusIs(StatusCode::kInvalidArgument,
                       "admin_token_file (from --admin-token-file): " + path +
                           ": the token contains a space or control character"));
}

TEST_F(ServeConfigTest, AdminTokenValueIsNeverEchoed) {
  env_ = {{"AUDITLOG_ADMIN_TOKEN", "secret value"}};
  const Status status = Run({});
  EXPECT_THAT(status, StatusIs(StatusCode::kInvalidArgument,
                               "AUDITLOG_ADMIN_TOKEN: contains a space or control character"));
}

TEST_F(ServeConfigTest, PublicUrlIsASchemeAndAuthority) {
  AL_ASSERT_OK(Run({"--public-url", "https://logs.example.com:8443/"}));
  EXPECT_EQ(config_.public_url, "https://logs.example.com:8443/");
}

TEST_F(ServeConfigTest, PublicUrlFromTheEnvironment) {
  env_ = {{"AUDITLOG_PUBLIC_URL", "http://[::1]:8080"}};
  AL_ASSERT_OK(Run({}));
  EXPECT_EQ(config_.public_url, "http://[::1]:8080");
}

TEST_F(ServeConfigTest, PublicUrlWithoutASchemeIsRefused) {
  EXPECT_THAT(Run({"--public-url", "logs.example.com"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("must start with https://")));
}

TEST_F(ServeConfigTest, PublicUrlWithAPathIsRefused) {
  EXPECT_THAT(Run({"--public-url", "https://logs.example.com/audit"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no path")));
}

TEST_F(ServeConfigTest, TlsNeedsBothFiles) {
  EXPECT_THAT(Run({"--tls-cert", "c.pem"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "tls_cert (from --tls-cert) is set but tls_key is not: give both or "
                       "neither"));
}

TEST_F(ServeConfigTest, TlsKeyAloneFromEnvironment) {
  env_ = {{"AUDITLOG_TLS_KEY", "k.pem"}};
  EXPECT_THAT(Run({}), StatusIs(StatusCode::kInvalidArgument,
                                "tls_key (from AUDITLOG_TLS_KEY) is set but tls_cert is not: give "
                                "both or neither"));
}

TEST_F(ServeConfigTest, TlsPairFromTwoSources) {
  env_ = {{"AUDITLOG_TLS_KEY", "k.pem"}};
  AL_ASSERT_OK(Run({"--tls-cert", "c.pem"}));
  EXPECT_EQ(config_.tls_cert, "c.pem");
  EXPECT_EQ(config_.tls_key, "k.pem");
}

TEST_F(ServeConfigTest, HelpNamesEveryOptionItsVariableAndKey) {
  AddServeOptions(serve_, &config_);
  const std::string help = serve_.help();
  const std::vector<std::pair<std::string, std::string>> options = {
      {"--data", "data_dir"},
      {"--data-dir", "data_dir"},
      {"--listen", "listen"},
      {"--admin-token", "admin_token"},
      {"--admin-token-file", "admin_token_file"},
      {"--master-key-file", "master_key_file"},
      {"--tls-cert", "tls_cert"},
      {"--tls-key", "tls_key"},
      {"--io-threads", "io_threads"},
      {"--worker-threads", "worker_threads"},
      {"--read-threads", "read_threads"},
      {"--body-limit-bytes", "body_limit_bytes"},
      {"--header-timeout-seconds", "header_timeout_seconds"},
      {"--idle-timeout-seconds", "idle_timeout_seconds"},
      {"--max-requests-in-flight", "max_requests_in_flight"},
      {"--query-timeout-ms", "query_timeout_ms"},
      {"--memtable-mb", "memtable_mb"},
      {"--cache-mb", "cache_mb"},
      {"--idle-flush-seconds", "idle_flush_seconds"},
      {"--demo", "demo"},
      {"--demo-events", "demo_events"},
      {"--log-format", "log_format"},
      {"--log-level", "log_level"},
      {"--access-log", "access_log"},
      {"--no-access-log", "access_log"},
  };
  for (const auto& [flag, key] : options) {
    std::string env_name = "AUDITLOG_";
    for (const char c : key) env_name.push_back(static_cast<char>(std::toupper(c)));
    EXPECT_THAT(help, HasSubstr(flag)) << flag;
    EXPECT_THAT(help, HasSubstr("[env " + env_name + ", config key " + key + "]")) << flag;
  }
  EXPECT_THAT(help, HasSubstr("--config"));
  EXPECT_THAT(help, HasSubstr("[env AUDITLOG_CONFIG]"));
}

TEST_F(ServeConfigTest, EnrichmentDefaults) {
  AL_ASSERT_OK(Run({}));
  EXPECT_TRUE(config_.geoip_db.empty());
  EXPECT_EQ(config_.uap_regexes, "/usr/share/uap-core/regexes.yaml");
  EXPECT_EQ(config_.geoip_check_seconds, 60u);
}

TEST_F(ServeConfigTest, GeoIpDatabaseFlagRepeats) {
  AL_ASSERT_OK(Run({"--geoip-db", "city.mmdb", "--geoip-db", "asn.mmdb"}));
  EXPECT_EQ(config_.geoip_db, (std::vector<std::string>{"city.mmdb", "asn.mmdb"}));
}

TEST_F(ServeConfigTest, GeoIpDatabasesFromTheEnvironmentAreCommaSeparated) {
  env_["AUDITLOG_GEOIP_DB"] = "city.mmdb, asn.mmdb";  // spaces around items are dropped
  env_["AUDITLOG_UAP_REGEXES"] = "none";
  AL_ASSERT_OK(Run({}));
  EXPECT_EQ(config_.geoip_db, (std::vector<std::string>{"city.mmdb", "asn.mmdb"}));
  EXPECT_EQ(config_.uap_regexes, "none");
}

TEST_F(ServeConfigTest, AnEmptyItemInAListIsAnError) {
  env_["AUDITLOG_GEOIP_DB"] = "city.mmdb,,asn.mmdb";
  EXPECT_THAT(Run({}), StatusIs(StatusCode::kInvalidArgument,
                                HasSubstr("AUDITLOG_GEOIP_DB: an empty item in the list")));
}

TEST_F(ServeConfigTest, GeoIpDatabasesFromTheFileAsAList) {
  const std::string list = WriteFile("list.yaml", "geoip_db:\n  - city.mmdb\n  - asn.mmdb\n");
  AL_ASSERT_OK(Run({"--config", list}));
  EXPECT_EQ(config_.geoip_db, (std::vector<std::string>{"city.mmdb", "asn.mmdb"}));
}

TEST_F(ServeConfigTest, GeoIpDatabaseFromTheFileAsAScalar) {
  AL_ASSERT_OK(Run({"--config", WriteFile("scalar.yaml", "geoip_db: city.mmdb\n")}));
  EXPECT_EQ(config_.geoip_db, (std::vector<std::string>{"city.mmdb"}));
}

TEST_F(ServeConfigTest, GeoIpDatabaseFlagReplacesTheFilesList) {
  const std::string list = WriteFile("list.yaml", "geoip_db: [city.mmdb, asn.mmdb]\n");
  AL_ASSERT_OK(Run({"--config", list, "--geoip-db", "other.mmdb"}));
  EXPECT_EQ(config_.geoip_db, (std::vector<std::string>{"other.mmdb"}));
}

TEST_F(ServeConfigTest, GeoIpDatabaseListOfMappingsIsAnError) {
  EXPECT_THAT(
      Run({"--config", WriteFile("nested.yaml", "geoip_db:\n  - {a: b}\n")}),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("geoip_db: expected a list of file names")));
}

TEST(ParseListenAddress, Forms) {
  struct Case {
    std::string text;
    std::string host;
    uint16_t port;
  };
  for (const Case& test_case : std::vector<Case>{{"127.0.0.1:8080", "127.0.0.1", 8080},
                                                 {"0.0.0.0:0", "0.0.0.0", 0},
                                                 {"localhost:65535", "localhost", 65535},
                                                 {"[::1]:8080", "::1", 8080},
                                                 {"[::]:443", "::", 443},
                                                 {"[fe80::1%eth0]:9", "fe80::1%eth0", 9}}) {
    AL_ASSERT_OK_AND_ASSIGN(const ListenAddress address, ParseListenAddress(test_case.text));
    EXPECT_EQ(address.host, test_case.host) << test_case.text;
    EXPECT_EQ(address.port, test_case.port) << test_case.text;
  }
}

TEST(ParseListenAddress, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"8080", "listen: missing port in \"8080\": expected HOST:PORT"},
      {"localhost:", "listen: missing port in \"localhost:\""},
      {"[::1]", "listen: missing port in \"[::1]\": expected [HOST]:PORT"},
      {"[::1:80", "listen: missing ']' in \"[::1:80\""},
      {"1.2.3.4:65536", "listen: port 65536 is out of range: must be between 0 and 65535"},
      {"1.2.3.4:99999999999999999999999",
       "listen: port 99999999999999999999999 is out of range: must be between 0 and 65535"},
      {"1.2.3.4:http", "listen: port is not a number: \"http\""},
      {"1.2.3.4:-1", "listen: port is not a number: \"-1\""},
      {"::1:8080", "listen: IPv6 addresses go in brackets: \"[::1]:8080\", not \"::1:8080\""},
      {":8080", "listen: missing host in \":8080\": use 0.0.0.0:8080 for every IPv4 interface"},
      {"[]:80", "listen: not an IPv6 address: \"\""},
      {"[1.2.3.4]:80", "listen: not an IPv6 address: \"1.2.3.4\""},
      {"300.1.1.1:80", "listen: not an IPv4 address: \"300.1.1.1\""},
      {"bad host:80", "listen: not a host name: \"bad host\""},
      {"", "listen: missing port in \"\": expected HOST:PORT"},
  };
  for (const auto& [text, message] : cases) {
    EXPECT_THAT(ParseListenAddress(text), StatusIs(StatusCode::kInvalidArgument, message)) << text;
  }
}

}  // namespace
}  // namespace auditlog::server

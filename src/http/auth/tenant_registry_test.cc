#include "http/auth/tenant_registry.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "storage/atomic_file.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace auditlog::http {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr std::string_view kDir = "/data/auth";
constexpr std::string_view kStatePath = "/data/auth/auth.json";
constexpr std::string_view kMasterKeyPath = "/data/auth/master.key";
constexpr int64_t kStartMicros = 1'740'787'200'000'000;

constexpr uint32_t kReadWrite =
    static_cast<uint32_t>(Scope::kEventsWrite) | static_cast<uint32_t>(Scope::kEventsRead);

std::string ReadRaw(env::FileSystem& fs, std::string_view path) {
  auto file = fs.OpenForRead(std::string(path));
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return "";
  std::string bytes;
  EXPECT_TRUE((*file)->Read(0, 1 << 20, &bytes).ok());
  return bytes;
}

void WriteRaw(env::FileSystem& fs, std::string_view path, std::string_view bytes) {
  auto file = fs.NewWritableFile(std::string(path));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append(bytes).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(fs.SyncDir(env::DirName(path)).ok());
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// The state file's contents (inside its atomic-file frame).
std::string StateJson(env::FileSystem& fs) {
  auto contents = storage::ReadAtomicFile(fs, std::string(kDir), "auth.json");
  EXPECT_TRUE(contents.ok() && contents->has_value()) << contents.status();
  return contents.ok() && contents->has_value() ? **contents : "";
}

// Replaces the first occurrence of `from` in the state file with `to`, keeping
// a valid frame: damage the frame check would not catch.
void EditStateJson(env::FileSystem& fs, std::string_view from, std::string_view to) {
  std::string json = StateJson(fs);
  const size_t at = json.find(from);
  ASSERT_NE(at, std::string::npos) << from << " in " << json;
  json.replace(at, from.size(), to);
  ASSERT_TRUE(storage::ReplaceFileAtomically(fs, std::string(kDir), "auth.json", json).ok());
}

class TenantRegistryTest : public ::testing::Test {
 protected:
  TenantRegistryOptions Options() {
    TenantRegistryOptions options;
    options.dir = std::string(kDir);
    options.fs = &fs_;
    options.clock = &clock_;
    options.random = &random_;
    return options;
  }

  std::unique_ptr<TenantRegistry> OpenRegistry() {
    auto registry = TenantRegistry::Open(Options());
    EXPECT_TRUE(registry.ok()) << registry.status();
    return registry.ok() ? std::move(registry).value() : nullptr;
  }

  env::MemFileSystem fs_;
  ManualClock clock_{kStartMicros};
  SeededRandom random_{42};
};

TEST(TenantIds, EachRuleIsNamed) {
  AL_EXPECT_OK(ValidateTenantId("acme"));
  AL_EXPECT_OK(ValidateTenantId("0"));
  AL_EXPECT_OK(ValidateTenantId("Acme.eu-west_1"));
  AL_EXPECT_OK(ValidateTenantId(std::string(64, 'a')));

  EXPECT_THAT(ValidateTenantId(""), StatusIs(StatusCode::kInvalidArgument, "tenant id: empty"));
  EXPECT_THAT(ValidateTenantId("*"),
              StatusIs(StatusCode::kInvalidArgument,
                       "tenant id: \"*\" means all tenants and cannot name one"));
  EXPECT_THAT(ValidateTenantId(std::string(65, 'a')),
              StatusIs(StatusCode::kInvalidArgument, "tenant id: 65 bytes; at most 64"));
  for (const char* id : {".acme", "-acme", "_acme", "*acme"}) {
    EXPECT_THAT(ValidateTenantId(id), StatusIs(StatusCode::kInvalidArgument,
                                               "tenant id: must start with a letter or digit"))
        << id;
  }
  EXPECT_THAT(ValidateTenantId("ac/me"),
              StatusIs(StatusCode::kInvalidArgument,
                       "tenant id: byte 0x2f at offset 2 is not one of A-Z a-z 0-9 . _ -"));
  EXPECT_THAT(ValidateTenantId("a b"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("byte 0x20 at offset 1")));
  EXPECT_THAT(ValidateTenantId(std::string("a\0b", 3)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("byte 0x00 at offset 1")));
  EXPECT_THAT(ValidateTenantId("caf\xc3\xa9"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("byte 0xc3 at offset 3")));
  EXPECT_THAT(ValidateTenantId("a*"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("byte 0x2a at offset 1")));
}

TEST(Scopes, NamesAndMasks) {
  EXPECT_EQ(ScopeName(Scope::kEventsWrite), "events:write");
  EXPECT_EQ(ScopeName(Scope::kEventsRead), "events:read");
  EXPECT_EQ(ScopeName(Scope::kStatsRead), "stats:read");
  EXPECT_EQ(ScopeName(Scope::kIntegrityRead), "integrity:read");

  EXPECT_EQ(ParseScopes({"events:read", "events:write", "events:read"}).value(), kReadWrite);
  EXPECT_EQ(ParseScopes({"integrity:read", "stats:read", "events:read", "events:write"}).value(),
            kAllScopes);
  EXPECT_THAT(ParseScopes({}), StatusIs(StatusCode::kInvalidArgument, "scopes: empty"));
  EXPECT_THAT(ParseScopes({"events:read", "events:delete"}),
              StatusIs(StatusCode::kInvalidArgument, "scopes: unknown scope \"events:delete\""));
  EXPECT_THAT(ParseScopes({"Events:Read"}),
              StatusIs(StatusCode::kInvalidArgument, "scopes: unknown scope \"Events:Read\""));
  EXPECT_THAT(ParseScopes({""}),
              StatusIs(StatusCode::kInvalidArgument, "scopes: unknown scope \"\""));

  EXPECT_THAT(ScopeNames(kAllScopes),
              ElementsAre("events:write", "events:read", "stats:read", "integrity:read"));
  EXPECT_THAT(ScopeNames(static_cast<uint32_t>(Scope::kStatsRead) | 64), ElementsAre("stats:read"));
  EXPECT_TRUE(ScopeNames(0).empty());

  const Principal principal{"acme", static_cast<uint32_t>(Scope::kEventsRead), "k"};
  EXPECT_TRUE(principal.Has(Scope::kEventsRead));
  EXPECT_FALSE(principal.Has(Scope::kEventsWrite));
}

TEST_F(TenantRegistryTest, CreatesAndListsTenantsSortedById) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  EXPECT_TRUE(registry->Tenants().empty());

  AL_ASSERT_OK_AND_ASSIGN(const TenantInfo globex, registry->CreateTenant("globex", std::nullopt));
  clock_.AdvanceMicros(5);
  AL_ASSERT_OK_AND_ASSIGN(const TenantInfo acme, registry->CreateTenant("acme", 365));
  EXPECT_EQ(globex, (TenantInfo{"globex", std::nullopt, kStartMicros}));
  EXPECT_EQ(acme, (TenantInfo{"acme", 365, kStartMicros + 5}));

  EXPECT_THAT(registry->Tenants(), ElementsAre(acme, globex));
  EXPECT_EQ(registry->FindTenant("acme"), acme);
  EXPECT_EQ(registry->FindTenant("initech"), std::nullopt);
}

TEST_F(TenantRegistryTest, RefusesDuplicatesBadIdsAndBadRetention) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", 30));
  EXPECT_THAT(registry->CreateTenant("acme", std::nullopt),
              StatusIs(StatusCode::kAlreadyExists, "tenant acme: already exists"));
  EXPECT_EQ(registry->FindTenant("acme")->retention_days, 30u) << "the first one is kept";

  EXPECT_THAT(registry->CreateTenant("*", std::nullopt),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("all tenants")));
  EXPECT_THAT(registry->CreateTenant("../etc", std::nullopt),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("start with a letter or digit")));
  EXPECT_THAT(registry->CreateTenant("initech", 0),
              StatusIs(StatusCode::kInvalidArgument,
                       "retention_days: 0 is outside 1..36500 (leave it out to keep events "
                       "forever)"));
  EXPECT_THAT(registry->CreateTenant("initech", kMaxRetentionDays + 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("36501 is outside")));
  AL_EXPECT_OK(registry->CreateTenant("initech", kMaxRetentionDays));
  EXPECT_EQ(registry->Tenants().size(), 2u);
}

TEST_F(TenantRegistryTest, EnsureTenantCreatesOnlyOnce) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", 7));
  EXPECT_EQ(registry->EnsureTenant("acme").value(), false);
  EXPECT_EQ(registry->FindTenant("acme")->retention_days, 7u) << "an existing tenant is unchanged";
  EXPECT_EQ(registry->EnsureTenant("globex").value(), true);
  EXPECT_EQ(registry->EnsureTenant("globex").value(), false);
  EXPECT_EQ(registry->FindTenant("globex"), (TenantInfo{"globex", std::nullopt, kStartMicros}));
  EXPECT_THAT(registry->EnsureTenant("*"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("*")));
  EXPECT_THAT(registry->EnsureTenant(""),
              StatusIs(StatusCode::kInvalidArgument, "tenant id: empty"));
  EXPECT_EQ(registry->Tenants().size(), 2u);
}

TEST_F(TenantRegistryTest, KeysAreCreatedAuthenticatedAndRevoked) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  AL_ASSERT_OK_AND_ASSIGN(const NewKey writer, registry->CreateKey("acme", kReadWrite));
  clock_.AdvanceMicros(1);
  AL_ASSERT_OK_AND_ASSIGN(const NewKey stats,
                          registry->CreateKey("acme", static_cast<uint32_t>(Scope::kStatsRead)));

  EXPECT_THAT(writer.key, MatchesRegex("al_[a-z2-7]{16}_[A-Za-z0-9_-]{43}"));
  EXPECT_THAT(writer.info.id, MatchesRegex("[a-z2-7]{16}"));
  EXPECT_EQ(writer.key.substr(3, 16), writer.info.id);
  EXPECT_NE(writer.key, stats.key);
  EXPECT_EQ(writer.info, (KeyInfo{writer.info.id, "acme", kReadWrite, kStartMicros, false}));

  AL_ASSERT_OK_AND_ASSIGN(const Principal principal, registry->Authenticate(writer.key));
  EXPECT_EQ(principal.tenant, "acme");
  EXPECT_EQ(principal.scopes, kReadWrite);
  EXPECT_EQ(principal.key_id, writer.info.id);
  EXPECT_TRUE(principal.Has(Scope::kEventsWrite));
  EXPECT_FALSE(principal.Has(Scope::kStatsRead));

  AL_ASSERT_OK_AND_ASSIGN(auto secret, registry->SecretOf(stats.info.id));
  EXPECT_EQ(secret.second, stats.key);
  EXPECT_EQ(secret.first.scopes, static_cast<uint32_t>(Scope::kStatsRead));
  EXPECT_EQ(secret.first.tenant, "acme");
  AL_ASSERT_OK_AND_ASSIGN(const Principal live, registry->PrincipalOf(stats.info.id));
  EXPECT_EQ(live.tenant, "acme");
  EXPECT_EQ(live.key_id, stats.info.id);
  EXPECT_EQ(live.scopes, static_cast<uint32_t>(Scope::kStatsRead));

  EXPECT_THAT(registry->Keys("acme"), ElementsAre(writer.info, stats.info));
  EXPECT_TRUE(registry->Keys("globex").empty());

  AL_ASSERT_OK(registry->RevokeKey("acme", writer.info.id));
  EXPECT_THAT(registry->Authenticate(writer.key),
              StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
  EXPECT_THAT(registry->SecretOf(writer.info.id),
              StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
  EXPECT_THAT(registry->PrincipalOf(writer.info.id),
              StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
  EXPECT_THAT(registry->PrincipalOf("unknownkeyid0000"),
              StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
  AL_EXPECT_OK(registry->Authenticate(stats.key)) << "other keys are untouched";
  AL_EXPECT_OK(registry->RevokeKey("acme", writer.info.id)) << "revoking twice is harmless";

  KeyInfo revoked = writer.info;
  revoked.revoked = true;
  EXPECT_THAT(registry->Keys("acme"), ElementsAre(revoked, stats.info));
}

TEST_F(TenantRegistryTest, CreateKeyRefusesUnknownTenantAndBadScopes) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  EXPECT_THAT(registry->CreateKey("globex", kReadWrite),
              StatusIs(StatusCode::kNotFound, "tenant globex: not found"));
  EXPECT_THAT(registry->CreateKey("bad/id", kReadWrite),
              StatusIs(StatusCode::kNotFound, "tenant (invalid id): not found"));
  EXPECT_THAT(registry->CreateKey("acme", 0),
              StatusIs(StatusCode::kInvalidArgument, "scopes: empty"));
  EXPECT_THAT(registry->CreateKey("acme", kAllScopes | 16),
              StatusIs(StatusCode::kInvalidArgument, "scopes: unknown scope bits 0x10"));
  EXPECT_TRUE(registry->Keys("acme").empty());
}

TEST_F(TenantRegistryTest, AnotherTenantsKeyCannotBeRevokedAndLooksUnknown) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  AL_ASSERT_OK(registry->CreateTenant("globex", std::nullopt));
  AL_ASSERT_OK_AND_ASSIGN(const NewKey acme_key, registry->CreateKey("acme", kReadWrite));

  const Status through_globex = registry->RevokeKey("globex", acme_key.info.id);
  EXPECT_THAT(through_globex, StatusIs(StatusCode::kNotFound, "api key " + acme_key.info.id +
                                                                  ": not found in tenant globex"));
  const std::string unknown_id = "aaaaaaaaaaaaaaaa";
  EXPECT_THAT(
      registry->RevokeKey("globex", unknown_id),
      StatusIs(StatusCode::kNotFound, "api key " + unknown_id + ": not found in tenant globex"));
  EXPECT_THAT(registry->RevokeKey("initech", acme_key.info.id),
              StatusIs(StatusCode::kNotFound, HasSubstr("not found in tenant initech")));
  EXPECT_THAT(registry->RevokeKey("acme", "../../x\r\n"),
              StatusIs(StatusCode::kNotFound, "api key: not found in tenant acme"));

  AL_EXPECT_OK(registry->Authenticate(acme_key.key));
  EXPECT_FALSE(registry->Keys("acme")[0].revoked);
  EXPECT_TRUE(registry->Keys("globex").empty());
}

TEST_F(TenantRegistryTest, MalformedAndWrongBearerKeysAreAllRejectedAlike) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  AL_ASSERT_OK_AND_ASSIGN(const NewKey created, registry->CreateKey("acme", kReadWrite));
  const std::string& key = created.key;

  std::string wrong_secret = key;
  wrong_secret.back() = wrong_secret.back() == 'A' ? 'B' : 'A';
  std::string wrong_first_secret_char = key;
  wrong_first_secret_char[20] = wrong_first_secret_char[20] == 'A' ? 'B' : 'A';
  std::string wrong_prefix = key;
  wrong_prefix[0] = 'b';
  std::string wrong_separator = key;
  wrong_separator[19] = '-';
  std::string unknown_id = key;
  unknown_id[3] = unknown_id[3] == 'a' ? 'b' : 'a';
  std::string no_underscores = key;
  for (char& c : no_underscores) {
    if (c == '_') c = 'x';
  }

  for (const std::string& bad :
       {std::string(), std::string("al_"), std::string("al__"), no_underscores,
        key.substr(0, key.size() - 1), key + "A", key + " ", " " + key, "Bearer " + key,
        key.substr(0, 20), wrong_secret, wrong_first_secret_char, wrong_prefix, wrong_separator,
        unknown_id, std::string(key.size(), 'a'), std::string(key.size(), '\0')}) {
    EXPECT_THAT(registry->Authenticate(bad),
                StatusIs(StatusCode::kUnauthenticated, "invalid API key"))
        << "[" << bad << "]";
  }
  AL_EXPECT_OK(registry->Authenticate(key));
  EXPECT_THAT(registry->SecretOf(""), StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
  EXPECT_THAT(registry->SecretOf(key), StatusIs(StatusCode::kUnauthenticated, "invalid API key"))
      << "the whole key is not an id";
  EXPECT_THAT(registry->SecretOf(unknown_id.substr(3, 16)),
              StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
}

TEST_F(TenantRegistryTest, ReopenKeepsTenantsKeysAndRevocations) {
  NewKey live, revoked;
  std::vector<TenantInfo> tenants;
  std::vector<KeyInfo> acme_keys;
  {
    auto registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    AL_ASSERT_OK(registry->CreateTenant("acme", 90));
    AL_ASSERT_OK(registry->CreateTenant("globex", std::nullopt));
    AL_ASSERT_OK_AND_ASSIGN(live, registry->CreateKey("acme", kReadWrite));
    AL_ASSERT_OK_AND_ASSIGN(revoked, registry->CreateKey("acme", kAllScopes));
    AL_ASSERT_OK(registry->CreateKey("globex", static_cast<uint32_t>(Scope::kIntegrityRead)));
    AL_ASSERT_OK(registry->RevokeKey("acme", revoked.info.id));
    tenants = registry->Tenants();
    acme_keys = registry->Keys("acme");
  }
  EXPECT_EQ(fs_.UnsyncedBytes(), 0u) << "every change is durable when it returns";
  fs_.SimulateCrash(env::CrashMode::kDropUnsynced);

  auto reopened = OpenRegistry();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Tenants(), tenants);
  EXPECT_EQ(reopened->Keys("acme"), acme_keys);
  ASSERT_EQ(reopened->Keys("globex").size(), 1u);
  EXPECT_EQ(reopened->Keys("globex")[0].scopes, static_cast<uint32_t>(Scope::kIntegrityRead));
  AL_ASSERT_OK_AND_ASSIGN(const Principal principal, reopened->Authenticate(live.key));
  EXPECT_EQ(principal.tenant, "acme");
  EXPECT_EQ(principal.scopes, kReadWrite);
  EXPECT_THAT(reopened->Authenticate(revoked.key),
              StatusIs(StatusCode::kUnauthenticated, "invalid API key"));
  EXPECT_EQ(reopened->SecretOf(live.info.id)->second, live.key);

  // And it goes on working: a change after reopening is kept too.
  AL_ASSERT_OK(reopened->RevokeKey("acme", live.info.id));
  reopened.reset();
  auto third = OpenRegistry();
  ASSERT_NE(third, nullptr);
  EXPECT_THAT(third->Authenticate(live.key), StatusIs(StatusCode::kUnauthenticated, _));
}

TEST_F(TenantRegistryTest, StateFileNeverHoldsAKeyInPlainText) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  std::vector<NewKey> keys;
  for (int key_idx = 0; key_idx < 3; ++key_idx) {
    AL_ASSERT_OK_AND_ASSIGN(NewKey key, registry->CreateKey("acme", kReadWrite));
    keys.push_back(std::move(key));
  }
  AL_ASSERT_OK(registry->RevokeKey("acme", keys[2].info.id));

  const std::string raw = ReadRaw(fs_, kStatePath);
  const std::string master_key = ReadRaw(fs_, kMasterKeyPath);
  ASSERT_EQ(master_key.size(), 32u);
  EXPECT_EQ(raw.find(master_key), std::string::npos);
  for (const NewKey& key : keys) {
    const std::string secret = key.key.substr(20);
    ASSERT_EQ(secret.size(), 43u);
    EXPECT_EQ(raw.find(secret), std::string::npos) << key.info.id;
    EXPECT_EQ(raw.find(secret.substr(0, 16)), std::string::npos) << "not even a part";
    EXPECT_NE(raw.find(key.info.id), std::string::npos) << "ids are not secret";
  }
  // Live keys are sealed; the revoked one is not kept at all.
  const std::string json = StateJson(fs_);
  size_t sealed_count = 0;
  for (size_t at = json.find("\"sealed\""); at != std::string::npos;
       at = json.find("\"sealed\"", at + 1))
    ++sealed_count;
  EXPECT_EQ(sealed_count, 2u);
}

TEST_F(TenantRegistryTest, WrongMasterKeyIsRefused) {
  {
    auto registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
    AL_ASSERT_OK(registry->CreateKey("acme", kReadWrite));
  }
  WriteRaw(fs_, kMasterKeyPath, std::string(32, 'x'));
  EXPECT_THAT(TenantRegistry::Open(Options()),
              StatusIs(StatusCode::kCorruption,
                       "/data/auth/auth.json: written under another master key than "
                       "/data/auth/master.key"));
}

TEST_F(TenantRegistryTest, WrongMasterKeyIsRefusedEvenWithoutKeys) {
  ASSERT_NE(OpenRegistry(), nullptr);
  TenantRegistryOptions options = Options();
  options.master_key_file = "/elsewhere/other.key";
  AL_ASSERT_OK(fs_.CreateDirs("/elsewhere"));
  WriteRaw(fs_, "/elsewhere/other.key", std::string(64, 'a'));
  EXPECT_THAT(TenantRegistry::Open(options),
              StatusIs(StatusCode::kCorruption, HasSubstr("another master key")));
}

TEST_F(TenantRegistryTest, MissingMasterKeyIsNotReplacedWhenStateExists) {
  ASSERT_NE(OpenRegistry(), nullptr);
  AL_ASSERT_OK(fs_.Remove(std::string(kMasterKeyPath)));
  EXPECT_THAT(
      TenantRegistry::Open(Options()),
      StatusIs(StatusCode::kNotFound, HasSubstr("master key file /data/auth/master.key: missing")));
  EXPECT_FALSE(fs_.Exists(std::string(kMasterKeyPath)));
}

TEST_F(TenantRegistryTest, DamagedStateFileIsRefused) {
  {
    auto registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
    AL_ASSERT_OK(registry->CreateKey("acme", kReadWrite));
  }
  std::string raw = ReadRaw(fs_, kStatePath);
  raw[raw.size() / 2] ^= 0x01;
  WriteRaw(fs_, kStatePath, raw);
  EXPECT_THAT(TenantRegistry::Open(Options()),
              StatusIs(StatusCode::kCorruption, "/data/auth/auth.json: checksum mismatch"));
  WriteRaw(fs_, kStatePath, raw.substr(0, 10));
  EXPECT_THAT(TenantRegistry::Open(Options()),
              StatusIs(StatusCode::kCorruption, HasSubstr("bad header")));
}

TEST_F(TenantRegistryTest, WellFramedButInvalidStateIsRefused) {
  NewKey first, second;
  {
    auto registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
    AL_ASSERT_OK_AND_ASSIGN(first, registry->CreateKey("acme", kReadWrite));
    AL_ASSERT_OK_AND_ASSIGN(second, registry->CreateKey("acme", kReadWrite));
  }
  const std::string good = StateJson(fs_);
  const auto expect_refused = [&](std::string_view from, std::string_view to,
                                  std::string_view message) {
    ASSERT_TRUE(storage::ReplaceFileAtomically(fs_, std::string(kDir), "auth.json", good).ok());
    EditStateJson(fs_, from, to);
    EXPECT_THAT(TenantRegistry::Open(Options()),
                StatusIs(StatusCode::kCorruption, HasSubstr(message)))
        << from << " -> " << to;
  };
  expect_refused("{", "[", "not a JSON object");
  expect_refused("\"version\": 1", "\"version\": 2", "format version 2; this server reads 1");
  expect_refused("\"id\": \"acme\"", "\"id\": \"a/b\"", "tenants[0]: tenant id: byte 0x2f");
  expect_refused("\"tenant\": \"acme\"", "\"tenant\": \"globex\"", "keys[0]: unknown tenant");
  expect_refused("\"events:write\"", "\"events:delete\"", "keys[0]: scopes: unknown scope");
  expect_refused("\"revoked\": false", "\"revoked\": 0", "keys[0]: no revoked flag");

  // A sealed key moved to another id does not decrypt: the id is authenticated data.
  const size_t first_sealed = good.find("\"sealed\": \"");
  const size_t second_sealed = good.find("\"sealed\": \"", first_sealed + 1);
  ASSERT_NE(second_sealed, std::string::npos);
  const std::string first_value =
      good.substr(first_sealed, good.find('}', first_sealed) - first_sealed);
  const std::string second_value =
      good.substr(second_sealed, good.find('}', second_sealed) - second_sealed);
  expect_refused(first_value, second_value, "keys[0]: does not decrypt under the master key");
  // Nor does one whose scopes or creation time were edited: they are bound too.
  expect_refused("\"scopes\": [\"events:write\", \"events:read\"]",
                 "\"scopes\": [\"events:write\", \"events:read\", \"stats:read\"]",
                 "keys[0]: does not decrypt under the master key");
  // One flipped character of the ciphertext.
  std::string flipped = first_value;
  flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
  expect_refused(first_value, flipped, "keys[0]: does not decrypt under the master key");

  // The untouched file still opens.
  ASSERT_TRUE(storage::ReplaceFileAtomically(fs_, std::string(kDir), "auth.json", good).ok());
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_EXPECT_OK(registry->Authenticate(first.key));
  AL_EXPECT_OK(registry->Authenticate(second.key));
}

TEST_F(TenantRegistryTest, MasterKeyFileForms) {
  TenantRegistryOptions options = Options();
  options.master_key_file = "/keys/master.key";
  const std::string raw_key(32, '\x07');
  const std::string hex_key = std::string(64, 'a');  // 32 bytes of 0xaa

  ASSERT_TRUE(fs_.CreateDirs("/keys").ok());
  WriteRaw(fs_, options.master_key_file, raw_key);
  {
    AL_ASSERT_OK_AND_ASSIGN(auto registry, TenantRegistry::Open(options));
    EXPECT_EQ(registry->DeriveKey("cursor"), HmacSha256(raw_key, "cursor"));
  }
  for (const std::string& hex :
       {hex_key, hex_key + "\n", hex_key + "\r\n", std::string(64, 'A') + "\n"}) {
    WriteRaw(fs_, options.master_key_file, hex);
    AL_ASSERT_OK(fs_.Remove(std::string(kStatePath)));  // written under the previous key
    AL_ASSERT_OK_AND_ASSIGN(auto registry, TenantRegistry::Open(options));
    EXPECT_EQ(registry->DeriveKey("jwt"), HmacSha256(std::string(32, '\xaa'), "jwt"));
  }
  for (const std::string& bad : {std::string(31, 'x'), std::string(33, 'x'), raw_key + "\n",
                                 std::string(), std::string(65, 'a'), hex_key + "\n\n"}) {
    WriteRaw(fs_, options.master_key_file, bad);
    EXPECT_THAT(TenantRegistry::Open(options),
                StatusIs(StatusCode::kInvalidArgument,
                         fmt::format("master key file /keys/master.key: {} bytes; expected 32 "
                                     "raw bytes or 64 hex digits",
                                     bad.size())));
  }
  WriteRaw(fs_, options.master_key_file, std::string(63, 'a') + "g");
  EXPECT_THAT(TenantRegistry::Open(options),
              StatusIs(StatusCode::kInvalidArgument,
                       "master key file /keys/master.key: 64 characters that are not all hex "
                       "digits; expected 32 raw bytes or 64 hex digits"));
  WriteRaw(fs_, options.master_key_file, std::string(1 << 20, 'a'));
  EXPECT_THAT(TenantRegistry::Open(options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("1048576 bytes")));
}

TEST_F(TenantRegistryTest, DeriveKeyIsStableAcrossReopenAndPerPurpose) {
  std::string cursor_key, jwt_key;
  {
    auto registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    cursor_key = registry->DeriveKey("cursor");
    jwt_key = registry->DeriveKey("jwt");
  }
  EXPECT_EQ(cursor_key.size(), 32u);
  EXPECT_EQ(jwt_key.size(), 32u);
  EXPECT_NE(cursor_key, jwt_key);
  EXPECT_EQ(cursor_key, HmacSha256(ReadRaw(fs_, kMasterKeyPath), "cursor"));

  auto reopened = OpenRegistry();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->DeriveKey("cursor"), cursor_key);
  EXPECT_EQ(reopened->DeriveKey("jwt"), jwt_key);

  // Another server (another master key) derives other keys.
  env::MemFileSystem other_fs;
  TenantRegistryOptions other = Options();
  other.fs = &other_fs;
  SeededRandom other_random(43);
  other.random = &other_random;
  AL_ASSERT_OK_AND_ASSIGN(auto other_registry, TenantRegistry::Open(other));
  EXPECT_NE(other_registry->DeriveKey("cursor"), cursor_key);
}

TEST_F(TenantRegistryTest, SecondRegistryOnTheSameDirectoryIsRefused) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  EXPECT_THAT(TenantRegistry::Open(Options()), StatusIs(StatusCode::kUnavailable, _));
  registry.reset();
  EXPECT_NE(OpenRegistry(), nullptr);
}

TEST_F(TenantRegistryTest, FailedWriteChangesNothing) {
  env::FaultInjectionFileSystem faulty(fs_);
  TenantRegistryOptions options = Options();
  options.fs = &faulty;
  AL_ASSERT_OK_AND_ASSIGN(auto registry, TenantRegistry::Open(options));
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  AL_ASSERT_OK_AND_ASSIGN(const NewKey key, registry->CreateKey("acme", kReadWrite));

  faulty.FailAfter(1);
  EXPECT_THAT(registry->CreateTenant("globex", std::nullopt), StatusIs(StatusCode::kIOError, _));
  EXPECT_THAT(registry->EnsureTenant("globex"), StatusIs(StatusCode::kIOError, _));
  EXPECT_THAT(registry->CreateKey("acme", kReadWrite), StatusIs(StatusCode::kIOError, _));
  EXPECT_THAT(registry->RevokeKey("acme", key.info.id), StatusIs(StatusCode::kIOError, _));
  EXPECT_EQ(registry->FindTenant("globex"), std::nullopt);
  EXPECT_EQ(registry->Keys("acme").size(), 1u);
  AL_EXPECT_OK(registry->Authenticate(key.key)) << "the failed revocation did not take effect";

  faulty.Heal();
  AL_EXPECT_OK(registry->CreateTenant("globex", std::nullopt));
  AL_EXPECT_OK(registry->RevokeKey("acme", key.info.id));
  EXPECT_THAT(registry->Authenticate(key.key), StatusIs(StatusCode::kUnauthenticated, _));
}

TEST_F(TenantRegistryTest, AuthenticateRunsConcurrentlyWithChanges) {
  auto registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
  AL_ASSERT_OK_AND_ASSIGN(const NewKey stable, registry->CreateKey("acme", kReadWrite));

  constexpr int kReaders = 3;
  constexpr int kKeysCreated = 40;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> authentications{0};
  std::vector<std::thread> readers;
  for (int reader_idx = 0; reader_idx < kReaders; ++reader_idx) {
    readers.emplace_back([&] {
      std::string wrong = stable.key;
      wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
      while (!done.load()) {
        auto principal = registry->Authenticate(stable.key);
        if (!principal.ok() || principal->tenant != "acme") failures.fetch_add(1);
        if (registry->Authenticate(wrong).ok()) failures.fetch_add(1);
        if (registry->Keys("acme").empty()) failures.fetch_add(1);
        authentications.fetch_add(1);
      }
    });
  }
  std::vector<NewKey> created;
  for (int key_idx = 0; key_idx < kKeysCreated; ++key_idx) {
    auto key = registry->CreateKey("acme", kAllScopes);
    if (!key.ok()) {
      ADD_FAILURE() << key.status();
      break;  // not ASSERT: the readers must still be joined
    }
    AL_EXPECT_OK(registry->Authenticate(key->key)) << "usable as soon as CreateKey returns";
    if (key_idx % 4 == 0) {
      AL_EXPECT_OK(registry->RevokeKey("acme", key->info.id));
    }
    AL_EXPECT_OK(registry->EnsureTenant(fmt::format("tenant-{}", key_idx % 5)));
    created.push_back(std::move(key).value());
  }
  // Let the readers overlap at least some of the changes on a busy machine.
  while (authentications.load() < 100) std::this_thread::yield();
  done.store(true);
  for (std::thread& reader : readers) reader.join();

  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(created.size(), static_cast<size_t>(kKeysCreated));
  EXPECT_EQ(registry->Keys("acme").size(), 1u + kKeysCreated);
  for (int key_idx = 0; key_idx < kKeysCreated; ++key_idx) {
    EXPECT_EQ(registry->Authenticate(created[key_idx].key).ok(), key_idx % 4 != 0) << key_idx;
  }
}

TEST(TenantRegistryPosix, CreatesMasterKeyOwnerOnlyAndReopens) {
  const testing::TempDir temp;
  ASSERT_FALSE(temp.path().empty());
  const std::string dir = temp.path() + "/auth";
  NewKey key;
  {
    TenantRegistryOptions options;
    options.dir = dir;
    AL_ASSERT_OK_AND_ASSIGN(auto registry, TenantRegistry::Open(options));
    AL_ASSERT_OK(registry->CreateTenant("acme", std::nullopt));
    AL_ASSERT_OK_AND_ASSIGN(key, registry->CreateKey("acme", kReadWrite));
    EXPECT_THAT(TenantRegistry::Open(options), StatusIs(StatusCode::kUnavailable, _))
        << "the directory is locked while open";
  }
  struct stat info;
  ASSERT_EQ(::stat((dir + "/master.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  {
    TenantRegistryOptions options;
    options.dir = dir;
    AL_ASSERT_OK_AND_ASSIGN(auto registry, TenantRegistry::Open(options));
    AL_EXPECT_OK(registry->Authenticate(key.key));
  }
}

}  // namespace
}  // namespace auditlog::http

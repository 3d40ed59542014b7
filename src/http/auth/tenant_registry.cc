#include "http/auth/tenant_registry.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <span>

#include "common/base64.h"
#include "storage/atomic_file.h"

namespace auditlog::http {
namespace {

constexpr std::string_view kStateFileName = "auth.json";
constexpr std::string_view kLockFileName = "auth.lock";
constexpr std::string_view kDefaultMasterKeyName = "master.key";
constexpr int kStateVersion = 1;

constexpr size_t kMasterKeyBytes = 32;
constexpr uint64_t kMaxMasterKeyFileBytes = 4096;

// `al_` + 16-character id + `_` + 43-character secret.
constexpr std::string_view kKeyPrefix = "al_";
constexpr size_t kKeyIdChars = 16;
constexpr size_t kKeyIdRandomBytes = 10;  // 80 bits: exactly 16 base32 characters
constexpr size_t kSecretRandomBytes = 32;
constexpr size_t kSecretChars = 43;  // 32 bytes in unpadded base64url
constexpr size_t kKeyIdOffset = kKeyPrefix.size();
constexpr size_t kSecretSeparatorOffset = kKeyIdOffset + kKeyIdChars;
constexpr size_t kKeyChars = kSecretSeparatorOffset + 1 + kSecretChars;

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kSealedBytes = kNonceBytes + kKeyChars + kTagBytes;

constexpr size_t kMaxTenantIdBytes = 64;
constexpr size_t kMasterKeyCheckBytes = 16;
// A DeriveKey purpose no caller uses: the check value stored in the state file.
constexpr std::string_view kMasterKeyCheckPurpose = "auth.json master key check";

constexpr std::string_view kInvalidKeyMessage = "invalid API key";

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct ScopeEntry {
  Scope scope;
  std::string_view name;
};
constexpr std::array<ScopeEntry, 4> kScopes = {{
    {Scope::kEventsWrite, "events:write"},
    {Scope::kEventsRead, "events:read"},
    {Scope::kStatsRead, "stats:read"},
    {Scope::kIntegrityRead, "integrity:read"},
}};

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32[(buffer >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

// What a sealed key is bound to (its authenticated data): moving it to
// another id or tenant, or widening its scopes in the state file, makes it
// fail to decrypt.
std::string KeyBinding(const KeyInfo& info) {
  return fmt::format("{}|{}|{}|{}", info.id, info.tenant, info.scopes, info.created_at_micros);
}

bool IsKeyId(std::string_view text) {
  if (text.size() != kKeyIdChars) return false;
  for (char c : text) {
    if (kBase32.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// A key string in the shape CreateKey makes (it says nothing about whether
// the key exists).
bool IsWellFormedKey(std::string_view key) {
  if (key.size() != kKeyChars || key.substr(0, kKeyPrefix.size()) != kKeyPrefix ||
      key[kSecretSeparatorOffset] != '_')
    return false;
  if (!IsKeyId(key.substr(kKeyIdOffset, kKeyIdChars))) return false;
  for (char c : key.substr(kSecretSeparatorOffset + 1)) {
    if (kBase64Url.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// How a tenant id from a request is named in a message: echoed only when valid.
std::string_view DescribeTenant(std::string_view tenant) {
  return ValidateTenantId(tenant).ok() ? tenant : std::string_view("(invalid id)");
}

// How an unknown key id is named in a message: ids are not secret, but the
// text came from a request, so only an id-shaped one is echoed.
std::string DescribeKeyId(std::string_view key_id) {
  return IsKeyId(key_id) ? fmt::format("api key {}", key_id) : std::string("api key");
}

std::string RandomBytes(Random& random, size_t count) {
  std::string bytes(count, '\0');
  random.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
  return bytes;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// AES-256-GCM: nonce | ciphertext | tag, with `associated` authenticated too.
Result<std::string> Seal(std::string_view master_key, std::string_view nonce,
                         std::string_view associated, std::string_view plaintext) {
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string out(nonce);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* cipher_out = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  int length = 0;
  if (context == nullptr ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(context.get(), nullptr, nullptr, Bytes(master_key), Bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(associated),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_EncryptUpdate(context.get(), cipher_out, &length, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), cipher_out + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          cipher_out + plaintext.size()) != 1) {
    return Status::Internal("api key: AES-256-GCM encryption failed");
  }
  return out;
}

// The plaintext of Seal's output, or nullopt when it does not authenticate
// under `master_key` and `associated`.
std::optional<std::string> Unseal(std::string_view master_key, std::string_view associated,
                                  std::string_view sealed) {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  const std::string_view nonce = sealed.substr(0, kNonceBytes);
  const std::string_view ciphertext =
      sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));  // the ctrl call takes non-const
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string plaintext(ciphertext.size(), '\0');
  auto* plain_out = reinterpret_cast<unsigned char*>(plaintext.data());
  int length = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, Bytes(master_key), Bytes(nonce)) != 1 ||
      EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(associated),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_DecryptUpdate(context.get(), plain_out, &length, Bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(context.get(), plain_out + length, &length) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fmt::format_to(std::back_inserter(*out), "\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 32 raw bytes, or 64 hex digits and an optional line ending.
Result<std::string> ParseMasterKey(const std::string& path, std::string_view contents) {
  if (contents.size() == kMasterKeyBytes) return std::string(contents);
  std::string_view text = contents;
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  const auto invalid = [&](std::string_view what) {
    return Status::InvalidArgument(
        fmt::format("master key file {}: {}; expected 32 raw bytes or 64 hex digits", path, what));
  };
  if (text.size() != 2 * kMasterKeyBytes) return invalid(fmt::format("{} bytes", contents.size()));
  std::string key;
  for (size_t offset = 0; offset < text.size(); offset += 2) {
    const int high = HexValue(text[offset]);
    const int low = HexValue(text[offset + 1]);
    if (high < 0 || low < 0) return invalid("64 characters that are not all hex digits");
    key.push_back(static_cast<char>(high * 16 + low));
  }
  return key;
}

Result<std::optional<std::string>> ReadMasterKeyFile(env::FileSystem& fs, const std::string& path) {
  auto file = fs.OpenForRead(path);
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return file.status();
  }
  AL_ASSIGN_OR_RETURN(const uint64_t size, (*file)->Size());
  if (size > kMaxMasterKeyFileBytes) {
    return Status::InvalidArgument(fmt::format(
        "master key file {}: {} bytes; expected 32 raw bytes or 64 hex digits", path, size));
  }
  std::string contents;
  AL_RETURN_IF_ERROR((*file)->Read(0, static_cast<size_t>(size), &contents));
  Result<std::string> key = ParseMasterKey(path, contents);
  OPENSSL_cleanse(contents.data(), contents.size());
  if (!key.ok()) return key.status();
  return std::optional<std::string>(std::move(key).value());
}

Status ErrnoStatus(std::string_view what, const std::string& path, int error_number) {
  return Status::IOError(fmt::format("{} {}: {}", what, path, std::strerror(error_number)));
}

// The FileSystem interface has no modes, so on the real file system the key
// is written with POSIX calls to be created 0600 from the first byte on.
Status WritePosixMasterKey(const std::string& path, std::string_view key) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create master key file", path, errno);
  Status status;
  // The umask can only remove bits from 0600, never add; this pins it exactly.
  if (::fchmod(fd, 0600) != 0) status = ErrnoStatus("chmod master key file", path, errno);
  size_t written = 0;
  while (status.ok() && written < key.size()) {
    const ssize_t result = ::write(fd, key.data() + written, key.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus("write master key file", path, errno);
    } else {
      written += static_cast<size_t>(result);
    }
  }
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoStatus("sync master key file", path, errno);
  if (::close(fd) != 0 && status.ok()) status = ErrnoStatus("close master key file", path, errno);
  // A partial key would be read back as a wrong one on the next start.
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

Status WriteMasterKey(env::FileSystem& fs, bool real_file_system, const std::string& path,
                      std::string_view key) {
  if (real_file_system) {
    AL_RETURN_IF_ERROR(WritePosixMasterKey(path, key));
  } else {
    AL_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
    AL_RETURN_IF_ERROR(file->Append(key));
    AL_RETURN_IF_ERROR(file->Sync());
    AL_RETURN_IF_ERROR(file->Close());
  }
  return fs.SyncDir(env::DirName(path));
}

}  // namespace

std::string_view ScopeName(Scope scope) {
  for (const ScopeEntry& entry : kScopes) {
    if (entry.scope == scope) return entry.name;
  }
  return "unknown";
}

Result<uint32_t> ParseScopes(const std::vector<std::string>& names) {
  if (names.empty()) return Status::InvalidArgument("scopes: empty");
  uint32_t mask = 0;
  for (const std::string& name : names) {
    uint32_t bit = 0;
    for (const ScopeEntry& entry : kScopes) {
      if (entry.name == name) bit = static_cast<uint32_t>(entry.scope);
    }
    if (bit == 0) {
      constexpr size_t kMaxEchoedBytes = 64;
      const std::string_view shown = std::string_view(name).substr(0, kMaxEchoedBytes);
      return Status::InvalidArgument(fmt::format("scopes: unknown scope \"{}{}\"", shown,
                                                 name.size() > kMaxEchoedBytes ? "..." : ""));
    }
    mask |= bit;
  }
  return mask;
}

std::vector<std::string> ScopeNames(uint32_t mask) {
  std::vector<std::string> names;
  for (const ScopeEntry& entry : kScopes) {
    if ((mask & static_cast<uint32_t>(entry.scope)) != 0) names.emplace_back(entry.name);
  }
  return names;
}

Status ValidateTenantId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("tenant id: empty");
  if (id == "*") {
    return Status::InvalidArgument("tenant id: \"*\" means all tenants and cannot name one");
  }
  if (id.size() > kMaxTenantIdBytes) {
    return Status::InvalidArgument(
        fmt::format("tenant id: {} bytes; at most {}", id.size(), kMaxTenantIdBytes));
  }
  for (size_t offset = 0; offset < id.size(); ++offset) {
    const unsigned char c = static_cast<unsigned char>(id[offset]);
    const bool alphanumeric =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (offset == 0 && !alphanumeric) {
      return Status::InvalidArgument("tenant id: must start with a letter or digit");
    }
    if (!alphanumeric && c != '.' && c != '_' && c != '-') {
      return Status::InvalidArgument(fmt::format(
          "tenant id: byte 0x{:02x} at offset {} is not one of A-Z a-z 0-9 . _ -", c, offset));
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<TenantRegistry>> TenantRegistry::Open(TenantRegistryOptions options) {
  if (options.dir.empty()) return Status::InvalidArgument("tenant registry: dir is empty");
  if (options.master_key_file.empty()) {
    options.master_key_file = env::JoinPath(options.dir, kDefaultMasterKeyName);
  }
  const bool real_file_system = options.fs == nullptr || options.fs == &env::PosixFileSystem();
  if (options.fs == nullptr) options.fs = &env::PosixFileSystem();
  if (options.clock == nullptr) options.clock = &SystemClock();
  if (options.random == nullptr) options.random = &SecureRandom();
  env::FileSystem& fs = *options.fs;

  AL_RETURN_IF_ERROR(fs.CreateDirs(options.dir));
  // Two registries writing one state file would each drop the other's changes.
  AL_ASSIGN_OR_RETURN(auto lock, fs.Lock(env::JoinPath(options.dir, kLockFileName)));
  AL_ASSIGN_OR_RETURN(std::optional<std::string> contents,
                      storage::ReadAtomicFile(fs, options.dir, std::string(kStateFileName)));
  AL_ASSIGN_OR_RETURN(std::optional<std::string> master_key,
                      ReadMasterKeyFile(fs, options.master_key_file));
  if (!master_key) {
    if (contents) {
      return Status::NotFound(fmt::format(
          "master key file {}: missing, but {} exists and was written under it; restore the "
          "file (a new master key would invalidate every API key)",
          options.master_key_file, env::JoinPath(options.dir, kStateFileName)));
    }
    master_key = RandomBytes(*options.random, kMasterKeyBytes);
    AL_RETURN_IF_ERROR(fs.CreateDirs(env::DirName(options.master_key_file)));
    AL_RETURN_IF_ERROR(WriteMasterKey(fs, real_file_system, options.master_key_file, *master_key));
  }

  std::unique_ptr<TenantRegistry> registry(
      new TenantRegistry(std::move(options), std::move(*master_key), std::move(lock)));
  std::lock_guard write_lock(registry->write_mu_);
  if (contents) {
    AL_ASSIGN_OR_RETURN(State state, registry->Load(*contents));
    std::lock_guard state_lock(registry->state_mu_);
    registry->state_ = std::make_shared<const State>(std::move(state));
  } else {
    // Written at once so that the master key check is on disk from the start.
    AL_RETURN_IF_ERROR(registry->Commit(State()));
  }
  return registry;
}

TenantRegistry::TenantRegistry(TenantRegistryOptions options, std::string master_key,
                               std::unique_ptr<env::FileLock> lock)
    : options_(std::move(options)),
      master_key_(std::move(master_key)),
      lock_(std::move(lock)),
      state_(std::make_shared<const State>()) {}

TenantRegistry::~TenantRegistry() { OPENSSL_cleanse(master_key_.data(), master_key_.size()); }

TenantRegistry::KeyRecord::~KeyRecord() { OPENSSL_cleanse(key.data(), key.size()); }

std::string TenantRegistry::DeriveKey(std::string_view purpose) const {
  return HmacSha256(master_key_, purpose);
}

std::string TenantRegistry::MasterKeyCheck() const {
  return Base64UrlEncode(DeriveKey(kMasterKeyCheckPurpose).substr(0, kMasterKeyCheckBytes));
}

Result<TenantRegistry::State> TenantRegistry::Load(std::string_view contents) const {
  const std::string file = env::JoinPath(options_.dir, kStateFileName);
  const auto corrupt = [&](std::string_view what) {
    return Status::Corruption(fmt::format("{}: {}", file, what));
  };
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(contents.data(), contents.size()).get(root) != simdjson::SUCCESS) {
    return corrupt("not a JSON object");
  }
  int64_t version = 0;
  if (root["version"].get(version) != simdjson::SUCCESS) return corrupt("no version");
  if (version != kStateVersion) {
    return corrupt(fmt::format("format version {}; this server reads {}", version, kStateVersion));
  }
  std::string_view check;
  if (root["master_key_check"].get(check) != simdjson::SUCCESS) {
    return corrupt("no master_key_check");
  }
  if (check != MasterKeyCheck()) {
    return corrupt(
        fmt::format("written under another master key than {}", options_.master_key_file));
  }

  State state;
  simdjson::dom::array tenants;
  if (root["tenants"].get(tenants) != simdjson::SUCCESS) return corrupt("no tenants array");
  size_t index = 0;
  for (simdjson::dom::element element : tenants) {
    const auto bad = [&](std::string_view what) {
      return corrupt(fmt::format("tenants[{}]: {}", index, what));
    };
    TenantRecord record;
    std::string_view id;
    simdjson::dom::element retention;
    if (element["id"].get(id) != simdjson::SUCCESS) return bad("no id");
    if (Status valid = ValidateTenantId(id); !valid.ok()) return bad(valid.message());
    record.info.id = std::string(id);
    if (element["retention_days"].get(retention) != simdjson::SUCCESS) {
      return bad("no retention_days");
    }
    if (!retention.is_null()) {
      uint64_t days = 0;
      if (retention.get(days) != simdjson::SUCCESS || days < 1 || days > kMaxRetentionDays) {
        return bad("retention_days out of range");
      }
      record.info.retention_days = static_cast<uint32_t>(days);
    }
    if (element["created_at_micros"].get(record.info.created_at_micros) != simdjson::SUCCESS) {
      return bad("no created_at_micros");
    }
    if (!state.tenants.emplace(record.info.id, std::move(record)).second) {
      return bad("duplicate id");
    }
    ++index;
  }

  simdjson::dom::array keys;
  if (root["keys"].get(keys) != simdjson::SUCCESS) return corrupt("no keys array");
  index = 0;
  for (simdjson::dom::element element : keys) {
    const auto bad = [&](std::string_view what) {
      return corrupt(fmt::format("keys[{}]: {}", index, what));
    };
    KeyRecord record;
    std::string_view id, tenant, sealed_text;
    simdjson::dom::array scopes;
    if (element["id"].get(id) != simdjson::SUCCESS || !IsKeyId(id)) return bad("bad id");
    record.info.id = std::string(id);
    if (element["tenant"].get(tenant) != simdjson::SUCCESS) return bad("no tenant");
    auto owner = state.tenants.find(tenant);
    if (owner == state.tenants.end()) return bad("unknown tenant");
    record.info.tenant = std::string(tenant);
    if (element["scopes"].get(scopes) != simdjson::SUCCESS) return bad("no scopes array");
    std::vector<std::string> scope_names;
    for (simdjson::dom::element scope : scopes) {
      std::string_view name;
      if (scope.get(name) != simdjson::SUCCESS) return bad("a scope that is not a string");
      scope_names.emplace_back(name);
    }
    Result<uint32_t> mask = ParseScopes(scope_names);
    if (!mask.ok()) return bad(mask.status().message());
    record.info.scopes = *mask;
    if (element["created_at_micros"].get(record.info.created_at_micros) != simdjson::SUCCESS) {
      return bad("no created_at_micros");
    }
    if (element["revoked"].get(record.info.revoked) != simdjson::SUCCESS) {
      return bad("no revoked flag");
    }
    if (!record.info.revoked) {
      if (element["sealed"].get(sealed_text) != simdjson::SUCCESS ||
          !Base64UrlDecode(sealed_text, &record.sealed) || record.sealed.size() != kSealedBytes) {
        return bad("no sealed key of the expected size");
      }
      std::optional<std::string> key = Unseal(master_key_, KeyBinding(record.info), record.sealed);
      if (!key) return bad("does not decrypt under the master key");
      if (!IsWellFormedKey(*key) || key->substr(kKeyIdOffset, kKeyIdChars) != record.info.id) {
        return bad("decrypts to a key of another shape or id");
      }
      record.key = std::move(*key);
    }
    owner->second.key_ids.push_back(record.info.id);
    if (!state.keys.emplace(record.info.id, std::move(record)).second) {
      return bad("duplicate id");
    }
    ++index;
  }
  return state;
}

std::string TenantRegistry::Serialize(const State& state) const {
  std::string out;
  fmt::format_to(std::back_inserter(out),
                 "{{\n  \"version\": {},\n  \"master_key_check\": ", kStateVersion);
  AppendJsonString(&out, MasterKeyCheck());
  out.append(",\n  \"tenants\": [");
  const char* separator = "\n    ";
  for (const auto& [id, tenant] : state.tenants) {
    out.append(separator);
    separator = ",\n    ";
    out.append("{\"id\": ");
    AppendJsonString(&out, id);
    out.append(", \"retention_days\": ");
    out.append(tenant.info.retention_days ? std::to_string(*tenant.info.retention_days) : "null");
    fmt::format_to(std::back_inserter(out), ", \"created_at_micros\": {}}}",
                   tenant.info.created_at_micros);
  }
  out.append("\n  ],\n  \"keys\": [");
  separator = "\n    ";
  // Tenant by tenant, each in creation order: the order Load rebuilds.
  for (const auto& [tenant_id, tenant] : state.tenants) {
    for (const std::string& key_id : tenant.key_ids) {
      const KeyRecord& record = state.keys.find(key_id)->second;
      out.append(separator);
      separator = ",\n    ";
      out.append("{\"id\": ");
      AppendJsonString(&out, key_id);
      out.append(", \"tenant\": ");
      AppendJsonString(&out, tenant_id);
      out.append(", \"scopes\": [");
      const char* scope_separator = "";
      for (const std::string& name : ScopeNames(record.info.scopes)) {
        out.append(scope_separator);
        scope_separator = ", ";
        AppendJsonString(&out, name);
      }
      fmt::format_to(std::back_inserter(out), "], \"created_at_micros\": {}, \"revoked\": {}",
                     record.info.created_at_micros, record.info.revoked);
      if (!record.info.revoked) {
        out.append(", \"sealed\": ");
        AppendJsonString(&out, Base64UrlEncode(record.sealed));
      }
      out.push_back('}');
    }
  }
  out.append("\n  ]\n}\n");
  return out;
}

Status TenantRegistry::Commit(State next) {
  AL_RETURN_IF_ERROR(storage::ReplaceFileAtomically(*options_.fs, options_.dir,
                                                    std::string(kStateFileName), Serialize(next)));
  std::shared_ptr<const State> published = std::make_shared<const State>(std::move(next));
  {
    std::lock_guard state_lock(state_mu_);
    state_.swap(published);
  }
  return Status::OK();  // `published`, now the old state, is released outside the lock
}

std::shared_ptr<const TenantRegistry::State> TenantRegistry::Snapshot() const {
  std::lock_guard state_lock(state_mu_);
  return state_;
}

Result<TenantInfo> TenantRegistry::CreateTenantLocked(std::string_view id,
                                                      std::optional<uint32_t> retention_days) {
  const std::shared_ptr<const State> current = Snapshot();
  if (current->tenants.contains(id)) {
    return Status::AlreadyExists(fmt::format("tenant {}: already exists", id));
  }
  State next = *current;
  TenantRecord record;
  record.info.id = std::string(id);
  record.info.retention_days = retention_days;
  record.info.created_at_micros = options_.clock->NowMicros();
  TenantInfo info = record.info;
  next.tenants.emplace(record.info.id, std::move(record));
  AL_RETURN_IF_ERROR(Commit(std::move(next)));
  return info;
}

Result<TenantInfo> TenantRegistry::CreateTenant(std::string_view id,
                                                std::optional<uint32_t> retention_days) {
  AL_RETURN_IF_ERROR(ValidateTenantId(id));
  if (retention_days && (*retention_days < 1 || *retention_days > kMaxRetentionDays)) {
    return Status::InvalidArgument(
        fmt::format("retention_days: {} is outside 1..{} (leave it out to keep events forever)",
                    *retention_days, kMaxRetentionDays));
  }
  std::lock_guard write_lock(write_mu_);
  return CreateTenantLocked(id, retention_days);
}

Result<bool> TenantRegistry::EnsureTenant(std::string_view id) {
  AL_RETURN_IF_ERROR(ValidateTenantId(id));
  if (FindTenant(id)) return false;  // the common case, without waiting behind a change
  std::lock_guard write_lock(write_mu_);
  if (Snapshot()->tenants.contains(id)) return false;
  AL_RETURN_IF_ERROR(CreateTenantLocked(id, std::nullopt).status());
  return true;
}

std::optional<TenantInfo> TenantRegistry::FindTenant(std::string_view id) const {
  const std::shared_ptr<const State> state = Snapshot();
  auto it = state->tenants.find(id);
  if (it == state->tenants.end()) return std::nullopt;
  return it->second.info;
}

std::vector<TenantInfo> TenantRegistry::Tenants() const {
  const std::shared_ptr<const State> state = Snapshot();
  std::vector<TenantInfo> tenants;
  tenants.reserve(state->tenants.size());
  for (const auto& [id, record] : state->tenants) tenants.push_back(record.info);
  return tenants;
}

Result<NewKey> TenantRegistry::CreateKey(std::string_view tenant, uint32_t scopes) {
  if (scopes == 0) return Status::InvalidArgument("scopes: empty");
  if ((scopes & ~kAllScopes) != 0) {
    return Status::InvalidArgument(
        fmt::format("scopes: unknown scope bits 0x{:x}", scopes & ~kAllScopes));
  }
  std::lock_guard write_lock(write_mu_);
  const std::shared_ptr<const State> current = Snapshot();
  if (!current->tenants.contains(tenant)) {
    return Status::NotFound(fmt::format("tenant {}: not found", DescribeTenant(tenant)));
  }
  std::string key_id;
  do {
    key_id = Base32Encode(RandomBytes(*options_.random, kKeyIdRandomBytes));
  } while (current->keys.contains(key_id));  // 80 random bits: practically never repeats
  std::string secret = RandomBytes(*options_.random, kSecretRandomBytes);
  NewKey created;
  created.key = fmt::format("{}{}_{}", kKeyPrefix, key_id, Base64UrlEncode(secret));
  OPENSSL_cleanse(secret.data(), secret.size());
  created.info.id = key_id;
  created.info.tenant = std::string(tenant);
  created.info.scopes = scopes;
  created.info.created_at_micros = options_.clock->NowMicros();

  KeyRecord record;
  record.info = created.info;
  record.key = created.key;
  AL_ASSIGN_OR_RETURN(record.sealed, Seal(master_key_, RandomBytes(*options_.random, kNonceBytes),
                                          KeyBinding(record.info), created.key));
  State next = *current;
  next.tenants.find(tenant)->second.key_ids.push_back(key_id);
  next.keys.emplace(key_id, std::move(record));
  AL_RETURN_IF_ERROR(Commit(std::move(next)));
  return created;
}

Status TenantRegistry::RevokeKey(std::string_view tenant, std::string_view key_id) {
  std::lock_guard write_lock(write_mu_);
  const std::shared_ptr<const State> current = Snapshot();
  auto it = current->keys.find(key_id);
  if (it == current->keys.end() || it->second.info.tenant != tenant) {
    // The same words whether the id is unknown or another tenant's.
    return Status::NotFound(
        fmt::format("{}: not found in tenant {}", DescribeKeyId(key_id), DescribeTenant(tenant)));
  }
  if (it->second.info.revoked) return Status::OK();
  State next = *current;
  KeyRecord& record = next.keys.find(key_id)->second;
  record.info.revoked = true;
  OPENSSL_cleanse(record.key.data(), record.key.size());
  record.key.clear();
  record.sealed.clear();
  return Commit(std::move(next));
}

std::vector<KeyInfo> TenantRegistry::Keys(std::string_view tenant) const {
  const std::shared_ptr<const State> state = Snapshot();
  std::vector<KeyInfo> keys;
  auto it = state->tenants.find(tenant);
  if (it == state->tenants.end()) return keys;
  keys.reserve(it->second.key_ids.size());
  for (const std::string& key_id : it->second.key_ids) {
    keys.push_back(state->keys.find(key_id)->second.info);
  }
  return keys;
}

Result<Principal> TenantRegistry::Authenticate(std::string_view bearer_key) const {
  // Only the shape is checked before the lookup; the comparison below covers
  // every byte, so a key of the right shape but wrong secret fails there.
  if (bearer_key.size() != kKeyChars || bearer_key.substr(0, kKeyPrefix.size()) != kKeyPrefix ||
      bearer_key[kSecretSeparatorOffset] != '_') {
    return Status::Unauthenticated(kInvalidKeyMessage);
  }
  const std::string_view key_id = bearer_key.substr(kKeyIdOffset, kKeyIdChars);
  const std::shared_ptr<const State> state = Snapshot();
  auto it = state->keys.find(key_id);
  if (it == state->keys.end() || it->second.info.revoked ||
      CRYPTO_memcmp(it->second.key.data(), bearer_key.data(), kKeyChars) != 0) {
    return Status::Unauthenticated(kInvalidKeyMessage);
  }
  const KeyInfo& info = it->second.info;
  return Principal{info.tenant, info.scopes, info.id};
}

Result<std::pair<Principal, std::string>> TenantRegistry::SecretOf(std::string_view key_id) const {
  const std::shared_ptr<const State> state = Snapshot();
  auto it = state->keys.find(key_id);
  if (it == state->keys.end() || it->second.info.revoked) {
    return Status::Unauthenticated(kInvalidKeyMessage);
  }
  const KeyRecord& record = it->second;
  return std::pair<Principal, std::string>(
      Principal{record.info.tenant, record.info.scopes, record.info.id}, record.key);
}

Result<Principal> TenantRegistry::PrincipalOf(std::string_view key_id) const {
  const std::shared_ptr<const State> state = Snapshot();
  auto it = state->keys.find(key_id);
  if (it == state->keys.end() || it->second.info.revoked) {
    return Status::Unauthenticated(kInvalidKeyMessage);
  }
  const KeyRecord& record = it->second;
  return Principal{record.info.tenant, record.info.scopes, record.info.id};
}

}  // namespace auditlog::http

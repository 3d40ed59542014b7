#pragma once

// TenantRegistry: the server's tenants and their API keys, and the one place
// that turns a bearer key into a Principal (the tenant and scopes a request
// acts as). The admin endpoints (`/v1/tenants...`) change it; every
// authenticated request asks it Authenticate(); dialects that sign requests
// with HMAC (Authing v3) ask SecretOf().
//
// Keys look like `al_<key id>_<secret>`: a 16-character id in lowercase base32
// (`a-z2-7`, 80 random bits) and a secret of 32 random bytes in base64url
// without padding (43 characters), 63 characters in all. The id is not secret
// (lists and logs show it); the whole string is.
//
// At rest: `<dir>/auth.json`, replaced atomically and durably on every change
// (storage/atomic_file.h). It holds tenants and key metadata; each live key's
// string is sealed with AES-256-GCM under the master key (a fresh 96-bit nonce
// per key; the key's id, tenant, scopes and creation time as associated data), never stored in
// plain text. A revoked key keeps its metadata and loses its sealed string. The master key file
// holds 32 raw bytes or 64 hex digits (an optional trailing newline allowed); Open creates it (32
// random bytes, mode 0600 on the real file system) when neither it nor the state file exists. The
// state file records a check value of the master key, so opening with another master key fails with
// kCorruption instead of producing keys that never match.
//
// Thread-safety: every method may be called from any number of threads.
// Readers (Authenticate, SecretOf, Tenants...) read an immutable snapshot of
// the state and never wait for a change, nor a change for them; they touch no
// file. Changes are serialized: each writes a new state to disk and then
// publishes it as the next snapshot. A change whose write fails leaves the
// registry as it was and returns the error.
//
// Secrets: only CreateKey returns a key, and only SecretOf (for signature
// checks) hands one out afterwards; messages never contain one.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/result.h"
#include "common/status.h"
#include "env/file_system.h"

namespace auditlog::http {

// What a key may do. Bits of a mask; persisted by name, never by value.
enum class Scope : uint32_t {
  kEventsWrite = 1,
  kEventsRead = 2,
  kStatsRead = 4,
  kIntegrityRead = 8,
};

// Every scope bit; a mask with any other bit set is invalid.
inline constexpr uint32_t kAllScopes = 15;

// "events:write", "events:read", "stats:read", "integrity:read".
std::string_view ScopeName(Scope scope);
// Names to a mask; duplicates are harmless. kInvalidArgument
// `scopes: unknown scope "x"` for a name not above, `scopes: empty` for none.
Result<uint32_t> ParseScopes(const std::vector<std::string>& names);
// The names of the scopes in `mask`, in enum order; unknown bits are ignored.
std::vector<std::string> ScopeNames(uint32_t mask);

// Tenant ids: 1..64 bytes of [A-Za-z0-9._-], starting with a letter or digit.
// "*" (all tenants, for the operator's reads) is never a tenant. Returns
// kInvalidArgument naming the rule broken ("tenant id: ...").
Status ValidateTenantId(std::string_view id);

// Retention is 1..kMaxRetentionDays days when set; unset keeps events forever.
// The bound keeps `days * 86400 * 10^6` microseconds far from int64 overflow.
inline constexpr uint32_t kMaxRetentionDays = 36'500;

// Intentionally copyable, as are the other value types below.
struct TenantInfo {
  std::string id;
  std::optional<uint32_t> retention_days;  // nullopt: keep events forever
  int64_t created_at_micros = 0;
  friend bool operator==(const TenantInfo&, const TenantInfo&) = default;
};

struct KeyInfo {
  std::string id;      // the 16-character key id, not secret
  std::string tenant;  // the tenant the key acts as
  uint32_t scopes = 0;
  int64_t created_at_micros = 0;
  bool revoked = false;
  friend bool operator==(const KeyInfo&, const KeyInfo&) = default;
};

struct NewKey {
  KeyInfo info;
  std::string key;  // the secret bearer string; shown to the user once
};

// Who a request acts as.
struct Principal {
  std::string tenant;
  uint32_t scopes = 0;
  std::string key_id;
  bool Has(Scope scope) const { return (scopes & static_cast<uint32_t>(scope)) != 0; }
};

struct TenantRegistryOptions {
  // Directory of the state file "auth.json" and of the lock file "auth.lock";
  // created when missing. Required.
  std::string dir;
  // Default: dir + "/master.key". Whoever reads this file can decrypt every
  // key: keep it out of backups that leave the machine, or back it up apart.
  std::string master_key_file;
  // Default: the real file system. Must outlive the registry.
  env::FileSystem* fs = nullptr;
  // Default: the system clock. Must outlive the registry.
  Clock* clock = nullptr;
  // Key ids, secrets, nonces and a new master key come from here. Default:
  // SecureRandom(). Used only by one change at a time, so a SeededRandom (not
  // thread-safe) is fine in tests. Must outlive the registry.
  Random* random = nullptr;
};

class TenantRegistry {
 public:
  // Opens the registry in `options.dir`: reads and decrypts the state file,
  // or starts empty (writing the state file and, when missing, the master
  // key). Holds "auth.lock" in `dir` while open: a second registry on the same
  // directory gets kUnavailable. kCorruption when the state file is damaged or
  // was written under another master key; kInvalidArgument naming the master
  // key file when its contents are neither form above; kNotFound when the
  // state file exists but the master key file does not (a new master key
  // would lock out every existing key).
  static Result<std::unique_ptr<TenantRegistry>> Open(TenantRegistryOptions options);

  TenantRegistry(const TenantRegistry&) = delete;
  TenantRegistry& operator=(const TenantRegistry&) = delete;
  ~TenantRegistry();

  // kInvalidArgument for a bad id or a retention outside 1..kMaxRetentionDays;
  // kAlreadyExists when the id is taken.
  Result<TenantInfo> CreateTenant(std::string_view id, std::optional<uint32_t> retention_days);
  // Creates `id` (keeping events forever) unless it exists: the operator's
  // bulk ingest routes each event to its own tenant. True when created.
  // kInvalidArgument for a bad id.
  Result<bool> EnsureTenant(std::string_view id);
  std::optional<TenantInfo> FindTenant(std::string_view id) const;
  // Every tenant, sorted by id.
  std::vector<TenantInfo> Tenants() const;

  // A new key for `tenant` with `scopes`; the only call that returns a key.
  // kNotFound for an unknown tenant; kInvalidArgument when `scopes` is 0 or
  // has bits outside kAllScopes.
  Result<NewKey> CreateKey(std::string_view tenant, uint32_t scopes);
  // Revokes a key of `tenant`: it stops authenticating at once and its sealed
  // string is dropped from the state file. Revoking a revoked key is OK.
  // kNotFound unless `tenant` has that key; another tenant's key id gets the
  // same answer as an unknown one, so the answer reveals nothing about it.
  Status RevokeKey(std::string_view tenant, std::string_view key_id);
  // The keys of `tenant` (revoked ones included) in creation order; empty for
  // an unknown tenant.
  std::vector<KeyInfo> Keys(std::string_view tenant) const;

  // The principal of a bearer key. kUnauthenticated "invalid API key" for an
  // unknown, malformed or revoked key alike. The secret is compared in
  // constant time; no file is touched.
  Result<Principal> Authenticate(std::string_view bearer_key) const;
  // For HMAC-signed dialects (Authing v3 signs with accessKeyId = the key id
  // and accessKeySecret = the whole key): the key's principal and key string.
  // kUnauthenticated "invalid API key" for an unknown or revoked id.
  Result<std::pair<Principal, std::string>> SecretOf(std::string_view key_id) const;
  // The principal of the key with id `key_id`, without its secret (for
  // checks that a key is still live). kUnauthenticated "invalid API key" for
  // an unknown or revoked id, as SecretOf.
  Result<Principal> PrincipalOf(std::string_view key_id) const;

  // A 32-byte secret for `purpose` ("cursor", "jwt"): HMAC-SHA256 of the
  // purpose under the master key, so it is the same after a restart and
  // differs between purposes.
  std::string DeriveKey(std::string_view purpose) const;

 private:
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  struct KeyRecord {
    KeyRecord() = default;
    KeyRecord(const KeyRecord&) = default;
    KeyRecord(KeyRecord&&) = default;
    KeyRecord& operator=(const KeyRecord&) = default;
    KeyRecord& operator=(KeyRecord&&) = default;
    ~KeyRecord();  // wipes `key`

    KeyInfo info;
    std::string key;     // the bearer string; empty once revoked
    std::string sealed;  // nonce | ciphertext | tag, as stored; empty once revoked
  };
  struct TenantRecord {
    TenantInfo info;
    std::vector<std::string> key_ids;  // in creation order
  };
  // The whole in-memory state, immutable once published. A change copies it
  // (the registry is small and changes are rare), writes the copy out, then
  // publishes it.
  struct State {
    std::map<std::string, TenantRecord, std::less<>> tenants;
    std::unordered_map<std::string, KeyRecord, TransparentHash, std::equal_to<>> keys;
  };

  TenantRegistry(TenantRegistryOptions options, std::string master_key,
                 std::unique_ptr<env::FileLock> lock);

  // Parses and decrypts the state file's contents into a state.
  Result<State> Load(std::string_view contents) const;
  std::string Serialize(const State& state) const;
  // The current snapshot; readers keep it alive for as long as they use it.
  std::shared_ptr<const State> Snapshot() const;
  // Writes `next` durably, then publishes it. REQUIRES: write_mu_ held.
  Status Commit(State next);
  // REQUIRES: write_mu_ held (the random source is used by one change at a time).
  Result<TenantInfo> CreateTenantLocked(std::string_view id,
                                        std::optional<uint32_t> retention_days);
  std::string MasterKeyCheck() const;

  const TenantRegistryOptions options_;
  std::string master_key_;  // 32 bytes; changed only by the destructor, which wipes it
  const std::unique_ptr<env::FileLock> lock_;

  // Serializes changes, from reading the snapshot they start from to
  // publishing the next one.
  std::mutex write_mu_;
  // Guards state_ only: held for a reference count increment or a pointer
  // swap, never for I/O, so readers and changes do not wait on each other.
  // (std::atomic<std::shared_ptr> would do, but libstdc++ 12's unlocks it
  // with a relaxed store that ThreadSanitizer rightly reports.)
  mutable std::mutex state_mu_;
  // Never null. Replaced only by Open and Commit; guarded by state_mu_.
  std::shared_ptr<const State> state_;
};

}  // namespace auditlog::http

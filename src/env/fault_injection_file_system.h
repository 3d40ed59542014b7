#pragma once

// FaultInjectionFileSystem wraps another FileSystem and makes its mutating
// operations fail on demand, so storage tests reach every error branch:
//   - FailAfter(n): the n-th mutating operation from now, and every one after
//     it, fails (a power cut or a dead disk); crash tests enumerate n.
//   - FailOneIn(n, seed): each mutating operation fails with probability 1/n,
//     reproducibly from `seed` (transient errors).
//   - SetCapacityBytes(c): appends that would take the bytes appended through
//     this wrapper past `c` fail with "disk full" (kResourceExhausted), as
//     ENOSPC does; removing files gives the space back.
// Mutating operations: Append, Sync, Close, NewWritableFile, NewAppendableFile,
// Rename, SyncDir, Remove, CreateDirs. Reads never fail here.
// Crash simulation (dropping what was not durable) is the base's job:
// wrap a MemFileSystem and call its SimulateCrash().
//
// Thread-safety: thread-safe, like the file system it wraps.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/random.h"
#include "env/file_system.h"

namespace auditlog::env {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // `base` must outlive this wrapper.
  explicit FaultInjectionFileSystem(FileSystem& base);
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // The `n`-th mutating operation from now (1 = the next one) and all later ones fail.
  void FailAfter(uint64_t n);
  // Each mutating operation fails with probability 1/`n`, drawn from `seed`.
  void FailOneIn(uint64_t n, uint64_t seed);
  // Bytes that appends through this wrapper may hold; nullopt = unlimited.
  void SetCapacityBytes(std::optional<uint64_t> capacity_bytes);
  // Bytes appended through this wrapper and not given back by removals.
  uint64_t used_bytes() const {
    std::lock_guard lock(mu_);
    return used_bytes_;
  }
  // Stops injecting (capacity included).
  void Heal();
  // Mutating operations attempted so far (failed ones included).
  uint64_t MutatingOpCount() const { return op_count_.load(); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  Status Remove(const std::string& path) override;
  Status CreateDirs(const std::string& dir) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  bool Exists(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

 private:
  class FaultyWritableFile;

  // Counts one mutating operation on `path` and says whether it must fail.
  Status MaybeFail(std::string_view operation, const std::string& path);
  // Reserves `bytes` of capacity for an append, or fails with "disk full".
  Status Reserve(const std::string& path, uint64_t bytes);

  FileSystem& base_;
  std::atomic<uint64_t> op_count_{0};
  mutable std::mutex mu_;
  std::optional<uint64_t> fail_from_op_;    // guarded by mu_
  uint64_t fail_one_in_ = 0;                // 0 = off; guarded by mu_
  std::unique_ptr<SeededRandom> random_;    // guarded by mu_
  std::optional<uint64_t> capacity_bytes_;  // guarded by mu_
  uint64_t used_bytes_ = 0;                 // guarded by mu_
};

}  // namespace auditlog::env

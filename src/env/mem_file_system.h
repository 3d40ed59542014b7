#pragma once

// MemFileSystem: a FileSystem held in memory, for fast storage tests. It is
// stricter than POSIX where that catches bugs (appending to a closed file is an
// error, not undefined), and it models durability exactly, so a test can
// simulate a power cut at any moment:
//   - each file remembers how many of its bytes were synced;
//   - each directory remembers its entries as of its last SyncDir().
// SimulateCrash() then throws away everything not durable: unsynced tails
// (all of them, or a random part of each: a torn write) and directory changes
// since the last SyncDir (creates, renames and removes are undone).
// Directories themselves are durable once created.
//
// Thread-safety: thread-safe; files returned are used by one thread at a time.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "env/file_system.h"

namespace auditlog::env {

enum class CrashMode : uint8_t {
  kDropUnsynced = 1,  // every file is cut back to its synced length
  kTornTail = 2,      // every file keeps a random prefix of its unsynced tail
};

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();
  ~MemFileSystem() override;
  MemFileSystem(const MemFileSystem&) = delete;
  MemFileSystem& operator=(const MemFileSystem&) = delete;

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

  // Forgets everything that was not durable, as a power cut would. Files
  // still open keep working but write to detached copies: reopen after a crash.
  // `seed` drives kTornTail.
  void SimulateCrash(CrashMode mode, uint64_t seed = 0);

  // Bytes of unsynced data across all files (for tests asserting a sync happened).
  uint64_t UnsyncedBytes() const;

 private:
  struct File;
  class MemWritableFile;
  class MemRandomAccessFile;
  class MemFileLock;

  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path, bool truncate);
  bool DirExistsLocked(const std::string& dir) const;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<File>> files_;  // live view, by path; guarded by mu_
  // Each directory's entries as of its last SyncDir: name -> file; guarded by mu_.
  std::map<std::string, std::map<std::string, std::shared_ptr<File>>> durable_entries_;
  std::set<std::string> dirs_;          // guarded by mu_
  std::set<std::string> locked_paths_;  // guarded by mu_
};

}  // namespace auditlog::env

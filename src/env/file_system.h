#pragma once

// FileSystem is the only path from storage code to the disk (STYLE.md §4): the
// WAL, segments and manifest reach files through it, so tests can swap in an
// in-memory twin (MemFileSystem) or a fault-injecting wrapper, and crash tests
// can enumerate every mutating operation.
//
// Durability contract, the same for every implementation:
//   - Bytes appended to a file are durable only after that file's Sync().
//   - A created, renamed or removed directory entry is durable only after
//     SyncDir() of its directory.
// Errors are Status values: kNotFound for a missing path, kAlreadyExists where
// the operation must not replace, kResourceExhausted ("disk full: ...") when
// the device has no space, kIOError for other failures; messages name the path.
//
// Thread-safety: implementations are thread-safe; each returned file object is
// used by one thread at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace auditlog::env {

// A file open for appending. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data` at the end. Durable only after Sync().
  virtual Status Append(std::string_view data) = 0;
  // Makes every appended byte durable (fdatasync).
  virtual Status Sync() = 0;
  // Closes the file; further calls are errors. Unsynced data may be lost in a crash.
  virtual Status Close() = 0;
  // Bytes in the file, appended ones included.
  virtual uint64_t size() const = 0;
};

// A file open for positional reads. Thread-safe.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `length` bytes at `offset` into `out` (resized to what was read:
  // fewer bytes only at the end of the file).
  virtual Status Read(uint64_t offset, size_t length, std::string* out) const = 0;
  virtual Result<uint64_t> Size() const = 0;
  // A hint that the whole file will be read, front to back, soon: the file
  // system may start reading it ahead. Changes nothing a read returns.
  virtual void WillReadAll() const {}
};

// An exclusive lock on a path, released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates `path` empty (replacing an existing file) and opens it for appending.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending, creating it when missing.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) = 0;
  // Replaces `to` atomically. REQUIRES: both in one directory.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes the creates, renames and removes in `dir` durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // Creates `dir` (and missing parents); OK when it exists.
  virtual Status CreateDirs(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created when missing); kUnavailable when
  // another holder has it.
  virtual Result<std::unique_ptr<FileLock>> Lock(const std::string& path) = 0;
};

// The real file system. Never destroyed.
FileSystem& PosixFileSystem();

// "dir/name" without doubling the slash.
std::string JoinPath(std::string_view dir, std::string_view name);
// The directory part of `path` ("." when there is none).
std::string DirName(std::string_view path);

}  // namespace auditlog::env

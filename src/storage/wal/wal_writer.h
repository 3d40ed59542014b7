#pragma once

// WalWriter appends framed records to one write-ahead-log file (byte layout:
// wal_format.h, docs/format/wal.md). A record is durable only once Sync() has
// returned OK; the engine batches concurrent appenders into one Sync (group
// commit).
//
// Not thread-safe: the engine calls it with its WAL mutex held.

#include <memory>
#include <string_view>

#include "common/status.h"
#include "env/file_system.h"
#include "storage/wal/wal_format.h"

namespace auditlog::storage::wal {

class WalWriter {
 public:
  // Writes the file header when `file` is empty. `file` is owned.
  static Result<std::unique_ptr<WalWriter>> Open(std::unique_ptr<env::WritableFile> file);
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Appends one record. REQUIRES: payload.size() <= kMaxPayloadBytes.
  Status Append(RecordType type, std::string_view payload);
  // Makes every appended record durable.
  Status Sync() { return file_->Sync(); }
  Status Close() { return file_->Close(); }
  // Bytes in the file so far.
  uint64_t size() const { return file_->size(); }

 private:
  explicit WalWriter(std::unique_ptr<env::WritableFile> file) : file_(std::move(file)) {}

  std::unique_ptr<env::WritableFile> file_;
};

}  // namespace auditlog::storage::wal

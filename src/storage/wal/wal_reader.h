#pragma once

// WalReader reads the records of one write-ahead-log file in order (byte
// layout: wal_format.h, docs/format/wal.md).
//
// Recovery rules: a record cut short at the end of the file, or the last
// record of the file failing its checksum, is a torn tail from a crash: the
// reader stops there cleanly and says where (torn_tail_offset()), so the
// engine can truncate and go on. A bad record followed by more data is
// corruption (kCorruption naming the file and offset): acknowledged data may
// be behind it, so recovery must not silently skip it.
//
// Not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "env/file_system.h"
#include "storage/wal/wal_format.h"

namespace auditlog::storage::wal {

struct WalRecord {
  RecordType type = RecordType::kBatch;
  uint64_t offset = 0;  // of the record's header in the file
  std::string payload;
};

class WalReader {
 public:
  // Reads and checks the file header. `name` is used in messages.
  static Result<std::unique_ptr<WalReader>> Open(std::unique_ptr<env::RandomAccessFile> file,
                                                 std::string name);
  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;

  // The next record, nullopt at the end (clean or torn), or kCorruption.
  Result<std::optional<WalRecord>> Next();
  // The same into `*record`, reusing its payload's buffer (replay reads a
  // large WAL through one buffer instead of faulting in fresh memory per
  // record): true with a record, false at the end. On false or an error
  // `*record` holds unspecified contents.
  Result<bool> Next(WalRecord* record);

  // Where a torn tail starts, once Next() has returned nullopt because of one.
  std::optional<uint64_t> torn_tail_offset() const { return torn_tail_offset_; }
  // End of the last good record (where appending may resume).
  uint64_t valid_end() const { return offset_; }

 private:
  WalReader(std::unique_ptr<env::RandomAccessFile> file, std::string name, uint64_t size)
      : file_(std::move(file)), name_(std::move(name)), size_(size) {}

  std::unique_ptr<env::RandomAccessFile> file_;
  std::string name_;
  uint64_t size_;
  uint64_t offset_ = kFileHeaderBytes;
  std::optional<uint64_t> torn_tail_offset_;
};

}  // namespace auditlog::storage::wal

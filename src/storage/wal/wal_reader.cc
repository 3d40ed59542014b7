#include "storage/wal/wal_reader.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "common/crc32c.h"

namespace auditlog::storage::wal {

Result<std::unique_ptr<WalReader>> WalReader::Open(std::unique_ptr<env::RandomAccessFile> file,
                                                   std::string name) {
  AL_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  file->WillReadAll();  // records are read front to back
  std::string header;
  AL_RETURN_IF_ERROR(file->Read(0, kFileHeaderBytes, &header));
  if (header.size() < kFileHeaderBytes ||
      std::string_view(header).substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption(fmt::format("wal: {} is not a WAL file (bad header)", name));
  }
  const uint32_t version = DecodeFixed32(header.data() + kMagic.size());
  if (version != kVersion) {
    return Status::Corruption(
        fmt::format("wal: {} has format version {}, this build reads {}", name, version, kVersion));
  }
  return std::unique_ptr<WalReader>(new WalReader(std::move(file), std::move(name), size));
}

Result<std::optional<WalRecord>> WalReader::Next() {
  WalRecord record;
  AL_ASSIGN_OR_RETURN(bool found, Next(&record));
  if (!found) return std::optional<WalRecord>();
  return std::optional<WalRecord>(std::move(record));
}

Result<bool> WalReader::Next(WalRecord* record) {
  if (offset_ >= size_ || torn_tail_offset_) return false;
  const uint64_t record_offset = offset_;
  auto torn = [&]() -> Result<bool> {
    torn_tail_offset_ = record_offset;
    return false;
  };
  if (size_ - record_offset < kRecordHeaderBytes) return torn();
  std::string header;
  AL_RETURN_IF_ERROR(file_->Read(record_offset, kRecordHeaderBytes, &header));
  const uint32_t masked_crc = DecodeFixed32(header.data());
  const uint32_t length = DecodeFixed32(header.data() + 4);
  const auto type = static_cast<uint8_t>(header[8]);
  const uint64_t record_end = record_offset + kRecordHeaderBytes + length;
  // A record running past the end of the file was cut short by a crash.
  if (record_end > size_) return torn();
  if (length > kMaxPayloadBytes) {
    return Status::Corruption(
        fmt::format("wal: record length {} at offset {} in {} is over the limit", length,
                    record_offset, name_));
  }
  record->offset = record_offset;
  AL_RETURN_IF_ERROR(file_->Read(record_offset + kRecordHeaderBytes, length, &record->payload));
  if (record->payload.size() < length) return torn();
  const char type_byte = static_cast<char>(type);
  uint32_t crc = crc32c::Value(&type_byte, 1);
  crc = crc32c::Extend(crc, record->payload.data(), record->payload.size());
  if (crc32c::Unmask(masked_crc) != crc || type != static_cast<uint8_t>(RecordType::kBatch)) {
    if (record_end == size_) return torn();  // the last record, half written
    return Status::Corruption(
        fmt::format("wal: checksum mismatch at offset {} in {}", record_offset, name_));
  }
  record->type = static_cast<RecordType>(type);
  offset_ = record_end;
  return true;
}

}  // namespace auditlog::storage::wal

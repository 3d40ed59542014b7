#include "storage/wal/wal_writer.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "common/crc32c.h"

namespace auditlog::storage::wal {

Result<std::unique_ptr<WalWriter>> WalWriter::Open(std::unique_ptr<env::WritableFile> file) {
  if (file->size() == 0) {
    std::string header(kMagic);
    PutFixed32(&header, kVersion);
    PutFixed32(&header, 0);
    AL_RETURN_IF_ERROR(file->Append(header));
  }
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(file)));
}

Status WalWriter::Append(RecordType type, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return Status::InvalidArgument(fmt::format("wal: record of {} bytes over the limit of {}",
                                               payload.size(), kMaxPayloadBytes));
  }
  const auto type_byte = static_cast<char>(type);
  uint32_t crc = crc32c::Value(&type_byte, 1);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  std::string record;
  record.reserve(kRecordHeaderBytes + payload.size());
  PutFixed32(&record, crc32c::Mask(crc));
  PutFixed32(&record, static_cast<uint32_t>(payload.size()));
  record.push_back(type_byte);
  record.append(payload);
  // One Append per record: a crash tears at most this record, at the tail.
  return file_->Append(record);
}

}  // namespace auditlog::storage::wal

#include "storage/wal/wal_dump.h"

#include <fmt/format.h>

#include "storage/wal/wal_reader.h"

namespace auditlog::storage::wal {
namespace {

constexpr size_t kPreviewBytes = 64;

// Printable ASCII as is, everything else as \xNN; at most kPreviewBytes.
std::string Preview(std::string_view payload) {
  std::string preview;
  for (size_t byte_idx = 0; byte_idx < payload.size() && byte_idx < kPreviewBytes; ++byte_idx) {
    const auto c = static_cast<unsigned char>(payload[byte_idx]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      preview.push_back(static_cast<char>(c));
    } else {
      preview += fmt::format("\\x{:02x}", c);
    }
  }
  if (payload.size() > kPreviewBytes) preview += "...";
  return preview;
}

}  // namespace

bool LooksLikeWal(env::FileSystem& fs, const std::string& path) {
  auto file = fs.OpenForRead(path);
  if (!file.ok()) return false;
  std::string head;
  return (*file)->Read(0, kMagic.size(), &head).ok() && head == kMagic;
}

Status DumpWal(env::FileSystem& fs, const std::string& path, std::string* out) {
  AL_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  AL_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  AL_ASSIGN_OR_RETURN(auto reader, WalReader::Open(std::move(file), path));
  fmt::format_to(std::back_inserter(*out), "wal {}: format version {}, {} bytes\n", path, kVersion,
                 size);
  uint64_t records = 0;
  while (true) {
    auto record = reader->Next();
    if (!record.ok()) {
      fmt::format_to(std::back_inserter(*out), "CORRUPTION: {}\n", record.status().message());
      return Status::OK();
    }
    if (!*record) break;
    ++records;
    fmt::format_to(std::back_inserter(*out), "@{} batch {} bytes: {}\n", (*record)->offset,
                   (*record)->payload.size(), Preview((*record)->payload));
  }
  if (const auto torn = reader->torn_tail_offset()) {
    fmt::format_to(std::back_inserter(*out),
                   "{} records, then a torn tail of {} bytes at offset {}\n", records, size - *torn,
                   *torn);
  } else {
    fmt::format_to(std::back_inserter(*out), "{} records, clean end at offset {}\n", records,
                   reader->valid_end());
  }
  return Status::OK();
}

}  // namespace auditlog::storage::wal

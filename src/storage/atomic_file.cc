#include "storage/atomic_file.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "common/crc32c.h"

namespace auditlog::storage {
namespace {

constexpr std::string_view kMagic = "alatomic";
constexpr size_t kHeaderBytes = 16;

}  // namespace

Status ReplaceFileAtomically(env::FileSystem& fs, const std::string& dir, const std::string& name,
                             std::string_view contents) {
  if (contents.size() > UINT32_MAX) {
    return Status::InvalidArgument(fmt::format("{}: {} bytes is too large", name, contents.size()));
  }
  std::string framed(kMagic);
  PutFixed32(&framed, static_cast<uint32_t>(contents.size()));
  PutFixed32(&framed, crc32c::Mask(crc32c::Value(contents)));
  framed.append(contents);

  const std::string path = env::JoinPath(dir, name);
  const std::string temp_path = path + ".tmp";
  AL_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(temp_path));
  AL_RETURN_IF_ERROR(file->Append(framed));
  AL_RETURN_IF_ERROR(file->Sync());  // the bytes before the name points at them
  AL_RETURN_IF_ERROR(file->Close());
  AL_RETURN_IF_ERROR(fs.Rename(temp_path, path));
  return fs.SyncDir(dir);  // the rename itself
}

Result<std::optional<std::string>> ReadAtomicFile(env::FileSystem& fs, const std::string& dir,
                                                  const std::string& name) {
  const std::string path = env::JoinPath(dir, name);
  auto file = fs.OpenForRead(path);
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return file.status();
  }
  AL_ASSIGN_OR_RETURN(const uint64_t size, (*file)->Size());
  std::string bytes;
  AL_RETURN_IF_ERROR((*file)->Read(0, static_cast<size_t>(size), &bytes));
  if (bytes.size() < kHeaderBytes || std::string_view(bytes).substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption(fmt::format("{}: bad header", path));
  }
  const uint32_t length = DecodeFixed32(bytes.data() + 8);
  const uint32_t masked_crc = DecodeFixed32(bytes.data() + 12);
  if (bytes.size() - kHeaderBytes != length) {
    return Status::Corruption(fmt::format("{}: {} bytes of contents, header says {}", path,
                                          bytes.size() - kHeaderBytes, length));
  }
  std::string contents = bytes.substr(kHeaderBytes);
  if (crc32c::Unmask(masked_crc) != crc32c::Value(contents)) {
    return Status::Corruption(fmt::format("{}: checksum mismatch", path));
  }
  return std::optional<std::string>(std::move(contents));
}

}  // namespace auditlog::storage

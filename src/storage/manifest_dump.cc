#include "storage/manifest_dump.h"

#include <fmt/format.h>

#include "common/coding.h"
#include "common/crc32c.h"
#include "event/time.h"
#include "storage/manifest.h"

namespace auditlog::storage {
namespace {

// atomic_file.h's frame: magic (8) length u32le masked_crc32c u32le contents.
constexpr std::string_view kAtomicFileMagic = "alatomic";
constexpr size_t kFrameBytes = 16;
// The latest time FormatRfc3339 renders as a four-digit year.
constexpr int64_t kLastFormattableMicros = 253'402'300'799'999'999;

std::string FormatTime(int64_t micros) {
  if (micros < 0 || micros > kLastFormattableMicros) return std::to_string(micros);
  return event::FormatRfc3339(micros);
}

// Walks the manifest grammar of manifest.h, printing each part as it is
// decoded, so that damage shows where it starts. DecodeManifest stays the
// authority on what is valid: DumpManifest checks that the two agree.
class Walker {
 public:
  Walker(std::string_view contents, std::string* out)
      : contents_(contents), in_(contents), out_(out) {}

  // OK, or the reason decoding stopped; offset() is then where.
  Status Run() {
    uint32_t version;
    if (!GetVarint32(&in_, &version)) return Fail("empty");
    if (version != 1) return Fail(fmt::format("version {} is not 1", version));
    uint64_t next_file_number, log_number, count;
    if (!GetVarint64(&in_, &next_file_number) || !GetVarint64(&in_, &log_number))
      return Fail("header is cut short");
    Print("version 1, next_file_number {}, log_number {}", next_file_number, log_number);
    Print(" (WAL files numbered below it are wholly in segments)\n");
    mark_ = offset();
    if (!GetVarint64(&in_, &count) || count > in_.size()) return Fail("header is cut short");
    Print("{} tenants:\n", count);
    for (uint64_t i = 0; i < count; ++i) {
      mark_ = offset();
      std::string_view tenant;
      uint64_t seq;
      if (!GetLengthPrefixed(&in_, &tenant) || !GetVarint64(&in_, &seq))
        return Fail("tenant list is cut short");
      Print("  @{} {:?} last_seq {}\n", mark_, tenant, seq);
    }
    mark_ = offset();
    if (!GetVarint64(&in_, &count) || count > in_.size()) return Fail("segment count is cut short");
    Print("{} segments:\n", count);
    for (uint64_t i = 0; i < count; ++i) {
      mark_ = offset();
      uint64_t file_number;
      segment::SegmentMeta meta;
      if (!GetVarint64(&in_, &file_number) || !segment::GetSegmentMeta(&in_, &meta) ||
          !GetVarint64(&in_, &meta.file_bytes))
        return Fail("segment list is cut short");
      Print("  @{} {}: tenant {:?}, {} rows, {} bytes, window start {}\n", mark_,
            SegmentFileName(file_number), meta.tenant, meta.rows, meta.file_bytes,
            FormatTime(meta.window_start));
      Print("      timestamp {} .. {}, seq {} .. {}\n", FormatTime(meta.min_time),
            FormatTime(meta.max_time), meta.min_seq, meta.max_seq);
    }
    mark_ = offset();
    if (!in_.empty()) return Fail("trailing bytes");
    return Status::OK();
  }

  // The offset in the file where the part that failed to decode starts.
  uint64_t offset_of_failure() const { return mark_; }

 private:
  template <typename... Args>
  void Print(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(*out_), format, std::forward<Args>(args)...);
  }

  uint64_t offset() const { return kFrameBytes + (contents_.size() - in_.size()); }

  Status Fail(std::string_view reason) { return Status::Corruption(reason); }

  const std::string_view contents_;
  std::string_view in_;
  std::string* out_;
  uint64_t mark_ = kFrameBytes;
};

}  // namespace

bool LooksLikeManifest(std::string_view path, std::string_view head) {
  const size_t slash = path.find_last_of('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return head.starts_with(kAtomicFileMagic) &&
         (name == kManifestName || name == std::string(kManifestName) + ".tmp");
}

Status DumpManifest(env::FileSystem& fs, const std::string& path, std::string* out) {
  AL_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  AL_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  std::string bytes;
  AL_RETURN_IF_ERROR(file->Read(0, static_cast<size_t>(size), &bytes));
  auto damage = [&](uint64_t offset, std::string_view reason) {
    fmt::format_to(std::back_inserter(*out), "DAMAGE at offset {}: {}\n", offset, reason);
    return Status::Corruption(fmt::format("manifest {} at offset {}: {}", path, offset, reason));
  };
  fmt::format_to(std::back_inserter(*out), "manifest {}: {} bytes\n", path, bytes.size());
  if (bytes.size() < kFrameBytes || !bytes.starts_with(kAtomicFileMagic))
    return damage(0, "not an atomic file (bad magic or too short)");

  // The frame first; a bad length or checksum is reported, and the contents
  // are still listed as far as they decode.
  Status frame_damage;
  const uint32_t length = DecodeFixed32(bytes.data() + 8);
  const uint32_t crc = crc32c::Unmask(DecodeFixed32(bytes.data() + 12));
  const std::string_view contents = std::string_view(bytes).substr(kFrameBytes);
  const bool length_ok = contents.size() == length;
  const bool crc_ok = crc32c::Value(contents) == crc;
  fmt::format_to(std::back_inserter(*out), "frame: {} bytes of contents{}, checksum {}\n", length,
                 length_ok ? "" : fmt::format(" but {} in the file", contents.size()),
                 crc_ok ? "ok" : "BAD");
  if (!length_ok) {
    frame_damage =
        damage(8, fmt::format("{} bytes of contents, the frame says {}", contents.size(), length));
  } else if (!crc_ok) {
    frame_damage = damage(12, "checksum mismatch");
  }

  Walker walker(contents, out);
  const Status walked = walker.Run();
  if (!walked.ok()) {
    Status status = damage(walker.offset_of_failure(), walked.message());
    return frame_damage.ok() ? status : frame_damage;
  }
  if (!frame_damage.ok()) return frame_damage;
  // The walk and the decoder read one grammar; say so if they ever part.
  if (Result<Manifest> decoded = DecodeManifest(contents); !decoded.ok())
    return Status::Internal(
        fmt::format("manifest {}: the dump accepted what the decoder rejects: {}", path,
                    decoded.status().message()));
  return Status::OK();
}

}  // namespace auditlog::storage

#include "storage/manifest.h"

#include <fmt/format.h>

#include <charconv>

#include "common/coding.h"
#include "storage/atomic_file.h"

namespace auditlog::storage {

std::string EncodeManifest(const Manifest& manifest) {
  std::string out;
  PutVarint32(&out, 1);
  PutVarint64(&out, manifest.next_file_number);
  PutVarint64(&out, manifest.log_number);
  PutVarint64(&out, manifest.last_seq.size());
  for (const auto& [tenant, seq] : manifest.last_seq) {
    PutLengthPrefixed(&out, tenant);
    PutVarint64(&out, seq);
  }
  PutVarint64(&out, manifest.segments.size());
  for (const ManifestSegment& segment : manifest.segments) {
    PutVarint64(&out, segment.file_number);
    segment::PutSegmentMeta(&out, segment.meta);
    PutVarint64(&out, segment.meta.file_bytes);
  }
  return out;
}

Result<Manifest> DecodeManifest(std::string_view in) {
  auto bad = [](std::string_view what) {
    return Status::Corruption(fmt::format("manifest: {}", what));
  };
  Manifest manifest;
  uint32_t version;
  uint64_t count;
  if (!GetVarint32(&in, &version)) return bad("empty");
  if (version != 1) return bad(fmt::format("version {} is not 1", version));
  if (!GetVarint64(&in, &manifest.next_file_number) || !GetVarint64(&in, &manifest.log_number) ||
      !GetVarint64(&in, &count) || count > in.size())
    return bad("header is cut short");
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view tenant;
    uint64_t seq;
    if (!GetLengthPrefixed(&in, &tenant) || !GetVarint64(&in, &seq))
      return bad("tenant list is cut short");
    manifest.last_seq[std::string(tenant)] = seq;
  }
  if (!GetVarint64(&in, &count) || count > in.size()) return bad("segment count is cut short");
  for (uint64_t i = 0; i < count; ++i) {
    ManifestSegment segment;
    if (!GetVarint64(&in, &segment.file_number) || !segment::GetSegmentMeta(&in, &segment.meta) ||
        !GetVarint64(&in, &segment.meta.file_bytes))
      return bad("segment list is cut short");
    manifest.segments.push_back(std::move(segment));
  }
  if (!in.empty()) return bad("trailing bytes");
  return manifest;
}

Result<Manifest> LoadManifest(env::FileSystem& fs, const std::string& dir) {
  AL_ASSIGN_OR_RETURN(auto bytes, ReadAtomicFile(fs, dir, std::string(kManifestName)));
  if (!bytes) return Manifest{};
  return DecodeManifest(*bytes);
}

Status SaveManifest(env::FileSystem& fs, const std::string& dir, const Manifest& manifest) {
  return ReplaceFileAtomically(fs, dir, std::string(kManifestName), EncodeManifest(manifest));
}

std::string SegmentFileName(uint64_t file_number) { return fmt::format("{:06}.seg", file_number); }
std::string WalFileName(uint64_t file_number) { return fmt::format("{:06}.wal", file_number); }

std::optional<StoreFileName> ParseStoreFileName(std::string_view name) {
  if (name.size() < 5) return std::nullopt;
  std::string_view suffix = name.substr(name.size() - 4);
  if (suffix != ".seg" && suffix != ".wal") return std::nullopt;
  std::string_view digits = name.substr(0, name.size() - 4);
  uint64_t number = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return StoreFileName{number, suffix == ".seg"};
}

}  // namespace auditlog::storage

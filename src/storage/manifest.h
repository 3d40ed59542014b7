#pragma once

// The manifest names the live segments and what the WAL still has to replay.
// It is one small file, MANIFEST, replaced whole and atomically
// (atomic_file.h) after every flush, compaction and retention run, so a crash
// leaves either the old set or the new one. Files in the store directory that
// it does not name are leftovers of an interrupted step and are removed at
// open.
//
//   manifest := version:varint(=1) next_file_number:varint log_number:varint
//               tenant_count:varint (tenant:length-prefixed last_seq:varint)*
//               segment_count:varint (file_number:varint segment_meta file_bytes:varint)*
//
// `log_number`: WAL files numbered below it are wholly in segments.
// `last_seq` per tenant survives retention dropping all of a tenant's
// segments, so seq never restarts.
//
// Thread-safety: plain values and functions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "env/file_system.h"
#include "storage/segment/segment_format.h"

namespace auditlog::storage {

inline constexpr std::string_view kManifestName = "MANIFEST";

struct ManifestSegment {
  uint64_t file_number = 0;
  segment::SegmentMeta meta;
  friend bool operator==(const ManifestSegment&, const ManifestSegment&) = default;
};

struct Manifest {
  uint64_t next_file_number = 1;
  uint64_t log_number = 0;
  std::map<std::string, uint64_t> last_seq;  // by tenant
  std::vector<ManifestSegment> segments;
  friend bool operator==(const Manifest&, const Manifest&) = default;
};

std::string EncodeManifest(const Manifest& manifest);
// kCorruption when `bytes` is not an encoded manifest.
Result<Manifest> DecodeManifest(std::string_view bytes);

// Reads `dir`/MANIFEST; an empty manifest when there is none.
Result<Manifest> LoadManifest(env::FileSystem& fs, const std::string& dir);
Status SaveManifest(env::FileSystem& fs, const std::string& dir, const Manifest& manifest);

// File names in the store directory.
std::string SegmentFileName(uint64_t file_number);  // "000012.seg"
std::string WalFileName(uint64_t file_number);      // "000013.wal"
// The number and kind of a store file name; nullopt for other names.
struct StoreFileName {
  uint64_t number;
  bool is_segment;  // else WAL
};
std::optional<StoreFileName> ParseStoreFileName(std::string_view name);

}  // namespace auditlog::storage

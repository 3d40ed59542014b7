#pragma once

// A readable listing of a MANIFEST file, for `auditlog dump` (STYLE.md §6):
// its atomic-file frame (atomic_file.h), then next_file_number, log_number,
// the last seq of each tenant and the live segments with their meta. Byte
// layout: docs/format/manifest.md.
//
// A damaged manifest is listed as far as it decodes, then the damage is
// reported with its offset in the file.
//
// Thread-safety: functions; distinct calls may run concurrently.

#include <string>
#include <string_view>

#include "common/status.h"
#include "env/file_system.h"

namespace auditlog::storage {

// True when `head`, the first bytes of the file at `path`, starts with the
// atomic-file magic ("alatomic") and the file is named MANIFEST (or
// MANIFEST.tmp, the leftover of an interrupted replacement).
bool LooksLikeManifest(std::string_view path, std::string_view head);

// Appends the listing of the manifest at `path` to `out`. Returns kCorruption
// naming the file and the offset of the damage ("manifest <path> at offset
// <n>: <what>"), in which case `out` holds all that could be read; the file
// system's error when the file cannot be read at all.
Status DumpManifest(env::FileSystem& fs, const std::string& path, std::string* out);

}  // namespace auditlog::storage

#pragma once

// Small files replaced all at once: the manifest (the set of live segments)
// and anything else that must change as a whole. A reader sees the old
// contents or the new, never a mix, whatever moment a crash hits.
//
// How: write "<name>.tmp", sync it, rename it over "<name>", sync the
// directory. The stored bytes are framed (magic, length, CRC32C) so a reader
// also rejects a file damaged at rest:
//
//   atomic_file := magic "alatomic" (8)  length u32le  masked_crc32c u32le  contents
//
// Thread-safety: functions are thread-safe for distinct names; callers
// serialize replacements of one name.

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "env/file_system.h"

namespace auditlog::storage {

// Durably replaces `dir`/`name` with `contents`. When this returns OK the new
// contents survive a crash; when it fails, the old contents are still there
// (a crash mid-way leaves old or new, and possibly a stray "<name>.tmp",
// which the next replacement overwrites).
Status ReplaceFileAtomically(env::FileSystem& fs, const std::string& dir, const std::string& name,
                             std::string_view contents);

// Reads `dir`/`name` as written by ReplaceFileAtomically. nullopt when the file
// does not exist; kCorruption naming the file when its frame does not check.
Result<std::optional<std::string>> ReadAtomicFile(env::FileSystem& fs, const std::string& dir,
                                                  const std::string& name);

}  // namespace auditlog::storage

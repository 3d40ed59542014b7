#pragma once

// A readable listing of a WAL file, for `auditlog dump` (STYLE.md §6: a format
// that cannot be dumped cannot be debugged): the header, then one line per
// record with its offset, type, length and a preview of its payload, then how
// the file ends (cleanly, at a torn tail, or at corruption).

#include <string>

#include "common/status.h"
#include "env/file_system.h"

namespace auditlog::storage::wal {

// True when the file at `path` starts with the WAL magic.
bool LooksLikeWal(env::FileSystem& fs, const std::string& path);

// Appends the listing of the WAL at `path` to `out`. Corruption is part of the
// listing, not an error; errors are for files that cannot be read at all.
Status DumpWal(env::FileSystem& fs, const std::string& path, std::string* out);

}  // namespace auditlog::storage::wal

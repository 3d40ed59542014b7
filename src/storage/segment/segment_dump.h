#pragma once

// A readable listing of a segment file, for `auditlog dump` (STYLE.md §6: a
// format that cannot be dumped cannot be debugged): the header, the footer,
// the meta, then one line per section with its kind, field, codec, offset,
// stored and raw sizes and whether its checksum holds, followed by what it
// decodes to (dictionary sizes and first values, code width, posting lists,
// tokens, time and seq ranges). Byte layout: docs/format/segment.md.
//
// Unlike SegmentReader, which refuses a damaged file at Open, the listing
// goes on past damage: a section whose checksum fails is listed as such and
// the sections after it are still decoded, so one listing shows everything
// that can still be read.
//
// Thread-safety: functions; distinct calls may run concurrently.

#include <string>
#include <string_view>

#include "common/status.h"
#include "env/file_system.h"

namespace auditlog::storage::segment {

// True when `head`, the first bytes of a file, starts with the segment header
// magic ("ALSEGMNT").
bool LooksLikeSegment(std::string_view head);

// Appends the listing of the segment at `path` to `out`. Returns kCorruption
// naming the file and the offset of the first damage found ("segment <path>
// at offset <n>: <what>"), in which case `out` holds all that could be read;
// the file system's error when the file cannot be read at all.
Status DumpSegment(env::FileSystem& fs, const std::string& path, std::string* out);

}  // namespace auditlog::storage::segment

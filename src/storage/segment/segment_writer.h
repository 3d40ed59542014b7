#pragma once

// Builds one segment file from a tenant's events (format: segment_format.h,
// docs/format/segment.md). Every field of the registry gets its column; the
// fields the registry indexes get their indexes: a sorted dictionary with
// per-value posting lists (Roaring bitmaps or delta lists, whichever is
// smaller) for strings, numbers and flags; a token index over the dictionary
// for text fields; delta-coded columns for times and seq.
//
// Thread-safety: a function; distinct calls may run concurrently.

#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "env/file_system.h"
#include "event/event.h"
#include "storage/segment/segment_format.h"

namespace auditlog::storage::segment {

struct SegmentWriteOptions {
  int zstd_level = 3;
};

// Writes `rows` to a new file at `path` and syncs it (the caller syncs the
// directory once the file is referenced). REQUIRES: 1..kMaxSegmentRows rows,
// all of one tenant, each with a timestamp and a seq, sorted by (timestamp, seq).
// The rows are taken by pointer so the store writes from its memtable without
// copying it.
Result<SegmentMeta> WriteSegment(env::FileSystem& fs, const std::string& path,
                                 std::span<const event::Event* const> rows,
                                 event::UnixMicros window_start,
                                 const SegmentWriteOptions& options = {});
Result<SegmentMeta> WriteSegment(env::FileSystem& fs, const std::string& path,
                                 std::span<const event::Event> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options = {});

// The bytes WriteSegment would write (tests, fuzzing and benchmarks).
Result<std::string> BuildSegment(std::span<const event::Event* const> rows,
                                 event::UnixMicros window_start, const SegmentWriteOptions& options,
                                 SegmentMeta* meta);
Result<std::string> BuildSegment(std::span<const event::Event> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options, SegmentMeta* meta);

}  // namespace auditlog::storage::segment

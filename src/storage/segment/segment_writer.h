#pragma once

// Builds one segment file from a tenant's events (format: segment_format.h,
// docs/format/segment.md). Every field of the registry gets its column:
// strings, numbers and flags a sorted dictionary, a code per row and a posting
// list per value (a Roaring bitmap or a delta list, whichever is smaller;
// none when every value occurs once), so every field can be filtered by
// index; text fields (IndexKind::kTokens) add per-token row lists, read one
// list at a time; times and seq are delta-coded columns.
//
// Thread-safety: a function; distinct calls may run concurrently.

#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "env/file_system.h"
#include "event/event.h"
#include "event/event_codec.h"
#include "storage/segment/segment_format.h"

namespace auditlog::storage::segment {

struct SegmentWriteOptions {
  // Level 1: segments are written on the ingest path's heels (flush), and
  // level 3 cost a tenth of the store's CPU for ~5% smaller files.
  int zstd_level = 1;
  // The kValueFilter section (value_filter.h). Off only to write segments
  // as earlier builds did: tests of older files, and benchmarks measuring
  // what the filter saves.
  bool value_filter = true;
  // Dictionaries, code columns and raw columns larger than twice this are
  // stored in blocks of about this many raw bytes (a quarter for codes), so
  // one row is read without decompressing the rest (section_blocks.h).
  // 0: every section in one piece, as earlier builds wrote them.
  size_t block_bytes = kDefaultBlockBytes;
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

// The same from encodings located in place (event_codec.h): the memtable's
// rows are written without being decoded into Events. The encodings must
// hold every field an Event would (they are the same events).
Result<SegmentMeta> WriteSegment(env::FileSystem& fs, const std::string& path,
                                 std::span<const event::EncodedEventFields> rows,
                                 event::UnixMicros window_start,
                                 const SegmentWriteOptions& options = {});

// The bytes WriteSegment would write (tests, fuzzing and benchmarks).
Result<std::string> BuildSegment(std::span<const event::Event* const> rows,
                                 event::UnixMicros window_start, const SegmentWriteOptions& options,
                                 SegmentMeta* meta);
Result<std::string> BuildSegment(std::span<const event::Event> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options, SegmentMeta* meta);
Result<std::string> BuildSegment(std::span<const event::EncodedEventFields> rows,
                                 event::UnixMicros window_start, const SegmentWriteOptions& options,
                                 SegmentMeta* meta);

}  // namespace auditlog::storage::segment

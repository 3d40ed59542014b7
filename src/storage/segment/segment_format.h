#pragma once

// The byte layout of a segment file: an immutable, columnar, indexed slice of
// one tenant's events in one time window, rows sorted by (timestamp, seq).
// docs/format/segment.md is the full grammar; this header holds its constants
// and the shared value encodings. Persisted: change only with a version bump.
//
//   segment   := header section* directory footer
//   header    := "ALSEGMNT" version:u32le
//   section   := bytes (zstd frame or raw, per its directory entry)
//   directory := meta section_count:varint entry*
//   footer    := directory_offset:u64le directory_length:u32le
//                directory_crc:u32le(masked crc32c) version:u32le "ALSEGEND"
//
// Thread-safety: constants and pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "event/event.h"
#include "event/fields.h"

namespace auditlog::storage::segment {

inline constexpr std::string_view kHeaderMagic = "ALSEGMNT";
inline constexpr std::string_view kFooterMagic = "ALSEGEND";
// Version 1: every section whole (codecs none and zstd). Version 2 adds
// sections stored in blocks (codec kZstdBlocks). A writer stamps a file with
// the lowest version that reads it: a file without blocks stays version 1,
// readable by builds that predate blocks, which refuse the others by their
// version rather than by an unknown codec.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kBlocksFormatVersion = 2;
inline bool IsKnownFormatVersion(uint32_t version) {
  return version == kFormatVersion || version == kBlocksFormatVersion;
}
inline constexpr size_t kHeaderBytes = 12;
inline constexpr size_t kFooterBytes = 28;

// Rows per segment at most: dictionary codes and row numbers fit 17 bits.
inline constexpr uint32_t kMaxSegmentRows = 1u << 17;

// What a section holds. Readers skip kinds they do not know, so later
// versions may add sections (per-event Merkle leaf hashes will be one).
enum class SectionKind : uint8_t {
  kDictionary = 1,  // sorted distinct values of a field
  kCodes = 2,       // per row: the value's dictionary code (0 = absent)
  kPostings = 3,    // per dictionary value: its rows (absent when every value occurs once)
  kTokens = 4,      // token -> dictionary codes: written by early builds, no longer read
  kTimes = 5,       // per row: a time, delta-coded
  kSeqs = 6,        // per row: seq, delta-coded
  kRaw = 7,         // per row: bytes (details)
  kTokenTerms = 8,  // the tokens of a text field, each with where its row list lies in kTokenRows
  kTokenRows = 9,  // per token: the rows whose value has it (uncompressed: read one list at a time)
  kValueFilter = 10,  // one per segment (field 0): a Bloom filter of every value and token
};

// kZstdBlocks: a section of items (dictionary, codes, raw) cut into blocks
// compressed one by one, so one item is read without the rest
// (section_blocks.h).
enum class SectionCodec : uint8_t { kNone = 0, kZstd = 1, kZstdBlocks = 2 };

// The raw bytes a block of a section stored in blocks holds at least; code
// columns use a quarter of it (their blocks are cached whole and each holds
// many more rows).
inline constexpr size_t kDefaultBlockBytes = 64 << 10;

// kTokenRows is checked in blocks of this many bytes (their CRCs are in
// kTokenTerms), so reading one list reads and verifies a block or two.
inline constexpr size_t kTokenRowsBlockBytes = 1024;

// How one posting list is stored, whichever is smaller.
enum class PostingEncoding : uint8_t { kDeltaVarint = 0, kRoaring = 1 };

// Whether fields of `type` are dictionary-encoded (a dictionary, a code
// column and posting lists); times, seq and details have columns of their
// own.
inline bool IsDictionaryEncoded(event::FieldType type) {
  return type != event::FieldType::kTime && type != event::FieldType::kUint64 &&
         type != event::FieldType::kJson;
}

// A dictionary code stored in `width` (1..3) little-endian bytes at `at`.
inline uint32_t DecodeCode(const uint8_t* at, uint8_t width) {
  switch (width) {
    case 1:
      return at[0];
    case 2:
      return at[0] | uint32_t{at[1]} << 8;
    default:
      return at[0] | uint32_t{at[1]} << 8 | uint32_t{at[2]} << 16;
  }
}

// Maps a double to 8 bytes whose bytewise order is the doubles' total order
// (-0.0 before +0.0), so dictionaries of doubles sort and range-scan like
// strings.
std::string EncodeDoubleKey(double value);
double DecodeDoubleKey(std::string_view key);  // REQUIRES: key.size() == 8

// Dictionary bytes of booleans and outcomes.
inline constexpr std::string_view kFalseKey = std::string_view("\0", 1);
inline constexpr std::string_view kTrueKey = "\x01";

// What a segment holds, kept in its directory and copied into the manifest.
struct SegmentMeta {
  std::string tenant;
  uint32_t rows = 0;
  event::UnixMicros window_start = 0;            // the time window the rows belong to
  event::UnixMicros min_time = 0, max_time = 0;  // of `timestamp`
  uint64_t min_seq = 0, max_seq = 0;
  uint64_t file_bytes = 0;  // not in the directory: known once written

  friend bool operator==(const SegmentMeta&, const SegmentMeta&) = default;
};

//   meta := tenant:length-prefixed rows:varint window_start:svarint
//           min_time:svarint max_time:svarint min_seq:varint max_seq:varint
void PutSegmentMeta(std::string* out, const SegmentMeta& meta);
bool GetSegmentMeta(std::string_view* in, SegmentMeta* meta);

}  // namespace auditlog::storage::segment

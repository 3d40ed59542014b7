#pragma once

// The byte layout of a write-ahead-log file; docs/format/wal.md explains it
// with a worked example.
//
//   file    := header record*
//   header  := magic[8] = "auditwal"  version:u32le = 1  reserved:u32le = 0
//   record  := masked_crc:u32le  length:u32le  type:u8  payload[length]
//
// `masked_crc` is crc32c::Mask(CRC32C(type, payload)). A reader stops cleanly
// at a torn tail (a record cut short by a crash, or whose checksum fails with
// nothing valid after it) and reports corruption anywhere else.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace auditlog::storage::wal {

inline constexpr std::string_view kMagic = "auditwal";
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kFileHeaderBytes = 16;
inline constexpr size_t kRecordHeaderBytes = 9;  // crc, length, type
// The largest payload a record may carry; a batch bigger than this is split
// by the caller. Bounds what a reader allocates for a (possibly corrupt) length.
inline constexpr uint32_t kMaxPayloadBytes = 64u << 20;

// Record types. Persisted: values are stable.
enum class RecordType : uint8_t {
  kBatch = 1,  // a batch of events, encoded by the engine
};

}  // namespace auditlog::storage::wal

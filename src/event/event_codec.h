#pragma once

// The binary row encoding of one Event: compact and fast to decode. The
// write-ahead log stores every acknowledged event this way in its batch
// records and decodes them again at recovery; the memtable keeps rows in it.
//
// PERSISTED in WAL files (docs/format/wal.md). The WAL batch record carries
// kEventCodecVersion once per batch, not once per event: any change to the
// grammar below or to the field registry (event/fields.h: adding a field,
// reordering, retyping) needs a new version and a decoder for the old one.
//
// Grammar (N = AllFields().size(); field i is AllFields()[i]):
//
//   event    := presence value*
//   presence := ceil(N / 8) bytes; bit (i % 8) of byte (i / 8) is set when
//               field i is present. Bits at and beyond N are zero.
//   value    := one per present field, in registry order, shaped by its type:
//     keyword, text, json := length:varint32  bytes[length]
//     time                := zigzag(micros):varint64
//     uint64 (seq)        := varint64
//     outcome (result)    := u8: 1 success, 2 failure
//     double              := IEEE-754 bits:u64le
//     bool                := u8: 0 false, 1 true
//
// Varints are LEB128 as in common/coding.h. A field is present when it holds
// a value: a string when non-empty, a time, double or bool when the optional
// is engaged, seq when non-zero, result when not kUnset. So the absent value
// of each type has no encoding at all, and the bytes after the bitmap carry
// no tags or padding.
//
// The encoding is canonical: an Event has exactly one encoding, and the
// decoder rejects every byte string that is not the encoding of some Event (a
// present but empty string, a present zero seq, a varint with redundant
// trailing zero groups, ...). So decode-then-encode reproduces the input, and
// two encodings are equal exactly when the events are (up to double bits:
// -0.0 and 0.0, and NaN payloads, are kept apart).
//
// Worked example, with N = 54 (7 bitmap bytes, as in version 1) and an event holding only
// id "a1", seq 7 and result success (fields 0, 2 and 8):
//
//   05 01 00 00 00 00 00    presence: bits 0, 2 (byte 0) and 8 (byte 1)
//   02 61 31                id: length 2, "a1"
//   07                      seq: 7
//   01                      result: success
//
// Strings hold arbitrary bytes: the decoder checks lengths, not UTF-8 or JSON,
// because the WAL's checksums protect what the ingest path validated.
//
// Thread-safety: the functions are thread-safe; each call uses only its
// arguments (and an immutable table built on first use).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "event/event.h"

namespace auditlog::event {

// The version of the grammar above, as recorded in WAL batch records.
// Versions differ only in N: version 1 encoded the registry's first 54
// fields; version 2 added geo.asn, geo.as_org and ua.os_minor (N = 57).
inline constexpr uint32_t kEventCodecVersion = 2;
// The oldest version DecodeEventOfVersion still reads.
inline constexpr uint32_t kOldestReadableEventCodecVersion = 1;

bool IsReadableEventCodecVersion(uint32_t version);

// Appends the encoding of `event` to `out`. Never fails.
void AppendEncodedEvent(const Event& event, std::string* out);

// Decodes one event from the front of `*in` into `*event`, overwriting every
// field (absent ones are cleared, keeping string capacity, so decoding many
// events into one Event allocates little), and advances `*in` past it. Bytes
// after the event are left in `*in` untouched.
//
// Returns kCorruption when the front of `*in` is not a valid encoding, with
// the reason, the field and the byte offset within the encoding, e.g.
// "event codec: actor.id: length 300 past the end at offset 12". Then
// `*event` holds unspecified (valid) values and `*in` is unchanged.
Status DecodeEvent(std::string_view* in, Event* event);

// DecodeEvent for an encoding written at codec `version` (recorded by the
// WAL per batch): the store reads older WAL files this way and re-encodes
// their events at the current version. Fields the old version did not have
// are absent. REQUIRES: IsReadableEventCodecVersion(version).
Status DecodeEventOfVersion(uint32_t version, std::string_view* in, Event* event);

// What the store files a stored event under, read from its encoding without
// decoding the rest: the memtable keeps events encoded and indexes them by
// these.
struct EncodedEventKeys {
  size_t size = 0;      // bytes of the whole encoding
  std::string_view id;  // a view into the encoding; empty when absent
  std::optional<UnixMicros> timestamp;
  uint64_t seq = 0;  // 0 when absent
};

// Walks the encoding at the front of `in`, checking every length, varint
// and fixed-size value against the end as DecodeEvent does (but not the
// canonical-form rules: run DecodeEvent for that), and fills `*keys`.
// Returns kCorruption as DecodeEvent does.
Status ScanEncodedEvent(std::string_view in, EncodedEventKeys* keys);

// An encoded event's values located in place, for readers that need a few
// values of many events without building Events: the segment builder reads
// memtable rows this way. Strings are views into the encoding; numbers are
// parsed on access. The encoding must outlive this object.
class EncodedEventFields {
 public:
  static constexpr size_t kMaxFields = 64;

  // Locates the fields of the encoding at the front of `in`. Checks lengths
  // as ScanEncodedEvent does; returns kCorruption as it does.
  Status Locate(std::string_view in);

  // Bytes of the whole encoding.
  size_t size() const { return encoding_size_; }
  bool present(size_t field_index) const { return (present_ >> field_index) & 1; }
  // String fields (keyword, text, json): empty when absent.
  std::string_view string(size_t field_index) const {
    return present(field_index) ? std::string_view(base_ + offset_[field_index], size_[field_index])
                                : std::string_view();
  }
  std::optional<UnixMicros> time(size_t field_index) const;
  std::optional<double> number(size_t field_index) const;
  uint64_t seq() const;
  Outcome result() const;
  std::optional<bool> is_mobile() const;

 private:
  const char* base_ = nullptr;
  uint64_t present_ = 0;
  size_t encoding_size_ = 0;
  uint32_t offset_[kMaxFields];  // of each present field's value (after a string's length)
  uint32_t size_[kMaxFields];    // bytes of each present field's value
};

}  // namespace auditlog::event

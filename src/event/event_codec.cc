#include "event/event_codec.h"

#include <fmt/format.h>

#include <bit>
#include <cstddef>
#include <cstring>
#include <vector>

#include "common/check.h"
#include "common/coding.h"
#include "common/no_destructor.h"
#include "event/fields.h"

namespace auditlog::event {
namespace {

// One registry row, reduced to what the inner loops need. kJson gets a string
// accessor here (the registry addresses `details` directly), so the loops
// treat it as the string it is.
struct FieldCodec {
  FieldType type;
  std::string* (*string_member)(Event&);              // kKeyword, kText, kJson
  std::optional<UnixMicros>* (*time_member)(Event&);  // kTime
  std::optional<double>* (*double_member)(Event&);    // kDouble
  std::string_view path;                              // for error messages
};

struct CodecTable {
  std::vector<FieldCodec> fields;  // AllFields() order
  size_t bitmap_bytes = 0;
  // The bits of the last bitmap byte that name no field; they must be zero.
  uint8_t unused_bits_mask = 0;
  size_t id_index = 0;  // the fields ScanEncodedEvent reports
  size_t timestamp_index = 0;
  size_t seq_index = 0;  // the singletons EncodedEventFields reads
  size_t result_index = 0;
  size_t is_mobile_index = 0;
};

// The registry's size when each codec version was current: fields are only
// ever appended, so version v encodes the first kFieldsOfVersion[v] fields.
constexpr size_t kFieldsOfVersion[] = {0, 54, 57};
static_assert(std::size(kFieldsOfVersion) == kEventCodecVersion + 1);

CodecTable BuildTable(size_t field_count) {
  CodecTable table;
  for (const FieldSpec& spec : AllFields().first(field_count)) {
    FieldCodec codec{spec.type, spec.string_member, spec.time_member, spec.double_member,
                     spec.path};
    // A row without its accessor would silently drop data from the WAL.
    switch (spec.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        AL_CHECK(codec.string_member != nullptr, "string fields name their member");
        break;
      case FieldType::kJson:
        codec.string_member = +[](Event& event) -> std::string* { return &event.details; };
        break;
      case FieldType::kTime:
        AL_CHECK(codec.time_member != nullptr, "time fields name their member");
        break;
      case FieldType::kDouble:
        AL_CHECK(codec.double_member != nullptr, "double fields name their member");
        break;
      case FieldType::kUint64:
      case FieldType::kOutcome:
      case FieldType::kBool:
        break;  // singletons, addressed directly (fields.h)
    }
    table.fields.push_back(codec);
  }
  table.id_index = FieldIndexOf(*FindField("id"));
  table.timestamp_index = FieldIndexOf(*FindField("timestamp"));
  for (size_t i = 0; i < field_count; ++i) {
    if (AllFields()[i].type == FieldType::kUint64) table.seq_index = i;
    if (AllFields()[i].type == FieldType::kOutcome) table.result_index = i;
    if (AllFields()[i].type == FieldType::kBool) table.is_mobile_index = i;
  }
  AL_CHECK(AllFields().size() <= EncodedEventFields::kMaxFields,
           "EncodedEventFields holds up to 64 fields");
  table.bitmap_bytes = (field_count + 7) / 8;
  const size_t used_bits_in_last_byte = field_count % 8;
  table.unused_bits_mask =
      used_bits_in_last_byte == 0 ? 0 : static_cast<uint8_t>(0xff << used_bits_in_last_byte);
  return table;
}

const CodecTable& Table() {
  static const NoDestructor<CodecTable> table([] {
    AL_CHECK(AllFields().size() == kFieldsOfVersion[kEventCodecVersion],
             "a field was added to the registry: add an event codec version for it");
    return BuildTable(AllFields().size());
  }());
  return *table;
}

// The table of an older version, for DecodeEventOfVersion.
const CodecTable& TableOfVersion(uint32_t version) {
  if (version == kEventCodecVersion) return Table();
  static const NoDestructor<std::vector<CodecTable>> tables([] {
    std::vector<CodecTable> all;
    for (size_t count : kFieldsOfVersion) all.push_back(BuildTable(count));
    return all;
  }());
  return (*tables)[version];
}

enum class VarintError : uint8_t { kNone, kTruncated, kOverflow, kOverlong };

// Parses a LEB128 varint that fits UInt and has no redundant trailing zero
// groups (so every value has one encoding), advancing `*pos`. Leaves `*pos`
// alone on error.
template <typename UInt>
inline VarintError ParseVarint(const char** pos, const char* limit, UInt* value) {
  constexpr int kBits = static_cast<int>(sizeof(UInt) * 8);
  constexpr int kMaxBytes = (kBits + 6) / 7;
  const char* cursor = *pos;
  // Most lengths are below 128: one compare and done.
  if (cursor < limit && static_cast<uint8_t>(*cursor) < 0x80) {
    *value = static_cast<uint8_t>(*cursor);
    *pos = cursor + 1;
    return VarintError::kNone;
  }
  uint64_t result = 0;
  for (int byte_idx = 0; byte_idx < kMaxBytes; ++byte_idx) {
    if (cursor == limit) return VarintError::kTruncated;
    const uint64_t byte = static_cast<uint8_t>(*cursor++);
    // The last possible byte may carry only the bits UInt has left, and no
    // continuation bit.
    if (byte_idx == kMaxBytes - 1 && (byte >> (kBits - 7 * byte_idx)) != 0) {
      return VarintError::kOverflow;
    }
    result |= (byte & 0x7f) << (7 * byte_idx);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && byte_idx > 0) return VarintError::kOverlong;
      *value = static_cast<UInt>(result);
      *pos = cursor;
      return VarintError::kNone;
    }
  }
  return VarintError::kOverflow;  // unreachable: the last byte has no continuation bit
}

// The error paths build messages; keep them out of the decoding loop's code.
[[gnu::cold, gnu::noinline]] Status Corrupt(std::string_view field, std::string_view what,
                                            ptrdiff_t offset) {
  return Status::Corruption(fmt::format("event codec: {}: {} at offset {}", field, what, offset));
}

[[gnu::cold, gnu::noinline]] Status CorruptVarint(std::string_view field, VarintError error,
                                                  ptrdiff_t offset) {
  switch (error) {
    case VarintError::kTruncated:
      return Corrupt(field, "truncated varint", offset);
    case VarintError::kOverflow:
      return Corrupt(field, "varint overflow", offset);
    case VarintError::kOverlong:
      return Corrupt(field, "non-canonical varint (redundant zero bytes)", offset);
    case VarintError::kNone:
      break;
  }
  return Status::Internal("event codec: varint error without an error");
}

[[gnu::cold, gnu::noinline]] Status CorruptLength(std::string_view field, uint32_t length,
                                                  ptrdiff_t bytes_left, ptrdiff_t offset) {
  return Corrupt(field, fmt::format("length {} past the end ({} bytes left)", length, bytes_left),
                 offset);
}

// Checks the presence bitmap at the front of an encoding of `size` bytes.
Status CheckBitmap(const CodecTable& table, const char* begin, size_t size) {
  if (size < table.bitmap_bytes) {
    return Corrupt("presence",
                   fmt::format("truncated bitmap ({} of {} bytes)", size, table.bitmap_bytes), 0);
  }
  const auto* bitmap = reinterpret_cast<const uint8_t*>(begin);
  const size_t last_byte_idx = table.bitmap_bytes - 1;
  if ((bitmap[last_byte_idx] & table.unused_bits_mask) != 0) {
    return Corrupt("presence", "bit set beyond the field count",
                   static_cast<ptrdiff_t>(last_byte_idx));
  }
  return Status::OK();
}

// Parses a string value (length, then bytes within `limit`), advancing
// `*pos`. `offset` places errors.
inline Status ParseString(const FieldCodec& field, const char** pos, const char* limit,
                          ptrdiff_t offset, std::string_view* value) {
  uint32_t length = 0;
  const VarintError error = ParseVarint(pos, limit, &length);
  if (error != VarintError::kNone) return CorruptVarint(field.path, error, offset);
  if (length > static_cast<size_t>(limit - *pos)) {
    return CorruptLength(field.path, length, limit - *pos, offset);
  }
  *value = std::string_view(*pos, length);
  *pos += length;
  return Status::OK();
}

}  // namespace

// Two passes: the first finds each present value (through the registry's
// accessors, once) and bounds the encoding's size; the second writes into
// room made in one resize. Appending value by value checked the string's
// capacity, and grew it, ~60 times an event, inside the store's lock.
void AppendEncodedEvent(const Event& event, std::string* out) {
  const CodecTable& table = Table();
  // The registry's accessors take Event&; the encoder only reads through them.
  Event& source = const_cast<Event&>(event);
  const void* values[EncodedEventFields::kMaxFields];
  size_t bound = table.bitmap_bytes;
  for (size_t field_idx = 0; field_idx < table.fields.size(); ++field_idx) {
    const FieldCodec& field = table.fields[field_idx];
    const void* value = nullptr;
    switch (field.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
      case FieldType::kJson: {
        const std::string* text = field.string_member(source);
        if (text->empty()) break;
        // Validation caps events far below this; a longer string would be
        // written with a wrapped length and corrupt the WAL.
        AL_CHECK(text->size() <= UINT32_MAX, "event strings fit a varint32 length");
        value = text;
        bound += kMaxVarint32Bytes + text->size();
        break;
      }
      case FieldType::kTime: {
        const std::optional<UnixMicros>* time = field.time_member(source);
        if (time->has_value()) value = time;
        bound += kMaxVarint64Bytes;
        break;
      }
      case FieldType::kUint64:
        if (event.seq != 0) value = &event.seq;
        bound += kMaxVarint64Bytes;
        break;
      case FieldType::kOutcome:
        if (event.result != Outcome::kUnset) value = &event.result;
        bound += 1;
        break;
      case FieldType::kDouble: {
        const std::optional<double>* number = field.double_member(source);
        if (number->has_value()) value = number;
        bound += 8;
        break;
      }
      case FieldType::kBool:
        if (event.ua.is_mobile.has_value()) value = &event.ua.is_mobile;
        bound += 1;
        break;
    }
    values[field_idx] = value;
  }

  const size_t start = out->size();
  out->resize(start + bound);  // zero-filled: the bitmap starts clear
  char* const bitmap = out->data() + start;
  char* pos = bitmap + table.bitmap_bytes;
  for (size_t field_idx = 0; field_idx < table.fields.size(); ++field_idx) {
    const void* value = values[field_idx];
    if (value == nullptr) continue;
    bitmap[field_idx / 8] = static_cast<char>(bitmap[field_idx / 8] | (1u << (field_idx % 8)));
    switch (table.fields[field_idx].type) {
      case FieldType::kKeyword:
      case FieldType::kText:
      case FieldType::kJson: {
        const auto& text = *static_cast<const std::string*>(value);
        pos = EncodeVarint64(pos, text.size());
        std::memcpy(pos, text.data(), text.size());
        pos += text.size();
        break;
      }
      case FieldType::kTime:
        pos = EncodeVarint64(
            pos, ZigZagEncode64(**static_cast<const std::optional<UnixMicros>*>(value)));
        break;
      case FieldType::kUint64:
        pos = EncodeVarint64(pos, *static_cast<const uint64_t*>(value));
        break;
      case FieldType::kOutcome:
        *pos++ = static_cast<char>(*static_cast<const Outcome*>(value));
        break;
      case FieldType::kDouble:
        EncodeFixed64(pos,
                      std::bit_cast<uint64_t>(**static_cast<const std::optional<double>*>(value)));
        pos += 8;
        break;
      case FieldType::kBool:
        *pos++ = **static_cast<const std::optional<bool>*>(value) ? '\1' : '\0';
        break;
    }
  }
  out->resize(static_cast<size_t>(pos - out->data()));
}

Status DecodeEvent(std::string_view* in, Event* event) {
  return DecodeEventOfVersion(kEventCodecVersion, in, event);
}

bool IsReadableEventCodecVersion(uint32_t version) {
  return version >= kOldestReadableEventCodecVersion && version <= kEventCodecVersion;
}

Status DecodeEventOfVersion(uint32_t version, std::string_view* in, Event* event) {
  AL_DCHECK(IsReadableEventCodecVersion(version), "callers check the version");
  const CodecTable& table = TableOfVersion(version);
  const char* const begin = in->data();
  const char* const limit = begin + in->size();
  AL_RETURN_IF_ERROR(CheckBitmap(table, begin, in->size()));
  const auto* bitmap = reinterpret_cast<const uint8_t*>(begin);

  event->Clear();
  const char* pos = begin + table.bitmap_bytes;
  // Visit only the set bits: most events leave half the fields absent.
  for (size_t byte_idx = 0; byte_idx < table.bitmap_bytes; ++byte_idx) {
    for (uint32_t bits = bitmap[byte_idx]; bits != 0; bits &= bits - 1) {
      const size_t field_idx = byte_idx * 8 + static_cast<size_t>(std::countr_zero(bits));
      const FieldCodec& field = table.fields[field_idx];
      const ptrdiff_t offset = pos - begin;
      switch (field.type) {
        case FieldType::kKeyword:
        case FieldType::kText:
        case FieldType::kJson: {
          std::string_view value;
          AL_RETURN_IF_ERROR(ParseString(field, &pos, limit, offset, &value));
          if (value.empty()) return Corrupt(field.path, "present but empty string", offset);
          // assign() reuses the capacity Clear() kept.
          field.string_member(*event)->assign(value);
          break;
        }
        case FieldType::kTime: {
          uint64_t zigzag = 0;
          const VarintError error = ParseVarint(&pos, limit, &zigzag);
          if (error != VarintError::kNone) return CorruptVarint(field.path, error, offset);
          *field.time_member(*event) = ZigZagDecode64(zigzag);
          break;
        }
        case FieldType::kUint64: {
          uint64_t value = 0;
          const VarintError error = ParseVarint(&pos, limit, &value);
          if (error != VarintError::kNone) return CorruptVarint(field.path, error, offset);
          if (value == 0) return Corrupt(field.path, "present but zero", offset);
          event->seq = value;
          break;
        }
        case FieldType::kOutcome: {
          if (pos == limit) return Corrupt(field.path, "truncated outcome", offset);
          const auto byte = static_cast<uint8_t>(*pos++);
          if (byte != static_cast<uint8_t>(Outcome::kSuccess) &&
              byte != static_cast<uint8_t>(Outcome::kFailure)) {
            return Corrupt(field.path, fmt::format("bad outcome byte {}", byte), offset);
          }
          event->result = static_cast<Outcome>(byte);
          break;
        }
        case FieldType::kDouble: {
          if (limit - pos < 8) return Corrupt(field.path, "truncated double", offset);
          *field.double_member(*event) = std::bit_cast<double>(DecodeFixed64(pos));
          pos += 8;
          break;
        }
        case FieldType::kBool: {
          if (pos == limit) return Corrupt(field.path, "truncated bool", offset);
          const auto byte = static_cast<uint8_t>(*pos++);
          if (byte > 1) return Corrupt(field.path, fmt::format("bad bool byte {}", byte), offset);
          event->ua.is_mobile = byte == 1;
          break;
        }
      }
    }
  }
  in->remove_prefix(static_cast<size_t>(pos - begin));
  return Status::OK();
}

Status ScanEncodedEvent(std::string_view in, EncodedEventKeys* keys) {
  const CodecTable& table = Table();
  EncodedEventFields fields;
  AL_RETURN_IF_ERROR(fields.Locate(in));
  keys->size = fields.size();
  keys->id = fields.string(table.id_index);
  keys->timestamp = fields.time(table.timestamp_index);
  keys->seq = fields.seq();
  return Status::OK();
}

Status EncodedEventFields::Locate(std::string_view in) {
  const CodecTable& table = Table();
  const char* const begin = in.data();
  const char* const limit = begin + in.size();
  AL_RETURN_IF_ERROR(CheckBitmap(table, begin, in.size()));
  const auto* bitmap = reinterpret_cast<const uint8_t*>(begin);
  base_ = begin;
  present_ = 0;
  const char* pos = begin + table.bitmap_bytes;
  for (size_t byte_idx = 0; byte_idx < table.bitmap_bytes; ++byte_idx) {
    present_ |= static_cast<uint64_t>(bitmap[byte_idx]) << (8 * byte_idx);
    for (uint32_t bits = bitmap[byte_idx]; bits != 0; bits &= bits - 1) {
      const size_t field_idx = byte_idx * 8 + static_cast<size_t>(std::countr_zero(bits));
      const FieldCodec& field = table.fields[field_idx];
      const ptrdiff_t offset = pos - begin;
      const char* value = pos;
      switch (field.type) {
        case FieldType::kKeyword:
        case FieldType::kText:
        case FieldType::kJson: {
          std::string_view text;
          AL_RETURN_IF_ERROR(ParseString(field, &pos, limit, offset, &text));
          value = text.data();
          break;
        }
        case FieldType::kTime:
        case FieldType::kUint64: {
          uint64_t number = 0;
          const VarintError error = ParseVarint(&pos, limit, &number);
          if (error != VarintError::kNone) return CorruptVarint(field.path, error, offset);
          break;
        }
        case FieldType::kOutcome:
        case FieldType::kBool:
          if (pos == limit) return Corrupt(field.path, "truncated value", offset);
          ++pos;
          break;
        case FieldType::kDouble:
          if (limit - pos < 8) return Corrupt(field.path, "truncated double", offset);
          pos += 8;
          break;
      }
      offset_[field_idx] = static_cast<uint32_t>(value - begin);
      size_[field_idx] = static_cast<uint32_t>(pos - value);
    }
  }
  encoding_size_ = static_cast<size_t>(pos - begin);
  return Status::OK();
}

namespace {
// A varint the encoding holds at `pos` (Locate checked it).
uint64_t VarintAt(const char* pos, size_t size) {
  uint64_t value = 0;
  (void)ParseVarint(&pos, pos + size, &value);
  return value;
}
}  // namespace

std::optional<UnixMicros> EncodedEventFields::time(size_t field_index) const {
  if (!present(field_index)) return std::nullopt;
  return ZigZagDecode64(VarintAt(base_ + offset_[field_index], size_[field_index]));
}

std::optional<double> EncodedEventFields::number(size_t field_index) const {
  if (!present(field_index)) return std::nullopt;
  return std::bit_cast<double>(DecodeFixed64(base_ + offset_[field_index]));
}

uint64_t EncodedEventFields::seq() const {
  const size_t index = Table().seq_index;
  return present(index) ? VarintAt(base_ + offset_[index], size_[index]) : 0;
}

Outcome EncodedEventFields::result() const {
  const size_t index = Table().result_index;
  return present(index) ? static_cast<Outcome>(base_[offset_[index]]) : Outcome::kUnset;
}

std::optional<bool> EncodedEventFields::is_mobile() const {
  const size_t index = Table().is_mobile_index;
  if (!present(index)) return std::nullopt;
  return base_[offset_[index]] == 1;
}

}  // namespace auditlog::event

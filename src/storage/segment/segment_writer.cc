#include "storage/segment/segment_writer.h"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <map>
#include <optional>
#include <roaring/roaring.hh>

#include "common/check.h"
#include "common/coding.h"
#include "common/crc32c.h"
#include "common/string_index.h"
#include "event/fields.h"
#include "query/tokenizer.h"
#include "storage/segment/section_blocks.h"
#include "storage/segment/value_filter.h"

namespace auditlog::storage::segment {
namespace {

using event::Event;
using event::FieldSpec;
using event::FieldType;

// The dictionary bytes of a non-string field's value, or empty when absent.
// `scratch` backs a double's key.
std::string_view ScalarKey(const FieldSpec& field, event::Outcome result,
                           std::optional<bool> is_mobile, const std::optional<double>* number,
                           std::string* scratch) {
  switch (field.type) {
    case FieldType::kOutcome:
      return event::OutcomeName(result);
    case FieldType::kBool:
      if (!is_mobile) return {};
      return *is_mobile ? kTrueKey : kFalseKey;
    case FieldType::kDouble:
      if (number == nullptr || !*number) return {};
      *scratch = EncodeDoubleKey(**number);
      return *scratch;
    default:
      AL_CHECK(false, "no dictionary key for this field type");
      return {};
  }
}

// How the builder reads its rows: Events (tests, compaction) or encodings
// located in place (the memtable's rows, not decoded). Each answers by row
// number and field.
class EventRows {
 public:
  explicit EventRows(std::span<const Event* const> rows) : rows_(rows) {}
  size_t size() const { return rows_.size(); }
  std::string_view Key(size_t row, const FieldSpec& field, size_t, std::string* scratch) const {
    const Event& event = *rows_[row];
    if (field.type == FieldType::kKeyword || field.type == FieldType::kText)
      return event::StringField(field, event);
    const std::optional<double>* number =
        field.type == FieldType::kDouble ? field.double_member(const_cast<Event&>(event)) : nullptr;
    return ScalarKey(field, event.result, event.ua.is_mobile, number, scratch);
  }
  std::optional<int64_t> Time(size_t row, const FieldSpec& field, size_t) const {
    return *field.time_member(const_cast<Event&>(*rows_[row]));
  }
  uint64_t Seq(size_t row) const { return rows_[row]->seq; }
  std::string_view Details(size_t row) const { return rows_[row]->details; }
  std::string_view Tenant(size_t row) const { return rows_[row]->tenant; }

 private:
  std::span<const Event* const> rows_;
};

class EncodedRows {
 public:
  explicit EncodedRows(std::span<const event::EncodedEventFields> rows) : rows_(rows) {
    static const size_t tenant = FieldIndexOf("tenant"), details = FieldIndexOf("details");
    tenant_index_ = tenant;
    details_index_ = details;
  }
  size_t size() const { return rows_.size(); }
  std::string_view Key(size_t row, const FieldSpec& field, size_t field_index,
                       std::string* scratch) const {
    const event::EncodedEventFields& fields = rows_[row];
    if (field.type == FieldType::kKeyword || field.type == FieldType::kText)
      return fields.string(field_index);
    switch (field.type) {
      case FieldType::kDouble: {
        const std::optional<double> number = fields.number(field_index);
        return ScalarKey(field, event::Outcome::kUnset, std::nullopt, &number, scratch);
      }
      case FieldType::kOutcome:
        return ScalarKey(field, fields.result(), std::nullopt, nullptr, scratch);
      default:
        return ScalarKey(field, event::Outcome::kUnset, fields.is_mobile(), nullptr, scratch);
    }
  }
  std::optional<int64_t> Time(size_t row, const FieldSpec&, size_t field_index) const {
    return rows_[row].time(field_index);
  }
  uint64_t Seq(size_t row) const { return rows_[row].seq(); }
  std::string_view Details(size_t row) const { return rows_[row].string(details_index_); }
  std::string_view Tenant(size_t row) const { return rows_[row].string(tenant_index_); }

 private:
  static size_t FieldIndexOf(std::string_view path) {
    return event::FieldIndexOf(*event::FindField(path));
  }
  std::span<const event::EncodedEventFields> rows_;
  size_t tenant_index_, details_index_;
};

// The numbers 0..count-1 ordered by the bytes of string `at(number)`
// (unsigned, as std::string_view compares). Strings are compared eight bytes
// at a time as big-endian integers kept beside their numbers in a
// contiguous array, never by a memcmp through a pointer: a run of strings
// equal in their first 8 bytes (ids generated in the same second share 8
// and more) is ordered by the next 8, and so on.
template <typename At>
std::vector<uint32_t> OrderByBytes(size_t count, At at) {
  struct Keyed {
    uint64_t chunk;  // bytes [depth, depth + 8) of the string, zero-padded
    uint32_t ends;   // the string's size if it ends within those bytes, else UINT32_MAX
    uint32_t number;
  };
  std::vector<Keyed> keyed(count);
  for (uint32_t number = 0; number < count; ++number) keyed[number].number = number;
  // Within equal chunks, a string that ends there sorts before one that goes
  // on (it is a prefix of it), and of two that end, the shorter is first
  // ("ab" < "ab\0"); two strings that go on are ordered by the next chunk.
  auto order_run = [&](auto&& self, std::span<Keyed> run, size_t depth) -> void {
    for (Keyed& entry : run) {
      const std::string_view text = at(entry.number);
      const size_t left = text.size() > depth ? text.size() - depth : 0;
      entry.chunk = OrderedChunk(text, depth);
      entry.ends = left <= 8 ? static_cast<uint32_t>(text.size()) : UINT32_MAX;
    }
    std::sort(run.begin(), run.end(), [](const Keyed& a, const Keyed& b) {
      return a.chunk != b.chunk ? a.chunk < b.chunk : a.ends < b.ends;
    });
    for (size_t begin = 0; begin < run.size();) {
      size_t end = begin + 1;
      while (end < run.size() && run[end].chunk == run[begin].chunk &&
             run[end].ends == run[begin].ends)
        ++end;
      if (end - begin > 1 && run[begin].ends == UINT32_MAX)
        self(self, run.subspan(begin, end - begin), depth + 8);
      begin = end;
    }
  };
  order_run(order_run, std::span(keyed), 0);
  std::vector<uint32_t> order(count);
  for (size_t i = 0; i < count; ++i) order[i] = keyed[i].number;
  return order;
}

void PutDeltaList(std::string* out, std::span<const uint32_t> sorted) {
  PutVarint32(out, static_cast<uint32_t>(sorted.size()));
  uint32_t previous = 0;
  for (uint32_t value : sorted) {
    PutVarint32(out, value - previous);
    previous = value;
  }
}

// One posting list: a kind byte, then the delta list or the portable Roaring
// serialization, whichever is smaller.
void PutPosting(std::string* out, std::span<const uint32_t> rows) {
  size_t delta_bytes = VarintLength(rows.size());
  uint32_t previous = 0;
  for (uint32_t row : rows) {
    delta_bytes += VarintLength(row - previous);
    previous = row;
  }
  if (rows.size() >= 32) {
    Roaring bitmap(rows.size(), rows.data());
    bitmap.runOptimize();
    size_t roaring_bytes = bitmap.getSizeInBytes(/*portable=*/true);
    if (roaring_bytes < delta_bytes) {
      out->push_back(static_cast<char>(PostingEncoding::kRoaring));
      size_t start = out->size();
      out->resize(start + roaring_bytes);
      bitmap.write(out->data() + start, /*portable=*/true);
      return;
    }
  }
  out->push_back(static_cast<char>(PostingEncoding::kDeltaVarint));
  PutDeltaList(out, rows);
}

template <typename Rows>
class Builder {
 public:
  Builder(const Rows& rows, const SegmentWriteOptions& options) : rows_(rows), options_(options) {
    out_.append(kHeaderMagic);
    PutFixed32(&out_, kFormatVersion);
  }

  // Reads what every section needs from the rows, in one pass, before any
  // section is stored: the values of the dictionary fields, numbered; times,
  // seqs and details. The rows are visited in chunks, every field of a chunk
  // before the next chunk, so a row's encoding and its location are brought
  // into the cache once rather than once per field: field by field over all
  // rows, each field's pass missed the cache on every row (a full segment's
  // rows and their locations are ~150 MB).
  void ReadRows(std::span<const FieldSpec> fields) {
    constexpr size_t kChunkRows = 128;
    const size_t row_count = rows_.size();
    numberings_.resize(fields.size());
    times_.resize(fields.size());
    seqs_.resize(row_count);
    details_.resize(row_count);
    std::vector<size_t> dictionary_fields, time_fields;
    std::vector<const Numbering*> sources(fields.size(), nullptr);
    for (size_t field_index = 0; field_index < fields.size(); ++field_index) {
      const FieldSpec& field = fields[field_index];
      if (field.type == FieldType::kTime) {
        time_fields.push_back(field_index);
        times_[field_index].resize(row_count);
      }
      if (!IsDictionaryField(field)) continue;
      dictionary_fields.push_back(field_index);
      Numbering& numbering = numberings_[field_index];
      numbering.first_seen = StringIndex(std::min<size_t>(row_count, 1024));
      numbering.appearance.assign(row_count, kAbsent);
      if (field.type == FieldType::kDouble) numbering.scratch.resize(row_count);
      if (const std::optional<size_t> source = DerivedFrom(field)) {
        AL_CHECK(IsDictionaryField(fields[*source]), "a derived field's source is numbered");
        sources[field_index] = &numberings_[*source];
      }
    }
    // Sources before the fields derived from them: a chunk's derived values
    // are guessed from its rows' source numbers.
    std::stable_partition(dictionary_fields.begin(), dictionary_fields.end(),
                          [&](size_t field_index) { return sources[field_index] == nullptr; });
    const std::string_view tenant = row_count > 0 ? rows_.Tenant(0) : std::string_view();
    for (size_t begin = 0; begin < row_count; begin += kChunkRows) {
      const size_t end = std::min(row_count, begin + kChunkRows);
      for (size_t row = begin; row < end; ++row) {
        seqs_[row] = rows_.Seq(row);
        details_[row] = rows_.Details(row);
        if (!first_foreign_row_ && rows_.Tenant(row) != tenant) first_foreign_row_ = row;
      }
      for (size_t field_index : time_fields)
        for (size_t row = begin; row < end; ++row)
          times_[field_index][row] = rows_.Time(row, fields[field_index], field_index);
      for (size_t field_index : dictionary_fields) {
        Numbering& numbering = numberings_[field_index];
        const Numbering* source = sources[field_index];
        auto distinct_at = [&](uint32_t number) { return numbering.distinct[number]; };
        for (size_t row = begin; row < end; ++row) {
          const std::string_view key =
              rows_.Key(row, fields[field_index], field_index,
                        numbering.scratch.empty() ? nullptr : &numbering.scratch[row]);
          if (key.empty()) continue;
          const uint32_t source_number = source != nullptr ? source->appearance[row] : kAbsent;
          std::vector<uint32_t>& by_source = numbering.by_source;
          if (source_number < by_source.size()) {
            const uint32_t guess = by_source[source_number];
            if (guess != kAbsent && numbering.distinct[guess] == key) {
              numbering.appearance[row] = guess;
              continue;
            }
          }
          auto [number, inserted] =
              numbering.first_seen.FindOrInsert(key, StringIndex::Hash(key), distinct_at);
          if (inserted) numbering.distinct.push_back(key);
          numbering.appearance[row] = number;
          if (source_number == kAbsent) continue;
          if (source_number >= by_source.size())
            by_source.resize(std::max<size_t>(source_number + 1, 2 * by_source.size()), kAbsent);
          by_source[source_number] = number;
        }
      }
    }
  }

  // Checks what ReadRows read: one tenant, every row with a timestamp and a
  // seq, in (timestamp, seq) order; fills the rest of `*meta`.
  Status CheckRows(size_t timestamp_index, SegmentMeta* meta) const {
    const std::vector<std::optional<int64_t>>& timestamps = times_[timestamp_index];
    meta->tenant = std::string(rows_.Tenant(0));
    meta->rows = static_cast<uint32_t>(rows_.size());
    meta->min_seq = UINT64_MAX;
    meta->max_seq = 0;
    for (size_t row = 0; row < rows_.size(); ++row) {
      const std::optional<int64_t> time = timestamps[row];
      const uint64_t seq = seqs_[row];
      if (row == first_foreign_row_ || !time || seq == 0)
        return Status::InvalidArgument(
            fmt::format("segment: row {} has another tenant, no timestamp or no seq", row));
      if (row > 0 && std::pair(*timestamps[row - 1], seqs_[row - 1]) >= std::pair(*time, seq))
        return Status::InvalidArgument(fmt::format("segment: row {} is out of order", row));
      if (row == 0) meta->min_time = *time;
      meta->max_time = *time;
      meta->min_seq = std::min(meta->min_seq, seq);
      meta->max_seq = std::max(meta->max_seq, seq);
    }
    return Status::OK();
  }

  void AddField(size_t field_index, const FieldSpec& field) {
    switch (field.type) {
      case FieldType::kTime:
        AddTimes(field_index);
        break;
      case FieldType::kUint64:
        AddSeqs(field_index);
        break;
      case FieldType::kJson:
        AddRaw(field_index);
        break;
      default:
        AddDictionaryField(field_index, field);
        break;
    }
  }

  Result<std::string> Finish(const SegmentMeta& meta) {
    // Uncompressed: a Bloom filter's bits are random.
    if (options_.value_filter)
      AddSection(SectionKind::kValueFilter, 0, value_filter_.Finish(), /*compress=*/false);
    std::string directory;
    PutSegmentMeta(&directory, meta);
    PutVarint32(&directory, section_count_);
    directory.append(entries_);
    uint64_t directory_offset = out_.size();
    out_.append(directory);
    PutFixed64(&out_, directory_offset);
    PutFixed32(&out_, static_cast<uint32_t>(directory.size()));
    PutFixed32(&out_, crc32c::Mask(crc32c::Value(directory)));
    // The lowest version that reads the file (segment_format.h).
    const uint32_t version = has_blocks_ ? kBlocksFormatVersion : kFormatVersion;
    PutFixed32(&out_, version);
    out_.append(kFooterMagic);
    EncodeFixed32(out_.data() + kHeaderMagic.size(), version);
    return std::move(out_);
  }

 private:
  // `compress`: false for sections read in parts (kTokenRows).
  void AddSection(SectionKind kind, size_t field_index, std::string_view raw,
                  bool compress = true) {
    if (compress && AddBlockedSection(kind, field_index, raw)) return;
    if (compress && Compress(raw, &compressed_) && compressed_.size() < raw.size()) {
      PutSection(kind, field_index, SectionCodec::kZstd, compressed_, raw.size());
      return;
    }
    PutSection(kind, field_index, SectionCodec::kNone, raw, raw.size());
  }

  // `raw` as one zstd frame in `*frame`; false when zstd fails.
  bool Compress(std::string_view raw, std::string* frame) {
    if (compressor_ == nullptr) compressor_.reset(ZSTD_createCCtx());
    frame->resize(ZSTD_compressBound(raw.size()));
    const size_t size = ZSTD_compressCCtx(compressor_.get(), frame->data(), frame->size(),
                                          raw.data(), raw.size(), options_.zstd_level);
    if (ZSTD_isError(size)) return false;
    frame->resize(size);
    return true;
  }

  // Stores a large section of items in blocks (section_blocks.h); false
  // when it is small, or blocks would not make it smaller than raw.
  bool AddBlockedSection(SectionKind kind, size_t field_index, std::string_view raw) {
    const size_t target =
        kind == SectionKind::kCodes ? options_.block_bytes / 4 : options_.block_bytes;
    if (!HasItems(kind) || target == 0 || raw.size() < 2 * target) return false;
    const std::vector<BlockStart> starts = SplitIntoBlocks(kind, raw, target);
    if (starts.size() < 2) return false;
    auto compress = [this](std::string_view part, std::string* frame) {
      return Compress(part, frame);
    };
    if (!EncodeBlocks(raw, starts, compress, &blocked_) || blocked_.size() >= raw.size())
      return false;
    PutSection(kind, field_index, SectionCodec::kZstdBlocks, blocked_, raw.size());
    has_blocks_ = true;
    return true;
  }

  void PutSection(SectionKind kind, size_t field_index, SectionCodec codec, std::string_view stored,
                  size_t raw_bytes) {
    ++section_count_;
    entries_.push_back(static_cast<char>(kind));
    entries_.push_back(static_cast<char>(field_index));
    entries_.push_back(static_cast<char>(codec));
    PutVarint64(&entries_, out_.size());
    PutVarint64(&entries_, stored.size());
    PutVarint64(&entries_, raw_bytes);
    PutFixed32(&entries_, crc32c::Mask(crc32c::Value(stored)));
    out_.append(stored);
  }

  void AddTimes(size_t field_index) {
    std::string raw;
    const size_t row_count = rows_.size();
    std::string presence((row_count + 7) / 8, '\0');
    bool all_present = true;
    std::string deltas;
    int64_t previous = 0;
    const std::vector<std::optional<int64_t>> times = std::move(times_[field_index]);
    for (size_t row = 0; row < row_count; ++row) {
      const std::optional<int64_t> time = times[row];
      if (!time) {
        all_present = false;
        continue;
      }
      presence[row / 8] = static_cast<char>(presence[row / 8] | (1 << (row % 8)));
      PutVarintSigned64(&deltas, *time - previous);
      previous = *time;
    }
    raw.push_back(all_present ? 0 : 1);
    if (!all_present) raw.append(presence);
    raw.append(deltas);
    AddSection(SectionKind::kTimes, field_index, raw);
  }

  void AddSeqs(size_t field_index) {
    std::string raw;
    int64_t previous = 0;
    for (size_t row = 0; row < rows_.size(); ++row) {
      const auto seq = static_cast<int64_t>(seqs_[row]);
      PutVarintSigned64(&raw, seq - previous);
      previous = seq;
    }
    AddSection(SectionKind::kSeqs, field_index, raw);
  }

  void AddRaw(size_t field_index) {
    std::string raw;
    for (std::string_view details : details_) PutLengthPrefixed(&raw, details);
    AddSection(SectionKind::kRaw, field_index, raw);
  }

  // The field that enrichment derives `field` from (`ip` for geo.*,
  // `user_agent` for ua.*), as an index into AllFields(); nullopt for the
  // rest. Rows with one source value nearly always hold one derived value.
  static std::optional<size_t> DerivedFrom(const FieldSpec& field) {
    static const size_t ip = event::FieldIndexOf(*event::FindField("ip"));
    static const size_t user_agent = event::FieldIndexOf(*event::FindField("user_agent"));
    if (field.path.starts_with("geo.")) return ip;
    if (field.path.starts_with("ua.")) return user_agent;
    return std::nullopt;
  }

  static bool IsDictionaryField(const FieldSpec& field) {
    return field.type != FieldType::kTime && field.type != FieldType::kUint64 &&
           field.type != FieldType::kJson;
  }

  // Distinct values first, in order of appearance (ReadRows);
  // then sorted, so codes follow value order and ranges and prefixes are
  // code ranges.
  void AddDictionaryField(size_t field_index, const FieldSpec& field) {
    const size_t row_count = rows_.size();
    // Released when this field is stored: the numbering of every field is
    // held at once only between the two passes.
    Numbering numbering = std::move(numberings_[field_index]);
    std::vector<std::string_view>& distinct = numbering.distinct;
    const std::vector<uint32_t>& appearance = numbering.appearance;
    const std::vector<uint32_t> order =
        OrderByBytes(distinct.size(), [&](uint32_t i) { return distinct[i]; });
    std::vector<uint32_t> code_of_appearance(distinct.size());
    std::string dictionary;
    PutVarint32(&dictionary, static_cast<uint32_t>(distinct.size()));
    std::vector<std::string_view> sorted(distinct.size());
    for (uint32_t rank = 0; rank < order.size(); ++rank) {
      code_of_appearance[order[rank]] = rank + 1;
      sorted[rank] = distinct[order[rank]];
      PutLengthPrefixed(&dictionary, sorted[rank]);
    }
    distinct = std::move(sorted);
    AddSection(SectionKind::kDictionary, field_index, dictionary);
    // A text field's values are in the filter by their tokens alone (added
    // below): a value's tokens stand in for it, and descriptions, nearly
    // one per row, would double the filter.
    if (field.index != event::IndexKind::kTokens)
      for (std::string_view value : distinct)
        value_filter_.Add(FilterKeyHash(field_index, FilterKeyKind::kValue, value));

    std::vector<uint32_t> codes(row_count, 0);
    std::vector<uint32_t> occurrences(distinct.size() + 1, 0);
    for (size_t row = 0; row < row_count; ++row) {
      if (appearance[row] == kAbsent) continue;
      codes[row] = code_of_appearance[appearance[row]];
      ++occurrences[codes[row]];
    }
    const uint8_t width = distinct.size() < (1u << 8) ? 1 : distinct.size() < (1u << 16) ? 2 : 3;
    std::string code_bytes;
    code_bytes.reserve(1 + row_count * width);
    code_bytes.push_back(static_cast<char>(width));
    for (uint32_t code : codes)
      for (int byte = 0; byte < width; ++byte)
        code_bytes.push_back(static_cast<char>(code >> (8 * byte)));
    AddSection(SectionKind::kCodes, field_index, code_bytes);

    bool unique = std::all_of(occurrences.begin(), occurrences.end(),
                              [](uint32_t count) { return count <= 1; });
    if (!unique) AddPostings(field_index, codes, occurrences);
    if (field.index == event::IndexKind::kTokens) AddTokens(field_index, distinct, codes);
  }

  // postings := count:varint offset:u32le*(count+1) posting*
  void AddPostings(size_t field_index, const std::vector<uint32_t>& codes,
                   const std::vector<uint32_t>& occurrences) {
    const size_t value_count = occurrences.size() - 1;
    std::vector<uint32_t> start(value_count + 2, 0);
    for (size_t code = 1; code <= value_count; ++code)
      start[code + 1] = start[code] + occurrences[code];
    std::vector<uint32_t> rows_by_code(start[value_count + 1]);
    std::vector<uint32_t> fill(start.begin(), start.end());
    for (uint32_t row = 0; row < codes.size(); ++row)
      if (codes[row] != 0) rows_by_code[fill[codes[row]]++] = row;

    std::string data;
    std::string offsets;
    for (size_t code = 1; code <= value_count; ++code) {
      PutFixed32(&offsets, static_cast<uint32_t>(data.size()));
      PutPosting(&data, std::span(rows_by_code).subspan(start[code], occurrences[code]));
    }
    PutFixed32(&offsets, static_cast<uint32_t>(data.size()));
    std::string raw;
    PutVarint32(&raw, static_cast<uint32_t>(value_count));
    raw.append(offsets);
    raw.append(data);
    AddSection(SectionKind::kPostings, field_index, raw);
  }

  // Per token the rows whose value has it, for text search that reads only
  // the lists it needs (docs/format/segment.md):
  // token_terms := count:varint token:length-prefixed*count offset:u64le*(count+1)
  //                block_crc:u32le*ceil(size(token_rows) / kTokenRowsBlockBytes)
  // token_rows  := posting*   -- stored uncompressed, one list per token
  void AddTokens(size_t field_index, const std::vector<std::string_view>& distinct,
                 const std::vector<uint32_t>& row_codes) {
    // Tokens may be folded copies, so their bytes go to one arena; each
    // (token, code) pair is kept once, in code order per token.
    std::string token_bytes;
    std::vector<std::pair<uint32_t, uint32_t>> token_spans;  // offset, length in token_bytes
    std::vector<uint32_t> last_code;                         // per token
    std::vector<std::pair<uint32_t, uint32_t>> pairs;        // token number, code
    StringIndex token_numbers(distinct.size() * 4);
    auto token_at = [&](uint32_t number) {
      return std::string_view(token_bytes)
          .substr(token_spans[number].first, token_spans[number].second);
    };
    for (size_t i = 0; i < distinct.size(); ++i) {
      const uint32_t code = static_cast<uint32_t>(i + 1);
      query::ForEachIndexToken(distinct[i], [&](std::string_view token) {
        auto [number, inserted] =
            token_numbers.FindOrInsert(token, StringIndex::Hash(token), token_at);
        if (inserted) {
          token_spans.emplace_back(static_cast<uint32_t>(token_bytes.size()),
                                   static_cast<uint32_t>(token.size()));
          token_bytes.append(token);
          last_code.push_back(0);
        }
        if (last_code[number] == code) return;
        last_code[number] = code;
        pairs.emplace_back(number, code);
      });
    }
    // The codes of each token, contiguous (a counting sort keeps code order).
    const size_t token_count = token_spans.size();
    std::vector<uint32_t> start(token_count + 1, 0);
    for (const auto& [number, code] : pairs) ++start[number + 1];
    for (size_t number = 0; number < token_count; ++number) start[number + 1] += start[number];
    std::vector<uint32_t> codes(pairs.size());
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (const auto& [number, code] : pairs) codes[fill[number]++] = code;

    const std::vector<uint32_t> order = OrderByBytes(token_count, token_at);

    // Rows per code (counting sort), then per token the union of its codes' rows.
    std::vector<uint32_t> code_start(distinct.size() + 2, 0);
    for (uint32_t code : row_codes)
      if (code != 0) ++code_start[code + 1];
    for (size_t code = 1; code < code_start.size(); ++code)
      code_start[code] += code_start[code - 1];
    std::vector<uint32_t> rows_by_code(code_start.back());
    std::vector<uint32_t> code_fill(code_start.begin(), code_start.end() - 1);
    for (uint32_t row = 0; row < row_codes.size(); ++row)
      if (row_codes[row] != 0) rows_by_code[code_fill[row_codes[row]]++] = row;
    std::string terms;
    PutVarint32(&terms, static_cast<uint32_t>(token_count));
    for (uint32_t number : order) {
      PutLengthPrefixed(&terms, token_at(number));
      value_filter_.Add(FilterKeyHash(field_index, FilterKeyKind::kToken, token_at(number)));
    }
    std::string lists;
    std::vector<uint32_t> token_rows;
    std::vector<uint64_t> row_bits;
    for (uint32_t number : order) {
      PutFixed64(&terms, lists.size());
      const std::span<const uint32_t> token_codes =
          std::span(codes).subspan(start[number], start[number + 1] - start[number]);
      auto rows_of = [&](uint32_t code) {
        return std::span(rows_by_code)
            .subspan(code_start[code], code_start[code + 1] - code_start[code]);
      };
      if (token_codes.size() == 1) {  // one value's rows: already in order
        PutPosting(&lists, rows_of(token_codes[0]));
        continue;
      }
      // The union of the values' rows, in row order: sorted when it is a
      // small part of the rows, else marked in a bitmap of all rows and read
      // back in order (a common token, e.g. of every user agent, spans most
      // rows, which a sort would order in n log n).
      size_t union_size = 0;
      for (uint32_t code : token_codes) union_size += rows_of(code).size();
      token_rows.clear();
      if (union_size * 32 < row_codes.size()) {
        for (uint32_t code : token_codes) {
          const auto rows = rows_of(code);
          token_rows.insert(token_rows.end(), rows.begin(), rows.end());
        }
        std::sort(token_rows.begin(), token_rows.end());
      } else {
        row_bits.assign((row_codes.size() + 63) / 64, 0);
        for (uint32_t code : token_codes)
          for (uint32_t row : rows_of(code)) row_bits[row / 64] |= uint64_t{1} << (row % 64);
        for (size_t word = 0; word < row_bits.size(); ++word)
          for (uint64_t bits = row_bits[word]; bits != 0; bits &= bits - 1)
            token_rows.push_back(static_cast<uint32_t>(word * 64 + std::countr_zero(bits)));
      }
      PutPosting(&lists, token_rows);
    }
    PutFixed64(&terms, lists.size());
    for (size_t block = 0; block < lists.size(); block += kTokenRowsBlockBytes)
      PutFixed32(
          &terms,
          crc32c::Mask(crc32c::Value(std::string_view(lists).substr(block, kTokenRowsBlockBytes))));
    AddSection(SectionKind::kTokenTerms, field_index, terms);
    AddSection(SectionKind::kTokenRows, field_index, lists, /*compress=*/false);
  }

  struct FreeCCtx {
    void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
  };

  // A dictionary field's values numbered in order of appearance: one hash
  // lookup per row, and each row remembers its value's number; sorting the
  // distinct values then maps appearance to code. A field derived from
  // another (DerivedFrom) first tries the number last seen with the row's
  // source number, which needs a comparison of bytes but no hash or probe.
  static constexpr uint32_t kAbsent = UINT32_MAX;
  struct Numbering {
    StringIndex first_seen;
    std::vector<std::string_view> distinct;  // by number
    std::vector<uint32_t> appearance;        // per row: the number of its value, or kAbsent
    std::vector<std::string> scratch;        // per row: a double's key bytes
    std::vector<uint32_t> by_source;         // per source number: the number last seen with it
  };

  const Rows& rows_;
  const SegmentWriteOptions& options_;
  std::vector<Numbering> numberings_;                       // by field index
  std::vector<std::vector<std::optional<int64_t>>> times_;  // by field index: per row
  std::vector<uint64_t> seqs_;                              // per row
  std::vector<std::string_view> details_;                   // per row
  std::optional<size_t> first_foreign_row_;                 // the first of another tenant
  std::string out_;
  std::string entries_;
  uint32_t section_count_ = 0;
  std::string compressed_;
  std::string blocked_;
  bool has_blocks_ = false;
  std::unique_ptr<ZSTD_CCtx, FreeCCtx> compressor_;
  ValueFilterBuilder value_filter_;
};

template <typename Rows>
Result<std::string> Build(const Rows& rows, event::UnixMicros window_start,
                          const SegmentWriteOptions& options, SegmentMeta* meta) {
  if (rows.size() == 0 || rows.size() > kMaxSegmentRows)
    return Status::InvalidArgument(
        fmt::format("segment: {} rows (1..{})", rows.size(), kMaxSegmentRows));
  meta->window_start = window_start;
  static const size_t timestamp_index = event::FieldIndexOf(*event::FindField("timestamp"));
  Builder<Rows> builder(rows, options);
  auto fields = event::AllFields();
  builder.ReadRows(fields);
  AL_RETURN_IF_ERROR(builder.CheckRows(timestamp_index, meta));
  for (size_t i = 0; i < fields.size(); ++i) builder.AddField(i, fields[i]);
  return builder.Finish(*meta);
}

template <typename Rows>
Result<SegmentMeta> Write(env::FileSystem& fs, const std::string& path, const Rows& rows,
                          event::UnixMicros window_start, const SegmentWriteOptions& options) {
  SegmentMeta meta;
  AL_ASSIGN_OR_RETURN(std::string bytes, Build(rows, window_start, options, &meta));
  AL_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
  AL_RETURN_IF_ERROR(file->Append(bytes));
  AL_RETURN_IF_ERROR(file->Sync());
  AL_RETURN_IF_ERROR(file->Close());
  meta.file_bytes = bytes.size();
  return meta;
}

}  // namespace

Result<std::string> BuildSegment(std::span<const Event* const> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options, SegmentMeta* meta) {
  return Build(EventRows(rows), window_start, options, meta);
}

Result<std::string> BuildSegment(std::span<const event::EncodedEventFields> rows,
                                 event::UnixMicros window_start, const SegmentWriteOptions& options,
                                 SegmentMeta* meta) {
  return Build(EncodedRows(rows), window_start, options, meta);
}

Result<SegmentMeta> WriteSegment(env::FileSystem& fs, const std::string& path,
                                 std::span<const event::EncodedEventFields> rows,
                                 event::UnixMicros window_start,
                                 const SegmentWriteOptions& options) {
  return Write(fs, path, EncodedRows(rows), window_start, options);
}

Result<SegmentMeta> WriteSegment(env::FileSystem& fs, const std::string& path,
                                 std::span<const Event* const> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options) {
  return Write(fs, path, EventRows(rows), window_start, options);
}

namespace {
std::vector<const Event*> Pointers(std::span<const Event> rows) {
  std::vector<const Event*> pointers;
  pointers.reserve(rows.size());
  for (const Event& event : rows) pointers.push_back(&event);
  return pointers;
}
}  // namespace

Result<std::string> BuildSegment(std::span<const Event> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options, SegmentMeta* meta) {
  return BuildSegment(Pointers(rows), window_start, options, meta);
}

Result<SegmentMeta> WriteSegment(env::FileSystem& fs, const std::string& path,
                                 std::span<const Event> rows, event::UnixMicros window_start,
                                 const SegmentWriteOptions& options) {
  return WriteSegment(fs, path, Pointers(rows), window_start, options);
}

}  // namespace auditlog::storage::segment

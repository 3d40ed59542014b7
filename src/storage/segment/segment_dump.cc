#include "storage/segment/segment_dump.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <roaring/roaring.hh>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "event/fields.h"
#include "event/time.h"
#include "storage/segment/section_blocks.h"
#include "storage/segment/segment_format.h"
#include "storage/segment/segment_reader.h"

namespace auditlog::storage::segment {
namespace {

constexpr size_t kPreviewValues = 5;
constexpr size_t kPreviewBytes = 48;
// Why a section's bytes cannot be had; the first two are found before its
// checksum can be checked.
constexpr std::string_view kOutsideDataArea = "lies outside the data area";
constexpr std::string_view kCutShort = "cut short";
constexpr std::string_view kChecksumMismatch = "checksum mismatch";
// The latest time FormatRfc3339 renders as a four-digit year (9999-12-31T23:59:59.999999Z).
constexpr int64_t kLastFormattableMicros = 253'402'300'799'999'999;

// `value` quoted and escaped (printable UTF-8, CJK included, stays as it
// is), cut after kPreviewBytes.
std::string Quote(std::string_view value) {
  if (value.size() <= kPreviewBytes) return fmt::format("{:?}", value);
  return fmt::format("{:?}...", value.substr(0, kPreviewBytes));
}

std::string FormatTime(int64_t micros) {
  if (micros < 0 || micros > kLastFormattableMicros) return std::to_string(micros);
  return fmt::format("{} ({})", event::FormatRfc3339(micros), micros);
}

std::optional<std::string_view> KindName(SectionKind kind) {
  switch (kind) {
    case SectionKind::kDictionary:
      return "dictionary";
    case SectionKind::kCodes:
      return "codes";
    case SectionKind::kPostings:
      return "postings";
    case SectionKind::kTokens:
      return "tokens";  // token -> codes, written by early builds
    case SectionKind::kTimes:
      return "times";
    case SectionKind::kSeqs:
      return "seqs";
    case SectionKind::kRaw:
      return "raw";
    case SectionKind::kTokenTerms:
      return "token_terms";
    case SectionKind::kTokenRows:
      return "token_rows";
    case SectionKind::kValueFilter:
      return "value_filter";
  }
  return std::nullopt;
}

std::string_view CodecName(SectionCodec codec) {
  switch (codec) {
    case SectionCodec::kNone:
      return "none";
    case SectionCodec::kZstd:
      return "zstd";
    case SectionCodec::kZstdBlocks:
      return "zstd-blocks";
  }
  return "?";
}

const event::FieldSpec* FieldOf(uint8_t field) {
  auto fields = event::AllFields();
  return field < fields.size() ? &fields[field] : nullptr;
}

std::string FieldName(uint8_t field) {
  const event::FieldSpec* spec = FieldOf(field);
  return spec != nullptr ? std::string(spec->path)
                         : fmt::format("field {} (not in the registry)", field);
}

// A dictionary value as the field's type reads it.
std::string FormatDictionaryValue(const event::FieldSpec* field, std::string_view value) {
  if (field != nullptr && field->type == event::FieldType::kDouble && value.size() == 8)
    return fmt::format("{}", DecodeDoubleKey(value));
  if (field != nullptr && field->type == event::FieldType::kBool) {
    if (value == kTrueKey) return "true";
    if (value == kFalseKey) return "false";
  }
  return Quote(value);
}

class Dumper {
 public:
  Dumper(const env::RandomAccessFile& file, const std::string& path, uint64_t file_bytes,
         std::string* out)
      : file_(file), path_(path), file_bytes_(file_bytes), out_(out) {}

  Status Run() {
    Print("segment {}: {} bytes\n", path_, file_bytes_);
    if (file_bytes_ < kHeaderBytes + kFooterBytes)
      return Damage(0, "file is too short to be a segment");
    std::string header;
    AL_RETURN_IF_ERROR(file_.Read(0, kHeaderBytes, &header));
    if (header.size() != kHeaderBytes || !LooksLikeSegment(header))
      return Damage(0, "not a segment file (bad magic)");
    const uint32_t version = DecodeFixed32(header.data() + 8);
    Print("header: format version {}\n", version);
    if (!IsKnownFormatVersion(version))  // the rest of the layout is unknown
      return Damage(8, fmt::format("format version {} is not {} or {}", version, kFormatVersion,
                                   kBlocksFormatVersion));

    const uint64_t footer_offset = file_bytes_ - kFooterBytes;
    std::string footer;
    AL_RETURN_IF_ERROR(file_.Read(footer_offset, kFooterBytes, &footer));
    if (footer.size() != kFooterBytes || std::string_view(footer).substr(20) != kFooterMagic)
      return Damage(footer_offset, "footer is damaged (bad magic)");
    directory_offset_ = DecodeFixed64(footer.data());
    const uint32_t directory_bytes = DecodeFixed32(footer.data() + 8);
    const uint32_t directory_crc = crc32c::Unmask(DecodeFixed32(footer.data() + 12));
    const uint32_t footer_version = DecodeFixed32(footer.data() + 16);
    Print("footer @{}: directory @{}, {} bytes, format version {}\n", footer_offset,
          directory_offset_, directory_bytes, footer_version);
    if (footer_version != version) {
      // The reader checks this copy of the version too; the dump goes on listing.
      RecordDamage(footer_offset + 16,
                   fmt::format("footer format version {} is not {}", footer_version, version));
    }
    if (directory_offset_ < kHeaderBytes || directory_offset_ > footer_offset ||
        footer_offset - directory_offset_ != directory_bytes)
      return Damage(footer_offset, "footer points outside the file");

    std::string directory;
    AL_RETURN_IF_ERROR(file_.Read(directory_offset_, directory_bytes, &directory));
    const bool directory_ok =
        directory.size() == directory_bytes && crc32c::Value(directory) == directory_crc;
    if (!directory_ok) RecordDamage(directory_offset_, "directory checksum mismatch");
    if (Status status = SegmentReader::ParseDirectory(directory, &meta_, &entries_); !status.ok()) {
      Print("directory: checksum {}, {}\n", directory_ok ? "ok" : "BAD", status.message());
      return Damage(directory_offset_, status.message());
    }
    Print("directory: checksum {}{}, {} sections\n", directory_ok ? "ok" : "BAD",
          directory_ok ? "" : " (what follows may be wrong)", entries_.size());
    Print("meta: tenant {}, {} rows, window start {}\n", Quote(meta_.tenant), meta_.rows,
          FormatTime(meta_.window_start));
    Print("      timestamp {} .. {}\n", FormatTime(meta_.min_time), FormatTime(meta_.max_time));
    Print("      seq {} .. {}\n", meta_.min_seq, meta_.max_seq);
    for (size_t index = 0; index < entries_.size(); ++index) AL_RETURN_IF_ERROR(DumpSection(index));
    return first_damage_;
  }

 private:
  template <typename... Args>
  void Print(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(*out_), format, std::forward<Args>(args)...);
  }

  // Keeps the first damage found: that is the one the caller hears of.
  void RecordDamage(uint64_t offset, std::string_view reason) {
    Print("DAMAGE at offset {}: {}\n", offset, reason);
    if (first_damage_.ok())
      first_damage_ =
          Status::Corruption(fmt::format("segment {} at offset {}: {}", path_, offset, reason));
  }

  // For damage after which nothing more can be read.
  Status Damage(uint64_t offset, std::string_view reason) {
    RecordDamage(offset, reason);
    return first_damage_;
  }

  // The raw bytes of section `index`, checked and decompressed; nullopt with
  // `*problem` set when they cannot be had.
  Result<std::optional<std::string>> ReadRaw(size_t index, std::string* problem) const {
    const SectionEntry& entry = entries_[index];
    if (entry.offset < kHeaderBytes || entry.offset > directory_offset_ ||
        entry.stored_bytes > directory_offset_ - entry.offset) {
      *problem = kOutsideDataArea;
      return std::optional<std::string>();
    }
    std::string stored;
    AL_RETURN_IF_ERROR(file_.Read(entry.offset, static_cast<size_t>(entry.stored_bytes), &stored));
    if (stored.size() != entry.stored_bytes) {
      *problem = kCutShort;
      return std::optional<std::string>();
    }
    if (crc32c::Value(stored) != crc32c::Unmask(entry.masked_crc)) {
      *problem = kChecksumMismatch;
      return std::optional<std::string>();
    }
    return DecodeStoredSection(entry.codec, std::move(stored), entry.raw_bytes, problem);
  }

  // The size of the dictionary of `field`, which codes, postings and tokens
  // are checked against; nullopt when it cannot be read.
  Result<std::optional<uint32_t>> DictionarySize(uint8_t field) {
    if (auto it = dictionary_sizes_.find(field); it != dictionary_sizes_.end()) return it->second;
    std::optional<uint32_t> size;
    for (size_t index = 0; index < entries_.size(); ++index) {
      if (entries_[index].kind != SectionKind::kDictionary || entries_[index].field != field)
        continue;
      std::string problem;
      AL_ASSIGN_OR_RETURN(auto raw, ReadRaw(index, &problem));
      size.reset();
      if (!raw) continue;
      auto dictionary = Dictionary::Parse(std::move(*raw));
      if (dictionary.ok()) size = (*dictionary)->size();
    }
    dictionary_sizes_[field] = size;
    return size;
  }

  // The field's kTokenRows entry (its size bounds kTokenTerms' offsets).
  const SectionEntry* TokenRowsEntry(uint8_t field) const {
    for (const SectionEntry& entry : entries_)
      if (entry.kind == SectionKind::kTokenRows && entry.field == field) return &entry;
    return nullptr;
  }

  // The field's token terms, when its kTokenTerms section decodes.
  Result<std::shared_ptr<const TokenTerms>> TermsOf(uint8_t field) {
    const SectionEntry* rows_entry = TokenRowsEntry(field);
    for (size_t index = 0; index < entries_.size() && rows_entry; ++index) {
      if (entries_[index].kind != SectionKind::kTokenTerms || entries_[index].field != field)
        continue;
      std::string problem;
      AL_ASSIGN_OR_RETURN(auto raw, ReadRaw(index, &problem));
      if (!raw) break;
      auto terms = TokenTerms::Parse(std::move(*raw), rows_entry->raw_bytes);
      if (terms.ok()) return *terms;
    }
    return std::shared_ptr<const TokenTerms>();
  }

  Status DumpSection(size_t index) {
    const SectionEntry& entry = entries_[index];
    const std::optional<std::string_view> kind = KindName(entry.kind);
    Print("#{} {} {}: {} @{} stored {} raw {}", index,
          kind ? std::string(*kind) : fmt::format("kind {}", static_cast<int>(entry.kind)),
          entry.kind == SectionKind::kValueFilter ? std::string("(all fields)")
                                                  : FieldName(entry.field),
          CodecName(entry.codec), entry.offset, entry.stored_bytes, entry.raw_bytes);
    std::string problem;
    AL_ASSIGN_OR_RETURN(auto raw, ReadRaw(index, &problem));
    if (!raw) {
      // Damage found before the checksum could be checked, at it, or after it.
      const bool before_checksum = problem == kOutsideDataArea || problem == kCutShort;
      Print(" crc {}; {}\n",
            before_checksum                ? "?"
            : problem == kChecksumMismatch ? "BAD"
                                           : "ok",
            problem);
      RecordSectionDamage(index, problem);
      return Status::OK();
    }
    Print(" crc ok");
    if (!kind) {
      Print("; unknown kind, skipped by readers\n");
      return Status::OK();
    }
    AL_ASSIGN_OR_RETURN(std::string summary, Summarize(entry, std::move(*raw), &problem));
    if (!problem.empty()) {
      Print("; MALFORMED: {}\n", problem);
      RecordSectionDamage(index, problem);
      return Status::OK();
    }
    Print("; {}\n", summary);
    return Status::OK();
  }

  void RecordSectionDamage(size_t index, std::string_view reason) {
    const SectionEntry& entry = entries_[index];
    RecordDamage(entry.offset,
                 fmt::format("section {} ({} of {}): {}", index, static_cast<int>(entry.kind),
                             FieldName(entry.field), reason));
  }

  // What a section decodes to, in a few words; sets `*problem` instead when
  // it does not decode.
  Result<std::string> Summarize(const SectionEntry& entry, std::string raw, std::string* problem) {
    const uint32_t rows = meta_.rows;
    auto fail = [&](const Status& status) {
      *problem = std::string(status.message());
      return std::string();
    };
    std::optional<uint32_t> dictionary_size;
    if (entry.kind == SectionKind::kCodes || entry.kind == SectionKind::kPostings) {
      AL_ASSIGN_OR_RETURN(dictionary_size, DictionarySize(entry.field));
      if (!dictionary_size) return std::string("not decoded: the field's dictionary is unreadable");
    }
    switch (entry.kind) {
      case SectionKind::kDictionary: {
        auto dictionary = Dictionary::Parse(std::move(raw));
        if (!dictionary.ok()) return fail(dictionary.status());
        const event::FieldSpec* field = FieldOf(entry.field);
        std::string summary = fmt::format("{} values", (*dictionary)->size());
        for (uint32_t code = 1; code <= (*dictionary)->size() && code <= kPreviewValues; ++code)
          summary += " " + FormatDictionaryValue(field, (*dictionary)->value(code));
        if ((*dictionary)->size() > kPreviewValues) summary += " ...";
        return summary;
      }
      case SectionKind::kCodes: {
        const int width = raw.empty() ? 0 : static_cast<uint8_t>(raw[0]);
        auto codes = Codes::Parse(std::move(raw), rows, *dictionary_size);
        if (!codes.ok()) return fail(codes.status());
        uint32_t present = 0;
        for (uint32_t row = 0; row < rows; ++row) present += (**codes)[row] != 0;
        return fmt::format("width {}, {} of {} rows have a value", width, present, rows);
      }
      case SectionKind::kPostings: {
        // The encoding bytes, read before Parse takes the bytes over.
        size_t delta_lists = 0, roaring_lists = 0;
        CountPostingEncodings(raw, &delta_lists, &roaring_lists);
        auto postings = Postings::Parse(std::move(raw), rows, *dictionary_size);
        if (!postings.ok()) return fail(postings.status());
        uint64_t listed = 0;
        for (uint32_t code = 1; code <= *dictionary_size; ++code) {
          Roaring list;
          if (!(*postings)->AddRows(code, &list)) {
            *problem = fmt::format(
                "the posting list of value {} is damaged (bad encoding, rows out of order or "
                "past the last row)",
                code);
            return std::string();
          }
          listed += list.cardinality();
        }
        return fmt::format("{} lists ({} delta, {} roaring), {} rows listed", *dictionary_size,
                           delta_lists, roaring_lists, listed);
      }
      case SectionKind::kTokens:
        return std::string("not decoded: token-to-code lists are no longer read");
      case SectionKind::kTimes: {
        auto times = TimeColumn::Parse(raw, rows);
        if (!times.ok()) return fail(times.status());
        uint32_t present = 0;
        int64_t low = INT64_MAX, high = INT64_MIN;
        for (uint32_t row = 0; row < rows; ++row) {
          if (!(*times)->present(row)) continue;
          ++present;
          low = std::min(low, (*times)->values()[row]);
          high = std::max(high, (*times)->values()[row]);
        }
        if (present == 0) return fmt::format("0 of {} rows have a value", rows);
        return fmt::format("{} of {} rows have a value, {} .. {}", present, rows, FormatTime(low),
                           FormatTime(high));
      }
      case SectionKind::kSeqs: {
        auto seqs = SeqColumn::Parse(raw, rows);
        if (!seqs.ok()) return fail(seqs.status());
        uint64_t low = UINT64_MAX, high = 0;
        for (uint32_t row = 0; row < rows; ++row) {
          low = std::min(low, (**seqs)[row]);
          high = std::max(high, (**seqs)[row]);
        }
        return fmt::format("{} .. {}", low, high);
      }
      case SectionKind::kTokenTerms: {
        const SectionEntry* rows_entry = TokenRowsEntry(entry.field);
        if (rows_entry == nullptr) return std::string("not decoded: the field has no token rows");
        auto terms = TokenTerms::Parse(std::move(raw), rows_entry->raw_bytes);
        if (!terms.ok()) return fail(terms.status());
        std::string summary = fmt::format("{} tokens", (*terms)->size());
        for (size_t i = 0; i < (*terms)->size() && i < kPreviewValues; ++i)
          summary += " " + Quote((*terms)->token(i));
        if ((*terms)->size() > kPreviewValues) summary += " ...";
        return summary;
      }
      case SectionKind::kValueFilter: {
        auto filter = ValueFilter::Parse(raw);
        if (!filter.ok()) return fail(filter.status());
        return fmt::format("{} blocks of 32 bytes", (raw.size() - 4) / 32);
      }
      case SectionKind::kTokenRows: {
        AL_ASSIGN_OR_RETURN(auto terms, TermsOf(entry.field));
        if (!terms) return std::string("not decoded: the field's token terms are unreadable");
        for (size_t at = 0; at < raw.size(); at += kTokenRowsBlockBytes) {
          if (crc32c::Value(std::string_view(raw).substr(at, kTokenRowsBlockBytes)) !=
              crc32c::Unmask(terms->block_crc(at / kTokenRowsBlockBytes))) {
            *problem = fmt::format("block {} (bytes {}..) fails its checksum",
                                   at / kTokenRowsBlockBytes, at);
            return std::string();
          }
        }
        uint64_t listed = 0;
        for (size_t i = 0; i < terms->size(); ++i) {
          const std::string_view posting =
              std::string_view(raw).substr(terms->begin(i), terms->end(i) - terms->begin(i));
          Roaring rows_of_token;
          if (!DecodePosting(posting, rows, &rows_of_token)) {
            *problem = fmt::format("the row list of token {} at byte {} is damaged",
                                   Quote(terms->token(i)), terms->begin(i));
            return std::string();
          }
          listed += rows_of_token.cardinality();
        }
        return fmt::format("{} lists, {} rows listed", terms->size(), listed);
      }
      case SectionKind::kRaw: {
        auto column = RawColumn::Parse(std::move(raw), rows);
        if (!column.ok()) return fail(column.status());
        uint32_t present = 0;
        uint64_t bytes = 0;
        std::string first;
        for (uint32_t row = 0; row < rows; ++row) {
          std::string_view value = (**column)[row];
          if (value.empty()) continue;
          if (present == 0) first = " first " + Quote(value);
          ++present;
          bytes += value.size();
        }
        return fmt::format("{} of {} rows have a value, {} bytes{}", present, rows, bytes, first);
      }
    }
    return std::string();
  }

  // postings := count:varint offset:u32le*(count+1) posting*, each posting
  // starting with its encoding byte. Counts nothing when the layout is off
  // (Parse then says why).
  static void CountPostingEncodings(std::string_view raw, size_t* delta_lists,
                                    size_t* roaring_lists) {
    uint32_t count = 0;
    if (!GetVarint32(&raw, &count) || raw.size() < (size_t{count} + 1) * 4) return;
    const char* offsets = raw.data();
    std::string_view data = raw.substr((size_t{count} + 1) * 4);
    for (uint32_t code = 0; code < count; ++code) {
      const uint32_t begin = DecodeFixed32(offsets + 4 * code);
      if (begin >= data.size()) continue;
      if (static_cast<PostingEncoding>(data[begin]) == PostingEncoding::kRoaring)
        ++*roaring_lists;
      else
        ++*delta_lists;
    }
  }

  const env::RandomAccessFile& file_;
  const std::string& path_;
  const uint64_t file_bytes_;
  std::string* out_;
  uint64_t directory_offset_ = 0;
  SegmentMeta meta_;
  std::vector<SectionEntry> entries_;
  std::map<uint8_t, std::optional<uint32_t>> dictionary_sizes_;
  Status first_damage_;
};

}  // namespace

bool LooksLikeSegment(std::string_view head) { return head.starts_with(kHeaderMagic); }

Status DumpSegment(env::FileSystem& fs, const std::string& path, std::string* out) {
  AL_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  AL_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  return Dumper(*file, path, size, out).Run();
}

}  // namespace auditlog::storage::segment

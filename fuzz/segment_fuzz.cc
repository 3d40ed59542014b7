// Fuzzes the segment reader (docs/format/segment.md) with arbitrary file
// contents. Invariants: no crash, hang, leak or out-of-bounds access; every
// failure to open or read is kCorruption; a segment that opens can be read
// whole and filtered without any other kind of error.
//
// Each input is tried three ways:
//   1. as a segment file, as it is: damage mostly stops at a checksum;
//   2. as a segment file whose directory and section checksums are first made
//      right, so that damaged sections reach the decoders through the reader
//      (what a file written by a buggy writer would look like);
//   3. straight into each section parser and the directory parser.
// The seeds (fuzz/corpus/segment_fuzz/) are small real segments: seed_1..6 from
// before token row lists (their text searches report the missing lists),
// seed_7..9 written by store_load from the generated workload, seed_10 with
// its id, description, details and code sections stored in blocks of 64 bytes.

#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <roaring/roaring.hh>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "env/mem_file_system.h"
#include "event/fields.h"
#include "query/query.h"
#include "storage/segment/section_blocks.h"
#include "storage/segment/section_cache.h"
#include "storage/segment/segment_filter.h"
#include "storage/segment/segment_format.h"
#include "storage/segment/segment_reader.h"

namespace {

using auditlog::Status;
using auditlog::StatusCode;
namespace event = auditlog::event;
namespace query = auditlog::query;
namespace segment = auditlog::storage::segment;

constexpr char kPath[] = "/f.seg";

void CheckCorruption(const Status& status) {
  if (!status.ok() && status.code() != StatusCode::kCorruption) std::abort();
}

// Rewrites every checksum the reader checks so that it matches the bytes it
// covers; leaves the bytes alone where the layout is too damaged to say
// where a checksum is.
void FixChecksums(std::string* bytes) {
  if (bytes->size() < segment::kHeaderBytes + segment::kFooterBytes) return;
  char* footer = bytes->data() + bytes->size() - segment::kFooterBytes;
  const uint64_t directory_offset = auditlog::DecodeFixed64(footer);
  const uint32_t directory_bytes = auditlog::DecodeFixed32(footer + 8);
  const uint64_t footer_offset = bytes->size() - segment::kFooterBytes;
  if (directory_offset < segment::kHeaderBytes || directory_offset > footer_offset ||
      footer_offset - directory_offset != directory_bytes)
    return;
  char* directory = bytes->data() + directory_offset;
  std::string_view in(directory, directory_bytes);
  segment::SegmentMeta meta;
  uint32_t count;
  if (segment::GetSegmentMeta(&in, &meta) && auditlog::GetVarint32(&in, &count)) {
    for (uint32_t i = 0; i < count && in.size() >= 3; ++i) {
      in.remove_prefix(3);  // kind, field, codec
      uint64_t offset, stored_bytes, raw_bytes;
      if (!auditlog::GetVarint64(&in, &offset) || !auditlog::GetVarint64(&in, &stored_bytes) ||
          !auditlog::GetVarint64(&in, &raw_bytes) || in.size() < 4)
        break;
      char* crc = directory + (in.data() - directory);
      if (offset <= directory_offset && stored_bytes <= directory_offset - offset) {
        const uint32_t value = auditlog::crc32c::Value(bytes->data() + offset, stored_bytes);
        auditlog::EncodeFixed32(crc, auditlog::crc32c::Mask(value));
      }
      in.remove_prefix(4);
    }
  }
  const uint32_t directory_crc = auditlog::crc32c::Value(directory, directory_bytes);
  auditlog::EncodeFixed32(footer + 12, auditlog::crc32c::Mask(directory_crc));
}

// A few filters of each kind the evaluator has a path for, with values the
// segment itself holds where it has some.
std::vector<query::Filter> Filters(const segment::SegmentReader& reader) {
  std::vector<query::Filter> filters;
  for (std::string_view path :
       {"type", "tenant", "id", "description", "geo.latitude", "ua.is_mobile", "result",
        "timestamp", "received_at", "seq", "details"}) {
    const event::FieldSpec& field = *event::FindField(path);
    const size_t field_index = static_cast<size_t>(&field - event::AllFields().data());
    filters.push_back(query::Filter::Exists(field));
    filters.push_back(query::Filter::Not(query::Filter::Exists(field)));
    switch (field.type) {
      case event::FieldType::kTime:
      case event::FieldType::kUint64:
        filters.push_back(query::Filter::Range(field, query::RangeBound{int64_t{0}, true},
                                               query::RangeBound{int64_t{INT64_MAX}, false}));
        filters.push_back(query::Filter::Eq(field, int64_t{1}));
        continue;
      case event::FieldType::kJson:
        filters.push_back(query::Filter::Prefix(field, "{"));
        continue;
      case event::FieldType::kDouble:
        filters.push_back(query::Filter::Range(field, query::RangeBound{-1e9, true}, std::nullopt));
        continue;
      case event::FieldType::kBool:
        filters.push_back(query::Filter::Eq(field, true));
        continue;
      case event::FieldType::kOutcome:
        filters.push_back(
            query::Filter::In(field, {std::string("success"), std::string("failure")}));
        continue;
      default:
        break;
    }
    filters.push_back(query::Filter::Prefix(field, ""));
    filters.push_back(
        query::Filter::Range(field, query::RangeBound{std::string("a"), false}, std::nullopt));
    if (auto dictionary = reader.GetDictionary(field_index);
        dictionary.ok() && (*dictionary)->size() > 0) {
      filters.push_back(query::Filter::Eq(field, std::string((*dictionary)->value(1))));
      filters.push_back(query::Filter::Prefix(field, std::string((*dictionary)->value(1))));
    }
    if (field.index == event::IndexKind::kTokens) {
      for (const char* text : {"login", "ok", "创建", "a", "mozilla"})
        filters.push_back(query::Filter::Text(field, text));
    }
  }
  return filters;
}

void ReadSegment(const std::string& bytes) {
  auditlog::env::MemFileSystem fs;
  auto file = fs.NewWritableFile(kPath);
  if (!file.ok() || !(*file)->Append(bytes).ok()) std::abort();
  segment::SectionCache cache(16u << 20);
  auto reader = segment::SegmentReader::Open(fs, kPath, 1, &cache);
  if (!reader.ok()) {
    CheckCorruption(reader.status());
    return;
  }
  const segment::SegmentReader& segment = **reader;
  // A row or two first, as a page of whole events reads them: from the
  // blocks of sections stored in blocks, before anything reads them whole.
  for (uint32_t row : {0u, segment.meta().rows - 1, segment.meta().rows / 2}) {
    std::vector<event::Event> one;
    CheckCorruption(segment.ReadRows(std::vector<uint32_t>{row}, {}, &one));
  }
  for (size_t index = 0; index < segment.sections().size(); ++index)
    CheckCorruption(segment.ReadSection(index).status());
  const auto fields = event::AllFields();
  for (size_t field = 0; field < fields.size(); ++field) {
    switch (fields[field].type) {
      case event::FieldType::kTime:
        CheckCorruption(segment.GetTimes(field).status());
        break;
      case event::FieldType::kUint64:
        CheckCorruption(segment.GetSeqs().status());
        break;
      case event::FieldType::kJson:
        CheckCorruption(segment.GetRaw(field).status());
        break;
      default: {
        CheckCorruption(segment.GetCodes(field).status());
        auto dictionary = segment.GetDictionary(field);
        auto postings = segment.GetPostings(field);
        CheckCorruption(postings.status());
        if (dictionary.ok() && postings.ok() && *postings != nullptr) {
          for (uint32_t code = 0; code <= (*dictionary)->size() + 1; ++code) {
            Roaring rows;
            (*postings)->AddRows(code, &rows);
          }
        }
        if (fields[field].index == event::IndexKind::kTokens) {
          auto terms = segment.GetTokenTerms(field);
          CheckCorruption(terms.status());
          if (terms.ok() && *terms != nullptr) {
            // Every term's row list, as a text search would read it.
            for (size_t term = 0; term < (*terms)->size(); ++term) {
              Roaring rows;
              CheckCorruption(segment.AddTokenRows(field, **terms, term, &rows));
            }
          }
        }
      }
    }
  }
  std::vector<uint32_t> rows(segment.meta().rows);
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<event::Event> events;
  CheckCorruption(segment.ReadRows(rows, {}, &events));
  for (const query::Filter& filter : Filters(segment)) {
    if (!query::ValidateFilter(filter).ok()) std::abort();
    CheckCorruption(segment::EvaluateFilter(segment, filter).status());
    CheckCorruption(segment::CountMatchingRows(segment, filter, query::TimeRange()).status());
  }
  query::TimeRange range;
  range.from = 1;
  range.to = INT64_MAX;
  CheckCorruption(segment::MatchingRows(segment, query::Filter::All(), range).status());
}

// The parsers on the bytes themselves; sizes they are checked against come
// from the bytes too, so that the size checks pass often enough to get past.
void ParseSections(std::string_view bytes) {
  const uint32_t rows = bytes.empty() ? 1 : 1 + static_cast<uint8_t>(bytes[0]);
  uint32_t count = 0;
  std::string_view count_in = bytes;
  if (!auditlog::GetVarint32(&count_in, &count) || count > segment::kMaxSegmentRows) count = 0;

  if (auto dictionary = segment::Dictionary::Parse(std::string(bytes)); dictionary.ok()) {
    for (uint32_t code = 1; code <= (*dictionary)->size(); ++code) (void)(*dictionary)->value(code);
    (void)(*dictionary)->Find("login");
  }
  if (!bytes.empty()) {
    const uint8_t width = static_cast<uint8_t>(bytes[0]);
    const uint32_t code_rows =
        width >= 1 && width <= 3 ? static_cast<uint32_t>((bytes.size() - 1) / width) : 0;
    if (auto codes = segment::Codes::Parse(std::string(bytes), code_rows, count); codes.ok()) {
      for (uint32_t code = 0; code <= count && code < 64; ++code) (void)(*codes)->RowOf(code);
    }
  }
  if (auto postings = segment::Postings::Parse(std::string(bytes), rows, count); postings.ok()) {
    for (uint32_t code = 0; code <= count + 1; ++code) {
      Roaring listed;
      (*postings)->AddRows(code, &listed);
    }
  }
  if (auto terms = segment::TokenTerms::Parse(std::string(bytes), count); terms.ok()) {
    for (const char* token : {"login", "ok", "创建", "a", ""}) (void)(*terms)->Find(token);
  }
  {
    Roaring decoded;
    (void)segment::DecodePosting(bytes, rows, &decoded);
  }
  (void)segment::TimeColumn::Parse(bytes, rows);
  (void)segment::SeqColumn::Parse(bytes, rows);
  (void)segment::RawColumn::Parse(std::string(bytes), rows);
  if (auto index = segment::BlockIndex::Parse(bytes, bytes.size(), rows); index.ok()) {
    for (segment::SectionKind kind : {segment::SectionKind::kDictionary,
                                      segment::SectionKind::kCodes, segment::SectionKind::kRaw}) {
      for (size_t block = 0; block < (*index)->size(); ++block) {
        const std::optional<uint32_t> section_items =
            kind == segment::SectionKind::kDictionary ? std::nullopt : std::optional(rows);
        auto items =
            segment::ItemBlock::Parse(kind, std::string(bytes), **index, block, section_items);
        if (!items.ok()) continue;
        const uint32_t item = (*items)->first_item();
        if (!(*items)->Holds(item)) continue;
        if (kind == segment::SectionKind::kCodes)
          (void)(*items)->code(item);
        else
          (void)(*items)->item(item);
      }
    }
  }
  segment::SegmentMeta meta;
  std::vector<segment::SectionEntry> entries;
  CheckCorruption(segment::SegmentReader::ParseDirectory(bytes, &meta, &entries));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ReadSegment(bytes);
  std::string fixed = bytes;
  FixChecksums(&fixed);
  if (fixed != bytes) ReadSegment(fixed);
  ParseSections(bytes);
  return 0;
}

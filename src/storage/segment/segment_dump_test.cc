#include "storage/segment/segment_dump.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <roaring/roaring.hh>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "env/mem_file_system.h"
#include "event/fields.h"
#include "storage/segment/section_cache.h"
#include "storage/segment/segment_format.h"
#include "storage/segment/segment_reader.h"
#include "storage/segment/segment_writer.h"
#include "testing/status_matchers.h"

namespace auditlog::storage::segment {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kPath[] = "/db/000001.seg";

// The three events of the worked example in docs/format/segment.md.
std::vector<event::Event> ExampleRows() {
  std::vector<event::Event> rows(3);
  const char* descriptions[] = {"创建 Bob", "Login OK", "创建 Ann"};
  for (int row = 0; row < 3; ++row) {
    rows[row].tenant = "t1";
    rows[row].id = std::string("e") + static_cast<char>('1' + row);
    rows[row].seq = row + 1;
    rows[row].timestamp = 1'700'000'000'000'000 + row * 1'000'000;
    rows[row].type = row == 1 ? "login" : "createUser";
    rows[row].description = descriptions[row];
  }
  rows[0].result = event::Outcome::kSuccess;
  rows[2].result = event::Outcome::kFailure;
  rows[1].geo.latitude = -33.5;
  rows[1].ua.is_mobile = true;
  rows[2].received_at = 1'700'000'002'000'500;
  return rows;
}

std::string ExampleSegment() {
  SegmentMeta meta;
  auto bytes = BuildSegment(ExampleRows(), 1'699'999'200'000'000, {}, &meta);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

void WriteFile(env::MemFileSystem& fs, const std::string& bytes) {
  ASSERT_TRUE(fs.CreateDirs("/db").ok());
  auto file = fs.NewWritableFile(kPath);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(bytes).ok());
  ASSERT_TRUE((*file)->Sync().ok());
}

struct Directory {
  uint64_t offset = 0;
  SegmentMeta meta;
  std::vector<SectionEntry> sections;
};

// The directory of the segment `bytes`, for tests to find a section by kind
// and field rather than by a number or an offset that the next field added
// to the registry moves.
Directory ReadDirectory(const std::string& bytes) {
  Directory directory;
  directory.offset = DecodeFixed64(bytes.data() + bytes.size() - kFooterBytes);
  EXPECT_TRUE(SegmentReader::ParseDirectory(
                  std::string_view(bytes).substr(directory.offset,
                                                 bytes.size() - kFooterBytes - directory.offset),
                  &directory.meta, &directory.sections)
                  .ok());
  return directory;
}

// The index of the section of `kind` for field `path`.
size_t SectionIndex(const Directory& directory, SectionKind kind, std::string_view path) {
  const size_t field = event::FieldIndexOf(*event::FindField(path));
  for (size_t index = 0; index < directory.sections.size(); ++index)
    if (directory.sections[index].kind == kind && directory.sections[index].field == field)
      return index;
  ADD_FAILURE() << "no section " << static_cast<int>(kind) << " for " << path;
  return 0;
}

// The start of the dump's line for section `index`, up to its crc state.
std::string SectionLine(const Directory& directory, size_t index, std::string_view kind,
                        std::string_view path) {
  const SectionEntry& entry = directory.sections[index];
  return fmt::format("#{} {} {}: {} @{} stored {} raw {}", index, kind, path,
                     entry.codec == SectionCodec::kZstd ? "zstd" : "none", entry.offset,
                     entry.stored_bytes, entry.raw_bytes);
}

// `bytes` with section `index` replaced by `raw`, stored uncompressed after
// the others, and a directory and footer that check: what a buggy writer
// could produce.
std::string ReplaceSection(const std::string& bytes, size_t index, const std::string& raw) {
  Directory directory = ReadDirectory(bytes);
  std::vector<SectionEntry>& entries = directory.sections;
  std::string out = bytes.substr(0, directory.offset);
  entries[index] = SectionEntry{entries[index].kind,
                                entries[index].field,
                                SectionCodec::kNone,
                                out.size(),
                                raw.size(),
                                raw.size(),
                                crc32c::Mask(crc32c::Value(raw))};
  out += raw;
  std::string encoded;
  PutSegmentMeta(&encoded, directory.meta);
  PutVarint32(&encoded, static_cast<uint32_t>(entries.size()));
  for (const SectionEntry& entry : entries) {
    encoded.push_back(static_cast<char>(entry.kind));
    encoded.push_back(static_cast<char>(entry.field));
    encoded.push_back(static_cast<char>(entry.codec));
    PutVarint64(&encoded, entry.offset);
    PutVarint64(&encoded, entry.stored_bytes);
    PutVarint64(&encoded, entry.raw_bytes);
    PutFixed32(&encoded, entry.masked_crc);
  }
  const uint64_t new_directory_offset = out.size();
  out += encoded;
  PutFixed64(&out, new_directory_offset);
  PutFixed32(&out, static_cast<uint32_t>(encoded.size()));
  PutFixed32(&out, crc32c::Mask(crc32c::Value(encoded)));
  PutFixed32(&out, kFormatVersion);
  out += kFooterMagic;
  return out;
}

std::vector<std::string> Lines(const std::string& listing) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < listing.size()) {
    size_t end = listing.find('\n', begin);
    if (end == std::string::npos) end = listing.size();
    lines.push_back(listing.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

// Pins the worked example of docs/format/segment.md: when the layout changes,
// regenerate that example and these lines together.
TEST(SegmentDump, ListsMetaAndEverySection) {
  env::MemFileSystem fs;
  const std::string bytes = ExampleSegment();
  WriteFile(fs, bytes);
  EXPECT_TRUE(LooksLikeSegment(bytes.substr(0, 8)));
  std::string listing;
  AL_ASSERT_OK(DumpSegment(fs, kPath, &listing));
  const std::vector<std::string> lines = Lines(listing);
  ASSERT_GE(lines.size(), 8u) << listing;
  EXPECT_EQ(lines[0], "segment /db/000001.seg: 1969 bytes");
  EXPECT_EQ(lines[1], "header: format version 1");
  EXPECT_EQ(lines[2], "footer @1941: directory @593, 1348 bytes, format version 1");
  EXPECT_EQ(lines[3], "directory: checksum ok, 121 sections");
  EXPECT_EQ(lines[4],
            "meta: tenant \"t1\", 3 rows, window start 2023-11-14T22:00:00.000Z "
            "(1699999200000000)");
  EXPECT_EQ(lines[5],
            "      timestamp 2023-11-14T22:13:20.000Z (1700000000000000) .. "
            "2023-11-14T22:13:22.000Z (1700000002000000)");
  EXPECT_EQ(lines[6], "      seq 1 .. 3");
  // Then line 7 + i lists section i.
  ASSERT_EQ(lines.size(), 7u + 121u) << listing;
  EXPECT_EQ(lines[7 + 0],
            "#0 dictionary id: none @12 stored 10 raw 10 crc ok; 3 values \"e1\" \"e2\" \"e3\"");
  EXPECT_EQ(lines[7 + 1],
            "#1 codes id: none @22 stored 4 raw 4 crc ok; width 1, 3 of 3 rows have a value");
  EXPECT_EQ(lines[7 + 4],
            "#4 postings tenant: none @34 stored 14 raw 14 crc ok; 1 lists (1 delta, 0 roaring), "
            "3 rows listed");
  EXPECT_EQ(lines[7 + 5], "#5 seqs seq: none @48 stored 3 raw 3 crc ok; 1 .. 3");
  EXPECT_EQ(lines[7 + 7],
            "#7 times received_at: none @66 stored 10 raw 10 crc ok; 1 of 3 rows have a value, "
            "2023-11-14T22:13:22.000500Z (1700000002000500) .. 2023-11-14T22:13:22.000500Z "
            "(1700000002000500)");
  EXPECT_EQ(lines[7 + 13], "#13 token_terms name: none @123 stored 9 raw 9 crc ok; 0 tokens");
  EXPECT_EQ(lines[7 + 14],
            "#14 token_rows name: none @132 stored 0 raw 0 crc ok; 0 lists, 0 rows listed");
  EXPECT_EQ(lines[7 + 15],
            "#15 dictionary description: none @132 stored 32 raw 32 crc ok; 3 values \"Login OK\" "
            "\"创建 Ann\" \"创建 Bob\"");
  EXPECT_EQ(lines[7 + 17],
            "#17 token_terms description: zstd @168 stored 77 raw 101 crc ok; 7 tokens \"ann\" "
            "\"bob\" \"login\" \"ok\" \"创\" ...");
  EXPECT_EQ(
      lines[7 + 18],
      "#18 token_rows description: none @245 stored 24 raw 24 crc ok; 7 lists, 10 rows listed");
  EXPECT_EQ(lines[7 + 19],
            "#19 dictionary result: none @269 stored 17 raw 17 crc ok; 2 values \"failure\" "
            "\"success\"");
  EXPECT_EQ(lines[7 + 23],
            "#23 token_terms result_message: none @295 stored 9 raw 9 crc ok; 0 tokens");
  EXPECT_EQ(lines[7 + 39],
            "#39 raw details: none @339 stored 3 raw 3 crc ok; 0 of 3 rows have a value, 0 bytes");
  EXPECT_EQ(lines[7 + 90],
            "#90 dictionary geo.latitude: none @471 stored 10 raw 10 crc ok; 1 values -33.5");
  EXPECT_EQ(lines[7 + 112],
            "#112 dictionary ua.is_mobile: none @535 stored 3 raw 3 crc ok; 1 values true");
  EXPECT_EQ(lines[7 + 113],
            "#113 codes ua.is_mobile: none @538 stored 4 raw 4 crc ok; width 1, 1 of 3 rows have "
            "a value");
  EXPECT_EQ(lines[7 + 120],
            "#120 value_filter (all fields): none @557 stored 36 raw 36 crc ok; 1 blocks of 32 "
            "bytes");
}

TEST(SegmentDump, ShowsRoaringPostingLists) {
  std::vector<event::Event> rows(100);
  for (size_t row = 0; row < rows.size(); ++row) {
    rows[row].tenant = "t";
    rows[row].seq = row + 1;
    rows[row].id = std::to_string(row);
    rows[row].timestamp = 1'700'000'000'000'000;
    rows[row].type = "same";  // one value in every row: a single run
  }
  SegmentMeta meta;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, {}, &meta));
  env::MemFileSystem fs;
  WriteFile(fs, bytes);
  std::string listing;
  AL_ASSERT_OK(DumpSegment(fs, kPath, &listing));
  EXPECT_THAT(listing, HasSubstr("postings type: none @"));
  EXPECT_THAT(listing, HasSubstr("1 lists (0 delta, 1 roaring), 100 rows listed"));
}

TEST(SegmentDump, DamagedSectionIsMarkedAndTheRestStillListed) {
  std::string bytes = ExampleSegment();
  const Directory directory = ReadDirectory(bytes);
  const size_t dictionary = SectionIndex(directory, SectionKind::kDictionary, "description");
  const SectionEntry& damaged = directory.sections[dictionary];
  bytes[damaged.offset + 2] ^= 0x20;  // inside the dictionary of description
  env::MemFileSystem fs;
  WriteFile(fs, bytes);
  std::string listing;
  EXPECT_THAT(DumpSegment(fs, kPath, &listing),
              StatusIs(StatusCode::kCorruption,
                       fmt::format("segment /db/000001.seg at offset {}: section {} (1 of "
                                   "description): checksum mismatch",
                                   damaged.offset, dictionary)));
  EXPECT_THAT(listing, HasSubstr(SectionLine(directory, dictionary, "dictionary", "description") +
                                 fmt::format(" crc BAD; checksum mismatch\n"
                                             "DAMAGE at offset {}: section {}",
                                             damaged.offset, dictionary)));
  // The codes and tokens need the dictionary's size to be checked.
  constexpr std::string_view kNotDecoded =
      " crc ok; not decoded: the field's dictionary is unreadable\n";
  EXPECT_THAT(
      listing,
      HasSubstr(SectionLine(directory, SectionIndex(directory, SectionKind::kCodes, "description"),
                            "codes", "description") +
                std::string(kNotDecoded)));
  // Every section is still listed, and only the damage added a line.
  EXPECT_EQ(Lines(listing).size(), 7u + directory.sections.size() + 1u) << listing;
  EXPECT_THAT(
      listing,
      HasSubstr(SectionLine(directory, SectionIndex(directory, SectionKind::kCodes, "ua.is_mobile"),
                            "codes", "ua.is_mobile") +
                " crc ok; width 1, 1 of 3 rows have a value\n"));
}

TEST(SegmentDump, TokenTermsThatDoNotDescribeTheirRowsAreReported) {
  // Checksums hold; the reader refuses these term lists when it loads them,
  // and the dump reports why.
  struct Case {
    std::vector<std::string> tokens;
    std::vector<uint64_t> offsets;  // into the example's 24 bytes of row lists
    std::string problem;
  };
  const std::vector<Case> cases = {
      {{"ok", "login"}, {0, 3, 24}, "token terms are not sorted"},
      {{"ok", "ok"}, {0, 3, 24}, "token terms are not sorted"},
      {{"ann", "bob"},
       {0, 30, 24},
       "token row list offsets are out of order or past the row lists"},
      {{"ann", "bob"}, {0, 1, 24}, "token row list offsets are out of order or past the row lists"},
      {{"ann", "bob"}, {0, 3, 20}, "token row lists do not fill their section"},
      {{"ann", "bob"}, {3, 6, 24}, "token row lists do not fill their section"},
  };
  const std::string original = ExampleSegment();
  const Directory directory = ReadDirectory(original);
  const size_t description = event::FieldIndexOf(*event::FindField("description"));
  const size_t index = SectionIndex(directory, SectionKind::kTokenTerms, "description");
  const SectionEntry& rows_entry =
      directory.sections[SectionIndex(directory, SectionKind::kTokenRows, "description")];
  ASSERT_EQ(rows_entry.raw_bytes, 24u);
  const uint32_t block_crc = crc32c::Mask(
      crc32c::Value(std::string_view(original).substr(rows_entry.offset, rows_entry.raw_bytes)));
  for (const Case& test_case : cases) {
    std::string terms;
    PutVarint32(&terms, static_cast<uint32_t>(test_case.tokens.size()));
    for (const std::string& token : test_case.tokens) PutLengthPrefixed(&terms, token);
    for (uint64_t offset : test_case.offsets) PutFixed64(&terms, offset);
    PutFixed32(&terms, block_crc);
    const std::string bytes = ReplaceSection(original, index, terms);
    const uint64_t offset = ReadDirectory(bytes).sections[index].offset;
    const std::string expected =
        fmt::format("segment /db/000001.seg at offset {}: section {} (8 of description): {}",
                    offset, index, test_case.problem);
    env::MemFileSystem fs;
    WriteFile(fs, bytes);
    std::string listing;
    EXPECT_THAT(DumpSegment(fs, kPath, &listing), StatusIs(StatusCode::kCorruption, expected))
        << test_case.problem;
    SectionCache cache(1 << 20);
    AL_ASSERT_OK_AND_ASSIGN(auto reader, SegmentReader::Open(fs, kPath, 1, &cache));
    EXPECT_THAT(reader->GetTokenTerms(description).status(),
                StatusIs(StatusCode::kCorruption, expected));
  }
}

TEST(SegmentDump, DamagedTokenRowsFailTheirBlockChecksum) {
  std::string bytes = ExampleSegment();
  const Directory directory = ReadDirectory(bytes);
  const size_t index = SectionIndex(directory, SectionKind::kTokenRows, "description");
  const SectionEntry& entry = directory.sections[index];
  bytes[entry.offset + 4] ^= 0x40;  // inside the list of "bob"
  env::MemFileSystem fs;
  WriteFile(fs, bytes);
  SectionCache cache(1 << 20);
  AL_ASSERT_OK_AND_ASSIGN(auto reader, SegmentReader::Open(fs, kPath, 1, &cache));
  const size_t description = event::FieldIndexOf(*event::FindField("description"));
  AL_ASSERT_OK_AND_ASSIGN(auto terms, reader->GetTokenTerms(description));
  ASSERT_TRUE(terms);
  Roaring rows;
  EXPECT_THAT(reader->AddTokenRows(description, *terms, *terms->Find("login"), &rows),
              StatusIs(StatusCode::kCorruption,
                       HasSubstr(fmt::format("at offset {}: the row list of token \"login\" lies "
                                             "in a block that fails its checksum",
                                             entry.offset))));
  std::string listing;
  EXPECT_THAT(DumpSegment(fs, kPath, &listing),
              StatusIs(StatusCode::kCorruption, HasSubstr("checksum mismatch")));
  EXPECT_THAT(listing,
              HasSubstr(SectionLine(directory, index, "token_rows", "description") + " crc BAD"));
}

TEST(SegmentDump, DamagedDirectoryIsReportedAndStillListed) {
  std::string bytes = ExampleSegment();
  const uint64_t directory_offset = ReadDirectory(bytes).offset;
  bytes[directory_offset] ^= 0x01;  // the tenant's length byte at the start of the directory
  env::MemFileSystem fs;
  WriteFile(fs, bytes);
  std::string listing;
  EXPECT_THAT(DumpSegment(fs, kPath, &listing),
              StatusIs(StatusCode::kCorruption,
                       StartsWith(fmt::format("segment /db/000001.seg at offset {}: directory "
                                              "checksum mismatch",
                                              directory_offset))));
  EXPECT_THAT(listing, HasSubstr("directory: checksum BAD"));
}

TEST(SegmentDump, DamagedFooterStopsTheListing) {
  std::string bytes = ExampleSegment();
  bytes[bytes.size() - 1] = 'X';
  env::MemFileSystem fs;
  WriteFile(fs, bytes);
  std::string listing;
  EXPECT_THAT(DumpSegment(fs, kPath, &listing),
              StatusIs(StatusCode::kCorruption,
                       fmt::format("segment /db/000001.seg at offset {}: footer is damaged (bad "
                                   "magic)",
                                   bytes.size() - kFooterBytes)));
  EXPECT_THAT(listing, HasSubstr("header: format version 1\n"));
}

TEST(SegmentDump, FooterVersionIsChecked) {
  std::string bytes = ExampleSegment();
  const size_t version_offset = bytes.size() - 12;
  bytes[version_offset] = 7;
  env::MemFileSystem fs;
  WriteFile(fs, bytes);
  std::string listing;
  EXPECT_THAT(DumpSegment(fs, kPath, &listing),
              StatusIs(StatusCode::kCorruption, "segment /db/000001.seg at offset " +
                                                    std::to_string(version_offset) +
                                                    ": footer format version 7 is not 1"));
  EXPECT_THAT(listing, HasSubstr("codes ua.is_mobile"));
  // The reader refuses the file at the same offset.
  SectionCache cache(1 << 20);
  EXPECT_THAT(SegmentReader::Open(fs, kPath, 1, &cache).status(),
              StatusIs(StatusCode::kCorruption, "segment /db/000001.seg at offset " +
                                                    std::to_string(version_offset) +
                                                    ": footer version differs from the header's"));
}

TEST(SegmentDump, NotASegment) {
  env::MemFileSystem fs;
  WriteFile(fs, std::string(64, 'x'));
  EXPECT_FALSE(LooksLikeSegment("xxxxxxxx"));
  EXPECT_FALSE(LooksLikeSegment("ALSEG"));
  std::string listing;
  EXPECT_THAT(DumpSegment(fs, kPath, &listing),
              StatusIs(StatusCode::kCorruption, HasSubstr("at offset 0: not a segment file")));
  EXPECT_THAT(DumpSegment(fs, "/db/missing.seg", &listing),
              StatusIs(StatusCode::kNotFound, HasSubstr("missing.seg")));
}

TEST(SegmentDump, EveryDamagedByteIsReported) {
  // The dump checks what the reader checks, and the footer version too: no
  // single damaged byte goes unreported, and none crashes it.
  const std::string original = ExampleSegment();
  env::MemFileSystem fs;
  WriteFile(fs, original);
  for (size_t offset = 0; offset < original.size(); ++offset) {
    std::string bytes = original;
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5a);
    auto file = fs.NewWritableFile(kPath);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(bytes).ok());
    std::string listing;
    EXPECT_THAT(DumpSegment(fs, kPath, &listing),
                StatusIs(StatusCode::kCorruption, StartsWith("segment /db/000001.seg at offset ")))
        << "damaged byte at offset " << offset;
  }
}

}  // namespace
}  // namespace auditlog::storage::segment

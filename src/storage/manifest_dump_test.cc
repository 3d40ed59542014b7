#include "storage/manifest_dump.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "env/mem_file_system.h"
#include "storage/atomic_file.h"
#include "storage/manifest.h"
#include "testing/status_matchers.h"

namespace auditlog::storage {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

Manifest ExampleManifest() {
  Manifest manifest;
  manifest.next_file_number = 12;
  manifest.log_number = 9;
  manifest.last_seq["t1"] = 3;
  manifest.last_seq["租户"] = 1200;
  ManifestSegment segment;
  segment.file_number = 7;
  segment.meta.tenant = "t1";
  segment.meta.rows = 3;
  segment.meta.window_start = 1'699'999'200'000'000;
  segment.meta.min_time = 1'700'000'000'000'000;
  segment.meta.max_time = 1'700'000'002'000'000;
  segment.meta.min_seq = 1;
  segment.meta.max_seq = 3;
  segment.meta.file_bytes = 1764;
  manifest.segments.push_back(segment);
  return manifest;
}

TEST(ManifestDump, ListsFrameTenantsAndSegments) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK(SaveManifest(fs, "/db", ExampleManifest()));
  std::string listing;
  AL_ASSERT_OK(DumpManifest(fs, "/db/MANIFEST", &listing));
  const size_t contents_bytes = EncodeManifest(ExampleManifest()).size();
  EXPECT_EQ(
      listing,
      "manifest /db/MANIFEST: " + std::to_string(16 + contents_bytes) +
          " bytes\n"
          "frame: " +
          std::to_string(contents_bytes) +
          " bytes of contents, checksum ok\n"
          "version 1, next_file_number 12, log_number 9 (WAL files numbered below it are "
          "wholly in segments)\n"
          "2 tenants:\n"
          "  @20 \"t1\" last_seq 3\n"
          "  @24 \"租户\" last_seq 1200\n"
          "1 segments:\n"
          "  @34 000007.seg: tenant \"t1\", 3 rows, 1764 bytes, window start "
          "2023-11-14T22:00:00.000Z\n"
          "      timestamp 2023-11-14T22:13:20.000Z .. 2023-11-14T22:13:22.000Z, seq 1 .. 3\n");
}

TEST(ManifestDump, LooksLikeManifestNeedsTheMagicAndTheName) {
  EXPECT_TRUE(LooksLikeManifest("/db/MANIFEST", "alatomic"));
  EXPECT_TRUE(LooksLikeManifest("MANIFEST.tmp", "alatomic\x05"));
  EXPECT_FALSE(LooksLikeManifest("/db/OTHER", "alatomic"));
  EXPECT_FALSE(LooksLikeManifest("/db/MANIFEST", "ALSEGMNT"));
}

TEST(ManifestDump, BadChecksumIsReportedAndTheContentsStillListed) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK(SaveManifest(fs, "/db", ExampleManifest()));
  std::string bytes;
  AL_ASSERT_OK((*fs.OpenForRead("/db/MANIFEST"))->Read(0, 4096, &bytes));
  bytes[21] ^= 0x01;  // a byte of the first tenant's name ("t1" -> "u1")
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/db/MANIFEST"));
  AL_ASSERT_OK(file->Append(bytes));
  AL_ASSERT_OK(file->Sync());
  std::string listing;
  EXPECT_THAT(
      DumpManifest(fs, "/db/MANIFEST", &listing),
      StatusIs(StatusCode::kCorruption, "manifest /db/MANIFEST at offset 12: checksum mismatch"));
  EXPECT_THAT(listing, HasSubstr("checksum BAD"));
  EXPECT_THAT(listing, HasSubstr("1 segments:"));
}

TEST(ManifestDump, CutContentsAreListedUpToTheDamage) {
  // A well-framed file whose contents stop inside the segment list.
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  const std::string contents = EncodeManifest(ExampleManifest());
  AL_ASSERT_OK(
      ReplaceFileAtomically(fs, "/db", "MANIFEST", contents.substr(0, contents.size() - 3)));
  std::string listing;
  EXPECT_THAT(DumpManifest(fs, "/db/MANIFEST", &listing),
              StatusIs(StatusCode::kCorruption,
                       "manifest /db/MANIFEST at offset 34: segment list is cut short"));
  EXPECT_THAT(listing, HasSubstr("  @24 \"租户\" last_seq 1200\n1 segments:\nDAMAGE at offset 34"));
}

TEST(ManifestDump, NotAnAtomicFile) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/db/MANIFEST"));
  AL_ASSERT_OK(file->Append("short"));
  std::string listing;
  EXPECT_THAT(DumpManifest(fs, "/db/MANIFEST", &listing),
              StatusIs(StatusCode::kCorruption, HasSubstr("at offset 0: not an atomic file")));
}

// The dump walks the grammar itself, to say where damage starts; it must
// accept exactly what DecodeManifest accepts.
RC_GTEST_PROP(ManifestDumpProperty, AgreesWithTheDecoder, (const std::string& tail)) {
  std::string contents = *rc::gen::arbitrary<bool>() ? EncodeManifest(ExampleManifest()) : "";
  contents = contents.substr(0, *rc::gen::inRange<size_t>(0, contents.size() + 1)) + tail;
  env::MemFileSystem fs;
  RC_ASSERT(fs.CreateDirs("/db").ok());
  RC_ASSERT(ReplaceFileAtomically(fs, "/db", "MANIFEST", contents).ok());
  std::string listing;
  const Status status = DumpManifest(fs, "/db/MANIFEST", &listing);
  const bool decodes = DecodeManifest(contents).ok();
  RC_ASSERT(status.ok() == decodes);
  if (!decodes) RC_ASSERT(status.code() == StatusCode::kCorruption);
}

}  // namespace
}  // namespace auditlog::storage

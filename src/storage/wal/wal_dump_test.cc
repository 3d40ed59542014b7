#include "storage/wal/wal_dump.h"

#include <gtest/gtest.h>

#include "env/mem_file_system.h"
#include "storage/wal/wal_writer.h"
#include "testing/status_matchers.h"

namespace auditlog::storage::wal {
namespace {

TEST(WalDump, ListsRecordsAndHowTheFileEnds) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/db/1.wal"));
  AL_ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(std::move(file)));
  AL_ASSERT_OK(writer->Append(RecordType::kBatch, "hello"));
  AL_ASSERT_OK(writer->Append(RecordType::kBatch, std::string("\x01\\", 2)));
  AL_ASSERT_OK(writer->Close());
  EXPECT_TRUE(LooksLikeWal(fs, "/db/1.wal"));
  std::string listing;
  AL_ASSERT_OK(DumpWal(fs, "/db/1.wal", &listing));
  EXPECT_EQ(listing,
            "wal /db/1.wal: format version 1, 41 bytes\n"
            "@16 batch 5 bytes: hello\n"
            "@30 batch 2 bytes: \\x01\\x5c\n"
            "2 records, clean end at offset 41\n");

  // Cut the last record short: a torn tail.
  auto reader = fs.OpenForRead("/db/1.wal");
  std::string bytes;
  AL_ASSERT_OK((*reader)->Read(0, 39, &bytes));
  AL_ASSERT_OK_AND_ASSIGN(auto truncated, fs.NewWritableFile("/db/1.wal"));
  AL_ASSERT_OK(truncated->Append(bytes));
  listing.clear();
  AL_ASSERT_OK(DumpWal(fs, "/db/1.wal", &listing));
  EXPECT_NE(listing.find("1 records, then a torn tail of 9 bytes at offset 30"), std::string::npos)
      << listing;
}

TEST(WalDump, NotAWal) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/db/x"));
  AL_ASSERT_OK(file->Append("something else entirely"));
  EXPECT_FALSE(LooksLikeWal(fs, "/db/x"));
  std::string listing;
  EXPECT_FALSE(DumpWal(fs, "/db/x", &listing).ok());
}

}  // namespace
}  // namespace auditlog::storage::wal

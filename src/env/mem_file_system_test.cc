// MemFileSystem's durability model: what survives SimulateCrash.

#include "env/mem_file_system.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace auditlog::env {
namespace {

std::string ReadAll(FileSystem& fs, const std::string& path) {
  auto file = fs.OpenForRead(path);
  if (!file.ok()) return "<missing>";
  std::string contents;
  (void)(*file)->Read(0, 1 << 20, &contents);
  return contents;
}

class MemFileSystemCrash : public ::testing::Test {
 protected:
  void SetUp() override { AL_ASSERT_OK(fs_.CreateDirs("/db")); }
  MemFileSystem fs_;
};

TEST_F(MemFileSystemCrash, UnsyncedTailIsDropped) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/1.wal"));
  AL_ASSERT_OK(file->Append("durable|"));
  AL_ASSERT_OK(file->Sync());
  AL_ASSERT_OK(fs_.SyncDir("/db"));
  AL_ASSERT_OK(file->Append("lost"));
  EXPECT_EQ(fs_.UnsyncedBytes(), 4u);
  fs_.SimulateCrash(CrashMode::kDropUnsynced);
  EXPECT_EQ(ReadAll(fs_, "/db/1.wal"), "durable|");
  EXPECT_EQ(fs_.UnsyncedBytes(), 0u);
}

TEST_F(MemFileSystemCrash, TornTailKeepsAPrefixOfTheUnsyncedBytes) {
  bool saw_partial = false;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    MemFileSystem fs;
    AL_ASSERT_OK(fs.CreateDirs("/db"));
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/db/1.wal"));
    AL_ASSERT_OK(file->Append("ok"));
    AL_ASSERT_OK(file->Sync());
    AL_ASSERT_OK(fs.SyncDir("/db"));
    AL_ASSERT_OK(file->Append("abcdefgh"));
    fs.SimulateCrash(CrashMode::kTornTail, seed);
    const std::string contents = ReadAll(fs, "/db/1.wal");
    ASSERT_TRUE(std::string("okabcdefgh").starts_with(contents)) << contents;
    ASSERT_GE(contents.size(), 2u);
    saw_partial = saw_partial || (contents.size() > 2 && contents.size() < 10);
  }
  EXPECT_TRUE(saw_partial);
}

TEST_F(MemFileSystemCrash, FilesNeverDirSyncedVanish) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/new"));
  AL_ASSERT_OK(file->Append("synced data, unsynced entry"));
  AL_ASSERT_OK(file->Sync());
  fs_.SimulateCrash(CrashMode::kDropUnsynced);
  EXPECT_FALSE(fs_.Exists("/db/new"));
}

TEST_F(MemFileSystemCrash, UnsyncedRenameAndRemoveAreUndone) {
  for (const char* name : {"/db/MANIFEST", "/db/tmp", "/db/old-segment"}) {
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile(name));
    AL_ASSERT_OK(file->Append(name));
    AL_ASSERT_OK(file->Sync());
  }
  AL_ASSERT_OK(fs_.SyncDir("/db"));
  AL_ASSERT_OK(fs_.Rename("/db/tmp", "/db/MANIFEST"));
  AL_ASSERT_OK(fs_.Remove("/db/old-segment"));
  fs_.SimulateCrash(CrashMode::kDropUnsynced);
  EXPECT_EQ(ReadAll(fs_, "/db/MANIFEST"), "/db/MANIFEST");
  EXPECT_EQ(ReadAll(fs_, "/db/tmp"), "/db/tmp");
  EXPECT_TRUE(fs_.Exists("/db/old-segment"));
}

TEST_F(MemFileSystemCrash, SyncedRenameSurvives) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/tmp"));
  AL_ASSERT_OK(file->Append("v2"));
  AL_ASSERT_OK(file->Sync());
  AL_ASSERT_OK(fs_.Rename("/db/tmp", "/db/MANIFEST"));
  AL_ASSERT_OK(fs_.SyncDir("/db"));
  fs_.SimulateCrash(CrashMode::kDropUnsynced);
  EXPECT_EQ(ReadAll(fs_, "/db/MANIFEST"), "v2");
  EXPECT_FALSE(fs_.Exists("/db/tmp"));
}

TEST_F(MemFileSystemCrash, LocksAreReleasedAndOldHandlesAreDetached) {
  AL_ASSERT_OK_AND_ASSIGN(auto lock, fs_.Lock("/db/LOCK"));
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/1.wal"));
  AL_ASSERT_OK(file->Append("a"));
  AL_ASSERT_OK(file->Sync());
  AL_ASSERT_OK(fs_.SyncDir("/db"));
  fs_.SimulateCrash(CrashMode::kDropUnsynced);
  AL_ASSERT_OK(file->Append("written by a dead process"));
  EXPECT_EQ(ReadAll(fs_, "/db/1.wal"), "a");
  AL_ASSERT_OK_AND_ASSIGN(auto relock, fs_.Lock("/db/LOCK"));
}

}  // namespace
}  // namespace auditlog::env

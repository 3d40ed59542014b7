#include "storage/atomic_file.h"

#include <gtest/gtest.h>

#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "testing/status_matchers.h"

namespace auditlog::storage {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

struct CrashModeCase {
  env::CrashMode mode;
  uint64_t seed;
};

TEST(AtomicFile, ReplaceAndReadBack) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK_AND_ASSIGN(auto missing, ReadAtomicFile(fs, "/db", "MANIFEST"));
  EXPECT_FALSE(missing.has_value());
  AL_ASSERT_OK(ReplaceFileAtomically(fs, "/db", "MANIFEST", "v1"));
  AL_ASSERT_OK(ReplaceFileAtomically(fs, "/db", "MANIFEST", "version two"));
  AL_ASSERT_OK_AND_ASSIGN(auto contents, ReadAtomicFile(fs, "/db", "MANIFEST"));
  EXPECT_EQ(contents, "version two");
  EXPECT_FALSE(fs.Exists("/db/MANIFEST.tmp"));
}

TEST(AtomicFile, DamageAtRestIsCorruption) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK(ReplaceFileAtomically(fs, "/db", "MANIFEST", "segments: 1 2 3"));
  auto reader = fs.OpenForRead("/db/MANIFEST");
  std::string bytes;
  AL_ASSERT_OK((*reader)->Read(0, 100, &bytes));
  bytes.back() ^= 1;
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/db/MANIFEST"));
  AL_ASSERT_OK(file->Append(bytes));
  EXPECT_THAT(ReadAtomicFile(fs, "/db", "MANIFEST"),
              StatusIs(StatusCode::kCorruption, HasSubstr("/db/MANIFEST: checksum mismatch")));
}

// Crash at every mutating operation of a replacement: afterwards the file
// holds the old contents or the new, never anything else, and the new ones
// whenever the replacement returned OK.
TEST(AtomicFile, EveryCrashPointLeavesOldOrNew) {
  for (CrashModeCase crash :
       {CrashModeCase{env::CrashMode::kDropUnsynced, 0},
        CrashModeCase{env::CrashMode::kTornTail, 1}, CrashModeCase{env::CrashMode::kTornTail, 2}}) {
    for (uint64_t crash_at = 1; crash_at <= 8; ++crash_at) {
      env::MemFileSystem base;
      AL_ASSERT_OK(base.CreateDirs("/db"));
      env::FaultInjectionFileSystem fs(base);
      AL_ASSERT_OK(ReplaceFileAtomically(fs, "/db", "MANIFEST", "old contents"));
      fs.FailAfter(crash_at);
      const Status replaced = ReplaceFileAtomically(fs, "/db", "MANIFEST", "new contents, longer");
      base.SimulateCrash(crash.mode, crash.seed + crash_at);
      fs.Heal();
      AL_ASSERT_OK_AND_ASSIGN(auto contents, ReadAtomicFile(base, "/db", "MANIFEST"));
      ASSERT_TRUE(contents.has_value()) << "crash_at=" << crash_at;
      if (replaced.ok()) {
        EXPECT_EQ(*contents, "new contents, longer") << "crash_at=" << crash_at;
      } else {
        EXPECT_TRUE(*contents == "old contents" || *contents == "new contents, longer")
            << "crash_at=" << crash_at << ": " << *contents;
      }
      // And the next replacement works over whatever was left behind.
      AL_ASSERT_OK(ReplaceFileAtomically(base, "/db", "MANIFEST", "after recovery"));
      AL_ASSERT_OK_AND_ASSIGN(contents, ReadAtomicFile(base, "/db", "MANIFEST"));
      EXPECT_EQ(contents, "after recovery");
    }
  }
}

}  // namespace
}  // namespace auditlog::storage

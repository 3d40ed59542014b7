#include "env/fault_injection_file_system.h"

#include <gtest/gtest.h>

#include "env/mem_file_system.h"
#include "testing/status_matchers.h"

namespace auditlog::env {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override { AL_ASSERT_OK(base_.CreateDirs("/db")); }
  MemFileSystem base_;
  FaultInjectionFileSystem fs_{base_};
};

TEST_F(FaultInjection, FailAfterCutsEveryLaterOperation) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/1.wal"));  // op 1
  fs_.FailAfter(2);
  AL_ASSERT_OK(file->Append("a"));  // op 2
  EXPECT_THAT(file->Sync(),
              StatusIs(StatusCode::kIOError, HasSubstr("sync /db/1.wal: injected fault")));
  EXPECT_THAT(file->Append("b"), StatusIs(StatusCode::kIOError, HasSubstr("operation 4")));
  EXPECT_THAT(fs_.SyncDir("/db"), StatusIs(StatusCode::kIOError, HasSubstr("injected")));
  EXPECT_EQ(fs_.MutatingOpCount(), 5u);
  fs_.Heal();
  AL_EXPECT_OK(file->Append("c"));
}

TEST_F(FaultInjection, FailOneInIsReproducibleFromItsSeed) {
  auto run = [](uint64_t seed) {
    MemFileSystem base;
    (void)base.CreateDirs("/db");
    FaultInjectionFileSystem fs(base);
    fs.FailOneIn(4, seed);
    std::string outcomes;
    auto file = fs.NewWritableFile("/db/f");
    for (int op = 0; op < 64; ++op) outcomes += file.ok() && (*file)->Append("x").ok() ? '.' : 'X';
    return outcomes;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  EXPECT_NE(run(7).find('X'), std::string::npos);
  EXPECT_NE(run(7).find('.'), std::string::npos);
}

TEST_F(FaultInjection, DiskFullUntilSpaceIsFreed) {
  fs_.SetCapacityBytes(10);
  AL_ASSERT_OK_AND_ASSIGN(auto big, fs_.NewWritableFile("/db/old"));
  AL_ASSERT_OK(big->Append("12345678"));
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/new"));
  EXPECT_THAT(file->Append("abc"),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr("disk full")));
  AL_ASSERT_OK(big->Close());
  AL_ASSERT_OK(fs_.Remove("/db/old"));
  AL_EXPECT_OK(file->Append("abc"));
}

TEST_F(FaultInjection, ReadsNeverFail) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/db/r"));
  AL_ASSERT_OK(file->Append("data"));
  fs_.FailAfter(1);
  AL_ASSERT_OK_AND_ASSIGN(auto reader, fs_.OpenForRead("/db/r"));
  std::string out;
  AL_ASSERT_OK(reader->Read(0, 4, &out));
  EXPECT_EQ(out, "data");
  EXPECT_TRUE(fs_.Exists("/db/r"));
}

}  // namespace
}  // namespace auditlog::env

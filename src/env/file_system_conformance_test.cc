// One suite, every FileSystem (STYLE.md §8): POSIX in a fresh temporary
// directory, MemFileSystem, and the fault-injecting wrapper (injecting
// nothing) over a MemFileSystem.

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "env/fault_injection_file_system.h"
#include "env/file_system.h"
#include "env/mem_file_system.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace auditlog::env {
namespace {

using ::auditlog::testing::StatusIs;

// A fault-injecting wrapper together with the MemFileSystem it wraps.
struct WrappedMem {
  MemFileSystem base;
  FaultInjectionFileSystem wrapper{base};
};

struct Backend {
  const char* name;
  std::function<std::shared_ptr<FileSystem>()> make;  // null: POSIX
};

class FileSystemConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (std::string_view(GetParam().name) == "posix") {
      posix_root_.emplace();
      ASSERT_FALSE(posix_root_->path().empty());
      root_ = posix_root_->path();
      fs_ = &PosixFileSystem();
    } else {
      owned_ = GetParam().make();
      fs_ = owned_.get();
      root_ = "/root";
      AL_ASSERT_OK(fs_->CreateDirs(root_));
    }
  }

  std::string Path(std::string_view name) const { return JoinPath(root_, name); }

  std::string ReadAll(const std::string& path) {
    auto file = fs_->OpenForRead(path);
    if (!file.ok()) return "<" + file.status().ToString() + ">";
    std::string contents;
    if (!(*file)->Read(0, 1 << 20, &contents).ok()) return "<read failed>";
    return contents;
  }

  FileSystem* fs_ = nullptr;
  std::shared_ptr<FileSystem> owned_;
  std::optional<testing::TempDir> posix_root_;  // removed with what the test left in it
  std::string root_;
};

TEST_P(FileSystemConformance, WriteSyncReadBack) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("a.wal")));
  AL_ASSERT_OK(file->Append("hello "));
  AL_ASSERT_OK(file->Append("world"));
  EXPECT_EQ(file->size(), 11u);
  AL_ASSERT_OK(file->Sync());
  AL_ASSERT_OK(file->Close());
  EXPECT_EQ(ReadAll(Path("a.wal")), "hello world");
  AL_ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->FileSize(Path("a.wal")));
  EXPECT_EQ(size, 11u);
}

TEST_P(FileSystemConformance, ReadsAtOffsetsAndPastTheEnd) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("r")));
  AL_ASSERT_OK(file->Append("0123456789"));
  AL_ASSERT_OK(file->Close());
  AL_ASSERT_OK_AND_ASSIGN(auto reader, fs_->OpenForRead(Path("r")));
  std::string out;
  AL_ASSERT_OK(reader->Read(3, 4, &out));
  EXPECT_EQ(out, "3456");
  AL_ASSERT_OK(reader->Read(8, 10, &out));
  EXPECT_EQ(out, "89") << "short read at the end";
  AL_ASSERT_OK(reader->Read(50, 10, &out));
  EXPECT_EQ(out, "");
  AL_ASSERT_OK_AND_ASSIGN(uint64_t size, reader->Size());
  EXPECT_EQ(size, 10u);
}

TEST_P(FileSystemConformance, AppendableKeepsAndWritableTruncates) {
  AL_ASSERT_OK_AND_ASSIGN(auto first, fs_->NewWritableFile(Path("f")));
  AL_ASSERT_OK(first->Append("abc"));
  AL_ASSERT_OK(first->Close());
  AL_ASSERT_OK_AND_ASSIGN(auto appendable, fs_->NewAppendableFile(Path("f")));
  EXPECT_EQ(appendable->size(), 3u);
  AL_ASSERT_OK(appendable->Append("def"));
  AL_ASSERT_OK(appendable->Close());
  EXPECT_EQ(ReadAll(Path("f")), "abcdef");
  AL_ASSERT_OK_AND_ASSIGN(auto truncating, fs_->NewWritableFile(Path("f")));
  AL_ASSERT_OK(truncating->Close());
  EXPECT_EQ(ReadAll(Path("f")), "");
}

TEST_P(FileSystemConformance, UseAfterCloseIsAnError) {
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("c")));
  AL_ASSERT_OK(file->Close());
  EXPECT_THAT(file->Append("x"), StatusIs(StatusCode::kIOError, ::testing::HasSubstr("closed")));
  EXPECT_THAT(file->Sync(), StatusIs(StatusCode::kIOError, ::testing::HasSubstr("closed")));
}

TEST_P(FileSystemConformance, RenameReplacesAtomically) {
  for (const char* name : {"MANIFEST-1", "MANIFEST-tmp"}) {
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path(name)));
    AL_ASSERT_OK(file->Append(name));
    AL_ASSERT_OK(file->Sync());
    AL_ASSERT_OK(file->Close());
  }
  AL_ASSERT_OK(fs_->Rename(Path("MANIFEST-tmp"), Path("MANIFEST-1")));
  AL_ASSERT_OK(fs_->SyncDir(root_));
  EXPECT_EQ(ReadAll(Path("MANIFEST-1")), "MANIFEST-tmp");
  EXPECT_FALSE(fs_->Exists(Path("MANIFEST-tmp")));
  AL_ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(root_));
  EXPECT_EQ(names, std::vector<std::string>{"MANIFEST-1"});
}

TEST_P(FileSystemConformance, MissingPathsAreNotFound) {
  EXPECT_THAT(fs_->OpenForRead(Path("nope")),
              StatusIs(StatusCode::kNotFound, ::testing::HasSubstr("nope")));
  EXPECT_THAT(fs_->Remove(Path("nope")), StatusIs(StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(fs_->Rename(Path("nope"), Path("x")), StatusIs(StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(fs_->FileSize(Path("nope")), StatusIs(StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(fs_->NewWritableFile(Path("no-dir/file")),
              StatusIs(StatusCode::kNotFound, ::testing::_));
  EXPECT_FALSE(fs_->Exists(Path("nope")));
}

TEST_P(FileSystemConformance, ListDirIsSortedAndRemoveWorks) {
  for (const char* name : {"b", "a", "c"}) {
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path(name)));
    AL_ASSERT_OK(file->Close());
  }
  AL_ASSERT_OK(fs_->Remove(Path("b")));
  AL_ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(root_));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));
}

TEST_P(FileSystemConformance, LockIsExclusiveUntilReleased) {
  AL_ASSERT_OK_AND_ASSIGN(auto lock, fs_->Lock(Path("LOCK")));
  EXPECT_THAT(fs_->Lock(Path("LOCK")),
              StatusIs(StatusCode::kUnavailable, ::testing::HasSubstr("LOCK")));
  lock.reset();
  AL_ASSERT_OK_AND_ASSIGN(auto again, fs_->Lock(Path("LOCK")));
}

INSTANTIATE_TEST_SUITE_P(
    AllFileSystems, FileSystemConformance,
    ::testing::Values(
        Backend{"posix", [] { return std::shared_ptr<FileSystem>(); }},
        Backend{"memory",
                [] { return std::shared_ptr<FileSystem>(std::make_shared<MemFileSystem>()); }},
        Backend{"fault_injection",
                [] {
                  // Aliasing pointer: the wrapper, keeping its base alive.
                  auto both = std::make_shared<WrappedMem>();
                  return std::shared_ptr<FileSystem>(both, &both->wrapper);
                }}),
    [](const ::testing::TestParamInfo<Backend>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace auditlog::env

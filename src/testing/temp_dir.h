#pragma once

// A fresh directory under the system's temporary directory, removed with
// everything in it when the TempDir goes away: where tests that need the real
// file system put their files.
//
// Thread-safety: one owner.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace auditlog::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "auditlog-test.XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }

  // Empty when the directory could not be created.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace auditlog::testing

// PosixFileSystem: FileSystem over POSIX calls. The one place in the project
// where storage reaches the operating system.

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/no_destructor.h"
#include "env/file_system.h"

namespace auditlog::env {
namespace {

Status ErrnoStatus(std::string_view what, const std::string& path, int error_number) {
  const std::string message = fmt::format("{} {}: {}", what, path, std::strerror(error_number));
  switch (error_number) {
    case ENOENT:
      return Status::NotFound(message);
    case EEXIST:
      return Status::AlreadyExists(message);
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted("disk full: " + message);
    default:
      return Status::IOError(message);
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IOError(fmt::format("append {}: file is closed", path_));
    while (!data.empty()) {
      const ssize_t written = ::write(fd_, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("append", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(written));
      size_ += static_cast<uint64_t>(written);
    }
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::IOError(fmt::format("sync {}: file is closed", path_));
    if (::fdatasync(fd_) != 0) return ErrnoStatus("sync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::IOError(fmt::format("close {}: file is closed", path_));
    const int result = ::close(fd_);
    fd_ = -1;
    if (result != 0) return ErrnoStatus("close", path_, errno);
    return Status::OK();
  }

  uint64_t size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t length, std::string* out) const override {
    out->resize(length);
    size_t done = 0;
    while (done < length) {
      const ssize_t got =
          ::pread(fd_, out->data() + done, length - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        out->clear();
        return ErrnoStatus("read", path_, errno);
      }
      if (got == 0) break;  // end of file
      done += static_cast<size_t>(got);
    }
    out->resize(done);
    return Status::OK();
  }

  void WillReadAll() const override {
    // Best effort: a hint the kernel may ignore.
    (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_WILLNEED);
  }

  Result<uint64_t> Size() const override {
    struct stat info;
    if (::fstat(fd_, &info) != 0) return ErrnoStatus("stat", path_, errno);
    return static_cast<uint64_t>(info.st_size);
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixFs final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return OpenWritable(path, O_TRUNC);
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return OpenWritable(path, O_APPEND);
  }

  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open directory", dir, errno);
    const int result = ::fsync(fd);
    const int error_number = errno;
    ::close(fd);
    if (result != 0) return ErrnoStatus("sync directory", dir, error_number);
    return Status::OK();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
    return Status::OK();
  }

  Status CreateDirs(const std::string& dir) override {
    if (dir.empty() || Exists(dir)) return Status::OK();
    const std::string parent = DirName(dir);
    if (parent != dir && parent != ".") AL_RETURN_IF_ERROR(CreateDirs(parent));
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("create directory", dir, errno);
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) return ErrnoStatus("list", dir, errno);
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(handle)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(handle);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) return ErrnoStatus("stat", path, errno);
    return static_cast<uint64_t>(info.st_size);
  }

  bool Exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("lock", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error_number = errno;
      ::close(fd);
      if (error_number == EWOULDBLOCK) {
        return Status::Unavailable(fmt::format("lock {}: held by another process", path));
      }
      return ErrnoStatus("lock", path, error_number);
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

 private:
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path, int mode_flag) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | mode_flag, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    struct stat info;
    if (::fstat(fd, &info) != 0) {
      const int error_number = errno;
      ::close(fd);
      return ErrnoStatus("stat", path, error_number);
    }
    return std::unique_ptr<WritableFile>(
        new PosixWritableFile(path, fd, static_cast<uint64_t>(info.st_size)));
  }
};

}  // namespace

FileSystem& PosixFileSystem() {
  static NoDestructor<PosixFs> file_system;
  return *file_system;
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string path(dir);
  if (path.back() != '/') path.push_back('/');
  path.append(name);
  return path;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace auditlog::env

#include "env/mem_file_system.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/random.h"

namespace auditlog::env {

struct MemFileSystem::File {
  std::mutex mu;
  std::string data;     // guarded by mu
  uint64_t synced = 0;  // bytes of data that are durable; guarded by mu
};

class MemFileSystem::MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::string path, std::shared_ptr<File> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  Status Append(std::string_view data) override {
    if (closed_) return Status::IOError(fmt::format("append {}: file is closed", path_));
    std::lock_guard lock(file_->mu);
    file_->data.append(data);
    return Status::OK();
  }

  Status Sync() override {
    if (closed_) return Status::IOError(fmt::format("sync {}: file is closed", path_));
    std::lock_guard lock(file_->mu);
    file_->synced = file_->data.size();
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::IOError(fmt::format("close {}: file is closed", path_));
    closed_ = true;
    return Status::OK();
  }

  uint64_t size() const override {
    std::lock_guard lock(file_->mu);
    return file_->data.size();
  }

 private:
  std::string path_;
  std::shared_ptr<File> file_;
  bool closed_ = false;
};

class MemFileSystem::MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<File> file) : file_(std::move(file)) {}

  Status Read(uint64_t offset, size_t length, std::string* out) const override {
    std::lock_guard lock(file_->mu);
    if (offset >= file_->data.size()) {
      out->clear();
      return Status::OK();
    }
    out->assign(file_->data, static_cast<size_t>(offset), length);
    return Status::OK();
  }

  Result<uint64_t> Size() const override {
    std::lock_guard lock(file_->mu);
    return static_cast<uint64_t>(file_->data.size());
  }

 private:
  std::shared_ptr<File> file_;
};

class MemFileSystem::MemFileLock final : public FileLock {
 public:
  MemFileLock(MemFileSystem& owner, std::string path) : owner_(owner), path_(std::move(path)) {}
  ~MemFileLock() override {
    std::lock_guard lock(owner_.mu_);
    owner_.locked_paths_.erase(path_);
  }

 private:
  MemFileSystem& owner_;
  std::string path_;
};

MemFileSystem::MemFileSystem() { dirs_.insert("/"); }
MemFileSystem::~MemFileSystem() = default;

bool MemFileSystem::DirExistsLocked(const std::string& dir) const {
  return dir == "." || dirs_.contains(dir);
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::OpenWritable(const std::string& path,
                                                                  bool truncate) {
  std::lock_guard lock(mu_);
  if (!DirExistsLocked(DirName(path))) {
    return Status::NotFound(fmt::format("open {}: no such directory", path));
  }
  std::shared_ptr<File>& file = files_[path];
  if (!file || truncate) {
    // A new file object: the old one (if any) stays in durable_entries_
    // until the directory is synced, as a replaced inode would.
    file = std::make_shared<File>();
  }
  return std::unique_ptr<WritableFile>(new MemWritableFile(path, file));
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::NewWritableFile(const std::string& path) {
  return OpenWritable(path, /*truncate=*/true);
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::NewAppendableFile(const std::string& path) {
  return OpenWritable(path, /*truncate=*/false);
}

Result<std::unique_ptr<RandomAccessFile>> MemFileSystem::OpenForRead(const std::string& path) {
  std::lock_guard lock(mu_);
  const auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound(fmt::format("open {}: no such file", path));
  return std::unique_ptr<RandomAccessFile>(new MemRandomAccessFile(it->second));
}

Status MemFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  const auto it = files_.find(from);
  if (it == files_.end()) return Status::NotFound(fmt::format("rename {}: no such file", from));
  if (!DirExistsLocked(DirName(to))) {
    return Status::NotFound(fmt::format("rename {}: no such directory", to));
  }
  std::shared_ptr<File> file = it->second;
  files_.erase(it);
  files_[to] = std::move(file);
  return Status::OK();
}

Status MemFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!DirExistsLocked(dir))
    return Status::NotFound(fmt::format("sync directory {}: no such directory", dir));
  std::map<std::string, std::shared_ptr<File>>& entries = durable_entries_[dir];
  entries.clear();
  for (const auto& [path, file] : files_) {
    if (DirName(path) == dir) entries[path.substr(dir == "/" ? 1 : dir.size() + 1)] = file;
  }
  return Status::OK();
}

Status MemFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.erase(path) == 0)
    return Status::NotFound(fmt::format("remove {}: no such file", path));
  return Status::OK();
}

Status MemFileSystem::CreateDirs(const std::string& dir) {
  std::lock_guard lock(mu_);
  std::string current = dir;
  while (!current.empty() && current != "." && current != "/" && !dirs_.contains(current)) {
    dirs_.insert(current);
    current = DirName(current);
  }
  return Status::OK();
}

Result<std::vector<std::string>> MemFileSystem::ListDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!DirExistsLocked(dir))
    return Status::NotFound(fmt::format("list {}: no such directory", dir));
  std::set<std::string> names;
  for (const auto& [path, file] : files_) {
    if (DirName(path) == dir) names.insert(path.substr(dir == "/" ? 1 : dir.size() + 1));
  }
  for (const std::string& sub : dirs_) {
    if (sub != dir && DirName(sub) == dir)
      names.insert(sub.substr(dir == "/" ? 1 : dir.size() + 1));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<uint64_t> MemFileSystem::FileSize(const std::string& path) {
  std::lock_guard lock(mu_);
  const auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound(fmt::format("stat {}: no such file", path));
  std::lock_guard file_lock(it->second->mu);
  return static_cast<uint64_t>(it->second->data.size());
}

bool MemFileSystem::Exists(const std::string& path) {
  std::lock_guard lock(mu_);
  return files_.contains(path) || dirs_.contains(path);
}

Result<std::unique_ptr<FileLock>> MemFileSystem::Lock(const std::string& path) {
  std::lock_guard lock(mu_);
  if (!locked_paths_.insert(path).second) {
    return Status::Unavailable(fmt::format("lock {}: held by another process", path));
  }
  return std::unique_ptr<FileLock>(new MemFileLock(*this, path));
}

void MemFileSystem::SimulateCrash(CrashMode mode, uint64_t seed) {
  std::lock_guard lock(mu_);
  SeededRandom random(seed);
  std::map<std::string, std::shared_ptr<File>> survivors;
  for (const auto& [dir, entries] : durable_entries_) {
    for (const auto& [name, file] : entries) {
      // Copy the durable part: open handles keep the old object, detached.
      auto copy = std::make_shared<File>();
      std::lock_guard file_lock(file->mu);
      uint64_t keep = file->synced;
      if (mode == CrashMode::kTornTail && file->data.size() > file->synced) {
        keep += random.Uniform(file->data.size() - file->synced + 1);
      }
      copy->data = file->data.substr(0, static_cast<size_t>(keep));
      copy->synced = copy->data.size();
      survivors[JoinPath(dir, name)] = std::move(copy);
    }
  }
  files_ = std::move(survivors);
  for (auto& [dir, entries] : durable_entries_) {
    for (auto& [name, file] : entries) file = files_[JoinPath(dir, name)];
  }
  locked_paths_.clear();  // a crashed process holds no locks
}

uint64_t MemFileSystem::UnsyncedBytes() const {
  std::lock_guard lock(mu_);
  uint64_t unsynced = 0;
  for (const auto& [path, file] : files_) {
    std::lock_guard file_lock(file->mu);
    unsynced += file->data.size() - file->synced;
  }
  return unsynced;
}

}  // namespace auditlog::env

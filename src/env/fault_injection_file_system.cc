#include "env/fault_injection_file_system.h"

#include <fmt/format.h>

namespace auditlog::env {

class FaultInjectionFileSystem::FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(FaultInjectionFileSystem& owner, std::string path,
                     std::unique_ptr<WritableFile> base)
      : owner_(owner), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    AL_RETURN_IF_ERROR(owner_.MaybeFail("append", path_));
    AL_RETURN_IF_ERROR(owner_.Reserve(path_, data.size()));
    return base_->Append(data);
  }
  Status Sync() override {
    AL_RETURN_IF_ERROR(owner_.MaybeFail("sync", path_));
    return base_->Sync();
  }
  Status Close() override {
    AL_RETURN_IF_ERROR(owner_.MaybeFail("close", path_));
    return base_->Close();
  }
  uint64_t size() const override { return base_->size(); }

 private:
  FaultInjectionFileSystem& owner_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem& base) : base_(base) {}

void FaultInjectionFileSystem::FailAfter(uint64_t n) {
  std::lock_guard lock(mu_);
  fail_from_op_ = op_count_.load() + n;
}

void FaultInjectionFileSystem::FailOneIn(uint64_t n, uint64_t seed) {
  std::lock_guard lock(mu_);
  fail_one_in_ = n;
  random_ = std::make_unique<SeededRandom>(seed);
}

void FaultInjectionFileSystem::SetCapacityBytes(std::optional<uint64_t> capacity_bytes) {
  std::lock_guard lock(mu_);
  capacity_bytes_ = capacity_bytes;
}

void FaultInjectionFileSystem::Heal() {
  std::lock_guard lock(mu_);
  fail_from_op_.reset();
  fail_one_in_ = 0;
  capacity_bytes_.reset();
}

Status FaultInjectionFileSystem::MaybeFail(std::string_view operation, const std::string& path) {
  const uint64_t op_number = ++op_count_;
  std::lock_guard lock(mu_);
  const bool past_cut = fail_from_op_ && op_number >= *fail_from_op_;
  const bool unlucky = fail_one_in_ > 0 && random_->Uniform(fail_one_in_) == 0;
  if (past_cut || unlucky) {
    return Status::IOError(
        fmt::format("{} {}: injected fault (operation {})", operation, path, op_number));
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::Reserve(const std::string& path, uint64_t bytes) {
  std::lock_guard lock(mu_);
  if (capacity_bytes_ && used_bytes_ + bytes > *capacity_bytes_) {
    return Status::ResourceExhausted(fmt::format("disk full: append {}: {} bytes used of {}", path,
                                                 used_bytes_, *capacity_bytes_));
  }
  used_bytes_ += bytes;
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewWritableFile(
    const std::string& path) {
  AL_RETURN_IF_ERROR(MaybeFail("create", path));
  AL_ASSIGN_OR_RETURN(auto file, base_.NewWritableFile(path));
  return std::unique_ptr<WritableFile>(new FaultyWritableFile(*this, path, std::move(file)));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewAppendableFile(
    const std::string& path) {
  AL_RETURN_IF_ERROR(MaybeFail("open", path));
  AL_ASSIGN_OR_RETURN(auto file, base_.NewAppendableFile(path));
  return std::unique_ptr<WritableFile>(new FaultyWritableFile(*this, path, std::move(file)));
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionFileSystem::OpenForRead(
    const std::string& path) {
  return base_.OpenForRead(path);
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  AL_RETURN_IF_ERROR(MaybeFail("rename", from));
  return base_.Rename(from, to);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  AL_RETURN_IF_ERROR(MaybeFail("sync directory", dir));
  return base_.SyncDir(dir);
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  AL_RETURN_IF_ERROR(MaybeFail("remove", path));
  auto size = base_.FileSize(path);
  AL_RETURN_IF_ERROR(base_.Remove(path));
  if (size.ok()) {
    std::lock_guard lock(mu_);
    used_bytes_ -= std::min(used_bytes_, *size);  // the space comes back
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::CreateDirs(const std::string& dir) {
  AL_RETURN_IF_ERROR(MaybeFail("create directory", dir));
  return base_.CreateDirs(dir);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  return base_.ListDir(dir);
}

Result<uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  return base_.FileSize(path);
}

bool FaultInjectionFileSystem::Exists(const std::string& path) { return base_.Exists(path); }

Result<std::unique_ptr<FileLock>> FaultInjectionFileSystem::Lock(const std::string& path) {
  return base_.Lock(path);
}

}  // namespace auditlog::env

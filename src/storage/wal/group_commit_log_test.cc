#include "storage/wal/group_commit_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "storage/wal/wal_reader.h"
#include "testing/status_matchers.h"

namespace auditlog::storage::wal {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kPath[] = "/db/000001.wal";

// A file whose Sync() blocks until the test opens the gate.
class GatedFile final : public env::WritableFile {
 public:
  explicit GatedFile(std::unique_ptr<env::WritableFile> base) : base_(std::move(base)) {}
  Status Append(std::string_view data) override { return base_->Append(data); }
  Status Sync() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    return base_->Sync();
  }
  Status Close() override { return base_->Close(); }
  uint64_t size() const override { return base_->size(); }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::unique_ptr<env::WritableFile> base_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

std::multiset<std::string> ReadPayloads(env::FileSystem& fs) {
  std::multiset<std::string> payloads;
  auto reader = WalReader::Open(*fs.OpenForRead(kPath), "000001.wal");
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return payloads;
  while (true) {
    auto record = (*reader)->Next();
    EXPECT_TRUE(record.ok()) << record.status();
    if (!record.ok() || !*record) break;
    payloads.insert((*record)->payload);
  }
  return payloads;
}

TEST(GroupCommitLog, CallersWaitingDuringASyncShareTheNextOne) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK_AND_ASSIGN(auto base, fs.NewWritableFile(kPath));
  auto gated = std::make_unique<GatedFile>(std::move(base));
  GatedFile* gate = gated.get();
  AL_ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(std::move(gated)));
  GroupCommitLog log(std::move(writer));

  std::vector<std::thread> threads;
  std::atomic<int> ok_count{0};
  auto append = [&](std::string payload) {
    if (log.AppendDurable(RecordType::kBatch, payload).ok()) ++ok_count;
  };
  threads.emplace_back(append, "leader");
  while (log.TEST_QueueLength() < 1) std::this_thread::yield();
  for (int follower = 0; follower < 5; ++follower)
    threads.emplace_back(append, "f" + std::to_string(follower));
  while (log.TEST_QueueLength() < 6) std::this_thread::yield();
  gate->Open();
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(ok_count.load(), 6);
  EXPECT_EQ(log.sync_count(), 2u) << "the leader's sync, then one for all five followers";
  EXPECT_EQ(ReadPayloads(fs), (std::multiset<std::string>{"leader", "f0", "f1", "f2", "f3", "f4"}));
}

TEST(GroupCommitLog, EveryAcknowledgedRecordSurvivesACrash) {
  env::MemFileSystem fs;
  AL_ASSERT_OK(fs.CreateDirs("/db"));
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(kPath));
  AL_ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(std::move(file)));
  AL_ASSERT_OK(fs.SyncDir("/db"));
  GroupCommitLog log(std::move(writer));

  std::mutex acknowledged_mu;
  std::multiset<std::string> acknowledged;
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int record_idx = 0; record_idx < 250; ++record_idx) {
        const std::string payload = std::to_string(thread_idx) + ":" + std::to_string(record_idx);
        if (log.AppendDurable(RecordType::kBatch, payload).ok()) {
          std::lock_guard lock(acknowledged_mu);
          acknowledged.insert(payload);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(acknowledged.size(), 1000u);
  EXPECT_LE(log.sync_count(), 1000u);
  fs.SimulateCrash(env::CrashMode::kDropUnsynced);
  EXPECT_EQ(ReadPayloads(fs), acknowledged) << "each acknowledged record exactly once";
}

TEST(GroupCommitLog, AFailedSyncIsStickyAndNeverRetried) {
  env::MemFileSystem base;
  AL_ASSERT_OK(base.CreateDirs("/db"));
  env::FaultInjectionFileSystem fs(base);
  AL_ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(kPath));
  AL_ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(std::move(file)));  // op: header append
  GroupCommitLog log(std::move(writer));
  AL_ASSERT_OK(log.AppendDurable(RecordType::kBatch, "ok"));
  fs.FailAfter(2);  // the next append passes, its sync fails
  EXPECT_THAT(log.AppendDurable(RecordType::kBatch, "lost"),
              StatusIs(StatusCode::kIOError, HasSubstr("sync /db/000001.wal: injected fault")));
  fs.Heal();
  EXPECT_THAT(log.AppendDurable(RecordType::kBatch, "refused"),
              StatusIs(StatusCode::kUnavailable, HasSubstr("read-only after an earlier failure")));
  EXPECT_THAT(log.sticky_error(), StatusIs(StatusCode::kIOError, HasSubstr("injected")));
  EXPECT_EQ(log.sync_count(), 1u);
}

}  // namespace
}  // namespace auditlog::storage::wal

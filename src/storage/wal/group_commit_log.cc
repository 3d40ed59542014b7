#include "storage/wal/group_commit_log.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace auditlog::storage::wal {

struct GroupCommitLog::Waiter {
  RecordType type;
  std::string_view payload;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

GroupCommitLog::GroupCommitLog(std::unique_ptr<WalWriter> writer) : writer_(std::move(writer)) {}

Status GroupCommitLog::AppendDurable(RecordType type, std::string_view payload,
                                     std::unique_lock<std::mutex>* ordering_lock) {
  Waiter self{type, payload, Status(), false, {}};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  if (ordering_lock != nullptr) ordering_lock->unlock();
  while (!self.done && queue_.front() != &self) self.cv.wait(lock);
  if (self.done) return self.status;  // a leader wrote and synced it for us

  // This caller leads: take the queued records up to the group limit.
  if (!sticky_error_.ok()) {
    queue_.pop_front();
    if (!queue_.empty()) queue_.front()->cv.notify_one();
    return Status::Unavailable("wal: read-only after an earlier failure: " +
                               sticky_error_.ToString());
  }
  std::vector<Waiter*> group;
  size_t group_bytes = 0;
  for (Waiter* waiter : queue_) {
    if (!group.empty() && group_bytes + waiter->payload.size() > kMaxGroupBytes) break;
    group.push_back(waiter);
    group_bytes += waiter->payload.size();
  }
  lock.unlock();

  // Only the leader touches writer_: the queue serializes leaders.
  Status status;
  for (Waiter* waiter : group) {
    status = writer_->Append(waiter->type, waiter->payload);
    if (!status.ok()) break;
  }
  const auto sync_start = std::chrono::steady_clock::now();
  if (status.ok()) status = writer_->Sync();
  const auto sync_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - sync_start)
                              .count();

  lock.lock();
  if (status.ok()) {
    ++sync_count_;
    sync_nanos_total_ += static_cast<uint64_t>(sync_nanos);
    sync_nanos_max_ = std::max(sync_nanos_max_, static_cast<uint64_t>(sync_nanos));
  } else {
    sticky_error_ = status;
  }
  for (Waiter* waiter : group) {
    queue_.pop_front();
    waiter->status = status;
    waiter->done = true;
    if (waiter != &self) waiter->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();  // the next leader
  return status;
}

Status GroupCommitLog::sticky_error() const {
  std::lock_guard lock(mu_);
  return sticky_error_;
}

uint64_t GroupCommitLog::sync_count() const {
  std::lock_guard lock(mu_);
  return sync_count_;
}

GroupCommitLog::SyncTimes GroupCommitLog::sync_times() const {
  std::lock_guard lock(mu_);
  return {sync_count_, sync_nanos_total_, sync_nanos_max_};
}

size_t GroupCommitLog::TEST_QueueLength() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace auditlog::storage::wal

#pragma once

// GroupCommitLog makes WAL appends durable for many concurrent callers with as
// few syncs as possible: each AppendDurable() returns only once its record is
// synced, and callers that arrive while a sync is running share the next one
// (group commit: LevelDB's writer queue). The first caller in the queue leads:
// it writes every queued record, syncs once, and wakes the others.
//
// A failed write or sync is sticky (STYLE.md §3): the log refuses every later
// append with kUnavailable carrying the original cause, and never retries a
// sync hoping it works this time, since the kernel may have dropped the dirty
// pages it failed to write.
//
// Thread-safety: thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>

#include "common/status.h"
#include "storage/wal/wal_writer.h"

namespace auditlog::storage::wal {

class GroupCommitLog {
 public:
  // The most payload bytes one leader writes before syncing; later callers
  // wait for the next group. Bounds the latency one group adds.
  static constexpr size_t kMaxGroupBytes = 4u << 20;

  explicit GroupCommitLog(std::unique_ptr<WalWriter> writer);
  GroupCommitLog(const GroupCommitLog&) = delete;
  GroupCommitLog& operator=(const GroupCommitLog&) = delete;

  // Appends one record and returns once it is durable (OK), or the error that
  // kept it from being so. REQUIRES: payload.size() <= kMaxPayloadBytes.
  //
  // With `ordering_lock` (held by the caller), the record is queued before
  // that lock is released and the wait happens without it: records of callers
  // serialized by one lock reach the file in that lock's order (the store
  // relies on this to keep per-tenant seq gap-free in the log).
  Status AppendDurable(RecordType type, std::string_view payload,
                       std::unique_lock<std::mutex>* ordering_lock = nullptr);

  // OK, or the first write/sync failure (which every later append reports).
  Status sticky_error() const;

  // Syncs performed so far (for tests and metrics).
  uint64_t sync_count() const;
  // Successful syncs and the time they took (the writer's Sync call alone).
  struct SyncTimes {
    uint64_t count = 0;
    uint64_t nanos_total = 0;
    uint64_t nanos_max = 0;
  };
  SyncTimes sync_times() const;
  // Callers waiting right now, the leader included (tests only).
  size_t TEST_QueueLength() const;

 private:
  struct Waiter;

  std::unique_ptr<WalWriter> writer_;  // used by the leader only, outside mu_
  mutable std::mutex mu_;
  std::deque<Waiter*> queue_;      // guarded by mu_
  Status sticky_error_;            // guarded by mu_
  uint64_t sync_count_ = 0;        // guarded by mu_
  uint64_t sync_nanos_total_ = 0;  // guarded by mu_
  uint64_t sync_nanos_max_ = 0;    // guarded by mu_
};

}  // namespace auditlog::storage::wal

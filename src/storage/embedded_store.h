#pragma once

// EmbeddedStore is the default Store: one directory on local disk holding a
// write-ahead log, the memtable's flushed segments and a manifest.
//
//   Append ─► assign seq, check ids ─► WAL (group commit, fsync) ─► memtable
//   memtable full ─► immutable ─► background flush ─► segments per tenant and
//   time window ─► manifest ─► old WAL files removed
//   background: compaction of small segments, retention by tenant policy
//
// Recovery (Open) reads the manifest, opens its segments, replays the WAL
// files it has not flushed (skipping events a segment already holds, by seq),
// removes files it does not name, and starts a new WAL file.
//
// Faults: a failed WAL write or sync makes the store refuse writes with
// kUnavailable and the cause, and it never retries a failed sync. A full disk
// is the one exception that heals: once a later append finds no batch in
// flight, the store re-reads what its WAL really holds, adopts it (exactly
// what a restart would do) and starts a new WAL file; if that works, writes
// resume. A segment that fails its checks is reported in Stats() and by the
// queries that need it; everything else keeps being served.
//
// Thread-safety: thread-safe.

#include <atomic>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "env/file_system.h"
#include "event/event_id.h"
#include "storage/id_set.h"
#include "storage/manifest.h"
#include "storage/memtable.h"
#include "storage/query_executor.h"
#include "storage/segment/section_cache.h"
#include "storage/segment/segment_reader.h"
#include "storage/segment/segment_writer.h"
#include "storage/wal/group_commit_log.h"
#include "store/store.h"

namespace auditlog::storage {

struct EmbeddedStoreOptions {
  std::string dir;
  env::FileSystem* fs = nullptr;  // default: the real file system
  Clock* clock = nullptr;         // default: the system clock
  Random* random = nullptr;       // for ids; default: the OS generator

  // A memtable this large (approximate heap bytes) is flushed. Ingest waits
  // when a second one fills before the first is flushed.
  size_t memtable_bytes = 128u << 20;
  // A memtable that has taken no event for this long is flushed too (0:
  // never), so a store whose ingest pauses has its events in indexed
  // segments: a query matches memtable rows one by one, which at 128 MiB
  // takes 100 ms and more. Only from a sixteenth of `memtable_bytes` (below
  // that, matching costs a few ms, and a trickle of events would make a
  // segment each). Needs `background`.
  int64_t idle_flush_micros = int64_t{2} * 1'000'000;
  // Decoded segment sections kept in memory.
  size_t cache_bytes = 256u << 20;
  // Segments hold events of one tenant and one window of `timestamp`.
  int64_t window_micros = int64_t{86'400} * 1'000'000;
  uint32_t max_segment_rows = segment::kMaxSegmentRows;
  // Threads building a flush's segments (one tenant each at a time). Tests
  // that count file operations set 1, for a deterministic order.
  uint32_t flush_threads = 2;
  // Segments of one tenant smaller than this are merged, up to
  // `max_segment_rows`, with their neighbours in time of the same merge span.
  uint32_t compaction_min_rows = segment::kMaxSegmentRows / 2;
  // Small segments of one tenant are merged across windows, within one span
  // of this length (a whole number of windows, aligned to the Unix epoch). A
  // tenant that logs a few thousand events a day would otherwise keep a
  // segment a day, and a query over every segment pays a little for each:
  // at 10M events over 20 tenants, 627 segments (most of them small) were
  // most of the cost of a lookup by ip. For a tenant with a retention
  // policy the span is at most an eighth of the policy (and at least one
  // window), so that a merged segment outlives the policy by at most that.
  // `window_micros`: segments are merged within their window only.
  int64_t merge_span_micros = int64_t{32} * 86'400 * 1'000'000;
  segment::SegmentWriteOptions segment_options;

  // How long events are kept, by tenant; "*" applies to tenants not listed.
  // None: kept forever. Whole segments are dropped once all their events
  // are older than the policy.
  std::map<std::string, int64_t> retention_micros;
  int64_t retention_interval_micros = int64_t{3600} * 1'000'000;

  // Run flush, compaction and retention on a background thread. Off in tests
  // that step them by hand (FlushForTesting, CompactOnce, RunRetention).
  bool background = true;
};

class EmbeddedStore final : public store::Store {
 public:
  static Result<std::unique_ptr<EmbeddedStore>> Open(EmbeddedStoreOptions options);
  // Stops background work. Nothing is flushed: the WAL holds every event.
  ~EmbeddedStore() override;

  Result<std::vector<store::AppendOutcome>> Append(std::string_view tenant,
                                                   std::span<event::Event> batch) override;
  Result<std::optional<event::Event>> Get(std::string_view tenant, std::string_view id) override;
  Result<query::SearchResult> Search(const query::Query& query) override;
  Result<query::AggResult> Aggregate(const query::Query& query,
                                     const query::AggSpec& spec) override;
  Result<store::StoreStats> Stats() override;
  Status WriteStatus() override;

  // Flushes the current memtable to segments now (whatever its size).
  Status Flush();
  // Merges one group of small segments; `did_work` says whether there was one.
  Status CompactOnce(bool* did_work);
  // Drops the segments past their tenant's retention.
  Status RunRetention();
  // Flush, then compaction until no small segments are left to merge (the
  // background thread's included): the store at rest, for backups and for
  // measuring its size.
  Status FlushAndSettle();
  // Sets (or with nullopt removes) how long `tenant`'s events are kept; "*"
  // is the policy of tenants without one. Applies from the next retention run.
  void SetRetention(const std::string& tenant, std::optional<int64_t> keep_micros);

 private:
  struct LiveSegment;
  struct Snapshot;

  explicit EmbeddedStore(EmbeddedStoreOptions options);
  Status Recover();
  Status ReplayWal(uint64_t number, std::map<std::string, uint64_t>* flushed_seq);
  Status StartWal(std::unique_lock<std::mutex>& lock);  // REQUIRES: lock holds mu_
  Status RecoverFromDiskFull(std::unique_lock<std::mutex>& lock);
  // Adds a WAL batch's events (encoded back to back) to `memtable`, skipping
  // seq <= skip_through, and records their ids and seq.
  Status AdoptBatch(const std::string& tenant, std::string_view encoded, uint32_t count,
                    uint64_t skip_through, Memtable* memtable);  // REQUIRES: mu_ held
  Result<std::optional<event::Event>> FindStored(const std::string& tenant, std::string_view id,
                                                 std::unique_lock<std::mutex>& lock);
  Status FlushImmutable(bool retire_wal);
  // Writes `events` (one tenant's) as segments, one or more per window of
  // `window_micros`.
  Status WriteSegments(std::vector<const event::Event*> events, int64_t window_micros,
                       std::vector<ManifestSegment>* written);
  // Writes `rows` (one tenant's, sorted, all in the window at `window_start`)
  // as one segment. Row: `const Event*` or `EncodedEventFields`.
  template <typename Row>
  Status WriteSegment(std::span<const Row> rows, int64_t window_start,
                      std::vector<ManifestSegment>* written);
  // The start of the window of length `window` (micros) holding `timestamp`.
  static int64_t WindowOf(int64_t timestamp, int64_t window);
  // How long `tenant`'s events are kept, if a policy says (REQUIRES: mu_ held).
  std::optional<int64_t> RetentionOf(const std::string& tenant) const;
  // How far small segments of `tenant` are merged (REQUIRES: mu_ held).
  int64_t MergeSpanOf(const std::string& tenant) const;
  Status SaveManifestLocked();  // REQUIRES: mu_ held
  Status InstallSegments(std::vector<ManifestSegment> added,
                         const std::vector<std::shared_ptr<LiveSegment>>& removed);
  Result<std::shared_ptr<LiveSegment>> OpenSegment(const ManifestSegment& entry);
  static std::shared_ptr<const segment::SegmentReader> ReaderOf(
      const std::shared_ptr<LiveSegment>& live);
  // The live segments of `tenant` (REQUIRES: mu_ held, for as long as the
  // reference is used).
  const std::vector<std::shared_ptr<LiveSegment>>& SegmentsOf(std::string_view tenant) const;
  void IndexSegmentsByTenant();  // REQUIRES: mu_ held
  // Get for one tenant, into `*found` (left empty when it holds no such id).
  Status GetOfTenant(std::string_view tenant, std::string_view id,
                     std::optional<event::Event>* found);
  // The readable segments of `tenant` whose time range holds ULID `id`'s
  // time (`by_ulid_time`), or the others. REQUIRES: mu_ held.
  std::vector<std::shared_ptr<const segment::SegmentReader>> IdLookupReaders(
      std::string_view tenant, std::string_view id, bool by_ulid_time) const;
  Result<Snapshot> TakeSnapshot(const query::Query& query);
  // The snapshot as the executor reads it (valid while `snapshot` lives).
  static QuerySources SourcesOf(const Snapshot& snapshot);
  void BackgroundLoop();

  EmbeddedStoreOptions options_;
  env::FileSystem& fs_;
  Clock& clock_;
  std::unique_ptr<env::FileLock> dir_lock_;
  segment::SectionCache cache_;

  // mu_ guards everything below; it is also the ordering lock of appends
  // (seq assignment and WAL queueing happen under it, the wait outside).
  mutable std::mutex mu_;
  std::condition_variable state_changed_;
  Manifest manifest_;
  std::vector<std::shared_ptr<LiveSegment>> segments_;
  // segments_ by tenant, rebuilt whenever segments_ changes (IndexSegmentsByTenant).
  std::map<std::string, std::vector<std::shared_ptr<LiveSegment>>, std::less<>> segments_by_tenant_;
  std::shared_ptr<Memtable> mem_;
  std::shared_ptr<Memtable> imm_;
  int64_t last_append_nanos_ = 0;  // when the last batch reached mem_ (monotonic)
  std::shared_ptr<wal::GroupCommitLog> log_;
  std::map<std::string, uint64_t> last_seq_;  // highest seq given, by tenant
  IdSet ids_;
  // Batches between their id check and the memtable, so that duplicates
  // inside a batch and across concurrent batches see each other. A batch
  // leaves once it is in the memtable and every earlier batch of its tenant
  // is too, so a tenant's events become visible in seq order (the watermark
  // cursor walks and seq checkpoints rely on; see VisibleSeq).
  struct InFlightBatch {
    const std::string* tenant;
    std::vector<const event::Event*> events;
    bool added = false;
  };
  std::list<InFlightBatch*> in_flight_;
  // The highest seq of `tenant` such that every event up to it is in the
  // memtable or segments. REQUIRES: mu_ held.
  uint64_t VisibleSeq(const std::string& tenant) const;
  Status write_status_;
  // Mirrors write_status_.ok() (set under mu_), so that a healthy store
  // answers WriteStatus without taking mu_, which appends hold.
  std::atomic<bool> writable_{true};
  event::EventIdGenerator id_generator_;
  std::optional<store::RetentionRun> last_retention_;
  int64_t last_retention_micros_ = 0;
  uint64_t flushes_ = 0, compactions_ = 0, retired_syncs_ = 0;
  uint64_t retired_sync_nanos_ = 0, retired_sync_nanos_max_ = 0;  // of WAL files closed
  bool flushing_ = false, compacting_ = false, stopping_ = false;
  std::thread background_;
};

}  // namespace auditlog::storage

#include "storage/embedded_store.h"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <future>
#include <list>
#include <set>
#include <unordered_set>

#include "common/check.h"
#include "common/coding.h"
#include "event/event_codec.h"
#include "event/fields.h"
#include "query/matcher.h"
#include "storage/segment/segment_filter.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"

namespace auditlog::storage {

using event::Event;
using event::FieldSpec;
using query::Scalar;

namespace {

const size_t kIdField = event::FieldIndexOf(*event::FindField("id"));

// batch := codec_version:varint tenant:length-prefixed count:varint event*
// `*events_offset` is where the events start.
std::string EncodeBatch(const std::string& tenant, std::span<const Event* const> events,
                        size_t* events_offset) {
  std::string out;
  PutVarint32(&out, event::kEventCodecVersion);
  PutLengthPrefixed(&out, tenant);
  PutVarint32(&out, static_cast<uint32_t>(events.size()));
  *events_offset = out.size();
  for (const Event* event : events) event::AppendEncodedEvent(*event, &out);
  return out;
}

// Reads a batch's header, leaving `*in` at its events.
Status ParseBatchHeader(std::string_view* in, uint32_t* version, std::string* tenant,
                        uint32_t* count) {
  std::string_view tenant_view;
  if (!GetVarint32(in, version) || !GetLengthPrefixed(in, &tenant_view) ||
      !GetVarint32(in, count) || *count > in->size())
    return Status::Corruption("wal batch: bad header");
  if (!event::IsReadableEventCodecVersion(*version))
    return Status::Corruption(
        fmt::format("wal batch: event codec version {} is not one this "
                    "build reads ({} to {})",
                    *version, event::kOldestReadableEventCodecVersion, event::kEventCodecVersion));
  tenant->assign(tenant_view);
  return Status::OK();
}

// Re-encodes `count` events written at an older codec `version` at the
// current one into `*out` (the memtable keeps only current encodings).
Status UpgradeBatchEvents(uint32_t version, std::string_view events, uint32_t count,
                          std::string* out) {
  out->clear();
  Event scratch;
  for (uint32_t i = 0; i < count; ++i) {
    AL_RETURN_IF_ERROR(event::DecodeEventOfVersion(version, &events, &scratch));
    event::AppendEncodedEvent(scratch, out);
  }
  if (!events.empty()) return Status::Corruption("wal batch: bytes after the last event");
  return Status::OK();
}

// Equal as events, ignoring what the server sets on acceptance: seq and
// received_at, timestamp when the new copy's came from its arrival, and the
// derived groups geo and ua, which enrichment fills again on a retry and may
// fill differently once a GeoIP database or uap-core's rules are updated.
bool SamePayload(const Event& stored, const Event& incoming) {
  Event a = stored, b = incoming;
  a.seq = b.seq = 0;
  a.received_at = b.received_at = std::nullopt;
  a.geo = b.geo = {};
  a.ua = b.ua = {};
  if (incoming.timestamp == incoming.received_at) a.timestamp = b.timestamp = std::nullopt;
  return a == b;
}

// Checks that `events` holds exactly `count` events in their canonical
// encoding (what DecodeEvent accepts): records read back from disk are
// checked once, fully, before the memtable trusts them.
Status CheckBatchEvents(std::string_view events, uint32_t count) {
  Event scratch;
  for (uint32_t i = 0; i < count; ++i) AL_RETURN_IF_ERROR(event::DecodeEvent(&events, &scratch));
  if (!events.empty()) return Status::Corruption("wal batch: bytes after the last event");
  return Status::OK();
}

// Calls `visit(tenant, encoded_events, count)` for each batch of WAL file
// `path`, in order, stopping cleanly at a torn tail. Every batch is checked
// with CheckBatchEvents before `visit` sees it; the check of the next record
// runs on a helper thread while `visit` adopts the current one, so a replay
// keeps both cores busy. A corrupt batch is reported with the file and the
// record's offset, and nothing after it is visited.
template <typename Visit>
Status ForEachWalBatch(env::FileSystem& fs, const std::string& path, Visit visit) {
  AL_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  AL_ASSIGN_OR_RETURN(auto reader, wal::WalReader::Open(std::move(file), path));
  struct Batch {
    wal::WalRecord record;  // the buffer is reused from record to record
    std::string upgraded;   // the events of an older codec version, re-encoded
    std::string tenant;
    std::string_view events;
    uint32_t count = 0;
  };
  Batch batches[2];
  auto corrupt = [&](const Batch& batch, const Status& status) {
    return Status::Corruption(
        fmt::format("wal {} at offset {}: {}", path, batch.record.offset, status.message()));
  };
  // The next batch record into `*batch` (false at the end).
  auto read = [&](Batch* batch) -> Result<bool> {
    while (true) {
      AL_ASSIGN_OR_RETURN(bool found, reader->Next(&batch->record));
      if (!found) return false;
      if (batch->record.type != wal::RecordType::kBatch) continue;
      batch->events = batch->record.payload;
      uint32_t version = 0;
      Status status = ParseBatchHeader(&batch->events, &version, &batch->tenant, &batch->count);
      if (status.ok() && version != event::kEventCodecVersion) {
        status = UpgradeBatchEvents(version, batch->events, batch->count, &batch->upgraded);
        batch->events = batch->upgraded;
      }
      if (!status.ok()) return corrupt(*batch, status);
      return true;
    }
  };
  auto check = [](const Batch* batch) { return CheckBatchEvents(batch->events, batch->count); };
  int current = 0;
  AL_ASSIGN_OR_RETURN(bool have, read(&batches[current]));
  if (!have) return Status::OK();
  std::future<Status> checked = std::async(std::launch::async, check, &batches[current]);
  while (true) {
    Batch& batch = batches[current];
    Batch& next = batches[1 - current];
    Result<bool> have_next = read(&next);
    if (Status status = checked.get(); !status.ok()) return corrupt(batch, status);
    if (!have_next.ok()) return have_next.status();
    if (*have_next) checked = std::async(std::launch::async, check, &next);
    Status status = visit(batch.tenant, batch.events, batch.count);
    if (status.code() == StatusCode::kCorruption) status = corrupt(batch, status);
    if (!status.ok()) {
      if (*have_next) (void)checked.get();  // the helper must be done with `next`
      return status;
    }
    if (!*have_next) return Status::OK();
    current = 1 - current;
  }
}

// The creation time a ULID id carries (the event's time or its arrival,
// close to it), in micros; nullopt for other ids.
std::optional<int64_t> UlidMicros(std::string_view id) {
  if (!event::IsUlid(id)) return std::nullopt;
  return static_cast<int64_t>(event::UlidTimeMs(id)) * 1000;
}

// Whether `meta`'s time range holds that time (true for an id without one).
bool HoldsUlidTime(const segment::SegmentMeta& meta, std::optional<int64_t> micros) {
  return !micros || (meta.min_time <= *micros + 999 && *micros <= meta.max_time);
}

// Reads the event `id` of `segments` into `*found` (left empty when none
// holds it): those whose value filter may hold it, their id dictionaries
// searched in order. (Read in place: an event is 1.7 KB and some 45 strings,
// and moving it out level by level was a fifth of a lookup by id.)
Status FindInSegments(const std::vector<std::shared_ptr<const segment::SegmentReader>>& segments,
                      std::string_view id, std::optional<Event>* found) {
  for (const auto& reader : segments) {
    if (!reader->MayHoldValue(kIdField, id)) continue;
    AL_ASSIGN_OR_RETURN(auto ids, reader->GetDictionary(kIdField));
    auto code = ids->Find(id);
    if (!code) continue;
    AL_ASSIGN_OR_RETURN(auto codes, reader->GetCodes(kIdField));
    const uint32_t row = codes->RowOf(*code);
    Event* slot = &found->emplace();
    Status read = reader->ReadRows(std::span(&row, 1), {}, std::span(&slot, 1));
    if (!read.ok()) found->reset();
    return read;
  }
  return Status::OK();
}

// Cuts `count` rows sorted by time into the runs that become segments: one
// window each (`window_of(time)` is its start), at most `max_rows` long.
// Calls `emit(begin, end, window_start)` for each run, in order; stops at the
// first error `emit` returns.
template <typename TimeOf, typename WindowOf, typename Emit>
Status ForEachSegmentRun(size_t count, size_t max_rows, TimeOf time_of, WindowOf window_of,
                         Emit emit) {
  for (size_t begin = 0; begin < count;) {
    const int64_t window_start = window_of(time_of(begin));
    size_t end = begin;
    while (end < count && end - begin < max_rows && window_of(time_of(end)) == window_start) ++end;
    AL_RETURN_IF_ERROR(emit(begin, end, window_start));
    begin = end;
  }
  return Status::OK();
}

// Calls `visit(row, event)` for each event of `memtable` in the query's
// tenant, time range and filter. (Every memtable row has a timestamp, so the
// memtable's own [from, to) test is the query's.)
template <typename Visit>
void ForEachMatch(const Memtable& memtable, const query::Query& query, Visit visit) {
  memtable.ForEach(query.tenant, query.time.from.value_or(INT64_MIN),
                   query.time.to.value_or(INT64_MAX), [&](uint32_t row, const Event& event) {
                     if (query::Matches(query.filter, event)) visit(row, event);
                   });
}

bool IsDiskFull(const Status& status) {
  return status.code() == StatusCode::kResourceExhausted ||
         status.message().find("disk full") != std::string::npos;
}

}  // namespace

struct EmbeddedStore::LiveSegment {
  uint64_t file_number = 0;
  segment::SegmentMeta meta;
  std::unique_ptr<segment::SegmentReader> reader;  // null when damaged
  Status damage;
  env::FileSystem* fs = nullptr;
  segment::SectionCache* cache = nullptr;
  std::string path;
  std::atomic<bool> obsolete{false};

  ~LiveSegment() {
    // The last user of a dropped segment removes its file and its cached
    // sections.
    if (!obsolete.load()) return;
    (void)fs->Remove(path);
    cache->EraseSegment(file_number);
  }
};

// The reader of `live`, sharing its ownership (the file stays while read).
std::shared_ptr<const segment::SegmentReader> EmbeddedStore::ReaderOf(
    const std::shared_ptr<LiveSegment>& live) {
  return std::shared_ptr<const segment::SegmentReader>(live, live->reader.get());
}

struct EmbeddedStore::Snapshot {
  std::vector<std::shared_ptr<Memtable>> memtables;
  std::vector<std::shared_ptr<LiveSegment>> segments;
  // Per tenant read, the visible seq: memtable rows above it (added by a
  // batch whose predecessor is not yet in) are not part of the snapshot.
  std::map<std::string, uint64_t> visible_seq;
};

EmbeddedStore::EmbeddedStore(EmbeddedStoreOptions options)
    : options_(std::move(options)),
      fs_(options_.fs ? *options_.fs : env::PosixFileSystem()),
      clock_(options_.clock ? *options_.clock : SystemClock()),
      cache_(options_.cache_bytes),
      id_generator_(options_.random ? *options_.random : SecureRandom()) {}

EmbeddedStore::~EmbeddedStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  state_changed_.notify_all();
  if (background_.joinable()) background_.join();
  // Appends in flight hold their own references; nothing else to wait for.
  std::unique_lock lock(mu_);
  state_changed_.wait(lock, [&] { return !mem_ || mem_->pending_batches == 0; });
}

Result<std::unique_ptr<EmbeddedStore>> EmbeddedStore::Open(EmbeddedStoreOptions options) {
  if (options.dir.empty()) return Status::InvalidArgument("store: no directory given");
  if (options.max_segment_rows < 1 || options.max_segment_rows > segment::kMaxSegmentRows)
    return Status::InvalidArgument("store: max_segment_rows out of range");
  if (options.window_micros < 1'000'000) return Status::InvalidArgument("store: window < 1 s");
  if (options.merge_span_micros < options.window_micros)
    return Status::InvalidArgument("store: merge span shorter than a window");
  auto store = std::unique_ptr<EmbeddedStore>(new EmbeddedStore(std::move(options)));
  AL_RETURN_IF_ERROR(store->Recover());
  if (store->options_.background)
    store->background_ = std::thread([raw = store.get()] { raw->BackgroundLoop(); });
  return store;
}

Result<std::shared_ptr<EmbeddedStore::LiveSegment>> EmbeddedStore::OpenSegment(
    const ManifestSegment& entry) {
  auto live = std::make_shared<LiveSegment>();
  live->file_number = entry.file_number;
  live->meta = entry.meta;
  live->fs = &fs_;
  live->cache = &cache_;
  live->path = env::JoinPath(options_.dir, SegmentFileName(entry.file_number));
  auto reader = segment::SegmentReader::Open(fs_, live->path, entry.file_number, &cache_);
  if (!reader.ok()) {
    if (reader.status().code() != StatusCode::kCorruption &&
        reader.status().code() != StatusCode::kNotFound)
      return reader.status();
    live->damage = reader.status().code() == StatusCode::kNotFound
                       ? Status::Corruption(fmt::format("segment {} is missing", live->path))
                       : reader.status();
    return live;
  }
  if ((*reader)->meta().tenant != entry.meta.tenant || (*reader)->meta().rows != entry.meta.rows) {
    live->damage = Status::Corruption(
        fmt::format("segment {} at offset 0: does not match the manifest", live->path));
    return live;
  }
  live->reader = std::move(*reader);
  return live;
}

Status EmbeddedStore::Recover() {
  AL_RETURN_IF_ERROR(fs_.CreateDirs(options_.dir));
  AL_ASSIGN_OR_RETURN(dir_lock_, fs_.Lock(env::JoinPath(options_.dir, "LOCK")));
  AL_ASSIGN_OR_RETURN(manifest_, LoadManifest(fs_, options_.dir));

  std::unique_lock lock(mu_);
  std::set<uint64_t> live_numbers;
  for (const ManifestSegment& entry : manifest_.segments) {
    AL_ASSIGN_OR_RETURN(auto live, OpenSegment(entry));
    live_numbers.insert(entry.file_number);
    if (live->reader) {
      // Every stored id goes into the fingerprint set.
      auto ids = live->reader->GetDictionary(kIdField);
      const uint64_t tenant_seed = IdSet::TenantSeed(entry.meta.tenant);
      if (ids.ok()) {
        for (uint32_t code = 1; code <= (*ids)->size(); ++code)
          ids_.Insert(IdSet::Fingerprint(tenant_seed, (*ids)->value(code)));
      } else if (ids.status().code() == StatusCode::kCorruption) {
        live->damage = ids.status();  // served as damaged; the rest opens
        live->reader.reset();
      } else {
        return ids.status();
      }
    }
    segments_.push_back(std::move(live));
  }
  IndexSegmentsByTenant();
  last_seq_ = manifest_.last_seq;

  AL_ASSIGN_OR_RETURN(auto names, fs_.ListDir(options_.dir));
  std::vector<uint64_t> wal_numbers;
  for (const std::string& name : names) {
    auto parsed = ParseStoreFileName(name);
    if (!parsed) continue;
    manifest_.next_file_number = std::max(manifest_.next_file_number, parsed->number + 1);
    if (parsed->is_segment) {
      if (live_numbers.count(parsed->number) == 0)  // left by an interrupted flush or compaction
        AL_RETURN_IF_ERROR(fs_.Remove(env::JoinPath(options_.dir, name)));
    } else if (parsed->number < manifest_.log_number) {
      AL_RETURN_IF_ERROR(fs_.Remove(env::JoinPath(options_.dir, name)));
    } else {
      wal_numbers.push_back(parsed->number);
    }
  }

  // The memtable of the WAL started below also holds what the older WAL
  // files replay; its flush retires them all.
  mem_ = std::make_shared<Memtable>(0);
  std::map<std::string, uint64_t> flushed_seq = manifest_.last_seq;
  lock.unlock();
  std::sort(wal_numbers.begin(), wal_numbers.end());  // names sort as text; numbers may not
  for (uint64_t number : wal_numbers) AL_RETURN_IF_ERROR(ReplayWal(number, &flushed_seq));
  lock.lock();
  const bool everything_in_segments = mem_->events() == 0;
  AL_RETURN_IF_ERROR(StartWal(lock));
  // WAL files that left nothing to flush go now: otherwise each open of a
  // store that takes no writes would leave one more empty file, kept until
  // the next flush.
  if (everything_in_segments)
    for (uint64_t number : wal_numbers)
      (void)fs_.Remove(env::JoinPath(options_.dir, WalFileName(number)));
  return Status::OK();
}

Status EmbeddedStore::ReplayWal(uint64_t number, std::map<std::string, uint64_t>* flushed_seq) {
  const std::string path = env::JoinPath(options_.dir, WalFileName(number));
  return ForEachWalBatch(
      fs_, path, [&](const std::string& tenant, std::string_view events, uint32_t count) {
        // Events a segment holds already (flushed before a crash) are skipped.
        const uint64_t flushed = (*flushed_seq)[tenant];
        std::lock_guard lock(mu_);
        AL_RETURN_IF_ERROR(AdoptBatch(tenant, events, count, flushed, mem_.get()));
        // The WALs hold at most what the store had in memory when it
        // stopped: its memtable and the immutable one being flushed, two
        // budgets. Replay keeps up to that in memory and leaves its flush to
        // the background thread once the store is open; more (WALs written
        // with a larger budget) is flushed here, so recovery never needs more
        // memory than the running store. The WAL files stay until the end of
        // recovery; a crash meanwhile replays them again, skipping what this
        // flush stored.
        if (mem_->approximate_bytes() <= 2 * options_.memtable_bytes) return Status::OK();
        imm_ = std::move(mem_);
        mem_ = std::make_shared<Memtable>(0);
        mu_.unlock();
        Status status = FlushImmutable(/*retire_wal=*/false);
        mu_.lock();
        AL_RETURN_IF_ERROR(status);
        for (const auto& [name, seq] : manifest_.last_seq) (*flushed_seq)[name] = seq;
        return Status::OK();
      });
}

Status EmbeddedStore::AdoptBatch(const std::string& tenant, std::string_view encoded,
                                 uint32_t count, uint64_t skip_through, Memtable* memtable) {
  uint64_t& last = last_seq_[tenant];
  const uint64_t tenant_seed = IdSet::TenantSeed(tenant);
  // ForEachWalBatch checked every event already.
  return memtable->Add(tenant, encoded, count, skip_through,
                       [&](std::string_view id, uint64_t seq) {
                         ids_.Insert(IdSet::Fingerprint(tenant_seed, id));
                         last = std::max(last, seq);
                       });
}

Status EmbeddedStore::StartWal(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  AL_CHECK(imm_ == nullptr || mem_->events() == 0, "a second memtable would become immutable");
  const uint64_t number = manifest_.next_file_number;
  const std::string path = env::JoinPath(options_.dir, WalFileName(number));
  AL_ASSIGN_OR_RETURN(auto file, fs_.NewWritableFile(path));
  AL_ASSIGN_OR_RETURN(auto writer, wal::WalWriter::Open(std::move(file)));
  AL_RETURN_IF_ERROR(writer->Sync());
  AL_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  manifest_.next_file_number = number + 1;
  if (log_) {
    const wal::GroupCommitLog::SyncTimes times = log_->sync_times();
    retired_syncs_ += times.count;
    retired_sync_nanos_ += times.nanos_total;
    retired_sync_nanos_max_ = std::max(retired_sync_nanos_max_, times.nanos_max);
  }
  log_ = std::make_shared<wal::GroupCommitLog>(std::move(writer));
  // The events so far (in older WAL files) become the immutable memtable;
  // once it is flushed, every WAL file before `number` can go.
  if (mem_->events() != 0) imm_ = std::move(mem_);
  mem_ = std::make_shared<Memtable>(number);
  return Status::OK();
}

Status EmbeddedStore::RecoverFromDiskFull(std::unique_lock<std::mutex>& lock) {
  // No batch is in flight (the caller waited): the WAL file is quiet. What it
  // holds now is what a restart would find, so adopt exactly that: records
  // written before the disk filled stay (their callers were told of a
  // failure; a retry is answered as a duplicate), the rest are gone, and seq
  // continues from what is really there.
  if (imm_ != nullptr)  // its flush must finish first (it may be waiting for space too)
    return Status::ResourceExhausted("disk full: waiting for a flush to finish");
  const uint64_t number = mem_->wal_number();
  const std::string path = env::JoinPath(options_.dir, WalFileName(number));
  for (auto& [tenant, seq] : last_seq_) seq = 0;
  for (const auto& [tenant, seq] : manifest_.last_seq) last_seq_[tenant] = seq;
  // Rebuild the state of the current memtable from its file. (No immutable
  // memtable exists here, so segments and this file hold every event.)
  auto rebuilt = std::make_shared<Memtable>(number);
  AL_RETURN_IF_ERROR(ForEachWalBatch(
      fs_, path, [&](const std::string& tenant, std::string_view events, uint32_t count) {
        return AdoptBatch(tenant, events, count, last_seq_[tenant], rebuilt.get());
      }));
  mem_ = std::move(rebuilt);
  AL_RETURN_IF_ERROR(StartWal(lock));
  write_status_ = Status::OK();
  writable_.store(true, std::memory_order_release);
  return Status::OK();
}

Result<std::optional<Event>> EmbeddedStore::FindStored(const std::string& tenant,
                                                       std::string_view id,
                                                       std::unique_lock<std::mutex>& lock) {
  for (const InFlightBatch* batch : in_flight_)
    if (*batch->tenant == tenant)
      for (const Event* event : batch->events)
        if (event->id == id) return *event;
  for (const auto& memtable : {mem_, imm_})
    if (memtable)
      if (auto found = memtable->Get(tenant, id)) return found;
  (void)lock;
  std::optional<Event> found;
  for (const bool by_ulid_time : {true, false}) {
    AL_RETURN_IF_ERROR(FindInSegments(IdLookupReaders(tenant, id, by_ulid_time), id, &found));
    if (found) break;
  }
  return found;
}

std::vector<std::shared_ptr<const segment::SegmentReader>> EmbeddedStore::IdLookupReaders(
    std::string_view tenant, std::string_view id, bool by_ulid_time) const {
  const std::optional<int64_t> micros = UlidMicros(id);
  std::vector<std::shared_ptr<const segment::SegmentReader>> readers;
  for (const auto& live : SegmentsOf(tenant))
    if (live->reader && HoldsUlidTime(live->meta, micros) == by_ulid_time)
      readers.push_back(ReaderOf(live));
  return readers;
}

const std::vector<std::shared_ptr<EmbeddedStore::LiveSegment>>& EmbeddedStore::SegmentsOf(
    std::string_view tenant) const {
  static const std::vector<std::shared_ptr<LiveSegment>> kNone;
  auto it = segments_by_tenant_.find(tenant);
  return it == segments_by_tenant_.end() ? kNone : it->second;
}

void EmbeddedStore::IndexSegmentsByTenant() {
  segments_by_tenant_.clear();
  for (const auto& live : segments_) segments_by_tenant_[live->meta.tenant].push_back(live);
}

Result<std::vector<store::AppendOutcome>> EmbeddedStore::Append(std::string_view tenant_view,
                                                                std::span<Event> batch) {
  if (tenant_view.empty()) return Status::InvalidArgument("append: tenant is required");
  const std::string tenant(tenant_view);
  std::vector<store::AppendOutcome> outcomes(batch.size());
  const int64_t now = clock_.NowMicros();
  for (size_t i = 0; i < batch.size(); ++i) {
    Event& event = batch[i];
    if (!event.tenant.empty() && event.tenant != tenant) {
      outcomes[i].status = Status::InvalidArgument(
          fmt::format("tenant {:?} does not match the batch's tenant", event.tenant));
      continue;
    }
    event.tenant = tenant;
    if (!event.received_at) event.received_at = now;
    if (!event.timestamp) event.timestamp = event.received_at;
  }

  std::unique_lock lock(mu_);
  // Backpressure: a full memtable waits for the previous one's flush.
  state_changed_.wait(lock, [&] {
    return stopping_ || !options_.background || imm_ == nullptr ||
           mem_->approximate_bytes() < options_.memtable_bytes;
  });
  if (!write_status_.ok()) {
    if (!IsDiskFull(write_status_)) return write_status_;
    state_changed_.wait(lock, [&] { return mem_->pending_batches == 0; });
    if (!write_status_.ok()) {
      if (Status status = RecoverFromDiskFull(lock); !status.ok())
        return Status::Unavailable(fmt::format("disk full: {}", status.message()));
    }
  }
  if (options_.background && mem_->approximate_bytes() >= options_.memtable_bytes &&
      imm_ == nullptr) {
    // Rotate: the new WAL starts once every batch of the old one has landed,
    // so a crash can never keep a later batch and lose an earlier one.
    state_changed_.wait(lock, [&] { return mem_->pending_batches == 0; });
    if (imm_ == nullptr) AL_RETURN_IF_ERROR(StartWal(lock));  // unless another rotated meanwhile
    state_changed_.notify_all();
  }

  // This batch's accepted events are visible to duplicate checks (of later
  // events of the batch, and of concurrent batches) from here until they are
  // in the memtable.
  InFlightBatch mine{&tenant, {}};
  in_flight_.push_back(&mine);
  struct Unregister {
    std::list<InFlightBatch*>& list;
    InFlightBatch* batch;
    std::condition_variable& changed;
    ~Unregister() {  // runs with mu_ held: every return below holds it
      list.remove(batch);
      changed.notify_all();  // later batches of the tenant may wait on this one
    }
  } unregister{in_flight_, &mine, state_changed_};

  const uint64_t tenant_seed = IdSet::TenantSeed(tenant);
  std::vector<uint64_t> fingerprints(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!outcomes[i].status.ok()) continue;
    Event& event = batch[i];
    if (event.id.empty()) event.id = id_generator_.Next(*event.received_at / 1000);
    fingerprints[i] = IdSet::Fingerprint(tenant_seed, event.id);
    ids_.Prefetch(fingerprints[i]);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!outcomes[i].status.ok()) continue;
    Event& event = batch[i];
    const uint64_t fingerprint = fingerprints[i];
    if (ids_.Contains(fingerprint)) {
      AL_ASSIGN_OR_RETURN(std::optional<Event> stored, FindStored(tenant, event.id, lock));
      if (stored) {
        if (SamePayload(*stored, event)) {
          outcomes[i].duplicate = true;
          outcomes[i].seq = stored->seq;
          event = std::move(*stored);
        } else {
          outcomes[i].status = Status::AlreadyExists(
              fmt::format("event {:?} is stored already with a different payload (seq {})",
                          event.id, stored->seq));
        }
        continue;
      }
    }
    event.seq = ++last_seq_[tenant];
    outcomes[i].seq = event.seq;
    ids_.Insert(fingerprint);
    mine.events.push_back(&event);
  }
  const std::vector<const Event*>& accepted = mine.events;
  if (accepted.empty()) return outcomes;

  size_t events_offset = 0;
  std::string payload = EncodeBatch(tenant, accepted, &events_offset);
  if (payload.size() > wal::kMaxPayloadBytes) {
    // Undo: nothing was queued. (Batches are bounded far below this upstream.)
    last_seq_[tenant] -= accepted.size();
    return Status::InvalidArgument("append: batch too large for one WAL record");
  }
  std::shared_ptr<Memtable> target = mem_;
  std::shared_ptr<wal::GroupCommitLog> log = log_;
  ++target->pending_batches;

  Status status = log->AppendDurable(wal::RecordType::kBatch, payload, &lock);

  if (status.ok()) {
    // The memtable keeps the very bytes the WAL holds.
    Status added =
        target->Add(tenant, std::string_view(payload).substr(events_offset), accepted.size());
    AL_CHECK(added.ok(), "an encoding made here does not scan");
  }
  lock.lock();
  mine.added = status.ok();
  --target->pending_batches;
  last_append_nanos_ = clock_.MonotonicNanos();
  if (!status.ok() && write_status_.ok()) {
    write_status_ =
        IsDiskFull(status)
            ? Status::Unavailable(fmt::format("disk full: {}", status.message()))
            : Status::Unavailable(fmt::format("the store takes no writes after a WAL failure: {}",
                                              status.message()));
    writable_.store(false, std::memory_order_release);
  }
  state_changed_.notify_all();
  if (!status.ok()) return write_status_;
  // Read-your-writes in seq order: acknowledge once every earlier batch of
  // the tenant is visible too (they shared this batch's WAL sync, so this
  // waits for memtable adds only; a failed one leaves the list).
  state_changed_.wait(lock, [&] {
    for (const InFlightBatch* earlier : in_flight_) {
      if (earlier == &mine) return true;
      if (*earlier->tenant == tenant && !earlier->added && !earlier->events.empty()) return false;
    }
    return true;
  });
  return outcomes;
}

uint64_t EmbeddedStore::VisibleSeq(const std::string& tenant) const {
  auto last = last_seq_.find(tenant);
  uint64_t visible = last == last_seq_.end() ? 0 : last->second;
  for (const InFlightBatch* batch : in_flight_)
    if (*batch->tenant == tenant && !batch->added && !batch->events.empty())
      visible = std::min(visible, batch->events.front()->seq - 1);
  return visible;
}

Status EmbeddedStore::Flush() {
  // Done when every event appended before this call is in segments: their
  // memtables are numbered up to `target` by their WAL files. The background
  // thread may be flushing meanwhile; then this waits for it.
  std::unique_lock lock(mu_);
  const uint64_t target = mem_->wal_number();
  while (true) {
    state_changed_.wait(lock, [&] { return !flushing_; });
    if (imm_ != nullptr) {
      if (imm_->wal_number() > target) return Status::OK();
    } else {
      if (mem_->wal_number() > target || mem_->events() == 0) return Status::OK();
      state_changed_.wait(lock, [&] { return mem_->pending_batches == 0; });
      if (imm_ != nullptr) continue;  // rotated meanwhile
      AL_RETURN_IF_ERROR(StartWal(lock));
    }
    lock.unlock();
    // Returns at once when the background thread is at it; the loop waits.
    Status status = FlushImmutable(/*retire_wal=*/true);
    lock.lock();
    AL_RETURN_IF_ERROR(status);
  }
}

int64_t EmbeddedStore::WindowOf(int64_t timestamp, int64_t window) {
  return (timestamp >= 0 ? timestamp / window : (timestamp - window + 1) / window) * window;
}

std::optional<int64_t> EmbeddedStore::RetentionOf(const std::string& tenant) const {
  auto policy = options_.retention_micros.find(tenant);
  if (policy == options_.retention_micros.end()) policy = options_.retention_micros.find("*");
  if (policy == options_.retention_micros.end()) return std::nullopt;
  return policy->second;
}

int64_t EmbeddedStore::MergeSpanOf(const std::string& tenant) const {
  const int64_t window = options_.window_micros;
  int64_t span = options_.merge_span_micros;
  if (const std::optional<int64_t> keep = RetentionOf(tenant)) span = std::min(span, *keep / 8);
  // A whole number of windows, so that no window straddles two spans.
  return std::max(window, span / window * window);
}

template <typename Row>
Status EmbeddedStore::WriteSegment(std::span<const Row> rows, int64_t window_start,
                                   std::vector<ManifestSegment>* written) {
  uint64_t number;
  {
    std::lock_guard lock(mu_);
    number = manifest_.next_file_number++;
  }
  const std::string path = env::JoinPath(options_.dir, SegmentFileName(number));
  AL_ASSIGN_OR_RETURN(
      auto meta, segment::WriteSegment(fs_, path, rows, window_start, options_.segment_options));
  written->push_back(ManifestSegment{number, meta});
  return Status::OK();
}

Status EmbeddedStore::WriteSegments(std::vector<const Event*> events, int64_t window_micros,
                                    std::vector<ManifestSegment>* written) {
  std::sort(events.begin(), events.end(), [](const Event* a, const Event* b) {
    return std::pair(*a->timestamp, a->seq) < std::pair(*b->timestamp, b->seq);
  });
  return ForEachSegmentRun(
      events.size(), options_.max_segment_rows, [&](size_t row) { return *events[row]->timestamp; },
      [&](int64_t time) { return WindowOf(time, window_micros); },
      [&](size_t begin, size_t end, int64_t window_start) {
        return WriteSegment(std::span<const Event* const>(events).subspan(begin, end - begin),
                            window_start, written);
      });
}

Status EmbeddedStore::InstallSegments(std::vector<ManifestSegment> added,
                                      const std::vector<std::shared_ptr<LiveSegment>>& removed) {
  std::vector<std::shared_ptr<LiveSegment>> opened;
  for (const ManifestSegment& entry : added) {
    AL_ASSIGN_OR_RETURN(auto live, OpenSegment(entry));
    if (live->reader == nullptr) return live->damage;
    opened.push_back(std::move(live));
  }
  if (!added.empty()) AL_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  std::lock_guard lock(mu_);
  Manifest next = manifest_;
  std::set<uint64_t> gone;
  for (const auto& live : removed) {
    // Retention and compaction may race for a segment: the later one yields.
    if (std::find(segments_.begin(), segments_.end(), live) == segments_.end())
      return Status::Unavailable("segment changed meanwhile; try again");
    gone.insert(live->file_number);
  }
  std::erase_if(next.segments,
                [&](const ManifestSegment& entry) { return gone.count(entry.file_number) != 0; });
  for (const ManifestSegment& entry : added) next.segments.push_back(entry);
  AL_RETURN_IF_ERROR(SaveManifest(fs_, options_.dir, next));
  manifest_ = std::move(next);
  std::erase_if(segments_, [&](const auto& live) { return gone.count(live->file_number) != 0; });
  for (const auto& live : removed) live->obsolete = true;
  for (auto& live : opened) segments_.push_back(std::move(live));
  IndexSegmentsByTenant();
  return Status::OK();
}

Status EmbeddedStore::FlushImmutable(bool retire_wal) {
  std::shared_ptr<Memtable> imm;
  {
    std::unique_lock lock(mu_);
    if (imm_ == nullptr || flushing_) return Status::OK();
    flushing_ = true;
    imm = imm_;
    state_changed_.wait(lock, [&] { return imm->pending_batches == 0; });
  }
  std::vector<ManifestSegment> written;
  Status status;
  std::map<std::string, uint64_t> flushed_seq;
  // Each tenant's rows are sorted by their keys (no decoding) and cut into
  // segments; the segments are then built in parallel, whatever their
  // tenant, so the threads share the work evenly: building indexed segments
  // is the store's heaviest work, and appenders wait for it once the next
  // memtable fills. A thread reads its segments' rows in place, locating
  // each field in the encoding, without building Events.
  const std::vector<std::string> tenants = imm->Tenants();
  std::vector<std::vector<Memtable::RowKey>> keys(tenants.size());
  struct Piece {
    size_t tenant;
    size_t begin, end;  // in keys[tenant]
    int64_t window_start;
  };
  std::vector<Piece> pieces;
  for (size_t t = 0; t < tenants.size(); ++t) {
    keys[t] = imm->SortedRows(tenants[t]);
    uint64_t& max_seq = flushed_seq[tenants[t]];
    for (const Memtable::RowKey& key : keys[t]) max_seq = std::max(max_seq, key.seq);
    (void)ForEachSegmentRun(
        keys[t].size(), options_.max_segment_rows,
        [&](size_t row) { return keys[t][row].timestamp; },
        [&](int64_t time) { return WindowOf(time, options_.window_micros); },
        [&](size_t begin, size_t end, int64_t window_start) {
          pieces.push_back({t, begin, end, window_start});
          return Status::OK();
        });
  }
  // Largest first, so the last piece a thread takes is a small one.
  std::sort(pieces.begin(), pieces.end(),
            [](const Piece& a, const Piece& b) { return a.end - a.begin > b.end - b.begin; });
  std::vector<std::vector<ManifestSegment>> written_by_piece(pieces.size());
  std::vector<Status> status_by_piece(pieces.size());
  std::atomic<size_t> next_piece{0};
  auto build = [&] {
    std::vector<event::EncodedEventFields> rows;
    for (size_t i; (i = next_piece.fetch_add(1)) < pieces.size();) {
      const Piece& piece = pieces[i];
      imm->LocateRows(tenants[piece.tenant],
                      std::span(keys[piece.tenant]).subspan(piece.begin, piece.end - piece.begin),
                      &rows);
      status_by_piece[i] = WriteSegment(std::span<const event::EncodedEventFields>(rows),
                                        piece.window_start, &written_by_piece[i]);
    }
  };
  std::vector<std::thread> helpers;
  for (uint32_t t = 1; t < options_.flush_threads && t < pieces.size(); ++t)
    helpers.emplace_back(build);
  build();
  for (std::thread& helper : helpers) helper.join();
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (status.ok()) status = status_by_piece[i];
    written.insert(written.end(), written_by_piece[i].begin(), written_by_piece[i].end());
  }
  if (status.ok()) {
    std::vector<std::shared_ptr<LiveSegment>> opened;
    for (const ManifestSegment& entry : written) {
      auto live = OpenSegment(entry);
      if (!live.ok() || (*live)->reader == nullptr) {
        status = live.ok() ? (*live)->damage : live.status();
        break;
      }
      opened.push_back(std::move(*live));
    }
    if (status.ok()) status = fs_.SyncDir(options_.dir);
    if (status.ok()) {
      std::lock_guard lock(mu_);
      Manifest next = manifest_;
      for (const ManifestSegment& entry : written) next.segments.push_back(entry);
      for (const auto& [tenant, seq] : flushed_seq)
        next.last_seq[tenant] = std::max(next.last_seq[tenant], seq);
      // WAL files before the current memtable's are now wholly in segments.
      if (retire_wal) next.log_number = std::max(next.log_number, mem_->wal_number());
      status = SaveManifest(fs_, options_.dir, next);
      if (status.ok()) {
        manifest_ = std::move(next);
        for (auto& live : opened) segments_.push_back(std::move(live));
        IndexSegmentsByTenant();
        imm_ = nullptr;
        ++flushes_;
      }
    }
  }
  std::vector<std::string> obsolete_wals;
  {
    std::lock_guard lock(mu_);
    flushing_ = false;
    if (status.ok()) {
      auto names = fs_.ListDir(options_.dir);
      if (names.ok())
        for (const std::string& name : *names)
          if (auto parsed = ParseStoreFileName(name);
              parsed && !parsed->is_segment && parsed->number < manifest_.log_number)
            obsolete_wals.push_back(env::JoinPath(options_.dir, name));
    }
  }
  state_changed_.notify_all();
  if (!status.ok()) {
    for (const ManifestSegment& entry : written)
      (void)fs_.Remove(env::JoinPath(options_.dir, SegmentFileName(entry.file_number)));
    return status;
  }
  for (const std::string& path : obsolete_wals) (void)fs_.Remove(path);
#ifdef __GLIBC__
  // The flushed memtable was hundreds of thousands of small allocations;
  // hand the pages back so the store's footprint stays flat under ingest.
  malloc_trim(0);
#endif
  return Status::OK();
}

Status EmbeddedStore::CompactOnce(bool* did_work) {
  *did_work = false;
  std::vector<std::shared_ptr<LiveSegment>> inputs;
  int64_t merge_span = 0;
  {
    std::lock_guard lock(mu_);
    if (compacting_) return Status::OK();
    // Small segments of one tenant and merge span that are neighbours in
    // time, with no large segment between them (the output would overlap it,
    // and a page whose rows lie in overlapping segments ranks them together),
    // up to one segment's worth of rows. A segment that straddles two spans
    // (written under a longer span, before its tenant's retention policy
    // shortened it) is left alone: the output must lie in one span, or its
    // pieces would be merged again and again.
    std::map<std::pair<std::string, int64_t>, std::vector<std::shared_ptr<LiveSegment>>> groups;
    auto small = [&](const LiveSegment& live) {
      return live.meta.rows < options_.compaction_min_rows;
    };
    for (const auto& live : segments_) {
      if (!live->reader) continue;
      const int64_t span = MergeSpanOf(live->meta.tenant);
      const int64_t span_start = WindowOf(live->meta.min_time, span);
      if (WindowOf(live->meta.max_time, span) != span_start) continue;
      groups[{live->meta.tenant, span_start}].push_back(live);
    }
    // The oldest run of neighbours that is balanced: its largest segment at
    // most twice the rest. A segment is then rewritten only when what joins
    // it is at least half its size, so a row is rewritten a few times (its
    // segment grows by half each time) however small the pieces a flush
    // brings: merging each new piece into the tenant's growing segment would
    // rewrite it once per flush.
    for (auto& [key, group] : groups) {
      if (group.size() < 2) continue;
      std::sort(group.begin(), group.end(), [](const auto& a, const auto& b) {
        return std::pair(a->meta.min_time, a->file_number) <
               std::pair(b->meta.min_time, b->file_number);
      });
      for (size_t begin = 0; begin + 1 < group.size() && inputs.empty(); ++begin) {
        uint64_t rows = 0, largest = 0;
        size_t end_of_longest = 0;
        for (size_t end = begin; end < group.size() && small(*group[end]); ++end) {
          rows += group[end]->meta.rows;
          largest = std::max<uint64_t>(largest, group[end]->meta.rows);
          if (rows > options_.max_segment_rows) break;
          if (end > begin && 2 * (rows - largest) >= largest) end_of_longest = end + 1;
        }
        if (end_of_longest != 0)
          inputs.assign(group.begin() + static_cast<ptrdiff_t>(begin),
                        group.begin() + static_cast<ptrdiff_t>(end_of_longest));
      }
      // A small segment left between two large ones (the end of one flush's
      // window, say) joins the smaller of them if the two fit one segment:
      // it can get no small neighbour any more, and a large segment takes
      // at most one such piece on either side.
      for (size_t i = 1; i + 1 < group.size() && inputs.empty(); ++i) {
        if (!small(*group[i]) || small(*group[i - 1]) || small(*group[i + 1])) continue;
        const size_t other = group[i - 1]->meta.rows <= group[i + 1]->meta.rows ? i - 1 : i + 1;
        if (group[other]->meta.rows + group[i]->meta.rows > options_.max_segment_rows) continue;
        inputs = {group[std::min(i, other)], group[std::max(i, other)]};
      }
      if (!inputs.empty()) {
        merge_span = MergeSpanOf(key.first);
        break;
      }
    }
    if (inputs.empty()) return Status::OK();
    compacting_ = true;
  }
  *did_work = true;
  // Every input row becomes an Event (about 1 KiB each) until the output is
  // built: reserved once, as growing by doubling held up to twice that.
  std::vector<Event> events;
  uint64_t input_rows = 0;
  for (const auto& live : inputs) input_rows += live->meta.rows;
  events.reserve(input_rows);
  Status status;
  for (const auto& live : inputs) {
    std::vector<uint32_t> rows(live->meta.rows);
    for (uint32_t row = 0; row < rows.size(); ++row) rows[row] = row;
    status = live->reader->ReadRows(rows, {}, &events);
    if (!status.ok()) break;
  }
  std::vector<ManifestSegment> written;
  std::vector<const Event*> pointers;
  pointers.reserve(events.size());
  for (const Event& event : events) pointers.push_back(&event);
  if (status.ok()) status = WriteSegments(std::move(pointers), merge_span, &written);
  if (status.ok()) status = InstallSegments(written, inputs);
  if (!status.ok())
    for (const ManifestSegment& entry : written)
      (void)fs_.Remove(env::JoinPath(options_.dir, SegmentFileName(entry.file_number)));
  std::lock_guard lock(mu_);
  compacting_ = false;
  if (status.ok()) ++compactions_;
  return status;
}

Status EmbeddedStore::RunRetention() {
  const int64_t now = clock_.NowMicros();
  std::vector<std::shared_ptr<LiveSegment>> dropped;
  store::RetentionRun run;
  run.at = now;
  {
    std::lock_guard lock(mu_);
    last_retention_micros_ = now;
    std::map<std::string, int64_t> through;
    for (const auto& live : segments_) {
      const std::optional<int64_t> keep = RetentionOf(live->meta.tenant);
      if (!keep || live->meta.max_time >= now - *keep) continue;
      dropped.push_back(live);
      run.segments_dropped += 1;
      run.events_dropped += live->meta.rows;
      int64_t& newest = through[live->meta.tenant];
      newest = std::max(newest, live->meta.max_time);
    }
    for (const auto& [tenant, time] : through) run.dropped_through.emplace_back(tenant, time);
  }
  if (!dropped.empty()) AL_RETURN_IF_ERROR(InstallSegments({}, dropped));
  std::lock_guard lock(mu_);
  last_retention_ = std::move(run);
  return Status::OK();
}

Status EmbeddedStore::FlushAndSettle() {
  AL_RETURN_IF_ERROR(Flush());
  for (;;) {
    bool did_work = false;
    AL_RETURN_IF_ERROR(CompactOnce(&did_work));
    if (did_work) continue;
    std::unique_lock lock(mu_);
    if (!compacting_) return Status::OK();
    // The background thread is merging: wait for it, then look again.
    state_changed_.wait_for(lock, std::chrono::milliseconds(20), [&] { return !compacting_; });
  }
}

void EmbeddedStore::SetRetention(const std::string& tenant, std::optional<int64_t> keep_micros) {
  std::lock_guard lock(mu_);
  if (keep_micros) {
    options_.retention_micros[tenant] = *keep_micros;
  } else {
    options_.retention_micros.erase(tenant);
  }
}

void EmbeddedStore::BackgroundLoop() {
  std::unique_lock lock(mu_);
  bool retry_later = false;  // the last flush failed: wait the full interval
  // A full memtable, or one that ingest has left alone for a while and that
  // holds enough to be worth a segment: a trickle of events, each followed
  // by a pause, would otherwise make a segment (and a compaction) each.
  auto rotation_due = [&] {
    if (imm_ != nullptr || !write_status_.ok()) return false;
    const size_t bytes = mem_->approximate_bytes();
    if (bytes >= options_.memtable_bytes) return true;
    return options_.idle_flush_micros > 0 && bytes >= options_.memtable_bytes / 16 &&
           mem_->pending_batches == 0 &&
           clock_.MonotonicNanos() - last_append_nanos_ >= options_.idle_flush_micros * 1000;
  };
  auto flush_due = [&] {
    if (imm_ != nullptr) return !flushing_;
    return rotation_due();
  };
  while (!stopping_) {
    // Wakes at once for a flush (appenders may be waiting for it), else
    // every interval for compaction and retention.
    state_changed_.wait_for(lock, std::chrono::milliseconds(200),
                            [&] { return stopping_ || (!retry_later && flush_due()); });
    if (stopping_) break;
    retry_later = false;
    if (rotation_due()) {
      state_changed_.wait(lock, [&] { return mem_->pending_batches == 0; });
      if (imm_ == nullptr) (void)StartWal(lock);
    }
    const bool run_retention =
        !options_.retention_micros.empty() &&
        clock_.NowMicros() - last_retention_micros_ >= options_.retention_interval_micros;
    const bool flush = imm_ != nullptr;
    lock.unlock();
    if (flush) retry_later = !FlushImmutable(/*retire_wal=*/true).ok();  // retried next round
    // Compaction yields to a flush that falls due meanwhile.
    bool did_work = true;
    for (int rounds = 0; did_work && rounds < 4; ++rounds) {
      {
        std::lock_guard check(mu_);
        if (!retry_later && flush_due()) break;
      }
      if (!CompactOnce(&did_work).ok()) break;
    }
    if (run_retention) (void)RunRetention();
    lock.lock();
  }
}

QuerySources EmbeddedStore::SourcesOf(const Snapshot& snapshot) {
  QuerySources sources;
  sources.memtables.assign(snapshot.memtables.begin(), snapshot.memtables.end());
  for (const auto& live : snapshot.segments) sources.segments.push_back(live->reader.get());
  sources.visible_seq = snapshot.visible_seq;
  return sources;
}

Result<EmbeddedStore::Snapshot> EmbeddedStore::TakeSnapshot(const query::Query& query) {
  Snapshot snapshot;
  std::lock_guard lock(mu_);
  const bool all_tenants = query::IsAllTenants(query.tenant);
  if (all_tenants) {
    for (const auto& [tenant, seq] : last_seq_) snapshot.visible_seq[tenant] = VisibleSeq(tenant);
  } else {
    snapshot.visible_seq[query.tenant] = VisibleSeq(query.tenant);
  }
  for (const auto& memtable : {mem_, imm_})
    if (memtable) snapshot.memtables.push_back(memtable);
  for (const auto& live : segments_) {
    if (!all_tenants && live->meta.tenant != query.tenant) continue;
    if (query.time.from && live->meta.max_time < *query.time.from) continue;
    if (query.time.to && live->meta.min_time >= *query.time.to) continue;
    if (!live->reader) return live->damage;
    snapshot.segments.push_back(live);
  }
  return snapshot;
}

Result<std::optional<Event>> EmbeddedStore::Get(std::string_view tenant, std::string_view id) {
  std::optional<Event> found;
  if (!query::IsAllTenants(tenant)) {
    AL_RETURN_IF_ERROR(GetOfTenant(tenant, id, &found));
    return found;
  }
  // The id fingerprints say which tenants may hold it (rarely more than one).
  std::vector<std::string> candidates;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, seq] : last_seq_)
      if (ids_.Contains(IdSet::Fingerprint(IdSet::TenantSeed(name), id)))
        candidates.push_back(name);
  }
  for (const std::string& name : candidates) {
    AL_RETURN_IF_ERROR(GetOfTenant(name, id, &found));
    if (found) break;
  }
  return found;
}

Status EmbeddedStore::GetOfTenant(std::string_view tenant, std::string_view id,
                                  std::optional<Event>* found) {
  std::unique_lock lock(mu_);
  for (const auto& live : SegmentsOf(tenant))
    if (!live->reader) return live->damage;
  std::string tenant_name(tenant);
  for (const auto& memtable : {mem_, imm_}) {
    if (memtable) {
      *found = memtable->Get(tenant_name, id);
      if (*found) return Status::OK();
    }
  }
  // A ULID's segments by time first (usually one), then the rest; searched
  // outside the lock.
  for (const bool by_ulid_time : {true, false}) {
    if (!lock.owns_lock()) lock.lock();
    const auto readers = IdLookupReaders(tenant, id, by_ulid_time);
    lock.unlock();
    AL_RETURN_IF_ERROR(FindInSegments(readers, id, found));
    if (*found) break;
  }
  return Status::OK();
}

Result<query::SearchResult> EmbeddedStore::Search(const query::Query& query) {
  AL_RETURN_IF_ERROR(query::ValidateQuery(query));
  AL_ASSIGN_OR_RETURN(Snapshot snapshot, TakeSnapshot(query));
  return ExecuteSearch(query, SourcesOf(snapshot));
}

Result<query::AggResult> EmbeddedStore::Aggregate(const query::Query& query,
                                                  const query::AggSpec& spec) {
  AL_RETURN_IF_ERROR(query::ValidateQuery(query));
  AL_RETURN_IF_ERROR(query::ValidateAggSpec(spec));
  AL_ASSIGN_OR_RETURN(Snapshot snapshot, TakeSnapshot(query));
  return ExecuteAggregate(query, spec, SourcesOf(snapshot));
}

Status EmbeddedStore::WriteStatus() {
  if (writable_.load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard lock(mu_);
  return write_status_;
}

Result<store::StoreStats> EmbeddedStore::Stats() {
  store::StoreStats stats;
  std::map<std::string, store::TenantStats> tenants;
  std::lock_guard lock(mu_);
  auto tenant_stats = [&](const std::string& name) -> store::TenantStats& {
    store::TenantStats& entry = tenants[name];
    entry.tenant = name;
    return entry;
  };
  for (const auto& live : segments_) {
    store::TenantStats& entry = tenant_stats(live->meta.tenant);
    if (!live->reader) {
      stats.damaged_segments.push_back(live->damage.ToString());
      continue;
    }
    entry.events += live->meta.rows;
    entry.segments += 1;
    entry.segment_bytes += live->meta.file_bytes;
    entry.oldest = std::min(entry.oldest.value_or(INT64_MAX), live->meta.min_time);
    entry.newest = std::max(entry.newest.value_or(INT64_MIN), live->meta.max_time);
  }
  for (const auto& memtable : {mem_, imm_}) {
    if (!memtable) continue;
    stats.memtable_bytes += memtable->approximate_bytes();
    for (const std::string& name : memtable->Tenants()) {
      store::TenantStats& entry = tenant_stats(name);
      const size_t count = memtable->CountFor(name);
      entry.events += count;
      entry.memtable_events += count;
      if (auto bounds = memtable->TimeBoundsFor(name)) {
        entry.oldest = std::min(entry.oldest.value_or(INT64_MAX), bounds->first);
        entry.newest = std::max(entry.newest.value_or(INT64_MIN), bounds->second);
      }
    }
  }
  for (const auto& [name, seq] : last_seq_) tenant_stats(name).last_seq = seq;
  for (auto& [name, entry] : tenants) {
    stats.events += entry.events;
    stats.segments += entry.segments;
    stats.segment_bytes += entry.segment_bytes;
    stats.memtable_events += entry.memtable_events;
    stats.tenants.push_back(std::move(entry));
  }
  auto names = fs_.ListDir(options_.dir);
  if (names.ok())
    for (const std::string& name : *names)
      if (auto parsed = ParseStoreFileName(name); parsed && !parsed->is_segment)
        if (auto size = fs_.FileSize(env::JoinPath(options_.dir, name)); size.ok())
          stats.wal_bytes += *size;
  stats.flushes = flushes_;
  stats.compactions = compactions_;
  const wal::GroupCommitLog::SyncTimes times =
      log_ ? log_->sync_times() : wal::GroupCommitLog::SyncTimes{};
  stats.wal_syncs = retired_syncs_ + times.count;
  stats.wal_sync_seconds_total = double(retired_sync_nanos_ + times.nanos_total) / 1e9;
  stats.wal_sync_seconds_max = double(std::max(retired_sync_nanos_max_, times.nanos_max)) / 1e9;
  stats.cache_bytes = cache_.usage_bytes();
  stats.last_retention = last_retention_;
  stats.write_status = write_status_;
  return stats;
}

}  // namespace auditlog::storage

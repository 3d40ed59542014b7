#pragma once

// Store is where accepted events live and are searched: the embedded engine
// (storage/embedded_store.h) implements it, and so will the ClickHouse store.
// Every implementation passes one conformance suite (store/store_conformance.h),
// so the server and the API dialects never know which one they talk to.
//
// Contract:
//   - Append(tenant, batch) gives each accepted event its tenant's next `seq`
//     (gap-free, from 1, in the order the store accepted them) and returns
//     only once the accepted events are durable (or with an error, when none
//     of the batch was acknowledged).
//   - Ids are unique per tenant. An event whose id is stored already is a
//     duplicate: with the same payload (every field but seq and received_at;
//     timestamp too when the new copy's was stamped from its arrival; and
//     the derived groups geo and ua, which enrichment may fill differently on
//     a retry after a database update) it is answered with the stored event,
//     as if accepted again (idempotent retries); with a different payload it
//     is rejected with kAlreadyExists.
//   - Accepted events are visible to Get/Search/Aggregate as soon as Append
//     returns (read-your-writes).
//   - A store that cannot make writes durable says why (kUnavailable, e.g.
//     "unavailable: disk full") and keeps answering reads.
//
// Thread-safety: implementations are thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "event/event.h"
#include "query/query.h"

namespace auditlog::store {

// What became of one event of a batch, at the event's index.
struct AppendOutcome {
  // OK (stored, or a duplicate of a stored event), kInvalidArgument (the
  // event's tenant differs from the batch's) or kAlreadyExists.
  Status status;
  bool duplicate = false;  // OK because the same event was stored before
  uint64_t seq = 0;        // the stored event's seq when OK
};

struct RetentionRun {
  event::UnixMicros at = 0;
  uint64_t segments_dropped = 0;
  uint64_t events_dropped = 0;
  // The newest event time dropped, per tenant that lost events.
  std::vector<std::pair<std::string, event::UnixMicros>> dropped_through;
};

struct TenantStats {
  std::string tenant;
  uint64_t events = 0;    // stored now (after retention)
  uint64_t last_seq = 0;  // highest seq ever given
  uint64_t segments = 0;
  uint64_t segment_bytes = 0;
  uint64_t memtable_events = 0;
  std::optional<event::UnixMicros> oldest, newest;  // event timestamps
};

struct StoreStats {
  std::vector<TenantStats> tenants;  // sorted by tenant
  uint64_t events = 0;
  uint64_t segments = 0;
  uint64_t segment_bytes = 0;
  uint64_t wal_bytes = 0;
  uint64_t memtable_events = 0;
  uint64_t memtable_bytes = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t wal_syncs = 0;
  // Time spent in WAL syncs since the store opened, in all and the longest.
  double wal_sync_seconds_total = 0;
  double wal_sync_seconds_max = 0;
  uint64_t cache_bytes = 0;
  std::optional<RetentionRun> last_retention;
  // OK, or why the store takes no writes (it still serves reads).
  Status write_status;
  // Segments that failed their checks, with the error; their events are not
  // served, and queries that need them fail with that error.
  std::vector<std::string> damaged_segments;
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores `batch` for `tenant`. Events are updated in place: tenant, id
  // (a ULID when missing), received_at and timestamp (arrival time when
  // missing) and seq are filled; a duplicate is replaced by the stored event.
  // The Result fails (kUnavailable, kInvalidArgument for an empty tenant)
  // only when nothing of the batch was acknowledged.
  virtual Result<std::vector<AppendOutcome>> Append(std::string_view tenant,
                                                    std::span<event::Event> batch) = 0;

  // The event `id` of `tenant` (of any tenant for query::kAllTenants), or
  // nullopt.
  virtual Result<std::optional<event::Event>> Get(std::string_view tenant, std::string_view id) = 0;

  virtual Result<query::SearchResult> Search(const query::Query& query) = 0;

  virtual Result<query::AggResult> Aggregate(const query::Query& query,
                                             const query::AggSpec& spec) = 0;

  virtual Result<StoreStats> Stats() = 0;

  // OK, or why the store takes no writes (StoreStats::write_status), without
  // gathering the rest of Stats: cheap enough for a health check per request.
  virtual Status WriteStatus() = 0;
};

}  // namespace auditlog::store

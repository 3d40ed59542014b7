#include "storage/query_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <numeric>
#include <roaring/roaring.hh>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "event/fields.h"
#include "query/matcher.h"
#include "query/time_zone.h"
#include "storage/segment/segment_filter.h"
#include "storage/segment/segment_format.h"

namespace auditlog::storage {
namespace {

using event::Event;
using event::FieldSpec;
using event::FieldType;
using query::Scalar;
using query::SortKey;
using segment::SegmentReader;

size_t FieldIndex(const FieldSpec* field) { return event::FieldIndexOf(*field); }

const FieldSpec* TimestampField() {
  static const FieldSpec* const field = event::FindField("timestamp");
  return field;
}

const FieldSpec* SeqField() {
  static const FieldSpec* const field = event::FindField("seq");
  return field;
}

class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds timeout)
      : timeout_(timeout), end_(std::chrono::steady_clock::now() + timeout) {}
  Status Check() const {
    if (std::chrono::steady_clock::now() <= end_) return Status::OK();
    return Status::DeadlineExceeded(
        fmt::format("query: stopped at its time limit of {} ms", timeout_.count()));
  }

 private:
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point end_;
};

// The dictionary value `key` of a field of `type` as a Scalar.
Scalar ScalarOfKey(FieldType type, std::string_view key) {
  switch (type) {
    case FieldType::kDouble:
      return segment::DecodeDoubleKey(key);
    case FieldType::kBool:
      return key == segment::kTrueKey;
    default:
      return std::string(key);
  }
}

// The highest seq the query may see in segments (memtables also stop at the
// watermark; segments only hold visible rows).
uint64_t SegmentSeqBound(const query::Query& query) {
  return query.max_seq != 0 ? query.max_seq : UINT64_MAX;
}
uint64_t MemtableSeqBound(const query::Query& query, const QuerySources& sources,
                          const std::string& tenant) {
  auto it = sources.visible_seq.find(tenant);
  return std::min(it == sources.visible_seq.end() ? 0 : it->second, SegmentSeqBound(query));
}

// The members of `rows` at ranks [low, low + count), in order. (Roaring's
// rangeUint32Array expands every container it touches, 65,536 rows for a
// segment matched whole, to copy out a page of ten.)
std::vector<uint32_t> RowsAtRanks(const Roaring& rows, uint64_t low, uint64_t count) {
  std::vector<uint32_t> out(count);
  if (count == 0) return out;
  uint32_t first = 0;
  rows.select(static_cast<uint32_t>(low), &first);
  roaring_uint32_iterator_t it;
  roaring_init_iterator(&rows.roaring, &it);
  roaring_move_uint32_iterator_equalorlarger(&it, first);
  const uint32_t read = roaring_read_uint32_iterator(&it, out.data(), static_cast<uint32_t>(count));
  out.resize(read);
  return out;
}

// The tenants whose memtable rows a query reads.
std::vector<std::string> MemtableTenants(const query::Query& query, const Memtable& memtable) {
  if (query::IsAllTenants(query.tenant)) return memtable.Tenants();
  return {query.tenant};
}

// The rows of `reader` matching the query's filter, time range and seq bound.
Result<Roaring> SegmentMatches(const SegmentReader& reader, const query::Query& query) {
  AL_ASSIGN_OR_RETURN(Roaring rows, segment::MatchingRows(reader, query.filter, query.time));
  const uint64_t bound = SegmentSeqBound(query);
  if (reader.meta().max_seq > bound && !rows.isEmpty()) {
    AL_ASSIGN_OR_RETURN(auto seqs, reader.GetSeqs());
    std::vector<uint32_t> drop;
    for (uint32_t row : rows)
      if ((*seqs)[row] > bound) drop.push_back(row);
    for (uint32_t row : drop) rows.remove(row);
  }
  return rows;
}

// Evaluates the query's filter on every segment and calls `visit(index,
// rows)` for each segment with matches, in order. Stops at the first error,
// or past the deadline. (Evaluating segments on two threads was tried: at 10M
// it made Q3 and Q5a faster but point lookups over every segment, Q4, twice
// as slow, the threads contending for the section cache.)
template <typename Visit>
Status ForEachSegmentMatch(const query::Query& query, const QuerySources& sources,
                           const Deadline& deadline, Visit visit) {
  for (size_t s = 0; s < sources.segments.size(); ++s) {
    AL_RETURN_IF_ERROR(deadline.Check());
    AL_ASSIGN_OR_RETURN(Roaring rows, SegmentMatches(*sources.segments[s], query));
    if (!rows.isEmpty()) AL_RETURN_IF_ERROR(visit(s, std::move(rows)));
  }
  return Status::OK();
}

// Calls `visit(row, event)` for each memtable event of `tenant` in the
// query's time range, seq bound and filter.
template <typename Visit>
void ForEachMemtableMatch(const Memtable& memtable, const query::Query& query,
                          const std::string& tenant, uint64_t seq_bound, Visit visit) {
  memtable.ForEach(tenant, query.time.from.value_or(INT64_MIN), query.time.to.value_or(INT64_MAX),
                   [&](uint32_t row, const Event& event) {
                     if (event.seq <= seq_bound && query::Matches(query.filter, event))
                       visit(row, event);
                   });
}

// ---------------------------------------------------------------- search

// A matching event before materialization: where it is and how it sorts.
struct Candidate {
  // Sort values, read lazily: the first `known` are filled (memtable
  // candidates have all). Later keys of a segment row are read only when two
  // candidates tie on every key before them, so a tiebreak on a field such
  // as `id` rarely costs its dictionary. On the timestamp path `timestamp`
  // holds key 0.
  mutable std::vector<std::optional<Scalar>> keys;
  mutable uint32_t known = 0;
  int64_t timestamp = 0;
  uint64_t seq = 0;
  uint32_t tenant = 0;  // rank of the tenant's name (all-tenant queries)
  int segment = -1;     // index into sources.segments; -1: a memtable's
  int memtable = -1;    // index into sources.memtables
  uint32_t row = 0;
};

// One key's rank per segment row: smaller comes first in page order.
// Dictionary ranks are doubled so a cursor value missing from the dictionary
// ranks strictly between two codes.
class KeyRanker {
 public:
  static Result<KeyRanker> Make(const SegmentReader& reader, const SortKey& key) {
    KeyRanker ranker;
    ranker.key_ = key;
    const size_t index = FieldIndex(key.field);
    if (key.field->type == FieldType::kTime) {
      AL_ASSIGN_OR_RETURN(ranker.times_, reader.GetTimes(index));
    } else if (key.field->type == FieldType::kUint64) {
      AL_ASSIGN_OR_RETURN(ranker.seqs_, reader.GetSeqs());
    } else {
      AL_ASSIGN_OR_RETURN(ranker.dictionary_, reader.GetDictionary(index));
      AL_ASSIGN_OR_RETURN(ranker.codes_, reader.GetCodes(index));
    }
    return ranker;
  }

  uint64_t RankOf(uint32_t row) const {
    if (times_) return times_->present(row) ? Present(Bias((*times_)[row])) : Absent();
    if (seqs_) return Present((*seqs_)[row]);
    const uint32_t code = (*codes_)[row];
    return code == 0 ? Absent() : Present(uint64_t{code} * 2);
  }

  // The rank of a cursor's value (nullopt: absent).
  uint64_t RankOfValue(const std::optional<Scalar>& value) const {
    if (!value) return Absent();
    if (times_) return Present(Bias(std::get<int64_t>(*value)));
    if (seqs_) return Present(static_cast<uint64_t>(std::get<int64_t>(*value)));
    const std::string key = segment::DictionaryKeyOf(key_.field->type, *value);
    const uint32_t at = dictionary_->LowerBound(key);
    if (at <= dictionary_->size() && dictionary_->value(at) == key)
      return Present(uint64_t{at} * 2);
    return Present(uint64_t{at} * 2 - 1);  // between codes at-1 and at
  }

  std::optional<Scalar> ValueOf(uint32_t row, uint64_t seq) const {
    if (times_) {
      if (!times_->present(row)) return std::nullopt;
      return Scalar(int64_t{(*times_)[row]});
    }
    if (seqs_) return Scalar(static_cast<int64_t>(seq));
    const uint32_t code = (*codes_)[row];
    if (code == 0) return std::nullopt;
    return ScalarOfKey(key_.field->type, dictionary_->value(code));
  }

 private:
  static uint64_t Bias(int64_t value) { return static_cast<uint64_t>(value) ^ (uint64_t{1} << 63); }
  uint64_t Present(uint64_t ascending) const { return key_.descending ? ~ascending : ascending; }
  // Absent values sort after every value ascending, before them descending.
  uint64_t Absent() const { return key_.descending ? 0 : UINT64_MAX; }

  SortKey key_;
  std::shared_ptr<const segment::TimeColumn> times_;
  std::shared_ptr<const segment::SeqColumn> seqs_;
  std::shared_ptr<const segment::Dictionary> dictionary_;
  std::shared_ptr<const segment::Codes> codes_;
};

class Searcher {
 public:
  Searcher(const query::Query& query, const QuerySources& sources)
      : query_(query),
        sources_(sources),
        sort_(query::EffectiveSort(query)),
        by_time_(sort_[0].field == TimestampField()),
        deadline_(query.timeout) {
    // Tenants ranked by name: the last tiebreak of all-tenant queries. A
    // store's segments come tenant by tenant: each name is copied once, not
    // once a segment.
    for (const SegmentReader* reader : sources.segments)
      if (tenants_.empty() || tenants_.back() != reader->meta().tenant)
        tenants_.push_back(reader->meta().tenant);
    for (const auto& memtable : sources.memtables)
      for (std::string& name : memtable->Tenants()) tenants_.push_back(std::move(name));
    std::sort(tenants_.begin(), tenants_.end());
    tenants_.erase(std::unique(tenants_.begin(), tenants_.end()), tenants_.end());
    rankers_.resize(sources.segments.size() * sort_.size());
  }

  Result<query::SearchResult> Run() {
    query::SearchResult result;
    result.watermark =
        query::IsAllTenants(query_.tenant) ? 0 : MemtableSeqBound(query_, sources_, query_.tenant);
    std::vector<Candidate> page;
    if (by_time_) {
      AL_ASSIGN_OR_RETURN(page, PageByTime());
    } else {
      AL_ASSIGN_OR_RETURN(page, PageBySortKeys());
    }
    AL_RETURN_IF_ERROR(deadline_.Check());
    if (query_.include_totals) result.total = total_;
    if (!page.empty()) {
      const Candidate& last = page.back();
      result.last.emplace();
      for (size_t k = 0; k < sort_.size(); ++k) result.last->keys.push_back(KeyOf(last, k));
      result.last->seq = last.seq;
    }
    AL_RETURN_IF_ERROR(lazy_status_);
    if (query_.render_json) {
      AL_RETURN_IF_ERROR(Render(page, &result.events_json, &result.events_rendered));
    } else {
      AL_RETURN_IF_ERROR(Materialize(page, &result.events));
    }
    return result;
  }

 private:
  uint32_t TenantRank(const std::string& tenant) const {
    return static_cast<uint32_t>(std::lower_bound(tenants_.begin(), tenants_.end(), tenant) -
                                 tenants_.begin());
  }

  // Calls `visit(tenant_rank, row, event)` for each memtable match of `m`.
  template <typename Visit>
  void ForEachMemtableCandidate(size_t m, Visit visit) {
    const Memtable& memtable = *sources_.memtables[m];
    for (const std::string& name : MemtableTenants(query_, memtable)) {
      const uint32_t rank = TenantRank(name);
      ForEachMemtableMatch(memtable, query_, name, MemtableSeqBound(query_, sources_, name),
                           [&](uint32_t row, const Event& event) { visit(rank, row, event); });
    }
  }

  // The candidate for a memtable event, or nullopt when it lies before the cursor.
  std::optional<Candidate> MemtableCandidate(size_t m, uint32_t tenant, uint32_t row,
                                             const Event& event) const {
    Candidate candidate;
    candidate.keys = query::SortValues(sort_, event);
    candidate.known = static_cast<uint32_t>(sort_.size());
    if (query_.after && !AfterPosition(candidate.keys, event.seq)) return std::nullopt;
    candidate.timestamp = *event.timestamp;
    candidate.seq = event.seq;
    candidate.tenant = tenant;
    candidate.memtable = static_cast<int>(m);
    candidate.row = row;
    return candidate;
  }

  // Whether values `keys` (all sort keys) and `seq` come after the cursor.
  bool AfterPosition(std::span<const std::optional<Scalar>> keys, uint64_t seq) const {
    return query::ComesAfter(sort_, *query_.after, keys, seq);
  }

  // The ranker of sort key `k` in segment `segment`, made on first use;
  // null (and lazy_status_ set) when its sections cannot be read.
  const KeyRanker* RankerFor(int segment, size_t k) {
    auto& slot = rankers_[static_cast<size_t>(segment) * sort_.size() + k];
    if (!slot) {
      auto ranker = KeyRanker::Make(*sources_.segments[static_cast<size_t>(segment)], sort_[k]);
      if (!ranker.ok()) {
        if (lazy_status_.ok()) lazy_status_ = ranker.status();
        return nullptr;
      }
      slot = std::make_unique<KeyRanker>(std::move(*ranker));
    }
    return slot.get();
  }

  // Sort value `k` of `candidate`, read on first use.
  const std::optional<Scalar>& KeyOf(const Candidate& candidate, size_t k) {
    if (candidate.keys.size() < sort_.size()) candidate.keys.resize(sort_.size());
    while (candidate.known <= k) {
      const size_t next = candidate.known++;
      if (by_time_ && next == 0) {
        candidate.keys[0] = Scalar(int64_t{candidate.timestamp});
      } else if (const KeyRanker* ranker = RankerFor(candidate.segment, next)) {
        candidate.keys[next] = ranker->ValueOf(candidate.row, candidate.seq);
      }
    }
    return candidate.keys[k];
  }

  // The full page order: the keys, then seq, then tenant, in the first key's direction.
  bool Before(const Candidate& a, const Candidate& b) {
    size_t k = 0;
    if (by_time_) {
      if (a.timestamp != b.timestamp)
        return Descending() ? a.timestamp > b.timestamp : a.timestamp < b.timestamp;
      k = 1;
    }
    for (; k < sort_.size(); ++k) {
      int c = query::CompareSortValues(KeyOf(a, k), KeyOf(b, k), sort_[k].descending);
      if (c != 0) return c < 0;
    }
    if (a.seq != b.seq) return Descending() ? a.seq > b.seq : a.seq < b.seq;
    return Descending() ? a.tenant > b.tenant : a.tenant < b.tenant;
  }

  bool Descending() const { return sort_[0].descending; }
  // Whether timestamp `a` comes strictly before `b` in page order.
  bool Earlier(int64_t a, int64_t b) const { return Descending() ? a > b : a < b; }
  // How many of `candidates`, sorted by timestamp in page order, come
  // strictly before `time`.
  uint64_t CountEarlier(std::span<const Candidate> candidates, int64_t time) const {
    return static_cast<uint64_t>(
        std::partition_point(candidates.begin(), candidates.end(),
                             [&](const Candidate& c) { return Earlier(c.timestamp, time); }) -
        candidates.begin());
  }

  // Calls `visit(reader, index, rows)` with each segment's matching rows
  // (none empty), counting them into the total.
  template <typename Visit>
  Status ForEachSegmentMatch(Visit visit) {
    return storage::ForEachSegmentMatch(query_, sources_, deadline_, [&](size_t s, Roaring rows) {
      total_ += rows.cardinality();
      return visit(*sources_.segments[s], static_cast<int>(s), std::move(rows));
    });
  }

  // ---- orders led by timestamp

  // One source's matches in page order, and the times it starts and ends at.
  struct OrderedSource {
    int segment = -1;
    int memtable = -1;
    // Segments: matching rows (ascending = (ts, seq) order); when
    // `rows_pending`, only counted so far (read if the page reaches them).
    Roaring rows;
    bool rows_pending = false;
    std::vector<Candidate> in_order;  // memtables: matches in page order
    uint64_t count = 0;
    int64_t first_time = 0, last_time = 0;  // in page order
  };

  // Rows of a segment are sorted by (timestamp, seq), so the segment's order
  // is the page order up to ties on timestamp (when more keys follow it).
  Status RestrictToAfter(const SegmentReader& reader, int segment, const segment::TimeColumn& times,
                         Roaring* rows) {
    const int64_t at = std::get<int64_t>(*query_.after->keys[0]);
    const auto& values = times.values();
    // Rows on the cursor's side of its timestamp, its own timestamp included.
    const uint32_t low =
        static_cast<uint32_t>(std::lower_bound(values.begin(), values.end(), at) - values.begin());
    const uint32_t high =
        static_cast<uint32_t>(std::upper_bound(values.begin(), values.end(), at) - values.begin());
    Roaring side;
    if (Descending()) {
      if (high > 0) side.addRange(0, high);
    } else if (low < reader.meta().rows) {
      side.addRange(low, reader.meta().rows);
    }
    *rows &= side;
    // Rows at the cursor's own timestamp: compared in full.
    if (low < high) {
      AL_ASSIGN_OR_RETURN(std::vector<Candidate> ties,
                          SegmentCandidates(reader, segment, low, high, *rows));
      for (const Candidate& tie : ties) {
        std::vector<std::optional<Scalar>> keys;
        for (size_t k = 0; k < sort_.size(); ++k) keys.push_back(KeyOf(tie, k));
        if (!AfterPosition(keys, tie.seq)) rows->remove(tie.row);
      }
      AL_RETURN_IF_ERROR(lazy_status_);
    }
    return Status::OK();
  }

  // Candidates for the matching rows in [begin, end) of a segment, with
  // their sort values (the timestamp in `timestamp`).
  Result<std::vector<Candidate>> SegmentCandidates(const SegmentReader& reader, int segment,
                                                   uint32_t begin, uint32_t end,
                                                   const Roaring& rows) {
    std::vector<uint32_t> row_list;
    for (uint32_t row = begin; row < end; ++row)
      if (rows.contains(row)) row_list.push_back(row);
    return CandidatesForRows(reader, segment, row_list);
  }

  Result<std::vector<Candidate>> CandidatesForRows(const SegmentReader& reader, int segment,
                                                   const std::vector<uint32_t>& row_list) {
    AL_ASSIGN_OR_RETURN(auto times, reader.GetTimes(FieldIndex(TimestampField())));
    AL_ASSIGN_OR_RETURN(auto seqs, reader.GetSeqs());
    const uint32_t tenant = TenantRank(reader.meta().tenant);
    std::vector<Candidate> out(row_list.size());
    for (size_t i = 0; i < row_list.size(); ++i) {
      Candidate& candidate = out[i];
      const uint32_t row = row_list[i];
      candidate.timestamp = (*times)[row];
      candidate.seq = (*seqs)[row];
      candidate.tenant = tenant;
      candidate.segment = segment;
      candidate.row = row;
    }
    return out;
  }

  Result<std::vector<Candidate>> PageByTime() {
    std::vector<OrderedSource> ordered;
    // The segment's own time bounds stand for its matches' (wider, never
    // wrong): its time column is read only if its run reaches the page.
    auto add_source = [&](const SegmentReader& reader, int s, uint64_t count) -> OrderedSource& {
      OrderedSource& source = ordered.emplace_back();
      source.segment = s;
      source.count = count;
      source.first_time = Descending() ? reader.meta().max_time : reader.meta().min_time;
      source.last_time = Descending() ? reader.meta().min_time : reader.meta().max_time;
      return source;
    };
    auto add_segment = [&](const SegmentReader& reader, int s, Roaring rows) -> Status {
      if (query_.after) {
        AL_ASSIGN_OR_RETURN(auto times, reader.GetTimes(FieldIndex(TimestampField())));
        AL_RETURN_IF_ERROR(RestrictToAfter(reader, s, *times, &rows));
        if (rows.isEmpty()) return Status::OK();
      }
      const uint64_t count = rows.cardinality();
      add_source(reader, s, count).rows = std::move(rows);
      return Status::OK();
    };
    // A segment whose matches can be counted without reading them is only
    // counted: most segments of a lookup over a long time range never reach
    // the page, and building their row sets was most of such a query.
    const uint64_t seq_bound = SegmentSeqBound(query_);
    for (size_t s = 0; s < sources_.segments.size(); ++s) {
      AL_RETURN_IF_ERROR(deadline_.Check());
      const SegmentReader& reader = *sources_.segments[s];
      std::optional<uint64_t> count;
      if (!query_.after && reader.meta().max_seq <= seq_bound) {
        AL_ASSIGN_OR_RETURN(count, segment::CountMatchingRows(reader, query_.filter, query_.time));
      }
      if (count) {
        if (*count == 0) continue;
        total_ += *count;
        add_source(reader, static_cast<int>(s), *count).rows_pending = true;
        continue;
      }
      AL_ASSIGN_OR_RETURN(Roaring rows, SegmentMatches(reader, query_));
      if (rows.isEmpty()) continue;
      total_ += rows.cardinality();
      AL_RETURN_IF_ERROR(add_segment(reader, static_cast<int>(s), std::move(rows)));
    }
    for (size_t m = 0; m < sources_.memtables.size(); ++m) {
      AL_RETURN_IF_ERROR(deadline_.Check());
      OrderedSource source;
      source.memtable = static_cast<int>(m);
      ForEachMemtableCandidate(m, [&](uint32_t tenant, uint32_t row, const Event& event) {
        ++total_;
        if (auto candidate = MemtableCandidate(m, tenant, row, event))
          source.in_order.push_back(std::move(*candidate));
      });
      if (source.in_order.empty()) continue;
      std::sort(source.in_order.begin(), source.in_order.end(),
                [&](const Candidate& a, const Candidate& b) { return Before(a, b); });
      source.count = source.in_order.size();
      source.first_time = source.in_order.front().timestamp;
      source.last_time = source.in_order.back().timestamp;
      ordered.push_back(std::move(source));
    }

    // Sources by where they start in page order; a run of overlapping
    // sources is merged, every other one is skipped or taken by its count.
    std::sort(ordered.begin(), ordered.end(), [&](const OrderedSource& a, const OrderedSource& b) {
      return Earlier(a.first_time, b.first_time);
    });
    std::vector<Candidate> page;
    uint64_t skip = query_.offset;
    uint64_t need = query_.limit;
    for (size_t begin = 0; begin < ordered.size() && need > 0;) {
      size_t end = begin + 1;
      int64_t run_last = ordered[begin].last_time;
      uint64_t run_count = ordered[begin].count;
      // Equal times overlap too: their order is by the later keys and seq.
      while (end < ordered.size() && !Earlier(run_last, ordered[end].first_time)) {
        if (Earlier(run_last, ordered[end].last_time)) run_last = ordered[end].last_time;
        run_count += ordered[end].count;
        ++end;
      }
      if (skip >= run_count) {
        skip -= run_count;
        begin = end;
        continue;
      }
      const uint64_t take = std::min<uint64_t>(need, run_count - skip);
      AL_RETURN_IF_ERROR(deadline_.Check());
      AL_RETURN_IF_ERROR(
          TakeFromRun(std::span(ordered).subspan(begin, end - begin), skip, take, &page));
      need -= take;
      skip = 0;
      begin = end;
    }
    return page;
  }

  // Reads the matching rows of a segment that was only counted.
  Status ReadPendingRows(OrderedSource& source) {
    if (!source.rows_pending) return Status::OK();
    const SegmentReader& reader = *sources_.segments[static_cast<size_t>(source.segment)];
    AL_ASSIGN_OR_RETURN(source.rows, SegmentMatches(reader, query_));
    source.rows_pending = false;
    if (source.rows.cardinality() != source.count)
      return Status::Corruption(
          fmt::format("segment {}: {} rows match where its posting lists state {}", reader.path(),
                      source.rows.cardinality(), source.count));
    return Status::OK();
  }

  // Widens the ranks [*low, *high) among a segment's matching `rows` (in row
  // order) to whole runs of equal timestamps at either end, when later sort
  // keys order such a run: any of its rows may come first by them.
  Status WidenToEqualTimes(const SegmentReader& reader, const Roaring& rows, uint64_t* low,
                           uint64_t* high) {
    if (sort_.size() == 1 || *low >= *high) return Status::OK();
    AL_ASSIGN_OR_RETURN(auto times, reader.GetTimes(FieldIndex(TimestampField())));
    const auto& values = times->values();
    uint32_t row = 0;
    rows.select(static_cast<uint32_t>(*low), &row);
    const auto tie_begin = std::lower_bound(values.begin(), values.end(), values[row]);
    *low = tie_begin == values.begin()
               ? 0
               : rows.rank(static_cast<uint32_t>(tie_begin - values.begin()) - 1);
    rows.select(static_cast<uint32_t>(*high - 1), &row);
    const auto tie_end = std::upper_bound(values.begin(), values.end(), values[row]);
    *high = rows.rank(static_cast<uint32_t>(tie_end - values.begin()) - 1);
    return Status::OK();
  }

  // Appends the matches of one segment, overlapping no other source, at page
  // positions [skip, skip + take) to `page`. Its rows are in page order by
  // timestamp already: only the rows at those positions are read, widened to
  // whole runs of equal timestamps at either edge when later keys order
  // those. (A deep page in a segment of 100,000 rows would otherwise rank
  // every row before it.)
  Status TakeFromSegment(OrderedSource& source, uint64_t skip, uint64_t take,
                         std::vector<Candidate>* page) {
    AL_RETURN_IF_ERROR(ReadPendingRows(source));
    const SegmentReader& reader = *sources_.segments[static_cast<size_t>(source.segment)];
    const uint64_t count = source.count;
    const uint64_t end = std::min(count, skip + take);
    if (skip >= end) return Status::OK();
    // Ranks among the matches in row order, [low, high).
    uint64_t low = Descending() ? count - end : skip;
    uint64_t high = Descending() ? count - skip : end;
    AL_RETURN_IF_ERROR(WidenToEqualTimes(reader, source.rows, &low, &high));
    const std::vector<uint32_t> rows = RowsAtRanks(source.rows, low, high - low);
    AL_ASSIGN_OR_RETURN(std::vector<Candidate> window,
                        CandidatesForRows(reader, source.segment, rows));
    std::sort(window.begin(), window.end(),
              [&](const Candidate& a, const Candidate& b) { return Before(a, b); });
    // The window holds page positions [first, first + size) of the source.
    const uint64_t first = Descending() ? count - high : low;
    for (uint64_t position = skip; position < end; ++position)
      page->push_back(std::move(window[position - first]));
    return Status::OK();
  }

  // A deep page inside a run of overlapping sources: finds the time t such
  // that at most `skip` matches come strictly before it (in page order), as
  // many as possible, by a binary search on time (each source counts by a
  // binary search in its time column), then drops those matches from the
  // sources and from `skip`. The run's merge then ranks the matches from t
  // on, not every match before the page.
  Status DropBeforePage(std::span<OrderedSource> run, uint64_t* skip) {
    std::vector<std::shared_ptr<const segment::TimeColumn>> times(run.size());
    int64_t low = INT64_MAX, high = INT64_MIN;
    for (size_t i = 0; i < run.size(); ++i) {
      OrderedSource& source = run[i];
      low = std::min({low, source.first_time, source.last_time});
      high = std::max({high, source.first_time, source.last_time});
      if (source.memtable >= 0) continue;
      AL_RETURN_IF_ERROR(ReadPendingRows(source));
      const SegmentReader& reader = *sources_.segments[static_cast<size_t>(source.segment)];
      AL_ASSIGN_OR_RETURN(times[i], reader.GetTimes(FieldIndex(TimestampField())));
    }
    // The rows of segment source i whose time comes strictly before `time`
    // in page order: [first, second).
    auto rows_before = [&](size_t i, int64_t time) -> std::pair<uint32_t, uint32_t> {
      const auto& values = times[i]->values();
      const auto size = static_cast<uint32_t>(values.size());
      if (Descending())
        return {static_cast<uint32_t>(std::upper_bound(values.begin(), values.end(), time) -
                                      values.begin()),
                size};
      return {0, static_cast<uint32_t>(std::lower_bound(values.begin(), values.end(), time) -
                                       values.begin())};
    };
    // Matches of source i strictly before `time` in page order.
    auto before = [&](size_t i, int64_t time) -> uint64_t {
      const OrderedSource& source = run[i];
      if (source.memtable >= 0) return CountEarlier(source.in_order, time);
      const auto [first, last] = rows_before(i, time);
      auto matches_below = [&](uint32_t row) { return row == 0 ? 0 : source.rows.rank(row - 1); };
      return matches_below(last) - matches_below(first);
    };
    auto all_before = [&](int64_t time) {
      uint64_t count = 0;
      for (size_t i = 0; i < run.size(); ++i) count += before(i, time);
      return count;
    };
    // The search runs over u, time (ascending) or minus time (descending),
    // along which before() grows: the largest u with before(u) <= skip.
    auto time_at = [&](int64_t u) { return Descending() ? -u : u; };
    int64_t good = Descending() ? -high : low;       // nothing comes before it
    int64_t bad = (Descending() ? -low : high) + 1;  // every match does
    while (bad - good > 1) {
      const int64_t mid = good + (bad - good) / 2;
      (all_before(time_at(mid)) <= *skip ? good : bad) = mid;
    }
    const int64_t cut = time_at(good);
    for (size_t i = 0; i < run.size(); ++i) {
      OrderedSource& source = run[i];
      const uint64_t dropped = before(i, cut);
      if (dropped == 0) continue;
      *skip -= dropped;
      source.count -= dropped;
      if (source.memtable >= 0) {
        source.in_order.erase(source.in_order.begin(),
                              source.in_order.begin() + static_cast<ptrdiff_t>(dropped));
        continue;
      }
      const auto [first, last] = rows_before(i, cut);
      roaring_bitmap_remove_range(&source.rows.roaring, first, last);
    }
    return Status::OK();
  }

  // Appends the run's matches at page positions [skip, skip + take) to `page`.
  Status TakeFromRun(std::span<OrderedSource> run, uint64_t skip, uint64_t take,
                     std::vector<Candidate>* page) {
    if (run.size() == 1 && run[0].segment >= 0) return TakeFromSegment(run[0], skip, take, page);
    if (skip > take) AL_RETURN_IF_ERROR(DropBeforePage(run, &skip));
    const uint64_t prefix = skip + take;  // no source contributes more than this
    std::vector<Candidate> merged;
    // The run's sources come by their first time: once `prefix` candidates
    // come strictly before a source's first time, no row of that source, or
    // of any after it, can reach the page. (Segments merged across days make
    // long runs, in which a page's rows lie in a few.) Each source's
    // candidates are sorted by time, so counting them costs a binary search
    // a source.
    struct Taken {
      size_t begin, end;   // in `merged`
      bool in_page_order;  // else in the reverse order (segment rows, descending)
    };
    std::vector<Taken> taken;
    auto count_before = [&](int64_t time) {
      uint64_t count = 0;
      for (const Taken& t : taken) {
        const auto first = merged.begin() + static_cast<ptrdiff_t>(t.begin);
        const auto last = merged.begin() + static_cast<ptrdiff_t>(t.end);
        if (t.in_page_order) {
          count += CountEarlier(std::span<const Candidate>(first, last), time);
        } else {
          count += last - std::partition_point(first, last, [&](const Candidate& c) {
                     return !Earlier(c.timestamp, time);
                   });
        }
      }
      return count;
    };
    for (OrderedSource& source : run) {
      if (merged.size() >= prefix && count_before(source.first_time) >= prefix) break;
      const uint64_t n = std::min(prefix, source.count);
      const size_t merged_before = merged.size();
      if (source.memtable >= 0) {
        merged.insert(merged.end(), source.in_order.begin(),
                      source.in_order.begin() + static_cast<ptrdiff_t>(n));
        taken.push_back({merged_before, merged.size(), true});
        continue;
      }
      const SegmentReader& reader = *sources_.segments[static_cast<size_t>(source.segment)];
      AL_RETURN_IF_ERROR(ReadPendingRows(source));
      // The first n rows in page order (the last n ascending when
      // descending), and with more keys after the timestamp, every row tied
      // with the n-th on it: those may come first by the later keys.
      uint64_t low = Descending() ? source.count - n : 0;
      uint64_t high = Descending() ? source.count : n;
      AL_RETURN_IF_ERROR(WidenToEqualTimes(reader, source.rows, &low, &high));
      const std::vector<uint32_t> rows = RowsAtRanks(source.rows, low, high - low);
      AL_ASSIGN_OR_RETURN(std::vector<Candidate> candidates,
                          CandidatesForRows(reader, source.segment, rows));
      merged.insert(merged.end(), std::make_move_iterator(candidates.begin()),
                    std::make_move_iterator(candidates.end()));
      taken.push_back({merged_before, merged.size(), !Descending()});
    }
    // Only positions [skip, skip + take) need their order: a deep page's run
    // holds tens of thousands of candidates, and sorting them all was most of
    // its time.
    // Candidates are ordered by index, which moves 4 bytes instead of a
    // candidate and its keys.
    if (skip >= merged.size()) return Status::OK();
    std::vector<uint32_t> order(merged.size());
    std::iota(order.begin(), order.end(), 0u);
    auto before = [&](uint32_t a, uint32_t b) { return Before(merged[a], merged[b]); };
    const auto page_begin = order.begin() + static_cast<ptrdiff_t>(skip);
    const auto page_end =
        order.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(skip + take, order.size()));
    if (skip > 0) std::nth_element(order.begin(), page_begin, order.end(), before);
    std::partial_sort(page_begin, page_end, order.end(), before);
    for (auto it = page_begin; it != page_end; ++it) page->push_back(std::move(merged[*it]));
    return Status::OK();
  }

  // ---- any other order

  Result<std::vector<Candidate>> PageBySortKeys() {
    const uint64_t wanted = query_.offset + query_.limit;
    std::vector<Candidate> candidates;
    auto add_segment = [&](const SegmentReader& reader, int s, Roaring rows) {
      return RankSegment(reader, s, rows, wanted, &candidates);
    };
    if (ByIngestOrderWithoutTotals()) {
      AL_RETURN_IF_ERROR(RankSegmentsInSeqOrder(wanted, &candidates));
    } else {
      AL_RETURN_IF_ERROR(ForEachSegmentMatch(add_segment));
    }
    for (size_t m = 0; m < sources_.memtables.size(); ++m) {
      AL_RETURN_IF_ERROR(deadline_.Check());
      ForEachMemtableCandidate(m, [&](uint32_t tenant, uint32_t row, const Event& event) {
        ++total_;
        if (auto candidate = MemtableCandidate(m, tenant, row, event))
          candidates.push_back(std::move(*candidate));
      });
    }
    const size_t keep = static_cast<size_t>(std::min<uint64_t>(wanted, candidates.size()));
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(keep),
                      candidates.end(),
                      [&](const Candidate& a, const Candidate& b) { return Before(a, b); });
    std::vector<Candidate> page;
    for (size_t i = query_.offset; i < keep; ++i) page.push_back(std::move(candidates[i]));
    return page;
  }

  // An export walk: one tenant, ascending by seq, no total to count (Auth0's
  // checkpoint pages, seq-ordered polls). Such a page needs only the segments
  // holding its lowest seqs, not every segment after the walk's position.
  bool ByIngestOrderWithoutTotals() const {
    return sort_[0].field == SeqField() && !Descending() && !query_.include_totals &&
           !query::IsAllTenants(query_.tenant);
  }

  // RankSegment over the segments in order of their lowest seq, stopping at
  // the first segment whose lowest seq is above every one of the `wanted`
  // smallest seqs found so far: none of its rows could enter the page.
  Status RankSegmentsInSeqOrder(uint64_t wanted, std::vector<Candidate>* candidates) {
    std::vector<size_t> order(sources_.segments.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return sources_.segments[a]->meta().min_seq < sources_.segments[b]->meta().min_seq;
    });
    const auto by_seq = [](const Candidate& a, const Candidate& b) { return a.seq < b.seq; };
    for (const size_t s : order) {
      const SegmentReader& reader = *sources_.segments[s];
      if (candidates->size() >= wanted) {
        // Keep the `wanted` smallest; the largest of them is the bar.
        std::nth_element(candidates->begin(),
                         candidates->begin() + static_cast<ptrdiff_t>(wanted - 1),
                         candidates->end(), by_seq);
        candidates->resize(static_cast<size_t>(wanted));
        const uint64_t bar = std::max_element(candidates->begin(), candidates->end(), by_seq)->seq;
        if (reader.meta().min_seq > bar) break;
      }
      AL_RETURN_IF_ERROR(deadline_.Check());
      AL_ASSIGN_OR_RETURN(Roaring rows, SegmentMatches(reader, query_));
      if (rows.isEmpty()) continue;
      AL_RETURN_IF_ERROR(RankSegment(reader, static_cast<int>(s), rows, wanted, candidates));
    }
    return Status::OK();
  }

  // Orders the matching `rows` of one segment by the sort keys and appends
  // the first `wanted` (after the cursor) to `out`. A key's ranks are read
  // only for rows still tied on the keys before it.
  Status RankSegment(const SegmentReader& reader, int segment, const Roaring& rows, uint64_t wanted,
                     std::vector<Candidate>* out) {
    AL_ASSIGN_OR_RETURN(auto seqs, reader.GetSeqs());
    std::vector<uint32_t> row_list(rows.cardinality());
    rows.toUint32Array(row_list.data());
    std::vector<uint32_t> order;
    order.reserve(row_list.size());
    if (query_.after) {
      for (uint32_t row : row_list) {
        AL_ASSIGN_OR_RETURN(bool after, RowAfterCursor(segment, row, (*seqs)[row]));
        if (after) order.push_back(row);
      }
    } else {
      order = std::move(row_list);
    }
    const size_t keep = static_cast<size_t>(std::min<uint64_t>(wanted, order.size()));
    AL_RETURN_IF_ERROR(OrderRows(segment, *seqs, std::span(order), 0, keep));
    const uint32_t tenant = TenantRank(reader.meta().tenant);
    for (size_t j = 0; j < keep; ++j) {
      Candidate& candidate = out->emplace_back();
      candidate.seq = (*seqs)[order[j]];
      candidate.tenant = tenant;
      candidate.segment = segment;
      candidate.row = order[j];
    }
    return Status::OK();
  }

  // Whether a segment row comes after the cursor, comparing key ranks (a
  // cursor value missing from a dictionary ranks between two codes).
  Result<bool> RowAfterCursor(int segment, uint32_t row, uint64_t seq) {
    for (size_t k = 0; k < sort_.size(); ++k) {
      const KeyRanker* ranker = RankerFor(segment, k);
      if (ranker == nullptr) return lazy_status_;
      const uint64_t mine = ranker->RankOf(row), bound = ranker->RankOfValue(query_.after->keys[k]);
      if (mine != bound) return mine > bound;
    }
    return Descending() ? seq < query_.after->seq : seq > query_.after->seq;
  }

  // Puts the first `need` of `rows` in page order by keys k.. and seq (the
  // rest after them, in any order).
  Status OrderRows(int segment, const segment::SeqColumn& seqs, std::span<uint32_t> rows, size_t k,
                   size_t need) {
    if (rows.size() <= 1 || need == 0) return Status::OK();
    std::vector<std::pair<uint64_t, uint32_t>> ranked(rows.size());
    if (k == sort_.size()) {
      for (size_t i = 0; i < rows.size(); ++i)
        ranked[i] = {Descending() ? ~seqs[rows[i]] : seqs[rows[i]], rows[i]};
    } else {
      const KeyRanker* ranker = RankerFor(segment, k);
      if (ranker == nullptr) return lazy_status_;
      for (size_t i = 0; i < rows.size(); ++i) ranked[i] = {ranker->RankOf(rows[i]), rows[i]};
    }
    size_t kept = ranked.size();
    if (need < ranked.size()) {
      // Everything ranked at or before the need-th row, ties included.
      std::nth_element(ranked.begin(), ranked.begin() + static_cast<ptrdiff_t>(need - 1),
                       ranked.end());
      const uint64_t boundary = ranked[need - 1].first;
      kept = static_cast<size_t>(
          std::partition(ranked.begin(), ranked.end(),
                         [&](const auto& entry) { return entry.first <= boundary; }) -
          ranked.begin());
    }
    std::sort(ranked.begin(), ranked.begin() + static_cast<ptrdiff_t>(kept));
    for (size_t i = 0; i < ranked.size(); ++i) rows[i] = ranked[i].second;
    if (k == sort_.size()) return Status::OK();  // seqs are distinct within a segment
    for (size_t begin = 0; begin < kept && begin < need;) {
      size_t end = begin + 1;
      while (end < kept && ranked[end].first == ranked[begin].first) ++end;
      if (end - begin > 1)
        AL_RETURN_IF_ERROR(
            OrderRows(segment, seqs, rows.subspan(begin, end - begin), k + 1, need - begin));
      begin = end;
    }
    return Status::OK();
  }

  // ---- the page's events

  std::vector<size_t> ProjectedFields() const {
    std::vector<size_t> fields;
    for (const FieldSpec* field : query_.fields) fields.push_back(FieldIndex(field));
    return fields;
  }

  // Calls `read(segment, rows, slots)` for each segment holding rows of the
  // page: its rows and their places in the page.
  template <typename Read>
  Status ForEachSegmentOfPage(const std::vector<Candidate>& page, Read read) {
    std::map<int, std::vector<std::pair<uint32_t, size_t>>> by_segment;
    for (size_t i = 0; i < page.size(); ++i)
      if (page[i].memtable < 0) by_segment[page[i].segment].emplace_back(page[i].row, i);
    std::vector<uint32_t> rows;
    std::vector<size_t> slots;
    for (const auto& [s, wanted_rows] : by_segment) {
      rows.clear();
      slots.clear();
      for (const auto& [row, slot] : wanted_rows) {
        rows.push_back(row);
        slots.push_back(slot);
      }
      AL_RETURN_IF_ERROR(read(*sources_.segments[static_cast<size_t>(s)], rows, slots));
    }
    return Status::OK();
  }

  // The memtable event of `candidate`, projected.
  void ReadFromMemtable(const Candidate& candidate, Event* event) const {
    sources_.memtables[static_cast<size_t>(candidate.memtable)]->Read(tenants_[candidate.tenant],
                                                                      candidate.row, event);
    query::Project(query_, event);
  }

  Status Materialize(const std::vector<Candidate>& page, std::vector<Event>* events) {
    events->resize(page.size());
    const std::vector<size_t> fields = ProjectedFields();
    for (size_t i = 0; i < page.size(); ++i)
      if (page[i].memtable >= 0) ReadFromMemtable(page[i], &(*events)[i]);
    std::vector<Event*> slots;
    return ForEachSegmentOfPage(
        page, [&](const segment::SegmentReader& segment, std::span<const uint32_t> rows,
                  std::span<const size_t> places) {
          slots.clear();
          for (size_t place : places) slots.push_back(&(*events)[place]);
          return segment.ReadRows(rows, fields, slots);
        });
  }

  // The page as native JSON, rows of segments rendered from views of their
  // sections (the same bytes as Materialize's events would render to).
  Status Render(const std::vector<Candidate>& page, std::string* out, size_t* count) {
    constexpr size_t kTypicalEventBytes = 1024;
    const std::vector<size_t> fields = ProjectedFields();
    std::vector<event::EventView> views(page.size());
    size_t from_memtables = 0;
    for (const Candidate& candidate : page) from_memtables += candidate.memtable >= 0 ? 1 : 0;
    std::vector<Event> memtable_events;
    memtable_events.reserve(from_memtables);  // the views point into them: never moved
    for (size_t i = 0; i < page.size(); ++i) {
      if (page[i].memtable < 0) continue;
      ReadFromMemtable(page[i], &memtable_events.emplace_back());
      views[i] = event::EventView(memtable_events.back());
    }
    std::vector<std::shared_ptr<const segment::SectionData>> held;
    std::vector<event::EventView*> slots;
    AL_RETURN_IF_ERROR(ForEachSegmentOfPage(
        page, [&](const segment::SegmentReader& segment, std::span<const uint32_t> rows,
                  std::span<const size_t> places) {
          slots.clear();
          for (size_t place : places) slots.push_back(&views[place]);
          return segment.ReadRowViews(rows, fields, slots, &held);
        }));
    out->reserve(page.size() * kTypicalEventBytes);
    for (size_t i = 0; i < views.size(); ++i) {
      if (i > 0) out->push_back(',');
      event::AppendEventJson(views[i], out);
    }
    *count = views.size();
    return Status::OK();
  }

  const query::Query& query_;
  const QuerySources& sources_;
  const std::vector<SortKey> sort_;
  const bool by_time_;
  const Deadline deadline_;
  std::vector<std::string> tenants_;
  // Rankers made on first use, segment by segment, a slot per sort key (one
  // vector: a query over a hundred segments made a hundred small ones).
  std::vector<std::unique_ptr<KeyRanker>> rankers_;
  Status lazy_status_;  // the first failure to read a sort key
  uint64_t total_ = 0;
};

// ---------------------------------------------------------------- aggregations

// Values seen and how often, keyed by their text (ScalarToString).
class ValueCounts {
 public:
  void Add(const Scalar& value, uint64_t count) {
    auto [it, inserted] = counts_.try_emplace(query::ScalarToString(value), value, 0);
    it->second.second += count;
  }
  size_t size() const { return counts_.size(); }
  // Fills `result->buckets` (top_n of them) and other_count.
  void Finish(uint32_t top_n, query::AggResult* result) const {
    for (const auto& [key, entry] : counts_) result->buckets.push_back({entry.first, entry.second});
    query::FinishBuckets(top_n, result);
  }

 private:
  std::unordered_map<std::string, std::pair<Scalar, uint64_t>> counts_;
};

// Accumulates one field's values over matching events: counts per value
// (CountBy) or the set of values (DistinctCount).
class FieldAccumulator {
 public:
  FieldAccumulator(const FieldSpec* field, bool distinct) : field_(field), distinct_(distinct) {}

  void Add(const std::optional<Scalar>& value, uint64_t n) {
    total_ += n;
    if (!value) {
      missing_ += n;
    } else if (distinct_) {
      values_.insert(query::ScalarToString(*value));
    } else {
      counts_.Add(*value, n);
    }
  }

  // Segment rows arrive as codes, named once each: counts per code (0: absent).
  void AddCodes(const segment::Dictionary& dictionary, std::span<const uint64_t> per_code) {
    for (uint32_t code = 0; code < per_code.size(); ++code) {
      if (per_code[code] == 0) continue;
      Add(code == 0 ? std::nullopt
                    : std::optional<Scalar>(ScalarOfKey(field_->type, dictionary.value(code))),
          per_code[code]);
    }
  }

  // Distinct counts fed by codes: `n` present values counted here, their
  // values given later (InsertDistinct) or counted by the caller.
  void CountPresent(uint64_t n) { total_ += n; }
  void InsertDistinct(std::string value) { values_.insert(std::move(value)); }
  bool has_distinct_values() const { return !values_.empty(); }

  query::AggResult Finish(uint32_t top_n) const {
    query::AggResult result;
    result.total = total_;
    result.missing_count = missing_;
    if (distinct_)
      result.distinct = values_.size();
    else
      counts_.Finish(top_n, &result);
    return result;
  }

  const FieldSpec* field() const { return field_; }
  bool distinct() const { return distinct_; }

 private:
  const FieldSpec* field_;
  bool distinct_;
  uint64_t total_ = 0, missing_ = 0;
  ValueCounts counts_;
  std::unordered_set<std::string> values_;
};

// Adds the values of the accumulator's field at `rows` of one segment.
template <typename Rows>
Status AccumulateRows(const SegmentReader& reader, const Rows& rows,
                      FieldAccumulator* accumulator) {
  const FieldSpec* field = accumulator->field();
  const size_t index = FieldIndex(field);
  if (segment::IsDictionaryEncoded(field->type)) {
    AL_ASSIGN_OR_RETURN(auto dictionary, reader.GetDictionary(index));
    AL_ASSIGN_OR_RETURN(auto codes, reader.GetCodes(index));
    std::vector<uint64_t> per_code(size_t{dictionary->size()} + 1, 0);
    for (uint32_t row : rows) ++per_code[(*codes)[row]];
    accumulator->AddCodes(*dictionary, per_code);
    return Status::OK();
  }
  if (field->type == FieldType::kTime) {
    AL_ASSIGN_OR_RETURN(auto times, reader.GetTimes(index));
    for (uint32_t row : rows)
      accumulator->Add(
          times->present(row) ? std::optional<Scalar>(int64_t{(*times)[row]}) : std::nullopt, 1);
    return Status::OK();
  }
  AL_ASSIGN_OR_RETURN(auto seqs, reader.GetSeqs());
  for (uint32_t row : rows) accumulator->Add(Scalar(static_cast<int64_t>((*seqs)[row])), 1);
  return Status::OK();
}

Result<query::AggResult> AggregateField(const query::Query& query, const QuerySources& sources,
                                        const FieldSpec* field, bool distinct, uint32_t top_n) {
  const Deadline deadline(query.timeout);
  FieldAccumulator accumulator(field, distinct);
  AL_RETURN_IF_ERROR(ForEachSegmentMatch(query, sources, deadline, [&](size_t s, Roaring rows) {
    return AccumulateRows(*sources.segments[s], rows, &accumulator);
  }));
  for (const auto& memtable : sources.memtables) {
    AL_RETURN_IF_ERROR(deadline.Check());
    for (const std::string& tenant : MemtableTenants(query, *memtable))
      ForEachMemtableMatch(*memtable, query, tenant, MemtableSeqBound(query, sources, tenant),
                           [&](uint32_t, const Event& event) {
                             accumulator.Add(query::FieldValue(*field, event), 1);
                           });
  }
  AL_RETURN_IF_ERROR(deadline.Check());
  return accumulator.Finish(top_n);
}

// Maps times to the start of their histogram bucket, remembering the last
// bucket's extent (rows arrive mostly in time order).
class Bucketer {
 public:
  Bucketer(const query::DateHistogram& spec, query::TimeZone zone)
      : spec_(spec), zone_(std::move(zone)) {}

  int64_t StartOf(int64_t at) {
    if (at >= start_ && at < end_) return start_;
    if (spec_.calendar) {
      start_ = query::CalendarBucketStart(at, *spec_.calendar, zone_);
      end_ = query::NextCalendarBucketStart(start_, *spec_.calendar, zone_);
      return start_;
    }
    const int64_t start = query::FixedBucketStart(at, spec_.interval_micros, zone_);
    // Remember the extent only where the zone's offset holds across it.
    const int64_t end = start + spec_.interval_micros;
    if (zone_.OffsetSecondsAt(start) == zone_.OffsetSecondsAt(end - 1) &&
        spec_.interval_micros <= int64_t{86'400'000'000}) {
      start_ = start;
      end_ = end;
    }
    return start;
  }
  // The bucket after the one starting at `start`.
  int64_t NextAfter(int64_t start) {
    if (spec_.calendar) return query::NextCalendarBucketStart(start, *spec_.calendar, zone_);
    int64_t next = start + spec_.interval_micros;
    while (StartOf(next) == start) next += spec_.interval_micros;
    return StartOf(next);
  }

 private:
  const query::DateHistogram& spec_;
  const query::TimeZone zone_;
  int64_t start_ = 1, end_ = 0;  // empty
};

// One histogram bucket and its sub-aggregation.
struct HistogramBucket {
  uint64_t count = 0;
  std::unique_ptr<FieldAccumulator> sub;
  // Distinct counts: the codes each segment contributed, named only when a
  // bucket draws on more than one source.
  std::vector<std::pair<std::shared_ptr<const segment::Dictionary>, Roaring>> segment_codes;
};

class Histogrammer {
 public:
  Histogrammer(const query::Query& query, const query::DateHistogram& spec, query::TimeZone zone)
      : query_(query),
        field_(spec.field ? spec.field : TimestampField()),
        bucketer_(spec, std::move(zone)),
        deadline_(query.timeout) {
    if (const auto* count_by = std::get_if<query::CountBy>(&spec.per_bucket)) {
      sub_field_ = count_by->field;
      top_n_ = count_by->top_n;
    } else if (const auto* distinct = std::get_if<query::DistinctCount>(&spec.per_bucket)) {
      sub_field_ = distinct->field;
      sub_distinct_ = true;
    }
  }

  Result<query::AggResult> Run(const QuerySources& sources) {
    AL_RETURN_IF_ERROR(ForEachSegmentMatch(query_, sources, deadline_, [&](size_t s, Roaring rows) {
      return AddSegment(*sources.segments[s], rows);
    }));
    for (const auto& memtable : sources.memtables) {
      AL_RETURN_IF_ERROR(deadline_.Check());
      for (const std::string& tenant : MemtableTenants(query_, *memtable))
        ForEachMemtableMatch(*memtable, query_, tenant, MemtableSeqBound(query_, sources, tenant),
                             [&](uint32_t, const Event& event) { AddEvent(event); });
    }
    AL_RETURN_IF_ERROR(deadline_.Check());
    if (buckets_.size() > query::kMaxHistogramBuckets)
      return Status::InvalidArgument(
          fmt::format("date histogram: more than {} buckets; use a longer interval",
                      query::kMaxHistogramBuckets));
    query::AggResult result;
    result.total = total_;
    result.missing_count = missing_;
    for (auto& [start, bucket] : buckets_) {
      result.buckets.push_back({Scalar(int64_t{start}), bucket.count});
      if (sub_field_ != nullptr) result.per_bucket.push_back(FinishSub(bucket));
    }
    return result;
  }

 private:
  HistogramBucket& BucketAt(int64_t start) {
    HistogramBucket& bucket = buckets_[start];
    if (sub_field_ != nullptr && !bucket.sub)
      bucket.sub = std::make_unique<FieldAccumulator>(sub_field_, sub_distinct_);
    return bucket;
  }

  void AddEvent(const Event& event) {
    ++total_;
    const std::optional<event::UnixMicros>& time = *field_->time_member(const_cast<Event&>(event));
    if (!time) {
      ++missing_;
      return;
    }
    HistogramBucket& bucket = BucketAt(bucketer_.StartOf(*time));
    ++bucket.count;
    if (bucket.sub) bucket.sub->Add(query::FieldValue(*sub_field_, event), 1);
  }

  Status AddSegment(const SegmentReader& reader, const Roaring& rows) {
    AL_ASSIGN_OR_RETURN(auto times, reader.GetTimes(FieldIndex(field_)));
    const uint64_t count = rows.cardinality();
    total_ += count;
    const uint32_t first = rows.minimum(), last = rows.maximum();
    if (field_ == TimestampField() && sub_field_ == nullptr && last - first + 1 == count) {
      // A run of rows sorted by time: each bucket's count by binary search.
      const auto& values = times->values();
      auto begin = values.begin() + first, end = values.begin() + last + 1;
      for (auto at = begin; at < end;) {
        const int64_t start = bucketer_.StartOf(*at);
        const int64_t next = bucketer_.NextAfter(start);
        auto stop = std::lower_bound(at, end, next);
        BucketAt(start).count += static_cast<uint64_t>(stop - at);
        at = stop;
      }
      return Status::OK();
    }
    // Rows grouped by bucket (consecutive rows mostly share one).
    std::map<int64_t, std::vector<uint32_t>> groups;
    std::vector<uint32_t>* group = nullptr;
    int64_t group_start = 0;
    for (uint32_t row : rows) {
      if (!times->present(row)) {
        ++missing_;
        continue;
      }
      const int64_t start = bucketer_.StartOf((*times)[row]);
      if (group == nullptr || start != group_start) {
        group = &groups[start];
        group_start = start;
      }
      if (sub_field_ != nullptr)
        group->push_back(row);
      else
        BucketAt(start).count += 1;
    }
    if (sub_field_ == nullptr) return Status::OK();
    const size_t sub_index = FieldIndex(sub_field_);
    for (auto& [start, bucket_rows] : groups) {
      HistogramBucket& bucket = BucketAt(start);
      bucket.count += bucket_rows.size();
      if (sub_distinct_ && segment::IsDictionaryEncoded(sub_field_->type)) {
        AL_ASSIGN_OR_RETURN(auto dictionary, reader.GetDictionary(sub_index));
        AL_ASSIGN_OR_RETURN(auto codes, reader.GetCodes(sub_index));
        Roaring present;
        uint64_t absent = 0;
        for (uint32_t row : bucket_rows) {
          const uint32_t code = (*codes)[row];
          if (code == 0)
            ++absent;
          else
            present.add(code);
        }
        bucket.sub->CountPresent(bucket_rows.size() - absent);
        if (absent > 0) bucket.sub->Add(std::nullopt, absent);
        bucket.segment_codes.emplace_back(std::move(dictionary), std::move(present));
        continue;
      }
      AL_RETURN_IF_ERROR(AccumulateRows(reader, bucket_rows, bucket.sub.get()));
    }
    return Status::OK();
  }

  query::AggResult FinishSub(HistogramBucket& bucket) {
    if (bucket.segment_codes.size() == 1 && !bucket.sub->has_distinct_values()) {
      // One segment's distinct codes are the bucket's distinct values.
      query::AggResult sub = bucket.sub->Finish(top_n_);
      sub.distinct = bucket.segment_codes[0].second.cardinality();
      return sub;
    }
    for (const auto& [dictionary, codes] : bucket.segment_codes)
      for (uint32_t code : codes)
        bucket.sub->InsertDistinct(
            query::ScalarToString(ScalarOfKey(sub_field_->type, dictionary->value(code))));
    return bucket.sub->Finish(top_n_);
  }

  const query::Query& query_;
  const FieldSpec* field_;
  const FieldSpec* sub_field_ = nullptr;
  bool sub_distinct_ = false;
  uint32_t top_n_ = 10;
  Bucketer bucketer_;
  const Deadline deadline_;
  std::map<int64_t, HistogramBucket> buckets_;
  uint64_t total_ = 0, missing_ = 0;
};

}  // namespace

Result<query::SearchResult> ExecuteSearch(const query::Query& query, const QuerySources& sources) {
  return Searcher(query, sources).Run();
}

Result<query::AggResult> ExecuteAggregate(const query::Query& query, const query::AggSpec& spec,
                                          const QuerySources& sources) {
  if (const auto* count_by = std::get_if<query::CountBy>(&spec))
    return AggregateField(query, sources, count_by->field, false, count_by->top_n);
  if (const auto* distinct = std::get_if<query::DistinctCount>(&spec))
    return AggregateField(query, sources, distinct->field, true, 0);
  const auto& histogram = std::get<query::DateHistogram>(spec);
  AL_ASSIGN_OR_RETURN(query::TimeZone zone, query::TimeZone::Load(histogram.time_zone));
  return Histogrammer(query, histogram, std::move(zone)).Run(sources);
}

}  // namespace auditlog::storage

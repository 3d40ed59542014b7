#pragma once

// Prometheus metrics: counters, gauges and histograms kept in a registry and
// rendered at GET /metrics in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// The hot path (a request bumping a counter and observing its latency) is
// lock-free once a metric is in hand: Counter, Gauge and Histogram are plain
// atomics. Looking a metric up by name and labels takes one mutex and one hash
// lookup (well under a microsecond), so a handler may look up
// {route, status} per request instead of caching references.
//
// Values that are cheaper to compute at scrape time than to maintain (store
// size, segment count) come from collectors: callbacks run at the start of
// every RenderPrometheus() that set gauges (or counters) on the registry.
//
// Thread-safety: every method of every class here is safe from any number of
// threads. Metrics live as long as their registry; references stay valid.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace auditlog::http {

// The Content-Type of RenderPrometheus()'s output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Request latency buckets, in seconds: 0.5 ms to 10 s.
inline constexpr double kLatencyBucketsSeconds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,    0.25,  0.5,    1,     2.5,  5,     10};

// A monotonically increasing count, e.g. requests served.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  // For collectors that mirror a count kept elsewhere (the store's fsyncs):
  // sets the running total. Callers keep it monotonic; Prometheus reads a
  // decrease as a process restart.
  void Set(uint64_t total) { value_.store(total, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down, e.g. open connections or bytes on disk.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A distribution of observed values in fixed buckets, e.g. request latency
// in seconds. Each bucket counts the observations <= its upper bound; the
// rendered buckets are cumulative and end with le="+Inf".
class Histogram {
 public:
  struct Snapshot {
    std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };

  // REQUIRES: `bucket_bounds` strictly increasing and finite.
  explicit Histogram(std::span<const double> bucket_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN is ignored: it has no bucket and would poison the sum.
  void Observe(double value);

  std::span<const double> bucket_bounds() const { return bounds_; }
  // Read without a lock: under concurrent Observe calls, the sum may be a few
  // observations ahead of or behind the buckets; count always equals the
  // +Inf bucket.
  Snapshot TakeSnapshot() const;

 private:
  const std::vector<double> bounds_;
  // Per-bucket (not cumulative) counts: bounds_.size() + 1 entries, the last
  // for values above every bound. Cumulated at snapshot so Observe touches one.
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Label name/value pairs. Order does not matter: {a,b} and {b,a} name the
// same series.
using Labels = std::vector<std::pair<std::string, std::string>>;

// The set of metric families a server exports.
//
// Names follow Prometheus rules (metric `[a-zA-Z_:][a-zA-Z0-9_:]*`, label
// `[a-zA-Z_][a-zA-Z0-9_]*`, no label named `le` on a histogram); breaking them
// is a bug caught by AL_DCHECK in debug builds. Counters should end in
// `_total`, units in the name (`_seconds`, `_bytes`).
//
// Conflicts keep the first registration: a later Get* with a different help
// text gets the same series and the first help; a later Get* of another
// metric type under a taken name gets a working metric that is never
// rendered (so a naming mistake cannot break the exposition); a histogram
// family keeps the bucket bounds of its first series.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each returns the series of family `name` with `labels`, creating it (at
  // zero) on first use; the same (name, labels) always gives the same object,
  // which lives as long as the registry.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels,
                          std::span<const double> bucket_bounds);

  // Adds a callback run at the start of every RenderPrometheus(), before the
  // text is written. It updates metrics through the registry it is given
  // (`registry.GetGauge("auditlog_store_bytes", ...).Set(bytes)`).
  // Collectors run one at a time, in the order added, on the scraping
  // thread; they must not call AddCollector or RenderPrometheus.
  void AddCollector(std::function<void(MetricsRegistry&)> collector);

  // Runs the collectors, then renders every family, sorted by name, each
  // with `# HELP` and `# TYPE` lines and its series sorted by labels.
  std::string RenderPrometheus();

 private:
  enum class Type : uint8_t { kCounter, kGauge, kHistogram };
  struct Series;
  struct Family;

  // Returns the series, creating it and its family as needed; an orphan (not
  // rendered) when `name` belongs to a family of another type.
  // `bucket_bounds` is used only by histograms.
  Series& GetSeries(Type type, std::string_view name, std::string_view help, const Labels& labels,
                    std::span<const double> bucket_bounds);
  static void RenderFamily(std::string_view name, const Family& family, std::string* out);

  std::mutex mu_;
  // Families by name, sorted for rendering. Guarded by mu_.
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
  // Every series by its identity (name and sorted labels, length-prefixed):
  // the per-request lookup. Guarded by mu_.
  std::unordered_map<std::string, Series*> index_;
  // Metrics handed out under a name of another type; kept alive, never
  // rendered. Guarded by mu_.
  std::vector<std::unique_ptr<Series>> orphans_;

  // Held while collectors run; taken before mu_, never after it.
  std::mutex collectors_mu_;
  std::vector<std::function<void(MetricsRegistry&)>> collectors_;  // guarded by collectors_mu_
};

}  // namespace auditlog::http

#include "http/metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace auditlog::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsRegistry, EmptyRegistryRendersNothing) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.RenderPrometheus(), "");
}

TEST(MetricsRegistry, RendersFamiliesSortedByNameWithHelpTypeAndSeries) {
  MetricsRegistry registry;
  registry.GetGauge("auditlog_store_bytes", "Bytes on disk.").Set(1536);
  registry
      .GetCounter("auditlog_http_requests_total", "Requests served.",
                  {{"route", "/v1/events"}, {"status", "200"}})
      .Increment(3);
  registry
      .GetCounter("auditlog_http_requests_total", "Requests served.",
                  {{"status", "401"}, {"route", "/v1/events"}})
      .Increment();
  registry.GetCounter("auditlog_bugs_total", "Bugs seen.");
  registry.GetGauge("auditlog_ratio", "A fraction.", {{"tenant", "acme"}}).Set(0.25);

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP auditlog_bugs_total Bugs seen.\n"
            "# TYPE auditlog_bugs_total counter\n"
            "auditlog_bugs_total 0\n"
            "# HELP auditlog_http_requests_total Requests served.\n"
            "# TYPE auditlog_http_requests_total counter\n"
            "auditlog_http_requests_total{route=\"/v1/events\",status=\"200\"} 3\n"
            "auditlog_http_requests_total{route=\"/v1/events\",status=\"401\"} 1\n"
            "# HELP auditlog_ratio A fraction.\n"
            "# TYPE auditlog_ratio gauge\n"
            "auditlog_ratio{tenant=\"acme\"} 0.25\n"
            "# HELP auditlog_store_bytes Bytes on disk.\n"
            "# TYPE auditlog_store_bytes gauge\n"
            "auditlog_store_bytes 1536\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeAndEndWithInf) {
  MetricsRegistry registry;
  const double bounds[] = {0.01, 0.1, 1};
  Histogram& latency = registry.GetHistogram("auditlog_http_request_duration_seconds",
                                             "Request latency.", {{"route", "/healthz"}}, bounds);
  latency.Observe(0.005);
  latency.Observe(0.01);  // on a bound: le is inclusive
  latency.Observe(0.5);
  latency.Observe(7);  // above every bound: +Inf only

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP auditlog_http_request_duration_seconds Request latency.\n"
            "# TYPE auditlog_http_request_duration_seconds histogram\n"
            "auditlog_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.01\"} 2\n"
            "auditlog_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 2\n"
            "auditlog_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"1\"} 3\n"
            "auditlog_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 4\n"
            "auditlog_http_request_duration_seconds_sum{route=\"/healthz\"} 7.515\n"
            "auditlog_http_request_duration_seconds_count{route=\"/healthz\"} 4\n");
}

TEST(MetricsRegistry, HistogramWithoutLabelsAndTheLatencyBuckets) {
  MetricsRegistry registry;
  Histogram& fsync =
      registry.GetHistogram("wal_fsync_seconds", "Fsync latency.", {}, kLatencyBucketsSeconds);
  fsync.Observe(0.003);
  const std::string text = registry.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("wal_fsync_seconds_bucket{le=\"0.0005\"} 0\n"
                              "wal_fsync_seconds_bucket{le=\"0.001\"} 0\n"
                              "wal_fsync_seconds_bucket{le=\"0.0025\"} 0\n"
                              "wal_fsync_seconds_bucket{le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("wal_fsync_seconds_bucket{le=\"10\"} 1\n"
                              "wal_fsync_seconds_bucket{le=\"+Inf\"} 1\n"
                              "wal_fsync_seconds_sum 0.003\n"
                              "wal_fsync_seconds_count 1\n"));
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry
      .GetCounter("odd_total", "Help with \\ backslash\nand \"quotes\".", {{"path", "a\\b\"c\nd"}})
      .Increment();
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP odd_total Help with \\\\ backslash\\nand \"quotes\".\n"
            "# TYPE odd_total counter\n"
            "odd_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsRegistry, GaugeSpecialValues) {
  MetricsRegistry registry;
  registry.GetGauge("g", "g", {{"v", "inf"}}).Set(std::numeric_limits<double>::infinity());
  registry.GetGauge("g", "g", {{"v", "minus_inf"}}).Set(-std::numeric_limits<double>::infinity());
  registry.GetGauge("g", "g", {{"v", "nan"}}).Set(std::nan(""));
  registry.GetGauge("g", "g", {{"v", "negative"}}).Set(-2.5);
  registry.GetGauge("g", "g", {{"v", "large"}}).Set(12345678901.0);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP g g\n"
            "# TYPE g gauge\n"
            "g{v=\"inf\"} +Inf\n"
            "g{v=\"large\"} 12345678901\n"
            "g{v=\"minus_inf\"} -Inf\n"
            "g{v=\"nan\"} NaN\n"
            "g{v=\"negative\"} -2.5\n");
}

TEST(MetricsRegistry, SameNameAndLabelsGiveSameObjectWhateverTheLabelOrder) {
  MetricsRegistry registry;
  Counter& first = registry.GetCounter("c_total", "c", {{"a", "1"}, {"b", "2"}});
  Counter& again = registry.GetCounter("c_total", "c", {{"b", "2"}, {"a", "1"}});
  Counter& other = registry.GetCounter("c_total", "c", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &other);
  Gauge& gauge = registry.GetGauge("g", "g");
  EXPECT_EQ(&gauge, &registry.GetGauge("g", "g"));
  const double bounds[] = {1};
  Histogram& histogram = registry.GetHistogram("h", "h", {}, bounds);
  EXPECT_EQ(&histogram, &registry.GetHistogram("h", "h", {}, bounds));
}

TEST(MetricsRegistry, LabelValuesThatLookAlikeAreDistinctSeries) {
  MetricsRegistry registry;
  // A naive "k=v," key would confuse these two.
  Counter& one = registry.GetCounter("c_total", "c", {{"a", "x,b=y"}});
  Counter& two = registry.GetCounter("c_total", "c", {{"a", "x"}, {"b", "y"}});
  EXPECT_NE(&one, &two);
}

TEST(MetricsRegistry, ConflictingRegistrationsKeepTheFirst) {
  MetricsRegistry registry;
  registry.GetCounter("x_total", "First help.").Increment(2);
  // Another help text: same series, first help kept.
  registry.GetCounter("x_total", "Second help.").Increment();
  // Another type under the same name: a working gauge that is never rendered,
  // and the same one on every call.
  Gauge& orphan = registry.GetGauge("x_total", "A gauge.");
  orphan.Set(99);
  EXPECT_EQ(&orphan, &registry.GetGauge("x_total", "A gauge."));
  EXPECT_EQ(orphan.value(), 99);
  // A histogram family keeps its first bounds.
  const double first_bounds[] = {1, 2};
  const double other_bounds[] = {5};
  registry.GetHistogram("h", "h", {{"k", "a"}}, first_bounds);
  Histogram& second = registry.GetHistogram("h", "h", {{"k", "b"}}, other_bounds);
  EXPECT_EQ(second.bucket_bounds().size(), 2u);

  const std::string text = registry.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("# HELP x_total First help.\n"
                              "# TYPE x_total counter\n"
                              "x_total 3\n"));
  EXPECT_THAT(text, Not(HasSubstr("Second help")));
  EXPECT_THAT(text, Not(HasSubstr("gauge")));
  EXPECT_THAT(text, Not(HasSubstr("99")));
  EXPECT_THAT(text, HasSubstr("h_bucket{k=\"b\",le=\"2\"} 0\n"));
}

TEST(MetricsRegistry, CollectorsRunAtEveryRenderBeforeTheText) {
  MetricsRegistry registry;
  int runs = 0;
  registry.AddCollector([&runs](MetricsRegistry& metrics) {
    ++runs;
    metrics.GetGauge("auditlog_segments", "Segments in the store.").Set(runs * 10);
  });
  registry.AddCollector([](MetricsRegistry& metrics) {
    // Runs after the first: sees its value.
    const double segments = metrics.GetGauge("auditlog_segments", "").value();
    metrics.GetCounter("auditlog_collected_total", "Mirrored count.")
        .Set(static_cast<uint64_t>(segments) + 1);
  });
  EXPECT_THAT(registry.RenderPrometheus(), HasSubstr("auditlog_segments 10\n"));
  const std::string second = registry.RenderPrometheus();
  EXPECT_EQ(runs, 2);
  EXPECT_THAT(second, HasSubstr("auditlog_segments 20\n"));
  EXPECT_THAT(second, HasSubstr("auditlog_collected_total 21\n"));
  EXPECT_THAT(second, HasSubstr("# HELP auditlog_segments Segments in the store.\n"));
}

TEST(Histogram, NanIsIgnored) {
  const double bounds[] = {1};
  Histogram histogram(bounds);
  histogram.Observe(std::nan(""));
  histogram.Observe(0.5);
  const Histogram::Snapshot snapshot = histogram.TakeSnapshot();
  EXPECT_EQ(snapshot.count, 1u);
  EXPECT_EQ(snapshot.sum, 0.5);
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<uint64_t>{1, 1}));
}

TEST(MetricsRegistry, ConcurrentUpdatesAreExact) {
  MetricsRegistry registry;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  const double bounds[] = {0.5, 1.5};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&registry, &bounds, thread_idx] {
      for (int iteration = 0; iteration < kPerThread; ++iteration) {
        // Looked up every time, as a handler does, so lookups race too.
        registry.GetCounter("requests_total", "r", {{"route", "/v1/events"}}).Increment();
        registry.GetGauge("in_flight", "f").Add(1);
        registry.GetHistogram("latency_seconds", "l", {}, bounds).Observe(thread_idx % 2);
        if (iteration % 5000 == 0) (void)registry.RenderPrometheus();
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(registry.GetCounter("requests_total", "r", {{"route", "/v1/events"}}).value(),
            uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(registry.GetGauge("in_flight", "f").value(), double{kThreads} * kPerThread);
  const Histogram::Snapshot snapshot =
      registry.GetHistogram("latency_seconds", "l", {}, bounds).TakeSnapshot();
  EXPECT_EQ(snapshot.count, uint64_t{kThreads} * kPerThread);
  // Threads 0 and 2 observe 0 (first bucket), 1 and 3 observe 1 (second).
  EXPECT_EQ(snapshot.cumulative_counts,
            (std::vector<uint64_t>{2 * kPerThread, 4 * kPerThread, 4 * kPerThread}));
  EXPECT_EQ(snapshot.sum, 2.0 * kPerThread);
}

}  // namespace
}  // namespace auditlog::http

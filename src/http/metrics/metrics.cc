#include "http/metrics/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/check.h"

namespace auditlog::http {
namespace {

// Checked by AL_DCHECK only, which release builds compile out.
[[maybe_unused]] bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t idx = 0; idx < name.size(); ++idx) {
    const char c = name[idx];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && idx > 0)) return false;
  }
  return true;
}

// Sample values as Prometheus parses them (Go's ParseFloat): shortest
// round-trip decimal, and +Inf/-Inf/NaN spelled its way.
void AppendValue(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", value);
  }
}

// Label values escape backslash, double quote and newline; HELP text escapes
// backslash and newline only (the format's two rules).
void AppendEscaped(std::string_view text, bool escape_quote, std::string* out) {
  for (const char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && escape_quote) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// `a="x",b="y"` (no braces), labels already sorted by name.
std::string RenderLabelPairs(const Labels& labels) {
  std::string out;
  for (const auto& [label_name, label_value] : labels) {
    if (!out.empty()) out.push_back(',');
    out.append(label_name);
    out.append("=\"");
    AppendEscaped(label_value, /*escape_quote=*/true, &out);
    out.push_back('"');
  }
  return out;
}

void AppendSampleName(std::string_view name, std::string_view suffix, std::string_view pairs,
                      std::string* out) {
  out->append(name);
  out->append(suffix);
  if (!pairs.empty()) {
    out->push_back('{');
    out->append(pairs);
    out->push_back('}');
  }
}

void AppendLengthPrefixed(std::string_view text, std::string* out) {
  const auto size = static_cast<uint32_t>(text.size());
  char size_bytes[sizeof(size)];
  std::memcpy(size_bytes, &size, sizeof(size));
  out->append(size_bytes, sizeof(size));
  out->append(text);
}

}  // namespace

Histogram::Histogram(std::span<const double> bucket_bounds)
    : bounds_(bucket_bounds.begin(), bucket_bounds.end()),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t idx = 0; idx < bounds_.size(); ++idx) {
    AL_DCHECK(std::isfinite(bounds_[idx]), "bucket bounds are finite; +Inf is implicit");
    AL_DCHECK(idx == 0 || bounds_[idx - 1] < bounds_[idx], "bucket bounds strictly increase");
  }
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // `le` is inclusive: the first bound >= value. A linear scan beats a binary
  // search for the dozen bounds histograms here have.
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::TakeSnapshot() const {
  Snapshot snapshot;
  snapshot.cumulative_counts.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t bucket = 0; bucket <= bounds_.size(); ++bucket) {
    running += counts_[bucket].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

struct MetricsRegistry::Series {
  Type type;
  std::string label_pairs;  // rendered, sorted by label name
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
};

struct MetricsRegistry::Family {
  Type type;
  std::string help;
  std::vector<double> bucket_bounds;  // histograms only: the first series' bounds
  // By rendered label pairs: the render order.
  std::map<std::string, std::unique_ptr<Series>> series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

Counter& MetricsRegistry::GetCounter(std::string_view name, std::string_view help,
                                     const Labels& labels) {
  return *GetSeries(Type::kCounter, name, help, labels, {}).counter;
}

Gauge& MetricsRegistry::GetGauge(std::string_view name, std::string_view help,
                                 const Labels& labels) {
  return *GetSeries(Type::kGauge, name, help, labels, {}).gauge;
}

Histogram& MetricsRegistry::GetHistogram(std::string_view name, std::string_view help,
                                         const Labels& labels,
                                         std::span<const double> bucket_bounds) {
  return *GetSeries(Type::kHistogram, name, help, labels, bucket_bounds).histogram;
}

MetricsRegistry::Series& MetricsRegistry::GetSeries(Type type, std::string_view name,
                                                    std::string_view help, const Labels& labels,
                                                    std::span<const double> bucket_bounds) {
  // Sort pointers, not the pairs: the hit path then allocates only the key.
  const std::pair<std::string, std::string>* sorted[16];
  std::vector<const std::pair<std::string, std::string>*> sorted_spill;
  std::span<const std::pair<std::string, std::string>*> order;
  if (labels.size() <= std::size(sorted)) {
    order = std::span(sorted, labels.size());
  } else {
    sorted_spill.resize(labels.size());
    order = sorted_spill;
  }
  for (size_t idx = 0; idx < labels.size(); ++idx) order[idx] = &labels[idx];
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return *a < *b; });

  // The type is part of the key so that a conflicting registration finds its
  // orphan again instead of leaking a new one per call.
  std::string key(1, static_cast<char>(type));
  AppendLengthPrefixed(name, &key);
  for (const auto* label : order) {
    AppendLengthPrefixed(label->first, &key);
    AppendLengthPrefixed(label->second, &key);
  }

  std::lock_guard lock(mu_);
  if (auto hit = index_.find(key); hit != index_.end()) return *hit->second;

  auto series = std::make_unique<Series>();
  series->type = type;

  auto family_it = families_.find(name);
  if (family_it == families_.end()) {
    AL_DCHECK(IsValidName(name, /*allow_colon=*/true), "metric names are compile-time constants");
    auto family = std::make_unique<Family>();
    family->type = type;
    family->help = std::string(help);
    family->bucket_bounds.assign(bucket_bounds.begin(), bucket_bounds.end());
    family_it = families_.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = *family_it->second;

  switch (type) {
    case Type::kCounter:
      series->counter = std::make_unique<Counter>();
      break;
    case Type::kGauge:
      series->gauge = std::make_unique<Gauge>();
      break;
    case Type::kHistogram:
      // A family of another type has no bounds of its own: use the caller's.
      series->histogram = std::make_unique<Histogram>(
          family.type == Type::kHistogram ? std::span<const double>(family.bucket_bounds)
                                          : bucket_bounds);
      break;
  }

  if (family.type != type) {
    Series& orphan = *series;
    orphans_.push_back(std::move(series));
    index_.emplace(std::move(key), &orphan);
    return orphan;
  }

  Labels sorted_labels;
  sorted_labels.reserve(order.size());
  for (const auto* label : order) {
    AL_DCHECK(IsValidName(label->first, /*allow_colon=*/false) && label->first.rfind("__", 0) != 0,
              "label names are compile-time constants");
    AL_DCHECK(type != Type::kHistogram || label->first != "le", "le is the histogram's own label");
    sorted_labels.push_back(*label);
  }
  series->label_pairs = RenderLabelPairs(sorted_labels);
  Series& result = *series;
  family.series.emplace(result.label_pairs, std::move(series));
  index_.emplace(std::move(key), &result);
  return result;
}

void MetricsRegistry::AddCollector(std::function<void(MetricsRegistry&)> collector) {
  std::lock_guard lock(collectors_mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::RenderPrometheus() {
  {
    // Collectors call Get* (which takes mu_), so they run before mu_ is held.
    std::lock_guard lock(collectors_mu_);
    for (const auto& collector : collectors_) collector(*this);
  }
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) RenderFamily(name, *family, &out);
  return out;
}

void MetricsRegistry::RenderFamily(std::string_view name, const Family& family, std::string* out) {
  out->append("# HELP ");
  out->append(name);
  out->push_back(' ');
  AppendEscaped(family.help, /*escape_quote=*/false, out);
  out->append("\n# TYPE ");
  out->append(name);
  switch (family.type) {
    case Type::kCounter:
      out->append(" counter\n");
      break;
    case Type::kGauge:
      out->append(" gauge\n");
      break;
    case Type::kHistogram:
      out->append(" histogram\n");
      break;
  }

  for (const auto& [label_pairs, series] : family.series) {
    switch (family.type) {
      case Type::kCounter:
        AppendSampleName(name, "", label_pairs, out);
        fmt::format_to(std::back_inserter(*out), " {}\n", series->counter->value());
        break;
      case Type::kGauge:
        AppendSampleName(name, "", label_pairs, out);
        out->push_back(' ');
        AppendValue(series->gauge->value(), out);
        out->push_back('\n');
        break;
      case Type::kHistogram: {
        const Histogram::Snapshot snapshot = series->histogram->TakeSnapshot();
        const std::span<const double> bounds = series->histogram->bucket_bounds();
        const std::string prefix = label_pairs.empty() ? "" : label_pairs + ",";
        for (size_t bucket = 0; bucket < snapshot.cumulative_counts.size(); ++bucket) {
          std::string le;
          if (bucket < bounds.size()) {
            AppendValue(bounds[bucket], &le);
          } else {
            le = "+Inf";
          }
          AppendSampleName(name, "_bucket", prefix + "le=\"" + le + "\"", out);
          fmt::format_to(std::back_inserter(*out), " {}\n", snapshot.cumulative_counts[bucket]);
        }
        AppendSampleName(name, "_sum", label_pairs, out);
        out->push_back(' ');
        AppendValue(snapshot.sum, out);
        out->push_back('\n');
        AppendSampleName(name, "_count", label_pairs, out);
        fmt::format_to(std::back_inserter(*out), " {}\n", snapshot.count);
        break;
      }
    }
  }
}

}  // namespace auditlog::http

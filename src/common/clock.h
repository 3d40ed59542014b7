#pragma once

// Clock is the seam through which all code reads the time, so tests can fix it.
// Production code gets SystemClock(); tests use ManualClock.
//
// Thread-safety: implementations are thread-safe.

#include <atomic>
#include <cstdint>

namespace auditlog {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
  // Monotonic time for measuring durations; unrelated to the epoch.
  virtual int64_t MonotonicNanos() const = 0;
};

// The process-wide real clock. Never destroyed.
Clock& SystemClock();

// A clock that moves only when told to. Both readings move together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros = 0) : now_micros_(now_micros) {}
  int64_t NowMicros() const override { return now_micros_.load(std::memory_order_relaxed); }
  int64_t MonotonicNanos() const override { return NowMicros() * 1000; }
  void SetMicros(int64_t now_micros) { now_micros_.store(now_micros, std::memory_order_relaxed); }
  void AdvanceMicros(int64_t delta_micros) {
    now_micros_.fetch_add(delta_micros, std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> now_micros_;
};

}  // namespace auditlog

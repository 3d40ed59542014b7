#pragma once

// Realistic events for tests and benchmarks: the shape of the shared
// workload (Auth0- and Authing-style types, actors, clients, user agents,
// CJK descriptions), drawn from a seed so every failure replays.
//
// Thread-safety: an EventBuilder is not thread-safe.

#include <cstdint>
#include <string>

#include "common/random.h"
#include "event/event.h"

namespace auditlog::testing {

class EventBuilder {
 public:
  explicit EventBuilder(uint64_t seed, int64_t start_micros = 1'740'787'200'000'000)
      : random_(seed), time_micros_(start_micros) {}

  // The next event: time moves forward a little (sometimes back, as late
  // events do); values come from small vocabularies so filters hit.
  event::Event Next();

  Random& random() { return random_; }

 private:
  uint64_t Uniform(uint64_t n) { return random_.Next64() % n; }

  SeededRandom random_;
  int64_t time_micros_;
  uint64_t counter_ = 0;
};

}  // namespace auditlog::testing

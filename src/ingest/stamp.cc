#include "ingest/stamp.h"

namespace auditlog::ingest {

void StampAccepted(std::span<event::Event> events, event::UnixMicros now_micros,
                   event::EventIdGenerator& ids) {
  const int64_t now_ms = now_micros / 1000;
  for (event::Event& accepted : events) {
    accepted.received_at = now_micros;
    if (accepted.id.empty()) accepted.id = ids.Next(now_ms);
    if (!accepted.timestamp) accepted.timestamp = now_micros;
  }
}

}  // namespace auditlog::ingest

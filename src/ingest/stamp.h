#pragma once

// Stamping: what the server adds to decoded events when it accepts them,
// before they are stored. Kept apart from decoding so that decoders stay pure
// functions of their input (and `auditlog decode` shows exactly what was sent).
//
// Thread-safety: the generator is not thread-safe (event/event_id.h); callers
// serialize stamping per generator.

#include <span>

#include "event/event.h"
#include "event/event_id.h"

namespace auditlog::ingest {

// For every event: `received_at` becomes `now_micros`; an event without an id
// gets a new ULID for that time (client ids are kept: they are idempotency
// keys); an event without a `timestamp` gets `now_micros` (the best estimate of
// when it happened is when it arrived).
void StampAccepted(std::span<event::Event> events, event::UnixMicros now_micros,
                   event::EventIdGenerator& ids);

}  // namespace auditlog::ingest

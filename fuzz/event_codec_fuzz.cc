// Fuzzes the binary event decoder (what WAL replay runs) with arbitrary bytes,
// read as a sequence of encoded events, as a WAL batch holds them.
// Invariants: no crash or out-of-bounds read; decoding into a reused Event
// gives the same result as decoding into a fresh one (absent fields are
// cleared); a failed decode leaves the input where it was; every accepted
// event re-encodes to exactly the bytes it was decoded from (the encoding is
// canonical). ScanEncodedEvent (what the memtable runs on every batch) never
// reads out of bounds, and accepts every event DecodeEvent accepts, with the
// same length, id, timestamp and seq.

#include <cstdlib>
#include <string>
#include <string_view>

#include "event/event.h"
#include "event/event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace auditlog::event;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Event reused;
  std::string encoded;
  while (!in.empty()) {
    const std::string_view before = in;
    std::string_view fresh_in = in;
    Event fresh;
    const auditlog::Status fresh_status = DecodeEvent(&fresh_in, &fresh);
    const auditlog::Status status = DecodeEvent(&in, &reused);
    if (status != fresh_status) std::abort();
    EncodedEventKeys keys;
    const auditlog::Status scan_status = ScanEncodedEvent(before, &keys);
    if (!scan_status.ok() && scan_status.code() != auditlog::StatusCode::kCorruption) std::abort();
    if (scan_status.ok() && keys.size > before.size()) std::abort();
    if (status.ok() &&
        (!scan_status.ok() || keys.size != before.size() - in.size() || keys.id != reused.id ||
         keys.timestamp != reused.timestamp || keys.seq != reused.seq))
      std::abort();
    if (!status.ok()) {
      if (status.code() != auditlog::StatusCode::kCorruption) std::abort();
      if (in.data() != before.data() || in.size() != before.size()) std::abort();
      break;
    }
    if (in.data() != fresh_in.data() || in.size() != fresh_in.size()) std::abort();
    const std::string_view consumed = before.substr(0, before.size() - in.size());
    encoded.clear();
    AppendEncodedEvent(reused, &encoded);
    if (encoded != consumed) std::abort();
    // Compared by bytes, not Event ==, which a NaN double would fail.
    std::string fresh_encoded;
    AppendEncodedEvent(fresh, &fresh_encoded);
    if (fresh_encoded != encoded) std::abort();
  }
  return 0;
}

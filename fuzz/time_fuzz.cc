// Fuzzes the time parser. Invariants: no crash; an accepted time is within
// 1970..9999 and survives FormatRfc3339 -> ParseDateTime unchanged.

#include <cstdlib>
#include <string_view>

#include "event/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace auditlog::event;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (EpochUnit unit : {EpochUnit::kSeconds, EpochUnit::kMilliseconds, EpochUnit::kMicroseconds}) {
    auto parsed = ParseTimeText(text, unit);
    if (!parsed.ok()) continue;
    if (*parsed < kMinTimeMicros || *parsed > kMaxTimeMicros) std::abort();
    auto again = ParseDateTime(FormatRfc3339(*parsed));
    if (!again.ok() || *again != *parsed) std::abort();
  }
  return 0;
}

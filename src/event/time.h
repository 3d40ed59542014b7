#pragma once

// Parsing and formatting of event times. Every form the seeds and peers use is
// accepted:
//   RFC 3339 / ISO 8601:  2021-09-22T07:47:21.559Z, ...+08:00, ...-0000, ...+08,
//                         a space instead of 'T', 1 to 9 fraction digits
//   zone-less date-time:  2018-11-20 10:04:20  (read as UTC: EnOS console logs)
//   epoch numbers:        1631960934544 (ms), "1631960934544", or seconds where
//                         a dialect says so
// Results are microseconds since the epoch (fractions below 1 µs are
// truncated), limited to years 1970..9999.

#include <string>
#include <string_view>

#include "common/result.h"
#include "event/event.h"

namespace auditlog::event {

inline constexpr UnixMicros kMinTimeMicros = 0;                   // 1970-01-01T00:00:00Z
inline constexpr UnixMicros kMaxTimeMicros = 253402300799999999;  // 9999-12-31T23:59:59.999999Z

// How a bare number is read.
enum class EpochUnit : uint8_t { kSeconds = 1, kMilliseconds = 2, kMicroseconds = 3 };

// Parses an RFC 3339 / ISO 8601 date-time (see above). A missing zone means UTC.
// Errors name the problem without a field path; callers add it.
Result<UnixMicros> ParseDateTime(std::string_view text);

// Parses a decimal epoch number in `unit`, e.g. "1631960934544".
Result<UnixMicros> ParseEpochText(std::string_view digits, EpochUnit unit);
// Converts a JSON number in `unit`. Fractions are kept down to a microsecond.
Result<UnixMicros> EpochToMicros(double value, EpochUnit unit);
Result<UnixMicros> EpochToMicros(int64_t value, EpochUnit unit);

// Parses either form from a string: all digits → epoch in `unit`, else date-time.
Result<UnixMicros> ParseTimeText(std::string_view text, EpochUnit unit);

// Formats as RFC 3339 UTC with millisecond precision ("2025-03-16T00:01:42.549Z"),
// or microsecond precision when the value has sub-millisecond digits.
std::string FormatRfc3339(UnixMicros micros);
// The same text written to `out`, which has room for kRfc3339MaxBytes; returns
// its length. For rendering many events without an allocation per time.
inline constexpr size_t kRfc3339MaxBytes = 40;
size_t FormatRfc3339To(UnixMicros micros, char* out);

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace auditlog::event

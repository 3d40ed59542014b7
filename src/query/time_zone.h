#pragma once

// Time zones for calendar date histograms: a zone maps UTC instants to their
// offset and local wall times back to instants, from the system's zoneinfo
// (TZif files) or a fixed offset. Calendar buckets (local day, ISO week,
// month, quarter, year) and fixed intervals aligned in local time are
// computed here, with civil-date arithmetic rather than the C library, so the
// answers do not depend on the process's TZ and are thread-safe.
//
// Thread-safety: TimeZone is an immutable value (cheap to copy); all
// functions are pure.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "event/event.h"

namespace auditlog::query {

// kWeek is the ISO week, Monday to Sunday.
enum class CalendarUnit : uint8_t { kDay, kWeek, kMonth, kQuarter, kYear };

class TimeZone {
 public:
  // "UTC", "Z", fixed offsets ("+08:00", "-0530", "+08"), or an IANA name
  // ("Asia/Shanghai") read from $TZDIR or the system zoneinfo directory,
  // including the POSIX rule at the end of version 2+ files that gives the
  // offsets after the last listed transition. kInvalidArgument naming the
  // zone for unknown names, bad offsets, names that are paths ("..",
  // absolute), and files that are not TZif; kIOError when a zone file exists
  // but cannot be read.
  static Result<TimeZone> Load(std::string_view name);
  // As Load, from `dir` instead of the system directory.
  static Result<TimeZone> LoadFrom(std::string_view dir, std::string_view name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // Whether the offset never changes (UTC and fixed offsets).
  bool fixed() const { return rules_ == nullptr; }

  // Offset from UTC in seconds at the instant `at`.
  int64_t OffsetSecondsAt(event::UnixMicros at) const;

  // The instant of local wall time `local_micros` (micros since the epoch in
  // wall-clock terms). A wall time that occurs twice (clocks set back) gives
  // the earlier instant; one that does not occur (clocks set forward) gives
  // the instant the gap ends.
  event::UnixMicros LocalToUtc(int64_t local_micros) const;

  struct Rules;  // transitions and the POSIX rule; defined in time_zone.cc

 private:
  TimeZone(std::string name, int64_t fixed_offset_seconds, std::shared_ptr<const Rules> rules)
      : name_(std::move(name)),
        fixed_offset_seconds_(fixed_offset_seconds),
        rules_(std::move(rules)) {}

  std::string name_;
  int64_t fixed_offset_seconds_ = 0;
  std::shared_ptr<const Rules> rules_;
};

// The start (an instant) of the calendar bucket holding `at` in `zone`: local
// midnight of its day, of the Monday of its ISO week, of the 1st of its
// month, quarter or year. On a day whose midnight does not exist, the first
// instant of that local day.
event::UnixMicros CalendarBucketStart(event::UnixMicros at, CalendarUnit unit,
                                      const TimeZone& zone);

// The start of the bucket after the one starting at `bucket_start`.
event::UnixMicros NextCalendarBucketStart(event::UnixMicros bucket_start, CalendarUnit unit,
                                          const TimeZone& zone);

// Fixed-width buckets aligned to the epoch in local time (as Elasticsearch's
// fixed_interval with a time zone): the local time floored to the interval,
// taken back to an instant with the offset at `at`. REQUIRES: interval > 0.
event::UnixMicros FixedBucketStart(event::UnixMicros at, int64_t interval_micros,
                                   const TimeZone& zone);

}  // namespace auditlog::query

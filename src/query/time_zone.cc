#include "query/time_zone.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

namespace auditlog::query {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr std::string_view kSystemZoneDir = "/usr/share/zoneinfo";
// Real zone files are under 4 KiB; anything far larger is not one.
constexpr int64_t kMaxZoneFileBytes = 1 << 20;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int64_t year;
  int month;
  int day;
};

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = FloorDiv(days, 146097);
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

// 0 = Sunday.
int WeekdayOfDays(int64_t days) { return static_cast<int>(FloorDiv(days + 4, 7) * -7 + days + 4); }

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// ---- the POSIX TZ rule ("EST5EDT,M3.2.0,M11.1.0")

struct RuleDate {
  enum Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay } kind = kMonthWeekDay;
  int day = 0, month = 0, week = 0;
  int64_t time_seconds = 7200;  // local time of day, may be negative or past 24h

  // Days since the epoch of this date in `year`.
  int64_t DaysIn(int64_t year) const {
    switch (kind) {
      case kJulianNoLeap: {
        int64_t days = DaysFromCivil(year, 1, 1) + day - 1;
        if (IsLeap(year) && day >= 60) ++days;
        return days;
      }
      case kZeroBasedDay:
        return DaysFromCivil(year, 1, 1) + day;
      default: {
        const int64_t first = DaysFromCivil(year, month, 1);
        int64_t days = first + (day - WeekdayOfDays(first) + 7) % 7 + 7 * (week - 1);
        while (days >= first + DaysInMonth(year, month)) days -= 7;
        return days;
      }
    }
  }
};

struct PosixRule {
  int64_t std_offset = 0;  // seconds east of UTC
  std::optional<int64_t> dst_offset;
  RuleDate start, end;

  int64_t OffsetAt(int64_t at_seconds) const {
    if (!dst_offset) return std_offset;
    const int64_t year = CivilFromDays(FloorDiv(at_seconds + std_offset, kSecondsPerDay)).year;
    // Transitions are given in the local time in effect before them.
    const int64_t dst_begins =
        start.DaysIn(year) * kSecondsPerDay + start.time_seconds - std_offset;
    const int64_t dst_ends = end.DaysIn(year) * kSecondsPerDay + end.time_seconds - *dst_offset;
    const bool in_dst = dst_begins < dst_ends
                            ? at_seconds >= dst_begins && at_seconds < dst_ends
                            : !(at_seconds >= dst_ends && at_seconds < dst_begins);
    return in_dst ? *dst_offset : std_offset;
  }
};

class RuleParser {
 public:
  explicit RuleParser(std::string_view text) : text_(text) {}

  std::optional<PosixRule> Parse() {
    PosixRule rule;
    if (!SkipName()) return std::nullopt;
    auto std_offset = Offset();
    if (!std_offset) return std::nullopt;
    rule.std_offset = -*std_offset;  // POSIX offsets count west
    if (pos_ == text_.size()) return rule;
    if (!SkipName()) return std::nullopt;
    rule.dst_offset = rule.std_offset + 3600;
    if (pos_ < text_.size() && text_[pos_] != ',') {
      auto dst_offset = Offset();
      if (!dst_offset) return std::nullopt;
      rule.dst_offset = -*dst_offset;
    }
    if (!Consume(',') || !Date(&rule.start) || !Consume(',') || !Date(&rule.end))
      return std::nullopt;
    if (pos_ != text_.size()) return std::nullopt;
    return rule;
  }

 private:
  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool SkipName() {
    if (Consume('<')) {
      const size_t close = text_.find('>', pos_);
      if (close == std::string_view::npos) return false;
      pos_ = close + 1;
      return true;
    }
    const size_t begin = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return pos_ - begin >= 3;
  }

  std::optional<int64_t> Number() {
    const size_t begin = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) &&
           pos_ - begin < 6)
      value = value * 10 + (text_[pos_++] - '0');
    if (pos_ == begin) return std::nullopt;
    return value;
  }

  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<int64_t> Offset() {
    int64_t sign = 1;
    if (Consume('-'))
      sign = -1;
    else
      Consume('+');
    auto hours = Number();
    if (!hours || *hours > 167) return std::nullopt;
    int64_t seconds = *hours * 3600;
    if (Consume(':')) {
      auto minutes = Number();
      if (!minutes || *minutes > 59) return std::nullopt;
      seconds += *minutes * 60;
      if (Consume(':')) {
        auto more = Number();
        if (!more || *more > 59) return std::nullopt;
        seconds += *more;
      }
    }
    return sign * seconds;
  }

  bool Date(RuleDate* date) {
    if (Consume('M')) {
      auto month = Number();
      if (!month || !Consume('.')) return false;
      auto week = Number();
      if (!week || !Consume('.')) return false;
      auto day = Number();
      if (!day || *month < 1 || *month > 12 || *week < 1 || *week > 5 || *day > 6) return false;
      date->kind = RuleDate::kMonthWeekDay;
      date->month = static_cast<int>(*month);
      date->week = static_cast<int>(*week);
      date->day = static_cast<int>(*day);
    } else if (Consume('J')) {
      auto day = Number();
      if (!day || *day < 1 || *day > 365) return false;
      date->kind = RuleDate::kJulianNoLeap;
      date->day = static_cast<int>(*day);
    } else {
      auto day = Number();
      if (!day || *day > 365) return false;
      date->kind = RuleDate::kZeroBasedDay;
      date->day = static_cast<int>(*day);
    }
    if (Consume('/')) {
      auto time = Offset();
      if (!time) return false;
      date->time_seconds = *time;
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Big-endian integers of TZif files.
int64_t ReadBig(std::string_view bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[at + i]);
  if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(value));
  return static_cast<int64_t>(value);
}

std::optional<int64_t> ParseFixedOffset(std::string_view text) {
  if (text == "UTC" || text == "Z" || text == "GMT" || text == "+00:00") return 0;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int64_t sign = text[0] == '-' ? -1 : 1;
  std::string digits;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == ':' && i == 3) continue;
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    digits += text[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  const int64_t hours = std::stoi(digits.substr(0, 2));
  const int64_t minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (hours > 18 || minutes > 59 || (hours == 18 && minutes > 0)) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

}  // namespace

struct TimeZone::Rules {
  std::vector<int64_t> transitions;  // instants (seconds), ascending
  std::vector<int64_t> offsets;      // offset from each transition on
  int64_t initial_offset = 0;        // before the first transition
  std::optional<PosixRule> rule;     // after the last transition

  int64_t OffsetAt(int64_t at_seconds) const {
    if (transitions.empty() || at_seconds < transitions.front()) {
      if (transitions.empty() && rule) return rule->OffsetAt(at_seconds);
      return initial_offset;
    }
    if (rule && at_seconds >= transitions.back()) return rule->OffsetAt(at_seconds);
    const auto it = std::upper_bound(transitions.begin(), transitions.end(), at_seconds);
    return offsets[static_cast<size_t>(it - transitions.begin()) - 1];
  }
};

namespace {

Result<std::shared_ptr<const TimeZone::Rules>> ParseTzif(std::string_view bytes,
                                                         std::string_view name) {
  const Status bad =
      Status::InvalidArgument(fmt::format("time zone {:?}: not a valid TZif file", name));
  auto header = [&](size_t at, std::array<int64_t, 6>* counts) {
    if (bytes.size() < at + 44 || bytes.substr(at, 4) != "TZif") return false;
    for (size_t i = 0; i < 6; ++i) (*counts)[i] = ReadBig(bytes, at + 20 + 4 * i, 4);
    return std::all_of(counts->begin(), counts->end(),
                       [](int64_t n) { return n >= 0 && n < 100000; });
  };
  std::array<int64_t, 6> counts;  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  if (!header(0, &counts)) return bad;
  const char version = bytes[4];
  size_t at = 44;
  size_t width = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    at += static_cast<size_t>(counts[3] * 5 + counts[4] * 6 + counts[5] + counts[2] * 8 +
                              counts[1] + counts[0]);
    if (!header(at, &counts)) return bad;
    at += 44;
    width = 8;
  }
  const size_t time_count = static_cast<size_t>(counts[3]);
  const size_t type_count = static_cast<size_t>(counts[4]);
  const size_t block = time_count * (width + 1) + type_count * 6 + static_cast<size_t>(counts[5]) +
                       static_cast<size_t>(counts[2]) * (width + 4) +
                       static_cast<size_t>(counts[1]) + static_cast<size_t>(counts[0]);
  if (type_count == 0 || bytes.size() < at + block) return bad;
  auto rules = std::make_shared<TimeZone::Rules>();
  std::vector<int64_t> type_offsets(type_count);
  std::vector<bool> type_dst(type_count);
  const size_t types_at = at + time_count * (width + 1);
  for (size_t i = 0; i < type_count; ++i) {
    type_offsets[i] = ReadBig(bytes, types_at + 6 * i, 4);
    type_dst[i] = bytes[types_at + 6 * i + 4] != 0;
  }
  for (size_t i = 0; i < time_count; ++i) {
    const int64_t when = ReadBig(bytes, at + width * i, width);
    const size_t type = static_cast<uint8_t>(bytes[at + width * time_count + i]);
    if (type >= type_count || (!rules->transitions.empty() && when <= rules->transitions.back()))
      return bad;
    rules->transitions.push_back(when);
    rules->offsets.push_back(type_offsets[type]);
  }
  // Before the first transition: the first standard-time type (RFC 8536 3.2).
  rules->initial_offset = type_offsets[0];
  for (size_t i = 0; i < type_count; ++i)
    if (!type_dst[i]) {
      rules->initial_offset = type_offsets[i];
      break;
    }
  if (version >= '2') {
    // The footer is "\n<rule>\n" (the rule may be empty). It is required: a
    // file cut inside it would otherwise load without its future changes.
    const size_t footer = at + block;
    if (bytes.size() <= footer || bytes[footer] != '\n') return bad;
    const size_t end = bytes.find('\n', footer + 1);
    if (end == std::string_view::npos) return bad;
    if (end > footer + 1) {
      rules->rule = RuleParser(bytes.substr(footer + 1, end - footer - 1)).Parse();
      if (!rules->rule) return bad;
    }
  }
  return std::shared_ptr<const TimeZone::Rules>(std::move(rules));
}

bool ValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '/' ||
      name.find("..") != std::string_view::npos)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

// The bytes of the zone file at `path`. Plain POSIX reads rather than
// std::ifstream, whose iterators throw on a directory ("America").
Result<std::string> ReadZoneFile(const std::string& path, std::string_view name) {
  const Status unknown = Status::InvalidArgument(fmt::format("time zone {:?}: unknown zone", name));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG) return unknown;
    return Status::IOError(fmt::format("time zone {:?}: {}: {}", name, path, std::strerror(errno)));
  }
  struct stat info {};
  std::string bytes;
  Status status;
  if (::fstat(fd, &info) != 0) {
    status =
        Status::IOError(fmt::format("time zone {:?}: {}: {}", name, path, std::strerror(errno)));
  } else if (!S_ISREG(info.st_mode)) {
    status = unknown;  // a directory of zones, not a zone
  } else if (info.st_size > kMaxZoneFileBytes) {
    status = Status::InvalidArgument(fmt::format("time zone {:?}: not a valid TZif file", name));
  } else {
    bytes.resize(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Status::IOError(
            fmt::format("time zone {:?}: {}: {}", name, path, std::strerror(errno)));
        break;
      }
      if (n == 0) break;  // shrank while we read: the parser rejects what is left
      done += static_cast<size_t>(n);
    }
    bytes.resize(done);
  }
  ::close(fd);
  if (!status.ok()) return status;
  return bytes;
}

}  // namespace

TimeZone TimeZone::Utc() { return TimeZone("UTC", 0, nullptr); }

Result<TimeZone> TimeZone::Load(std::string_view name) {
  const char* dir = std::getenv("TZDIR");
  return LoadFrom(dir != nullptr && *dir != '\0' ? std::string_view(dir) : kSystemZoneDir, name);
}

Result<TimeZone> TimeZone::LoadFrom(std::string_view dir, std::string_view name) {
  if (auto offset = ParseFixedOffset(name)) return TimeZone(std::string(name), *offset, nullptr);
  if (name.starts_with('+') || name.starts_with('-'))
    return Status::InvalidArgument(
        fmt::format("time zone {:?}: an offset is +hh:mm or -hh:mm, at most 18 hours", name));
  if (!ValidZoneName(name))
    return Status::InvalidArgument(fmt::format("time zone {:?}: not a zone name", name));
  AL_ASSIGN_OR_RETURN(const std::string bytes, ReadZoneFile(fmt::format("{}/{}", dir, name), name));
  AL_ASSIGN_OR_RETURN(auto rules, ParseTzif(bytes, name));
  return TimeZone(std::string(name), 0, std::move(rules));
}

int64_t TimeZone::OffsetSecondsAt(event::UnixMicros at) const {
  if (!rules_) return fixed_offset_seconds_;
  return rules_->OffsetAt(FloorDiv(at, kMicrosPerSecond));
}

event::UnixMicros TimeZone::LocalToUtc(int64_t local_micros) const {
  if (!rules_) return local_micros - fixed_offset_seconds_ * kMicrosPerSecond;
  // Offsets in force a day either side bracket every transition near here.
  const int64_t day = kSecondsPerDay * kMicrosPerSecond;
  const int64_t before = OffsetSecondsAt(local_micros - day) * kMicrosPerSecond;
  const int64_t after = OffsetSecondsAt(local_micros + day) * kMicrosPerSecond;
  const int64_t with_before = local_micros - before, with_after = local_micros - after;
  const bool before_holds = OffsetSecondsAt(with_before) * kMicrosPerSecond == before;
  const bool after_holds = OffsetSecondsAt(with_after) * kMicrosPerSecond == after;
  if (before_holds && after_holds) return std::min(with_before, with_after);
  if (before_holds) return with_before;
  if (after_holds) return with_after;
  // A gap: the wall time was skipped. Find the transition, between the two
  // candidate instants, to the second.
  int64_t low = FloorDiv(std::min(with_before, with_after), kMicrosPerSecond);
  int64_t high = FloorDiv(std::max(with_before, with_after), kMicrosPerSecond) + 1;
  const int64_t low_offset = rules_->OffsetAt(low);
  while (high - low > 1) {
    const int64_t mid = low + (high - low) / 2;
    if (rules_->OffsetAt(mid) == low_offset)
      low = mid;
    else
      high = mid;
  }
  return high * kMicrosPerSecond;
}

event::UnixMicros CalendarBucketStart(event::UnixMicros at, CalendarUnit unit,
                                      const TimeZone& zone) {
  const int64_t local = at + zone.OffsetSecondsAt(at) * kMicrosPerSecond;
  const int64_t days = FloorDiv(local, kSecondsPerDay * kMicrosPerSecond);
  const CivilDate date = CivilFromDays(days);
  int64_t start_days = days;
  switch (unit) {
    case CalendarUnit::kDay:
      break;
    case CalendarUnit::kWeek:
      start_days = days - (WeekdayOfDays(days) + 6) % 7;  // back to Monday
      break;
    case CalendarUnit::kMonth:
      start_days = DaysFromCivil(date.year, date.month, 1);
      break;
    case CalendarUnit::kQuarter:
      start_days = DaysFromCivil(date.year, (date.month - 1) / 3 * 3 + 1, 1);
      break;
    case CalendarUnit::kYear:
      start_days = DaysFromCivil(date.year, 1, 1);
      break;
  }
  const event::UnixMicros start = zone.LocalToUtc(start_days * kSecondsPerDay * kMicrosPerSecond);
  // A zone whose offset jumps by more than the time since midnight could
  // otherwise put the start after `at`.
  return std::min(start, at);
}

event::UnixMicros NextCalendarBucketStart(event::UnixMicros bucket_start, CalendarUnit unit,
                                          const TimeZone& zone) {
  const int64_t local = bucket_start + zone.OffsetSecondsAt(bucket_start) * kMicrosPerSecond;
  const int64_t days = FloorDiv(local, kSecondsPerDay * kMicrosPerSecond);
  const CivilDate date = CivilFromDays(days);
  int64_t next_days = days + 1;
  auto month_after = [&](int months) {
    int64_t year = date.year;
    int month = date.month - 1 + months;
    year += month / 12;
    month %= 12;
    return DaysFromCivil(year, month + 1, 1);
  };
  switch (unit) {
    case CalendarUnit::kDay:
      break;
    case CalendarUnit::kWeek:
      next_days = days - (WeekdayOfDays(days) + 6) % 7 + 7;
      break;
    case CalendarUnit::kMonth:
      next_days = month_after(1);
      break;
    case CalendarUnit::kQuarter:
      next_days = month_after(3 - (date.month - 1) % 3);
      break;
    case CalendarUnit::kYear:
      next_days = DaysFromCivil(date.year + 1, 1, 1);
      break;
  }
  return CalendarBucketStart(zone.LocalToUtc(next_days * kSecondsPerDay * kMicrosPerSecond), unit,
                             zone);
}

event::UnixMicros FixedBucketStart(event::UnixMicros at, int64_t interval_micros,
                                   const TimeZone& zone) {
  const int64_t offset = zone.OffsetSecondsAt(at) * kMicrosPerSecond;
  return FloorDiv(at + offset, interval_micros) * interval_micros - offset;
}

}  // namespace auditlog::query

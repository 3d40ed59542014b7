#include "event/time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace auditlog::event {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A tiny cursor over the text; each Read* consumes only on success.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  void Skip() { ++pos_; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // Reads exactly `count` digits.
  bool ReadDigits(int count, int* value) {
    if (pos_ + static_cast<size_t>(count) > text_.size()) return false;
    int result = 0;
    for (int digit_idx = 0; digit_idx < count; ++digit_idx) {
      const char c = text_[pos_ + static_cast<size_t>(digit_idx)];
      if (!IsDigit(c)) return false;
      result = result * 10 + (c - '0');
    }
    pos_ += static_cast<size_t>(count);
    *value = result;
    return true;
  }
  size_t CountDigitsAhead() const {
    size_t count = 0;
    while (pos_ + count < text_.size() && IsDigit(text_[pos_ + count])) ++count;
    return count;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

Result<UnixMicros> CheckRange(UnixMicros micros) {
  if (micros < kMinTimeMicros) return Status::InvalidArgument("time before 1970-01-01T00:00:00Z");
  if (micros > kMaxTimeMicros)
    return Status::InvalidArgument("time after 9999-12-31T23:59:59.999999Z");
  return micros;
}

const char* UnitName(EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kSeconds:
      return "seconds";
    case EpochUnit::kMilliseconds:
      return "milliseconds";
    case EpochUnit::kMicroseconds:
      return "microseconds";
  }
  return "?";
}

int64_t MicrosPerUnit(EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kSeconds:
      return kMicrosPerSecond;
    case EpochUnit::kMilliseconds:
      return 1000;
    case EpochUnit::kMicroseconds:
      return 1;
  }
  return 1;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

Result<UnixMicros> ParseDateTime(std::string_view text) {
  Cursor cursor(text);
  const size_t year_digits = cursor.CountDigitsAhead();
  if (year_digits != 4) {
    if (year_digits > 4) {
      return Status::InvalidArgument(
          fmt::format("year {} out of range 1970..9999", text.substr(0, year_digits)));
    }
    return Status::InvalidArgument("not a date-time: expected a 4-digit year");
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  (void)cursor.ReadDigits(4, &year);
  if (!cursor.Consume('-') || !cursor.ReadDigits(2, &month) || !cursor.Consume('-') ||
      !cursor.ReadDigits(2, &day)) {
    return Status::InvalidArgument("not a date-time: expected YYYY-MM-DD");
  }
  if (month < 1 || month > 12)
    return Status::InvalidArgument(fmt::format("month {} out of range", month));
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month))) {
    return Status::InvalidArgument(
        fmt::format("day {} out of range for {:04}-{:02}", day, year, month));
  }
  if (year < 1970) return Status::InvalidArgument("time before 1970-01-01T00:00:00Z");

  int64_t fraction_micros = 0;
  int zone_offset_seconds = 0;
  if (!cursor.AtEnd()) {
    const char separator = cursor.Peek();
    if (separator != 'T' && separator != 't' && separator != ' ') {
      return Status::InvalidArgument("not a date-time: expected 'T' after the date");
    }
    cursor.Skip();
    if (!cursor.ReadDigits(2, &hour) || !cursor.Consume(':') || !cursor.ReadDigits(2, &minute)) {
      return Status::InvalidArgument("not a date-time: expected hh:mm after the date");
    }
    bool has_seconds = false;
    if (cursor.Consume(':')) {
      if (!cursor.ReadDigits(2, &second))
        return Status::InvalidArgument("not a date-time: expected seconds");
      has_seconds = true;
    }
    if (hour > 23) return Status::InvalidArgument(fmt::format("hour {} out of range", hour));
    if (minute > 59) return Status::InvalidArgument(fmt::format("minute {} out of range", minute));
    // 60 is a leap second; POSIX time folds it onto the next second.
    if (second > 60) return Status::InvalidArgument(fmt::format("second {} out of range", second));
    if (cursor.Peek() == '.' || cursor.Peek() == ',') {
      // RFC 3339 has fractions of seconds only; ISO 8601's fractions of
      // minutes ("07:47.5") are rejected rather than misread.
      if (!has_seconds) return Status::InvalidArgument("not a date-time: a fraction needs seconds");
      cursor.Skip();
      const size_t fraction_digits = cursor.CountDigitsAhead();
      if (fraction_digits == 0 || fraction_digits > 9) {
        return Status::InvalidArgument("not a date-time: expected 1 to 9 fraction digits");
      }
      for (size_t digit_idx = 0; digit_idx < fraction_digits; ++digit_idx) {
        int digit = 0;
        (void)cursor.ReadDigits(1, &digit);
        if (digit_idx < 6) fraction_micros = fraction_micros * 10 + digit;
      }
      for (size_t pad = fraction_digits; pad < 6; ++pad) fraction_micros *= 10;
    }
    if (cursor.Consume('Z') || cursor.Consume('z')) {
      // UTC
    } else if (cursor.Peek() == '+' || cursor.Peek() == '-') {
      const int sign = cursor.Peek() == '-' ? -1 : 1;
      cursor.Skip();
      int zone_hours = 0, zone_minutes = 0;
      if (!cursor.ReadDigits(2, &zone_hours))
        return Status::InvalidArgument("not a date-time: bad zone offset");
      if (cursor.Consume(':')) {
        if (!cursor.ReadDigits(2, &zone_minutes))
          return Status::InvalidArgument("not a date-time: bad zone offset");
      } else if (!cursor.AtEnd()) {
        if (!cursor.ReadDigits(2, &zone_minutes))
          return Status::InvalidArgument("not a date-time: bad zone offset");
      }
      if (zone_hours > 23 || zone_minutes > 59)
        return Status::InvalidArgument("zone offset out of range");
      zone_offset_seconds = sign * (zone_hours * 3600 + zone_minutes * 60);
    }
  }
  if (!cursor.AtEnd()) {
    return Status::InvalidArgument(
        fmt::format("not a date-time: unexpected text at offset {}", cursor.pos()));
  }
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds =
      days * kSecondsPerDay + hour * 3600 + minute * 60 + second - zone_offset_seconds;
  return CheckRange(seconds * kMicrosPerSecond + fraction_micros);
}

Result<UnixMicros> EpochToMicros(int64_t value, EpochUnit unit) {
  const int64_t per_unit = MicrosPerUnit(unit);
  if (value < 0) return Status::InvalidArgument("time before 1970-01-01T00:00:00Z");
  if (value > kMaxTimeMicros / per_unit) {
    return Status::InvalidArgument(
        fmt::format("epoch {} {} is after 9999-12-31T23:59:59.999999Z", value, UnitName(unit)));
  }
  return CheckRange(value * per_unit);
}

Result<UnixMicros> EpochToMicros(double value, EpochUnit unit) {
  if (!std::isfinite(value)) return Status::InvalidArgument("time is not a finite number");
  const double micros = std::floor(value * static_cast<double>(MicrosPerUnit(unit)));
  if (micros < 0) return Status::InvalidArgument("time before 1970-01-01T00:00:00Z");
  if (micros > static_cast<double>(kMaxTimeMicros)) {
    return Status::InvalidArgument(
        fmt::format("epoch {} {} is after 9999-12-31T23:59:59.999999Z", value, UnitName(unit)));
  }
  return CheckRange(static_cast<UnixMicros>(micros));
}

Result<UnixMicros> ParseEpochText(std::string_view digits, EpochUnit unit) {
  if (digits.empty()) return Status::InvalidArgument("empty time");
  for (char c : digits) {
    if (!IsDigit(c)) return Status::InvalidArgument("not an epoch number");
  }
  const std::string_view significant =
      digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
  // 18 digits always fit in int64, and the largest valid time (in microseconds)
  // has 18; anything longer is after 9999 in every unit.
  if (significant.size() > 18) {
    return Status::InvalidArgument(
        fmt::format("epoch {} {} is after 9999-12-31T23:59:59.999999Z", digits, UnitName(unit)));
  }
  int64_t value = 0;
  for (char c : significant) value = value * 10 + (c - '0');
  return EpochToMicros(value, unit);
}

Result<UnixMicros> ParseTimeText(std::string_view text, EpochUnit unit) {
  if (text.empty()) return Status::InvalidArgument("empty time");
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && IsDigit(c);
  // A bare 4-digit string would be ambiguous (a year?); epochs that short are
  // not real event times either way, so the date-time parser reports it.
  if (all_digits && text.size() > 4) return ParseEpochText(text, unit);
  return ParseDateTime(text);
}

size_t FormatRfc3339To(UnixMicros micros, char* buf) {
  const int64_t seconds_total = micros / kMicrosPerSecond;
  const int64_t sub_micros = micros % kMicrosPerSecond;
  int64_t days = seconds_total / kSecondsPerDay;
  const int64_t second_of_day = seconds_total % kSecondsPerDay;
  // civil_from_days (Hinnant).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_index = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * month_index + 2) / 5 + 1;
  const unsigned month = month_index < 10 ? month_index + 3 : month_index - 9;
  const int64_t year = static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);

  const int hour = static_cast<int>(second_of_day / 3600);
  const int minute = static_cast<int>(second_of_day % 3600 / 60);
  const int second = static_cast<int>(second_of_day % 60);
  if (micros >= 0 && year <= 9999) {
    // The common case by hand: this runs twice per event of every response.
    auto put = [](char* at, uint64_t value, int digits) {
      for (int digit = digits - 1; digit >= 0; --digit) {
        at[digit] = static_cast<char>('0' + value % 10);
        value /= 10;
      }
    };
    put(buf, static_cast<uint64_t>(year), 4);
    buf[4] = '-';
    put(buf + 5, month, 2);
    buf[7] = '-';
    put(buf + 8, day, 2);
    buf[10] = 'T';
    put(buf + 11, static_cast<uint64_t>(hour), 2);
    buf[13] = ':';
    put(buf + 14, static_cast<uint64_t>(minute), 2);
    buf[16] = ':';
    put(buf + 17, static_cast<uint64_t>(second), 2);
    buf[19] = '.';
    const bool millis = sub_micros % 1000 == 0;
    const int fraction_digits = millis ? 3 : 6;
    put(buf + 20, static_cast<uint64_t>(millis ? sub_micros / 1000 : sub_micros), fraction_digits);
    buf[20 + fraction_digits] = 'Z';
    return static_cast<size_t>(21 + fraction_digits);
  }
  int length;
  if (sub_micros % 1000 == 0) {
    length = std::snprintf(buf, kRfc3339MaxBytes, "%04lld-%02u-%02uT%02d:%02d:%02d.%03lldZ",
                           static_cast<long long>(year), month, day, hour, minute, second,
                           static_cast<long long>(sub_micros / 1000));
  } else {
    length = std::snprintf(buf, kRfc3339MaxBytes, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                           static_cast<long long>(year), month, day, hour, minute, second,
                           static_cast<long long>(sub_micros));
  }
  return static_cast<size_t>(length);
}

std::string FormatRfc3339(UnixMicros micros) {
  char buf[kRfc3339MaxBytes];
  return std::string(buf, FormatRfc3339To(micros, buf));
}

}  // namespace auditlog::event

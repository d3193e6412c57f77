// ISO-8601-style timestamp parsing for --to-datetime; the calendar arithmetic is done here (not
// with timegm) so a zoned timestamp never depends on the process's TZ.
#include "cli/iso_datetime.h"

#include <fmt/core.h>

#include <ctime>

#include "cli/common.h"

namespace sluice::cli {

namespace {

// Reads exactly n digits at text[pos]; false if any is missing.
bool read_digits(std::string_view text, size_t& pos, int n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // Shift the year so it starts in March: the leap day is then the last day of the year, and
  // the day of the year follows from the month by one linear formula (153 days per 5 months).
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;                                   // 719468: 0000-03-01 .. 1970-01-01
}

result<int64_t> parse_iso_datetime(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return usage_error(
        fmt::format("invalid date-time '{}': {} (expected YYYY-MM-DDTHH:mm:SS[.sss][Z|+HH:MM])", text, why));
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, day)) {
    return bad("bad date");
  }
  if (!expect(text, pos, 'T')) return bad("missing 'T' between date and time");
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, second)) {
    return bad("bad time");
  }
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return bad("bad fraction of a second");
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  if (month < 1 || month > 12) return bad("month out of range");
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, month)) return bad("day out of range");
  if (hour > 23 || minute > 59 || second > 59) return bad("time out of range");

  const int64_t wall_seconds =
      days_from_civil(year, month, day) * 86400 + int64_t{hour} * 3600 + minute * 60 + second;
  if (pos == text.size()) {
    // No zone: local time, letting the C library apply the zone's rules (DST included).
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    tm.tm_isdst = -1;
    std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1) && wall_seconds != -1)
      return bad("not representable in local time");
    return static_cast<int64_t>(t) * 1000 + millis;
  }
  int offset_minutes = 0;
  char sign = text[pos];
  if (sign == 'Z' || sign == 'z') {
    ++pos;
  } else if (sign == '+' || sign == '-') {
    ++pos;
    int zh = 0, zm = 0;
    if (!read_digits(text, pos, 2, zh)) return bad("bad zone offset");
    if (pos < text.size()) {
      expect(text, pos, ':');
      if (!read_digits(text, pos, 2, zm)) return bad("bad zone offset");
    }
    if (zh > 18 || zm > 59) return bad("zone offset out of range");
    offset_minutes = (zh * 60 + zm) * (sign == '-' ? -1 : 1);
  } else {
    return bad("unexpected text after the time");
  }
  if (pos != text.size()) return bad("unexpected text after the zone");
  return (wall_seconds - int64_t{offset_minutes} * 60) * 1000 + millis;
}

}  // namespace sluice::cli

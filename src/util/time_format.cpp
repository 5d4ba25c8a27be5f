// Formatting and parsing by hand rather than with strftime/strptime: those follow the
// process locale (day and month names) and strptime accepts far more than the
// grammars allow.
#include "moss/util/time_format.h"

#include <array>
#include <charconv>
#include <ctime>
#include <limits>

namespace moss {
namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr int64_t kNanosPerSecond = 1'000'000'000;

constexpr int64_t kSecondsPerDay = 86'400;

// `value` as whole `unit`s, rounded down, and what is left (0 <= rest < unit):
// before 1970 the whole part is the one that began before the time.
void split_floor(int64_t value, int64_t unit, int64_t& whole, int64_t& rest) {
  whole = value / unit;
  rest = value % unit;
  if (rest < 0) {
    rest += unit;
    whole -= 1;
  }
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back: the
// era-based algorithms of Howard Hinnant's "chrono-Compatible Low-Level Date
// Algorithms", in 64-bit arithmetic. By hand, not gmtime_r and timegm: those
// take glibc's time-zone lock and cost 600-900 instructions a call, and every
// signed GET parses an X-Amz-Date and formats a Last-Modified and an audit
// time. (Not std::chrono::year_month_day: its years stop at 32767, gmtime's
// do not.)
int64_t days_from_civil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;                                          // [0, 399]
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + day_of_era - 719'468;
}

struct CivilDate {
  int64_t year;
  int month;  // 1-12
  int day;    // 1-31
};

CivilDate civil_from_days(int64_t days) {
  days += 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const int64_t day_of_era = days - era * 146'097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // [0, 11], from March
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

// The UTC calendar fields of a Unix time; false where the year does not fit
// std::tm (where gmtime_r fails too).
bool broken_down(int64_t unix_seconds, std::tm& tm) {
  // Floor division: a time before 1970 belongs to the day that began before it.
  int64_t days = 0;
  int64_t second_of_day = 0;
  split_floor(unix_seconds, kSecondsPerDay, days, second_of_day);
  const CivilDate date = civil_from_days(days);
  const int64_t tm_year = date.year - 1900;
  if (tm_year < std::numeric_limits<int>::min() || tm_year > std::numeric_limits<int>::max()) {
    return false;
  }
  tm = std::tm{};
  tm.tm_year = static_cast<int>(tm_year);
  tm.tm_mon = date.month - 1;
  tm.tm_mday = date.day;
  tm.tm_hour = static_cast<int>(second_of_day / 3600);
  tm.tm_min = static_cast<int>(second_of_day / 60 % 60);
  tm.tm_sec = static_cast<int>(second_of_day % 60);
  tm.tm_wday = static_cast<int>((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday (4)
  tm.tm_yday = static_cast<int>(days - days_from_civil(date.year, 1, 1));
  return true;
}

// Appends `value` in decimal, zero-padded to `width` characters (a sign
// counts, as printf's %0Nd counts it). By hand, not through fmt or printf:
// every small GET formats a Last-Modified and an audit time, and fmt's
// compiled format into a std::string cost about 2,000 instructions each.
void append_padded(std::string& out, int64_t value, int width) {
  char digits[20];
  const uint64_t magnitude =
      value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const char* end = std::to_chars(digits, digits + sizeof digits, magnitude).ptr;
  if (value < 0) {
    out += '-';
    --width;
  }
  for (auto n = end - digits; n < width; ++n) out += '0';
  out.append(digits, static_cast<size_t>(end - digits));
}

// "08:49:37"
void append_time_of_day(std::string& out, const std::tm& tm) {
  append_padded(out, tm.tm_hour, 2);
  out += ':';
  append_padded(out, tm.tm_min, 2);
  out += ':';
  append_padded(out, tm.tm_sec, 2);
}

// "1994-11-06T08:49:37", the date and time of the ISO 8601 forms.
void append_iso_date_time(std::string& out, const std::tm& tm) {
  append_padded(out, tm.tm_year + 1900LL, 4);
  out += '-';
  append_padded(out, tm.tm_mon + 1, 2);
  out += '-';
  append_padded(out, tm.tm_mday, 2);
  out += 'T';
  append_time_of_day(out, tm);
}

// Floor division, so times before 1970 keep a non-negative fraction.
void split_nanos(int64_t unix_nanos, int64_t& seconds, int64_t& nanos) {
  split_floor(unix_nanos, kNanosPerSecond, seconds, nanos);
}

struct DateTime {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Range checks the fields (timegm would silently normalise "Feb 31") and converts.
// A second of 60 (a leap second, which the grammars allow) lands on the next minute.
std::optional<int64_t> to_unix(const DateTime& dt) {
  if (dt.month < 1 || dt.month > 12) return std::nullopt;
  if (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month)) return std::nullopt;
  if (dt.hour > 23 || dt.minute > 59 || dt.second > 60) return std::nullopt;
  return days_from_civil(dt.year, dt.month, dt.day) * kSecondsPerDay + dt.hour * 3600 +
         dt.minute * 60 + dt.second;
}

// A cursor over the text; every method consumes only on success.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }

  bool literal(std::string_view expected) {
    if (text_.substr(pos_, expected.size()) != expected) return false;
    pos_ += expected.size();
    return true;
  }

  // Exactly `count` ASCII digits.
  bool digits(size_t count, int& value) {
    if (text_.size() - pos_ < count) return false;
    int v = 0;
    for (size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += count;
    value = v;
    return true;
  }

  // One of `names`, reporting its index.
  template <size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& index) {
    for (size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }

  // "HH:MM:SS"
  bool time_of_day(DateTime& dt) {
    return digits(2, dt.hour) && literal(":") && digits(2, dt.minute) && literal(":") &&
           digits(2, dt.second);
  }

  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip(size_t n) { pos_ += n; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<int64_t> parse_imf_fixdate(std::string_view text) {
  Scanner s(text);
  DateTime dt;
  int ignored = 0;
  if (!(s.one_of(kDayNames, ignored) && s.literal(", ") && s.digits(2, dt.day) && s.literal(" ") &&
        s.one_of(kMonthNames, dt.month) && s.literal(" ") && s.digits(4, dt.year) &&
        s.literal(" ") && s.time_of_day(dt) && s.literal(" GMT") && s.done())) {
    return std::nullopt;
  }
  dt.month += 1;
  return to_unix(dt);
}

// A two-digit year more than 50 years in the future is taken to be in the past
// (RFC 9110 section 5.6.7).
int expand_two_digit_year(int yy) {
  std::tm now{};
  if (!broken_down(static_cast<int64_t>(std::time(nullptr)), now)) return 1900 + yy;
  const int current = now.tm_year + 1900;
  int year = current - current % 100 + yy;
  if (year > current + 50) year -= 100;
  return year;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<int64_t> parse_rfc850(std::string_view text) {
  Scanner s(text);
  DateTime dt;
  int ignored = 0;
  int yy = 0;
  if (!(s.one_of(kLongDayNames, ignored) && s.literal(", ") && s.digits(2, dt.day) &&
        s.literal("-") && s.one_of(kMonthNames, dt.month) && s.literal("-") && s.digits(2, yy) &&
        s.literal(" ") && s.time_of_day(dt) && s.literal(" GMT") && s.done())) {
    return std::nullopt;
  }
  dt.month += 1;
  dt.year = expand_two_digit_year(yy);
  return to_unix(dt);
}

// "Sun Nov  6 08:49:37 1994" (a one-digit day is padded with a space)
std::optional<int64_t> parse_asctime(std::string_view text) {
  Scanner s(text);
  DateTime dt;
  int ignored = 0;
  if (!(s.one_of(kDayNames, ignored) && s.literal(" ") && s.one_of(kMonthNames, dt.month) &&
        s.literal(" "))) {
    return std::nullopt;
  }
  const bool day_ok = s.literal(" ") ? s.digits(1, dt.day) : s.digits(2, dt.day);
  if (!(day_ok && s.literal(" ") && s.time_of_day(dt) && s.literal(" ") && s.digits(4, dt.year) &&
        s.done())) {
    return std::nullopt;
  }
  dt.month += 1;
  return to_unix(dt);
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string format_http_date(int64_t unix_seconds) {
  std::tm tm{};
  if (!broken_down(unix_seconds, tm)) return {};
  std::string out;
  out.reserve(32);
  out += kDayNames[tm.tm_wday];
  out += ", ";
  append_padded(out, tm.tm_mday, 2);
  out += ' ';
  out += kMonthNames[tm.tm_mon];
  out += ' ';
  append_padded(out, tm.tm_year + 1900LL, 4);
  out += ' ';
  append_time_of_day(out, tm);
  out += " GMT";
  return out;
}

std::optional<int64_t> parse_http_date(std::string_view text) {
  text = trim_ows(text);
  if (auto t = parse_imf_fixdate(text)) return t;
  if (auto t = parse_rfc850(text)) return t;
  return parse_asctime(text);
}

std::string format_amz_date(int64_t unix_seconds) {
  std::tm tm{};
  if (!broken_down(unix_seconds, tm)) return {};
  std::string out;
  out.reserve(24);
  append_padded(out, tm.tm_year + 1900LL, 4);
  append_padded(out, tm.tm_mon + 1, 2);
  append_padded(out, tm.tm_mday, 2);
  out += 'T';
  append_padded(out, tm.tm_hour, 2);
  append_padded(out, tm.tm_min, 2);
  append_padded(out, tm.tm_sec, 2);
  out += 'Z';
  return out;
}

std::optional<int64_t> parse_amz_date(std::string_view text) {
  Scanner s(text);
  DateTime dt;
  if (!(s.digits(4, dt.year) && s.digits(2, dt.month) && s.digits(2, dt.day) && s.literal("T") &&
        s.digits(2, dt.hour) && s.digits(2, dt.minute) && s.digits(2, dt.second) &&
        s.literal("Z") && s.done())) {
    return std::nullopt;
  }
  return to_unix(dt);
}

std::string format_iso8601(int64_t unix_nanos) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  split_nanos(unix_nanos, seconds, nanos);
  std::tm tm{};
  if (!broken_down(seconds, tm)) return {};
  std::string out;
  out.reserve(32);
  append_iso_date_time(out, tm);
  out += '.';
  append_padded(out, nanos / 1'000'000, 3);
  out += 'Z';
  return out;
}

std::string format_rfc3339_nanos(int64_t unix_nanos) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  split_nanos(unix_nanos, seconds, nanos);
  std::tm tm{};
  if (!broken_down(seconds, tm)) return "invalid-time";
  std::string out;
  out.reserve(32);
  append_iso_date_time(out, tm);
  out += '.';
  append_padded(out, nanos, 9);
  out += 'Z';
  return out;
}

std::optional<int64_t> parse_iso8601(std::string_view text) {
  Scanner s(text);
  DateTime dt;
  if (!(s.digits(4, dt.year) && s.literal("-") && s.digits(2, dt.month) && s.literal("-") &&
        s.digits(2, dt.day) && s.literal("T") && s.time_of_day(dt))) {
    return std::nullopt;
  }
  if (s.literal(".")) {
    // 1 to 9 fractional digits; the result is whole seconds, so they are dropped.
    size_t count = 0;
    while (s.peek() >= '0' && s.peek() <= '9') {
      s.skip(1);
      ++count;
    }
    if (count == 0 || count > 9) return std::nullopt;
  }
  if (!(s.literal("Z") && s.done())) return std::nullopt;
  return to_unix(dt);
}

}  // namespace moss

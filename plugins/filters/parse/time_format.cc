#include "plugins/filters/parse/time_format.h"

#include <cmath>
#include <cstddef>

#include "plugins/formats/civil_date.h"

namespace runnel::plugins::parse {
namespace {

constexpr int64_t kMaxSeconds = int64_t{0xFFFFFFFF};  // EventTime holds uint32 seconds

constexpr std::string_view kMonths[12] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
constexpr std::string_view kWeekdays[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                           "friday", "saturday", "sunday"};

// The broken-down time a pattern fills in.
struct Civil {
  int year = -1;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t nanos = 0;
  int64_t offset = 0;  // seconds east of UTC
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A cursor over the text being parsed.
struct Cursor {
  std::string_view text;
  size_t pos = 0;

  bool AtEnd() const { return pos >= text.size(); }
  char Peek() const { return AtEnd() ? '\0' : text[pos]; }
  bool Consume(char c) {
    if (Peek() != c || AtEnd()) {
      return false;
    }
    ++pos;
    return true;
  }
  // Reads between min_digits and max_digits digits into *value.
  bool Digits(int min_digits, int max_digits, int* value) {
    int n = 0;
    int v = 0;
    while (n < max_digits && !AtEnd() && IsDigit(text[pos])) {
      v = v * 10 + (text[pos] - '0');
      ++pos;
      ++n;
    }
    *value = v;
    return n >= min_digits;
  }
  // A fraction of a second: one or more digits; the first nine are kept as nanoseconds.
  bool Fraction(int64_t* nanos) {
    const size_t n = runnel::formats::FractionDigits(text, pos, nanos);
    pos += n;
    return n > 0;
  }
  // Z | z | ±HH:MM | ±HHMM | ±HH
  bool Zone(int64_t* offset) {
    if (Consume('Z') || Consume('z')) {
      *offset = 0;
      return true;
    }
    int sign = 0;
    if (Consume('+')) {
      sign = 1;
    } else if (Consume('-')) {
      sign = -1;
    } else {
      return false;
    }
    int hours = 0;
    int minutes = 0;
    if (!Digits(2, 2, &hours) || hours > 23) {
      return false;
    }
    if (Consume(':')) {
      if (!Digits(2, 2, &minutes)) {
        return false;
      }
    } else if (IsDigit(Peek())) {
      if (!Digits(2, 2, &minutes)) {
        return false;
      }
    }
    if (minutes > 59) {
      return false;
    }
    *offset = sign * (hours * 3600 + minutes * 60);
    return true;
  }
  // A name from `names` (lower case), either its first three letters or all of it, any case.
  // Returns the index or -1.
  template <size_t N>
  int Name(const std::string_view (&names)[N]) {
    if (text.size() - pos < 3) {
      return -1;
    }
    for (size_t i = 0; i < N; ++i) {
      std::string_view name = names[i];
      bool match = true;
      for (size_t k = 0; k < 3; ++k) {
        if (Lower(text[pos + k]) != name[k]) {
          match = false;
          break;
        }
      }
      if (!match) {
        continue;
      }
      size_t full = 3;
      while (full < name.size() && pos + full < text.size() &&
             Lower(text[pos + full]) == name[full]) {
        ++full;
      }
      pos += (full == name.size()) ? full : 3;
      return static_cast<int>(i);
    }
    return -1;
  }
};

using runnel::formats::CivilToEventTime;
using runnel::formats::DaysInMonth;

bool ToEventTime(const Civil& c, EventTime* out) {
  if (c.year < 0 || c.month < 1 || c.month > 12 || c.day < 1 ||
      c.day > DaysInMonth(c.year, c.month) || c.hour > 23 || c.minute > 59 || c.second > 60) {
    return false;
  }
  return CivilToEventTime(c.year, c.month, c.day, c.hour, c.minute, c.second, c.nanos, c.offset,
                          out);
}

bool FromTotalNanos(int64_t ns, EventTime* out) {
  if (ns < 0 || ns / 1'000'000'000 > kMaxSeconds) {
    return false;
  }
  out->sec = static_cast<uint32_t>(ns / 1'000'000'000);
  out->nsec = static_cast<uint32_t>(ns % 1'000'000'000);
  return true;
}

}  // namespace

Result<TimeFormat> TimeFormat::Compile(std::string_view spec) {
  if (spec == "rfc3339" || spec == "iso8601") {
    return TimeFormat(Kind::kRfc3339, std::string(spec));
  }
  if (spec == "unix") {
    return TimeFormat(Kind::kUnix, std::string(spec));
  }
  if (spec == "unix_ms") {
    return TimeFormat(Kind::kUnixMs, std::string(spec));
  }
  if (spec == "unix_us") {
    return TimeFormat(Kind::kUnixUs, std::string(spec));
  }
  if (spec == "unix_ns") {
    return TimeFormat(Kind::kUnixNs, std::string(spec));
  }
  if (spec.empty()) {
    return Err(InvalidArgument("is empty"));
  }
  bool has_year = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != '%') {
      continue;
    }
    if (i + 1 == spec.size()) {
      return Err(InvalidArgument("ends with a lone '%'"));
    }
    const char conv = spec[++i];
    switch (conv) {
      case 'Y':
        has_year = true;
        break;
      case 'm':
      case 'd':
      case 'e':
      case 'H':
      case 'M':
      case 'S':
      case 'f':
      case 'z':
      case 'b':
      case 'a':
      case 'T':
      case '%':
        break;
      default:
        return Err(InvalidArgument("unsupported conversion '%" + std::string(1, conv) +
                                   "' at offset " + std::to_string(i - 1) +
                                   " (supported: %Y %m %d %e %H %M %S %f %z %b %a %T %%, or "
                                   "\"rfc3339\", \"iso8601\", \"unix\", \"unix_ms\", "
                                   "\"unix_us\", \"unix_ns\")"));
    }
  }
  if (!has_year) {
    return Err(InvalidArgument("must contain %Y (the year)"));
  }
  return TimeFormat(Kind::kPattern, std::string(spec));
}

int64_t TimeFormat::UnitNanos() const {
  switch (kind_) {
    case Kind::kUnix:
      return 1'000'000'000;
    case Kind::kUnixMs:
      return 1'000'000;
    case Kind::kUnixUs:
      return 1'000;
    default:
      return 1;
  }
}

bool TimeFormat::Parse(std::string_view text, EventTime* out) const {
  if (kind_ == Kind::kPattern) {
    return ParsePattern(text, out);
  }
  Cursor c{text};
  if (kind_ == Kind::kRfc3339) {
    Civil t;
    if (!c.Digits(4, 4, &t.year) || !c.Consume('-') || !c.Digits(2, 2, &t.month) ||
        !c.Consume('-') || !c.Digits(2, 2, &t.day)) {
      return false;
    }
    if (!c.Consume('T') && !c.Consume('t') && !c.Consume(' ')) {
      return false;
    }
    if (!c.Digits(2, 2, &t.hour) || !c.Consume(':') || !c.Digits(2, 2, &t.minute) ||
        !c.Consume(':') || !c.Digits(2, 2, &t.second)) {
      return false;
    }
    if ((c.Consume('.') || c.Consume(',')) && !c.Fraction(&t.nanos)) {
      return false;
    }
    if (!c.AtEnd() && !c.Zone(&t.offset)) {
      return false;
    }
    return c.AtEnd() && ToEventTime(t, out);
  }
  // unix*: digits, optionally a fraction of the unit.
  const int64_t unit = UnitNanos();
  int64_t whole = 0;
  size_t digits = 0;
  const int64_t limit = kMaxSeconds * (1'000'000'000 / unit) + 1;
  while (!c.AtEnd() && IsDigit(c.Peek())) {
    const int digit = c.Peek() - '0';
    if (whole > (limit - digit) / 10) {
      return false;
    }
    whole = whole * 10 + digit;
    ++c.pos;
    ++digits;
  }
  if (digits == 0) {
    return false;
  }
  int64_t frac = 0;  // nanoseconds of one unit, scaled to 1e9
  if (c.Consume('.') && !c.Fraction(&frac)) {
    return false;
  }
  if (!c.AtEnd()) {
    return false;
  }
  return FromTotalNanos(whole * unit + frac * unit / 1'000'000'000, out);
}

bool TimeFormat::FromInt(int64_t value, EventTime* out) const {
  if (kind_ == Kind::kPattern || kind_ == Kind::kRfc3339) {
    return false;
  }
  const int64_t unit = UnitNanos();
  if (value < 0 || value > kMaxSeconds * (1'000'000'000 / unit) + 1) {
    return false;
  }
  return FromTotalNanos(value * unit, out);
}

bool TimeFormat::FromDouble(double value, EventTime* out) const {
  if (kind_ == Kind::kPattern || kind_ == Kind::kRfc3339 || !std::isfinite(value) || value < 0) {
    return false;
  }
  // Whole units and the fraction apart: 1700000000.25 * 1e9 as one double would be off by
  // hundreds of nanoseconds.
  const int64_t unit = UnitNanos();
  const double whole = std::floor(value);
  if (whole > static_cast<double>(kMaxSeconds) * static_cast<double>(1'000'000'000 / unit)) {
    return false;
  }
  const int64_t frac_ns = std::llround((value - whole) * static_cast<double>(unit));
  return FromTotalNanos(static_cast<int64_t>(whole) * unit + frac_ns, out);
}

bool TimeFormat::ParsePattern(std::string_view text, EventTime* out) const {
  Civil t;
  Cursor c{text};
  const std::string_view fmt = spec_;
  for (size_t f = 0; f < fmt.size(); ++f) {
    const char ch = fmt[f];
    if (ch == ' ') {
      while (!c.AtEnd() && IsSpace(c.Peek())) {
        ++c.pos;
      }
      continue;
    }
    if (ch != '%') {
      if (!c.Consume(ch)) {
        return false;
      }
      continue;
    }
    bool ok = true;
    switch (fmt[++f]) {
      case 'Y':
        ok = c.Digits(4, 4, &t.year);
        break;
      case 'm':
        ok = c.Digits(1, 2, &t.month);
        break;
      case 'e':
        c.Consume(' ');
        ok = c.Digits(1, 2, &t.day);
        break;
      case 'd':
        ok = c.Digits(1, 2, &t.day);
        break;
      case 'H':
        ok = c.Digits(1, 2, &t.hour);
        break;
      case 'M':
        ok = c.Digits(1, 2, &t.minute);
        break;
      case 'S':
        ok = c.Digits(1, 2, &t.second);
        break;
      case 'T':
        ok = c.Digits(1, 2, &t.hour) && c.Consume(':') && c.Digits(1, 2, &t.minute) &&
             c.Consume(':') && c.Digits(1, 2, &t.second);
        break;
      case 'f':
        ok = c.Fraction(&t.nanos);
        break;
      case 'z':
        ok = c.Zone(&t.offset);
        break;
      case 'b': {
        const int m = c.Name(kMonths);
        ok = m >= 0;
        t.month = m + 1;
        break;
      }
      case 'a':
        ok = c.Name(kWeekdays) >= 0;
        break;
      case '%':
        ok = c.Consume('%');
        break;
      default:
        ok = false;  // Compile() lets no other conversion through
    }
    if (!ok) {
      return false;
    }
  }
  return c.AtEnd() && ToEventTime(t, out);
}

}  // namespace runnel::plugins::parse

#include "plugins/formats/scan_util.h"

#include <charconv>
#include <cmath>

#include "plugins/formats/civil_date.h"

namespace runnel::formats::internal {
bool Cursor::Digits(int min, int max, int64_t* value) {
  int n = 0;
  int64_t v = 0;
  if (max > 18) {
    max = 18;
  }
  while (n < max && pos < text.size() && IsDigit(text[pos])) {
    v = v * 10 + (text[pos] - '0');
    ++pos;
    ++n;
  }
  *value = v;
  return n >= min;
}

std::string_view Cursor::Until(char c) {
  if (pos >= text.size()) {
    return {};
  }
  const size_t end = text.find(c, pos);
  const size_t stop = end == std::string_view::npos ? text.size() : end;
  std::string_view out = text.substr(pos, stop - pos);
  pos = stop;
  return out;
}

bool ToEventTime(const Civil& c, EventTime* out) {
  if (c.year < 1969 || c.year > 2107 || c.month < 1 || c.month > 12 || c.day < 1 ||
      c.day > DaysInMonth(c.year, c.month) || c.hour < 0 || c.hour > 23 || c.minute < 0 ||
      c.minute > 59 || c.second < 0 || c.second > 60 || c.nanos < 0 || c.nanos > 999'999'999) {
    return false;
  }
  return CivilToEventTime(c.year, c.month, c.day, c.hour, c.minute, c.second, c.nanos, c.offset,
                          out);
}

int64_t YearOf(int64_t unix_seconds) {
  // H. Hinnant's civil_from_days, year only.
  const int64_t z = unix_seconds / 86400 + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

int MonthAbbrev(Cursor& c) {
  static constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string_view s = c.text.substr(c.pos < c.text.size() ? c.pos : c.text.size(), 3);
  for (int i = 0; i < 12; ++i) {
    if (s == kMonths[i]) {
      c.pos += 3;
      return i + 1;
    }
  }
  return 0;
}

bool WeekdayAbbrev(Cursor& c) {
  static constexpr std::string_view kDays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const std::string_view s = c.text.substr(c.pos < c.text.size() ? c.pos : c.text.size(), 3);
  for (std::string_view d : kDays) {
    if (s == d) {
      c.pos += 3;
      return true;
    }
  }
  return false;
}

bool MonthDayClock(Cursor& c, Civil* t) {
  t->month = MonthAbbrev(c);
  if (t->month == 0 || !c.Consume(' ')) {
    return false;
  }
  c.Consume(' ');
  return c.Digits(1, 2, &t->day) && c.Consume(' ') && c.Digits(2, 2, &t->hour) && c.Consume(':') &&
         c.Digits(2, 2, &t->minute) && c.Consume(':') && c.Digits(2, 2, &t->second);
}

bool Fraction(Cursor& c, int64_t* nanos) {
  const size_t n = FractionDigits(c.text, c.pos, nanos);
  c.pos += n;
  return n > 0;
}

bool Zone(Cursor& c, int64_t* offset) {
  if (c.Consume('Z') || c.Consume('z')) {
    *offset = 0;
    return true;
  }
  int64_t sign = 0;
  if (c.Consume('+')) {
    sign = 1;
  } else if (c.Consume('-')) {
    sign = -1;
  } else {
    return false;
  }
  int64_t hours = 0;
  int64_t minutes = 0;
  if (!c.Digits(2, 2, &hours) || hours > 23) {
    return false;
  }
  c.Consume(':');
  if (!c.Digits(2, 2, &minutes) || minutes > 59) {
    return false;
  }
  *offset = sign * (hours * 3600 + minutes * 60);
  return true;
}

bool Rfc3339(Cursor& c, bool zone_optional, int64_t default_offset, EventTime* out) {
  Civil t;
  if (!c.Digits(4, 4, &t.year) || !c.Consume('-') || !c.Digits(2, 2, &t.month) || !c.Consume('-') ||
      !c.Digits(2, 2, &t.day)) {
    return false;
  }
  if (!c.Consume('T') && !c.Consume('t')) {
    return false;
  }
  if (!c.Digits(2, 2, &t.hour) || !c.Consume(':') || !c.Digits(2, 2, &t.minute) ||
      !c.Consume(':') || !c.Digits(2, 2, &t.second)) {
    return false;
  }
  if (c.Consume('.') && !Fraction(c, &t.nanos)) {
    return false;
  }
  const char z = c.Peek();
  if (z == 'Z' || z == 'z' || z == '+' || z == '-') {
    if (!Zone(c, &t.offset)) {
      return false;
    }
  } else if (zone_optional) {
    t.offset = default_offset;
  } else {
    return false;
  }
  return ToEventTime(t, out);
}

bool Rfc3339Text(std::string_view text, EventTime* out) {
  Cursor c{text};
  return Rfc3339(c, false, 0, out) && c.AtEnd();
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty() || (text[0] == '+')) {
    return false;
  }
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size();
}

bool ParseDouble(std::string_view text, double* out) {
  if (text.empty() || !(IsDigit(text[0]) || text[0] == '-')) {
    return false;
  }
  auto [p, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, std::chars_format::fixed);
  return ec == std::errc() && p == text.data() + text.size() && std::isfinite(*out);
}

bool Quoted(Cursor& c, std::string_view* out) {
  if (!c.Consume('"')) {
    return false;
  }
  const size_t start = c.pos;
  while (c.pos < c.text.size()) {
    const char ch = c.text[c.pos];
    if (ch == '"') {
      *out = c.text.substr(start, c.pos - start);
      ++c.pos;
      return true;
    }
    c.pos += (ch == '\\' && c.pos + 1 < c.text.size()) ? 2 : 1;
  }
  return false;
}

bool ClfTime(Cursor& c, EventTime* out) {
  Civil t;
  if (!c.Consume('[') || !c.Digits(2, 2, &t.day) || !c.Consume('/')) {
    return false;
  }
  t.month = MonthAbbrev(c);
  if (t.month == 0 || !c.Consume('/') || !c.Digits(4, 4, &t.year) || !c.Consume(':') ||
      !c.Digits(2, 2, &t.hour) || !c.Consume(':') || !c.Digits(2, 2, &t.minute) ||
      !c.Consume(':') || !c.Digits(2, 2, &t.second)) {
    return false;
  }
  if (c.Consume('.') && !Fraction(c, &t.nanos)) {
    return false;
  }
  if (!c.Consume(' ') || !Zone(c, &t.offset) || !c.Consume(']')) {
    return false;
  }
  return ToEventTime(t, out);
}

bool AddIntOrDash(std::vector<Field>* fields, std::string_view key, std::string_view text) {
  if (text == "-") {
    return true;
  }
  int64_t v = 0;
  if (!ParseInt(text, &v)) {
    return false;
  }
  AddInt(fields, key, v);
  return true;
}

void AddUnlessDash(std::vector<Field>* fields, std::string_view key, std::string_view text) {
  if (!text.empty() && text != "-") {
    AddString(fields, key, text);
  }
}

std::string& ThreadMsgpackBuffer() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}

}  // namespace runnel::formats::internal

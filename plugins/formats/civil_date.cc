#include "plugins/formats/civil_date.h"

namespace runnel::formats {
namespace {

constexpr int64_t kMaxSeconds = int64_t{0xFFFFFFFF};  // EventTime holds uint32 seconds

}  // namespace

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (month == 2 && IsLeapYear(year)) ? 29 : kDays[month - 1];
}

// H. Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool CivilToEventTime(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute,
                      int64_t second, int64_t nanos, int64_t offset, EventTime* out) {
  const int64_t secs =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  if (secs < 0 || secs > kMaxSeconds) {
    return false;
  }
  out->sec = static_cast<uint32_t>(secs);
  out->nsec = static_cast<uint32_t>(nanos);
  return true;
}

size_t FractionDigits(std::string_view text, size_t pos, int64_t* nanos) {
  size_t n = 0;
  int64_t v = 0;
  while (pos + n < text.size() && text[pos + n] >= '0' && text[pos + n] <= '9') {
    if (n < 9) {
      v = v * 10 + (text[pos + n] - '0');
    }
    ++n;
  }
  if (n == 0) {
    return 0;
  }
  for (size_t i = n; i < 9; ++i) {
    v *= 10;
  }
  *nanos = v;
  return n;
}

}  // namespace runnel::formats

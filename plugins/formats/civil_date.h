#pragma once
// Proleptic Gregorian calendar arithmetic shared by the named-format scanners and the parse
// filter's time patterns. Pure functions; thread-safe.

#include <cstdint>

namespace runnel::formats {

// True when `year` is a Gregorian leap year.
bool IsLeapYear(int64_t year);

// The number of days in `month` (1-12, which the caller checks) of `year`: 28 to 31.
int64_t DaysInMonth(int64_t year, int64_t month);

// Days since 1970-01-01 of the date `year`-`month`-`day` (month 1-12; negative before 1970).
// Does not check ranges: an out-of-range day counts on into the next month.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);

}  // namespace runnel::formats

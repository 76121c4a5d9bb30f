#pragma once
// Proleptic Gregorian calendar arithmetic, and the fraction of a second in a timestamp, shared by
// the named-format scanners and the parse filter's time patterns. Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runnel/msgpack.h"

namespace runnel::formats {

// True when `year` is a Gregorian leap year.
bool IsLeapYear(int64_t year);

// The number of days in `month` (1-12, which the caller checks) of `year`: 28 to 31.
int64_t DaysInMonth(int64_t year, int64_t month);

// Days since 1970-01-01 of the date `year`-`month`-`day` (month 1-12; negative before 1970).
// Does not check ranges: an out-of-range day counts on into the next month.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);

// The EventTime of a civil date and time `offset` seconds east of UTC, `nanos` after the second.
// The caller checks that each part is in range (month 1-12, nanos 0-999'999'999, ...). True with
// *out set; false, *out unchanged, when the instant is outside what EventTime holds
// (1970-01-01T00:00:00Z to 2^32-1 seconds after it).
bool CivilToEventTime(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute,
                      int64_t second, int64_t nanos, int64_t offset, EventTime* out);

// The digits of a fraction of a second at text[pos...] (after its '.' or ','): how many there are.
// When there are any, *nanos is set to the first nine as nanoseconds ("5" is 500'000'000); when
// there are none (also when `pos` is at or past the end), 0 and *nanos unchanged.
size_t FractionDigits(std::string_view text, size_t pos, int64_t* nanos);

}  // namespace runnel::formats

#pragma once
// Shared pieces of the scanners (internal to runnel_formats): a cursor over a line, calendar
// arithmetic, RFC 3339 timestamps and small msgpack helpers. Stateless; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/arena.h"
#include "runnel/msgpack.h"
#include "runnel/record.h"

namespace runnel::formats::internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A position in a line. Every read checks the end, so a truncated line is never overrun.
struct Cursor {
  std::string_view text;
  size_t pos = 0;

  bool AtEnd() const { return pos >= text.size(); }
  char Peek() const { return pos < text.size() ? text[pos] : '\0'; }
  bool Consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool Consume(std::string_view s) {
    if (text.substr(pos, s.size()) == s) {
      pos += s.size();
      return true;
    }
    return false;
  }
  // Between min and max digits into *value (int64: at most 18 digits are taken).
  bool Digits(int min, int max, int64_t* value);
  // Up to the next `c` (not consumed) or the end.
  std::string_view Until(char c);
  // Up to the next space or the end.
  std::string_view Token() { return Until(' '); }
  void SkipSpaces() {
    while (pos < text.size() && text[pos] == ' ') {
      ++pos;
    }
  }
  std::string_view Rest() const { return pos < text.size() ? text.substr(pos) : ""; }
};

// A broken-down time; ToEventTime checks the ranges.
struct Civil {
  int64_t year = 1970;
  int64_t month = 1;
  int64_t day = 1;
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  int64_t nanos = 0;
  int64_t offset = 0;  // seconds east of UTC
};

// False when a part is out of range or the result is outside what EventTime holds.
bool ToEventTime(const Civil& c, EventTime* out);
// The year of a unix time (UTC).
int64_t YearOf(int64_t unix_seconds);

// "Jan".."Dec" (exact case) at the cursor: 1-12, or 0 (nothing consumed).
int MonthAbbrev(Cursor& c);
// "Mmm dd hh:mm:ss" at the cursor (dd: "01", " 1" or "1"): sets `t`'s month, day, hour, minute
// and second and consumes them. False when it is not there (the cursor and `t` may be part-way
// then); the ranges are left to ToEventTime.
bool MonthDayClock(Cursor& c, Civil* t);
// "Mon".."Sun" at the cursor: true and consumed, or false.
bool WeekdayAbbrev(Cursor& c);
// A fraction of a second after the '.' or ',': 1+ digits, the first nine kept as nanoseconds.
bool Fraction(Cursor& c, int64_t* nanos);
// Z | z | ±HH:MM | ±HHMM
bool Zone(Cursor& c, int64_t* offset);
// YYYY-MM-DD(T|t)HH:MM:SS[.frac](Z|±HH:MM), consumed from the cursor. With `zone_optional`, no
// zone means `default_offset`.
bool Rfc3339(Cursor& c, bool zone_optional, int64_t default_offset, EventTime* out);
// The whole of `text` is an RFC 3339 time (zone required).
bool Rfc3339Text(std::string_view text, EventTime* out);

// At a '"': the text up to the closing quote (a backslash escapes the next byte, which stays
// as written), the cursor past it. False when the quote is not there or not closed.
bool Quoted(Cursor& c, std::string_view* out);
// Apache/nginx "%t": [dd/Mmm/yyyy:hh:mm:ss +hhmm], brackets included.
bool ClfTime(Cursor& c, EventTime* out);
// Adds `key` as Int when `text` is a whole integer, nothing when it is "-". False otherwise.
bool AddIntOrDash(std::vector<Field>* fields, std::string_view key, std::string_view text);
// Adds `key` as String unless `text` is "-" or empty.
void AddUnlessDash(std::vector<Field>* fields, std::string_view key, std::string_view text);

// A field whose key and value are views.
inline void AddString(std::vector<Field>* fields, std::string_view key, std::string_view value) {
  fields->push_back(Field{key, Value::String(value)});
}
inline void AddInt(std::vector<Field>* fields, std::string_view key, int64_t value) {
  fields->push_back(Field{key, Value::Int(value)});
}
// A whole decimal integer (optional '-'), or false.
bool ParseInt(std::string_view text, int64_t* out);
// A decimal number (digits, optional fraction), or false.
bool ParseDouble(std::string_view text, double* out);

// A per-thread buffer for building msgpack; cleared, with its capacity kept.
std::string& ThreadMsgpackBuffer();

}  // namespace runnel::formats::internal

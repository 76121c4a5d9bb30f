#pragma once
// TimeFormat: a compiled description of how a time is written, used by the parse filter to set
// an event's time from a parsed field. Parsing allocates nothing.
//
// Accepted specs:
//   "rfc3339" / "iso8601"  YYYY-MM-DD(T|t| )HH:MM:SS[(.|,)fraction][Z|±HH:MM|±HHMM|±HH];
//                          no zone means UTC.
//   "unix"                 seconds since the epoch: "1700000000", "1700000000.25", or a number.
//   "unix_ms", "unix_us", "unix_ns"   the same in milli-, micro- or nanoseconds.
//   a pattern, strptime-like: literal characters must match exactly, a space matches any run of
//   whitespace (also none), and these conversions:
//     %Y  year, 4 digits                    %m  month 1-12, 1-2 digits
//     %d  day 1-31, 1-2 digits              %e  like %d, a leading space allowed
//     %H  hour 0-23                         %M  minute 0-59
//     %S  second 0-60                       %f  fraction of a second, 1+ digits (ns kept)
//     %z  Z | ±HH:MM | ±HHMM | ±HH          %b  month name, "Jan" or "January", any case
//     %a  weekday name (checked, ignored)   %T  same as %H:%M:%S
//     %%  a literal '%'
//   A pattern must contain %Y; what it does not give defaults to month 1, day 1, 00:00:00 UTC.
// The whole text must match. Times before 1970 or after 2106 (what EventTime can hold) fail.
// Immutable after Compile; safe to use from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace runnel::plugins::parse {

class TimeFormat {
 public:
  enum class Kind { kPattern, kRfc3339, kUnix, kUnixMs, kUnixUs, kUnixNs };

  // InvalidArgument (message without a key prefix) for an unknown name or a bad pattern.
  static Result<TimeFormat> Compile(std::string_view spec);

  // Parses `text`. False when it does not match the format or is out of range.
  bool Parse(std::string_view text, EventTime* out) const;
  // Numbers are accepted by the unix* kinds only. False otherwise or when out of range.
  bool FromInt(int64_t value, EventTime* out) const;
  bool FromDouble(double value, EventTime* out) const;

  Kind kind() const { return kind_; }
  const std::string& spec() const { return spec_; }

 private:
  TimeFormat(Kind kind, std::string spec) : kind_(kind), spec_(std::move(spec)) {}
  bool ParsePattern(std::string_view text, EventTime* out) const;
  int64_t UnitNanos() const;

  Kind kind_;
  std::string spec_;
};

}  // namespace runnel::plugins::parse

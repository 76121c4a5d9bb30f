#pragma once
// Named-format line scanners: hand-written parsers for the log lines well-known software writes
// (syslog, container runtimes, web servers, proxies), shared by the parse filter, the syslog
// input and tail's Kubernetes support.
//
// A scanner reads one line and appends its fields to *fields, in a fixed order per format (each
// format's header lists them, with their types). Strings view `line` when they can be taken as
// they are, or the arena when they had to be built (unescaped); nested values (RFC 5424
// structured data, JSON objects) are msgpack written into the arena and stored as Value::Raw.
// An optional part that the line leaves out (a NILVALUE, Apache's "-") sets no field.
// When the line carries a time that can be read, *time is set from it (with its zone); a line
// without one leaves *time alone.
//
// Returns nullptr when the line was accepted, or a static message saying precisely why not
// ("not an RFC 5424 message: no VERSION after PRI"); *fields may then hold a partial result
// and *time may have been set, so a caller that rejects the line discards both.
//
// Scanners allocate nothing once warm but arena bytes (and per-thread scratch buffers that keep
// their capacity). They are thread-safe: any number of threads may scan at once.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "runnel/arena.h"
#include "runnel/msgpack.h"
#include "runnel/record.h"

namespace runnel::formats {

// What a scanner needs beyond the line: only the formats whose timestamps lack parts use it.
struct ScanOptions {
  // The zone of timestamps written without one (BSD syslog, Apache error, nginx error), in
  // seconds east of UTC. 0: UTC.
  int32_t utc_offset_seconds = 0;
  // "Now" in seconds since the epoch, for timestamps written without a year (BSD syslog): they
  // get this year, or last year when that would put them more than kFutureSlack in the future.
  // 0: the system clock.
  int64_t now_seconds = 0;
};

// How far ahead of "now" a year-less timestamp may be before it is taken as last year's: a
// sender's clock a little ahead is tolerated, a December line read in January is not.
inline constexpr int64_t kFutureSlackSeconds = 7 * 86400;

using ScanFn = const char* (*)(std::string_view line, const ScanOptions& options, Arena& arena,
                               std::vector<Field>* fields, EventTime* time);

struct Format {
  std::string_view name;         // the parse filter's `format = "<name>"`
  ScanFn scan;                   // never null
  std::string_view description;  // one line, for --describe
};

// Every format, in a stable order (the order of the parse filter's choices).
std::span<const Format> AllFormats();

// The format called `name`, or nullptr.
const Format* FindFormat(std::string_view name);

}  // namespace runnel::formats

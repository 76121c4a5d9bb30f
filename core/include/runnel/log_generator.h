#pragma once
// LogGenerator: a deterministic source of realistic log lines, for the `generate` input, the
// `runnel-loggen` tool and the benchmarks.
//
// The same (format, seed, options) always gives the same bytes, on every platform: the generator
// uses its own PRNG (never std::random_device or a std:: distribution, whose output is
// implementation-defined) and derives each line's timestamp from a start time and the line's index.
//
// Formats:
//   json    one JSON object per line, an application log, ~210 bytes on average:
//           {"time":"2026-01-01T00:00:00.000Z","level":"info","service":"cart",
//            "trace_id":"<16 hex>","user_id":123,"path":"/api/v1/cart","status":200,
//            "latency_ms":12.345,"msg":"request completed"}
//           (some messages contain escaped quotes).
//   apache  Apache "combined" access log lines:
//           host ident user [dd/Mon/yyyy:HH:MM:SS +0000] "METHOD path HTTP/1.1" status bytes
//           "referer" "user-agent"
//   plain   free-text lines, ~85 bytes: an ISO timestamp, a level, a worker, a service and a
//           sentence.
//
// Thread-compatible: one generator per thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel {

class LogGenerator {
 public:
  enum class Format { kJson, kApache, kPlain };

  // 2026-01-01T00:00:00Z.
  static constexpr int64_t kDefaultStartUnixNanos = 1767225600LL * 1000000000LL;
  // One line per millisecond of log time.
  static constexpr int64_t kDefaultStepNanos = 1000000;

  struct Options {
    int64_t start_unix_nanos = kDefaultStartUnixNanos;  // timestamp of line 0; must be >= 0
    int64_t step_nanos = kDefaultStepNanos;             // timestamp increment per line; >= 0
  };

  // "json", "apache" or "plain". Anything else: InvalidArgument naming the valid formats.
  static Result<Format> ParseFormat(std::string_view name);
  static std::string_view FormatName(Format format);

  LogGenerator(Format format, uint64_t seed) : LogGenerator(format, seed, Options()) {}
  LogGenerator(Format format, uint64_t seed, Options options);

  // Appends the next line to *out, without a trailing newline. Allocates nothing once *out has
  // the capacity for a line (a few hundred bytes; callers reuse the string or a large buffer).
  void NextLine(std::string* out);

  // Index of the line the next NextLine() call produces (= lines produced so far).
  uint64_t line_index() const { return index_; }
  // Timestamp of the line at `index`: start + index * step, in Unix nanoseconds.
  int64_t TimestampNanos(uint64_t index) const {
    return options_.start_unix_nanos + static_cast<int64_t>(index) * options_.step_nanos;
  }
  // Timestamp of the line last produced (of line 0 before any call).
  int64_t last_timestamp_nanos() const { return TimestampNanos(index_ == 0 ? 0 : index_ - 1); }

  Format format() const { return format_; }

 private:
  void UpdateClock(int64_t unix_nanos);

  void NextJson(std::string* out);
  void NextApache(std::string* out);
  void NextPlain(std::string* out);

  Format format_;
  Options options_;
  uint64_t state_;  // the PRNG's
  uint64_t index_ = 0;

  // The current line's time, formatted once per second of log time.
  int64_t clock_second_ = -1;
  uint32_t clock_millis_ = 0;
  char iso_[20] = {};     // "2026-01-01T00:00:00"
  char apache_[27] = {};  // "01/Jan/2026:00:00:00 +0000"
};

}  // namespace runnel

#pragma once
// Internal logs: one line per message on stderr,
//   2026-11-23T21:40:00.123Z WARN  [inputs.app] message
// RUNNEL_LOG(kWarn, "inputs.app") << "message";   (component may be "")
// RUNNEL_LOG_EVERY(kWarn, component, 10s) << ...; at most once per period per call site, telling
// how many were suppressed. Errors on per-record paths use it, and count in metrics as well.
// Thread-safe: each line is written with one write(2).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace runnel {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

// "trace", "debug", "info", "warn", "error", "off".
bool ParseLogLevel(std::string_view text, LogLevel* level);
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }

class LogMessage {
 public:
  LogMessage(LogLevel level, std::string_view component, uint64_t suppressed = 0);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::string component_;
  uint64_t suppressed_;
  std::ostringstream stream_;
};

// Per call site state of RUNNEL_LOG_EVERY.
class LogRateLimiter {
 public:
  // Returns true when a message may be written now; *suppressed gets how many were not.
  bool Allow(std::chrono::steady_clock::duration period, uint64_t* suppressed);

 private:
  std::atomic<int64_t> next_ns_{0};
  std::atomic<uint64_t> suppressed_{0};
};

}  // namespace runnel

#define RUNNEL_LOG(level, component)                      \
  if (!::runnel::LogEnabled(::runnel::LogLevel::level)) { \
  } else                                                  \
    ::runnel::LogMessage(::runnel::LogLevel::level, (component)).stream()

#define RUNNEL_LOG_EVERY(level, component, period)                                           \
  if (uint64_t runnel_suppressed_ = 0; !::runnel::LogEnabled(::runnel::LogLevel::level) ||   \
                                       !([]() -> ::runnel::LogRateLimiter& {                 \
                                         static ::runnel::LogRateLimiter limiter;            \
                                         return limiter;                                     \
                                       }()                                                   \
                                                     .Allow(period, &runnel_suppressed_))) { \
  } else                                                                                     \
    ::runnel::LogMessage(::runnel::LogLevel::level, (component), runnel_suppressed_).stream()

#include "runnel/logging.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace runnel {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

const char* LevelText(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "TRACE";
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO ";
    case LogLevel::kWarn: return "WARN ";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kOff: return "OFF  ";
  }
  return "?    ";
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  static constexpr std::pair<std::string_view, LogLevel> kLevels[] = {
      {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
      {"warn", LogLevel::kWarn},   {"error", LogLevel::kError}, {"off", LogLevel::kOff},
  };
  for (const auto& [name, l] : kLevels) {
    if (name == text) {
      *level = l;
      return true;
    }
  }
  return false;
}

void SetLogLevel(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel GetLogLevel() { return g_level.load(std::memory_order_relaxed); }

LogMessage::LogMessage(LogLevel level, std::string_view component, uint64_t suppressed)
    : level_(level), component_(component), suppressed_(suppressed) {}

LogMessage::~LogMessage() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char head[64];
  size_t n = std::strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
  n += std::snprintf(head + n, sizeof(head) - n, ".%03ldZ %s ", ts.tv_nsec / 1'000'000,
                     LevelText(level_));
  std::string line(head, n);
  if (!component_.empty()) {
    line += "[" + component_ + "] ";
  }
  line += stream_.str();
  if (suppressed_ > 0) {
    line += " (" + std::to_string(suppressed_) + " similar messages suppressed)";
  }
  line += "\n";
  // One write(2) per line keeps lines whole when threads log at once.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

bool LogRateLimiter::Allow(std::chrono::steady_clock::duration period, uint64_t* suppressed) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t next = next_ns_.load(std::memory_order_relaxed);
  if (now >= next &&
      next_ns_.compare_exchange_strong(
          next, now + std::chrono::duration_cast<std::chrono::nanoseconds>(period).count())) {
    *suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
    return true;
  }
  suppressed_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace runnel

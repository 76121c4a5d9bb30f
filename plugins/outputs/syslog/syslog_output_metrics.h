#pragma once
// The syslog output's own metrics, besides the events and bytes every output counts. Declared
// once, at creation; the pointers stay valid for the registry's lifetime. Without a registry
// (some tests) every pointer is a private counter, so callers never check for null.
// Thread-safe (counters are atomics).

#include <array>
#include <memory>
#include <string>

#include "runnel/metrics.h"

namespace runnel::plugins::syslog_output {

// The message parts an invalid value can be cleaned in (label part="...").
enum class Part {
  kFacility,
  kSeverity,
  kHostname,
  kAppname,
  kProcid,
  kMsgid,
  kStructuredData,
  kMessage
};
inline constexpr size_t kPartCount = 8;
const char* PartName(Part part);

struct SyslogOutputMetrics {
  // Values replaced or cut to keep a message valid, by part.
  std::array<Counter*, kPartCount> cleaned{};
  Counter* truncated = nullptr;          // messages cut to max_message_bytes
  Counter* connects = nullptr;           // tcp connections made
  Counter* connect_failures = nullptr;   // tcp connection attempts that failed
  Counter* connection_errors = nullptr;  // connections lost while writing
  Counter* udp_send_errors = nullptr;    // datagrams the kernel refused (lost)
  Counter* resent_events = nullptr;      // events sent again on a new connection (resend_window)

  Counter* Cleaned(Part part) const { return cleaned[static_cast<size_t>(part)]; }

  // Registers the series for `component`; `registry` may be null.
  static SyslogOutputMetrics Create(MetricsRegistry* registry, const std::string& component);

 private:
  std::shared_ptr<std::array<Counter, kPartCount + 6>> own_;  // without a registry
};

}  // namespace runnel::plugins::syslog_output

#pragma once
// Configuration of the syslog output: where messages go (UDP, TCP, TLS), how a stream frames
// them, which syslog format they take, and which record fields fill which part of a message.
// Plain values; thread-compatible.

#include <chrono>
#include <cstdint>
#include <string>

#include "runnel/config_node.h"
#include "runnel/net/tls.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::syslog_output {

enum class Transport { kUdp, kTcp };
enum class Framing { kOctetCounting, kNewline };  // streams only
enum class Format { kRfc5424, kRfc3164 };

inline constexpr uint16_t kDefaultPort = 514;
inline constexpr uint16_t kDefaultTlsPort = 6514;
inline constexpr uint64_t kDefaultUdpMessageBytes = 2048;
inline constexpr uint64_t kDefaultStreamMessageBytes = 8192;
inline constexpr uint64_t kMaxUdpMessageBytes = 65507;  // an IPv4 UDP payload
inline constexpr uint64_t kResendMaxBytes = 16ull << 20;

// Which record fields a message is built from; an empty key reads no field (the fixed value
// is then always used).
struct FieldMapping {
  std::string facility_key = "facility";
  std::string severity_key = "severity";
  std::string hostname_key = "hostname";
  std::string appname_key = "appname";
  std::string procid_key = "procid";
  std::string msgid_key = "msgid";
  std::string structured_data_key = "structured_data";
  std::string message_key = "message";
  // What a record without the field gets.
  int facility = 1;      // user
  int severity = 6;      // info
  std::string hostname;  // empty: the machine's host name
  std::string appname;   // empty: NILVALUE (RFC 5424) or no TAG (RFC 3164)
};

struct SyslogOutputConfig {
  Transport transport = Transport::kTcp;
  std::string host;
  uint16_t port = kDefaultPort;
  Framing framing = Framing::kOctetCounting;
  Format format = Format::kRfc5424;
  uint64_t max_message_bytes = kDefaultStreamMessageBytes;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds write_timeout{10'000};
  // tcp: what was written this long before a connection was found broken is sent again on the
  // next one (0: nothing is); at most kResendMaxBytes of it is kept.
  std::chrono::milliseconds resend_window{2'000};
  // tcp: the longest wait between two connection attempts (they start at 100ms and double).
  std::chrono::milliseconds retry_max{5'000};
  FieldMapping fields;
  net::TlsConfig tls;
};

Schema SyslogOutputSchema();

// Reads a node validated against SyslogOutputSchema(). Errors are InvalidArgument, positioned
// at the key.
Result<SyslogOutputConfig> ParseSyslogOutputConfig(const ConfigNode& node);

// 0..23 for a facility name ("kern" ... "local7") or its number as text; -1 otherwise.
int ParseFacility(std::string_view text);
// 0..7 for a severity name ("emerg" ... "debug", and the usual aliases: "panic", "critical",
// "fatal", "error", "warn", "information", "trace", case-insensitive) or its number; -1
// otherwise.
int ParseSeverity(std::string_view text);

}  // namespace runnel::plugins::syslog_output

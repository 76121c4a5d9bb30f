#pragma once
// Configuration of the syslog input: its schema (the reference docs) and the validated config:
// a SocketConfig (where and how to listen, framing) plus what the syslog encoder needs.
// Plain values; thread-compatible.

#include <string>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"
#include "socket_config.h"

namespace runnel::plugins::syslog_input {

enum class SyslogFormat { kAuto, kRfc3164, kRfc5424 };

struct SyslogConfig {
  socket_input::SocketConfig socket;
  SyslogFormat format = SyslogFormat::kAuto;
  std::string raw_key;             // non-empty: every record also keeps the message as received
  int32_t utc_offset_seconds = 0;  // the zone of RFC 3164 times, which have none
};

Schema SyslogSchema();

// Reads a node validated against SyslogSchema(); builds the TLS context. Errors are
// InvalidArgument, positioned at the key.
Result<SyslogConfig> ParseSyslogConfig(const ConfigNode& node);

}  // namespace runnel::plugins::syslog_input

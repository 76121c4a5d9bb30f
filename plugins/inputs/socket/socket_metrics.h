#pragma once
// The counters of one socket input (tcp, udp, unix, syslog), `runnel_socket_*{component=...}`,
// declared in one place. Updates are lock-free; thread-safe.

#include <string>

#include "runnel/metrics.h"

namespace runnel::plugins::socket_input {

struct SocketMetrics {
  Counter* messages = nullptr;   // messages turned into records
  Counter* truncated = nullptr;  // of them, cut to max_line_bytes (or a datagram cut by MSG_TRUNC)
  Counter* dropped_queue_full = nullptr;  // datagram messages dropped: the queue was full
  Counter* dropped_stopping = nullptr;    // messages read but not emitted: the pipeline stopped
  Counter* bad_octet_counts = nullptr;    // connections closed for a broken octet count
  Counter* cut_at_close = nullptr;        // connections that closed inside an octet-counted frame
  Counter* connections_opened = nullptr;
  Counter* connections_closed = nullptr;
  Counter* connections_refused = nullptr;  // over max_connections
  Counter* idle_timeouts = nullptr;
  Gauge* connections_open = nullptr;

  static SocketMetrics Create(MetricsRegistry& registry, const std::string& component);
};

}  // namespace runnel::plugins::socket_input

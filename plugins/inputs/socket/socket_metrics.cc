#include "socket_metrics.h"

namespace runnel::plugins::socket_input {

SocketMetrics SocketMetrics::Create(MetricsRegistry& r, const std::string& c) {
  SocketMetrics m;
  m.messages = r.GetCounter("socket_messages_total", c, "Messages received and made records.");
  m.truncated = r.GetCounter("socket_messages_truncated_total", c,
                             "Messages cut to max_line_bytes (the rest skipped), or datagrams "
                             "cut by the receive buffer.");
  const std::string dropped_help = "Messages received but not emitted, by reason.";
  m.dropped_queue_full =
      r.GetCounter("socket_dropped_total", c, dropped_help, {{"reason", "queue_full"}});
  m.dropped_stopping =
      r.GetCounter("socket_dropped_total", c, dropped_help, {{"reason", "stopping"}});
  m.bad_octet_counts = r.GetCounter("socket_bad_octet_counts_total", c,
                                    "Connections closed for a broken RFC 6587 octet count.");
  m.cut_at_close = r.GetCounter("socket_frames_cut_at_close_total", c,
                                "Connections that closed inside an octet-counted frame (its "
                                "bytes so far are dropped).");
  m.connections_opened =
      r.GetCounter("socket_connections_opened_total", c, "Stream connections accepted.");
  m.connections_closed =
      r.GetCounter("socket_connections_closed_total", c, "Stream connections closed.");
  m.connections_refused = r.GetCounter("socket_connections_refused_total", c,
                                       "Stream connections closed at once: max_connections.");
  m.idle_timeouts =
      r.GetCounter("socket_idle_timeouts_total", c, "Stream connections closed by idle_timeout.");
  m.connections_open = r.GetGauge("socket_connections_open", c, "Stream connections open now.");
  return m;
}

}  // namespace runnel::plugins::socket_input

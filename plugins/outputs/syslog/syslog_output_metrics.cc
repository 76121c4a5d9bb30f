#include "syslog_output_metrics.h"

namespace runnel::plugins::syslog_output {

const char* PartName(Part part) {
  static constexpr const char* kNames[kPartCount] = {"facility",        "severity", "hostname",
                                                     "appname",         "procid",   "msgid",
                                                     "structured_data", "message"};
  return kNames[static_cast<size_t>(part)];
}

SyslogOutputMetrics SyslogOutputMetrics::Create(MetricsRegistry* registry, const std::string& c) {
  SyslogOutputMetrics m;
  if (registry == nullptr) {
    m.own_ = std::make_shared<std::array<Counter, kPartCount + 6>>();
    for (size_t i = 0; i < kPartCount; ++i) {
      m.cleaned[i] = &(*m.own_)[i];
    }
    m.truncated = &(*m.own_)[kPartCount];
    m.connects = &(*m.own_)[kPartCount + 1];
    m.connect_failures = &(*m.own_)[kPartCount + 2];
    m.connection_errors = &(*m.own_)[kPartCount + 3];
    m.udp_send_errors = &(*m.own_)[kPartCount + 4];
    m.resent_events = &(*m.own_)[kPartCount + 5];
    return m;
  }
  MetricsRegistry& r = *registry;
  for (size_t i = 0; i < kPartCount; ++i) {
    m.cleaned[i] = r.GetCounter(
        "syslog_output_cleaned_total", c,
        "Values replaced, cut or left out to keep a message valid (a facility out of range, a "
        "host name with spaces, an over-long APP-NAME, ...), by message part.",
        {{"part", PartName(static_cast<Part>(i))}});
  }
  m.truncated =
      r.GetCounter("syslog_output_truncated_total", c, "Messages cut to max_message_bytes.");
  m.connects = r.GetCounter("syslog_output_connects_total", c, "TCP connections made.");
  m.connect_failures = r.GetCounter("syslog_output_connect_failures_total", c,
                                    "TCP connection attempts that failed (the batch is retried).");
  m.connection_errors =
      r.GetCounter("syslog_output_connection_errors_total", c,
                   "Connections lost or timed out while a batch was written (it is sent again "
                   "whole on a new connection).");
  m.udp_send_errors = r.GetCounter("syslog_output_udp_send_errors_total", c,
                                   "Datagrams the kernel refused to send: lost.");
  m.resent_events = r.GetCounter(
      "syslog_output_resent_events_total", c,
      "Events sent again on a new connection because they were written within resend_window "
      "before the last one broke: each is a duplicate at the server unless it had lost it.");
  return m;
}

}  // namespace runnel::plugins::syslog_output

#pragma once
// DatagramSender: a UDP socket connected to a syslog server; one message per datagram, best
// effort. Open() resolves the host and connects the socket (no packet is sent); Send() never
// fails the batch: a datagram the kernel refuses (a full buffer past write_timeout, an ICMP
// "port unreachable" reported on a later send) is lost and counted in udp_send_errors. What
// the network or the server drops is not seen at all.
// Not thread-safe: the output's worker thread calls it.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/status.h"
#include "syslog_output_metrics.h"

namespace runnel::plugins::syslog_output {

class DatagramSender {
 public:
  DatagramSender(std::string host, uint16_t port, std::chrono::milliseconds write_timeout,
                 std::string component, SyslogOutputMetrics metrics);
  ~DatagramSender();
  DatagramSender(const DatagramSender&) = delete;
  DatagramSender& operator=(const DatagramSender&) = delete;

  // Resolves and connects the socket unless it is open. Unavailable when the name does not
  // resolve or no socket can be made.
  Status Open();
  // Sends one datagram on the open socket.
  void Send(std::string_view message);
  void Close();

 private:
  const std::string host_;
  const uint16_t port_;
  const std::chrono::milliseconds write_timeout_;
  const std::string component_;
  SyslogOutputMetrics metrics_;
  int fd_ = -1;
};

}  // namespace runnel::plugins::syslog_output

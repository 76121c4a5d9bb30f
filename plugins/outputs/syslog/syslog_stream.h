#pragma once
// StreamSender: one TCP (optionally TLS) connection to a syslog server, written synchronously.
// Send() connects when there is no open connection (resolving the host again, trying each of
// its addresses in turn under connect_timeout), queues the bytes and returns once they have all
// been written to the socket, or the connection failed. A syslog server sends nothing back, so
// reading only notices the server closing or resetting the connection; a write that makes no
// progress for write_timeout closes it (DeadlineExceeded). After any failure the next Send
// connects anew.
// Not thread-safe: the output's worker thread calls it (callbacks run on its own IoLoop).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "runnel/net/io_loop.h"
#include "runnel/net/tcp_client.h"
#include "runnel/net/tls.h"
#include "runnel/status.h"
#include "syslog_output_metrics.h"

namespace runnel::plugins::syslog_output {

class StreamSender {
 public:
  struct Options {
    std::string host;
    uint16_t port = 0;
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds write_timeout{10'000};
    std::shared_ptr<const net::TlsContext> tls;  // null: plain TCP
    std::string component;                       // for logs
  };

  StreamSender(Options options, SyslogOutputMetrics metrics);
  ~StreamSender();  // Close()
  StreamSender(const StreamSender&) = delete;
  StreamSender& operator=(const StreamSender&) = delete;

  // Connects if there is no open connection. True when this call made a new connection (the
  // caller may have something to send again first). Errors: Unavailable ("connect
  // 127.0.0.1:514: Connection refused", a name that does not resolve, a TLS handshake error).
  Result<bool> EnsureConnected();
  // Writes `bytes` on the open connection and waits until they are in the socket. Errors:
  // FailedPrecondition without a connection; Unavailable / DeadlineExceeded when the connection
  // broke or stalled (it is closed then).
  Status Send(std::shared_ptr<const std::string> bytes);
  // True while a connection is open (not closed by the server, broken, or Close()d).
  bool connected() const;
  // When the last connection was found closed or broken; epoch when none has been.
  std::chrono::steady_clock::time_point failed_at() const;
  void Close();

 private:
  struct Link;  // what the connection's callbacks share with us
  Status Fail(const Status& why);

  const Options options_;
  SyslogOutputMetrics metrics_;
  std::unique_ptr<net::IoLoop> loop_;
  std::shared_ptr<Link> link_;
  std::shared_ptr<net::Connection> conn_;
};

}  // namespace runnel::plugins::syslog_output

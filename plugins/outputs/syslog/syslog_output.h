#pragma once
// The syslog output: sends every event as one syslog message (RFC 5424 or RFC 3164, see
// MessageEncoder) to one server over UDP, TCP or TLS.
//
// Delivery. TCP/TLS: a batch's messages are framed (octet counting or LF) into one buffer and
// written on the connection; Write returns Delivered once every byte is in the socket, Retry
// when the server cannot be reached or the connection breaks or stalls (write_timeout), and core
// retries with backoff (the aggregator's disk buffer keeps the batch meanwhile). A batch
// retried is sent again whole: the messages that had reached the server are then duplicates
// (at-least-once). Syslog has no acknowledgements, so a server that stops or crashes loses what
// it had received and not yet stored; to make up for that, what was written within
// resend_window before a connection was found broken is sent again, first, on the next one.
// UDP: best effort; every message is one datagram, Write is always Delivered once they are
// handed to the kernel (a name that does not resolve yet is a Retry).
// A batch whose entries do not decode is Rejected (dead letters).
// Called from one worker thread (Output contract); not otherwise thread-safe.

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "runnel/net/tls.h"
#include "runnel/plugin.h"
#include "syslog_datagram.h"
#include "syslog_message.h"
#include "syslog_output_config.h"
#include "syslog_output_metrics.h"
#include "syslog_stream.h"

namespace runnel::plugins::syslog_output {

class SyslogOutput final : public Output {
 public:
  SyslogOutput(SyslogOutputConfig config, std::shared_ptr<const net::TlsContext> tls,
               const PluginContext& ctx);

  // Opens nothing: a server that is not up yet makes the first Write a Retry, not a failed
  // start-up.
  Status Start() override { return OkStatus(); }
  WriteResult Write(const Batch& batch) override;
  void Stop() override;

 private:
  using Clock = std::chrono::steady_clock;
  // A batch's bytes written on a connection, kept for resend_window.
  struct Sent {
    Clock::time_point at;
    std::shared_ptr<const std::string> bytes;
    uint32_t count = 0;
  };

  // Frames the batch's messages into payload_ (streams) or sends them (UDP). Error: the entry
  // that does not decode.
  Status Encode(const Batch& batch, bool stream);
  void Frame(std::string_view message);
  WriteResult WriteStream(const Batch& batch);
  // After a new connection: sends again what was written within resend_window before the
  // previous one broke.
  Status Resend();
  void Remember(std::shared_ptr<const std::string> bytes, uint32_t count, Clock::time_point now);
  // A Retry after the next wait of the connection backoff (100ms doubling up to retry_max).
  WriteResult RetryLater(std::string reason);

  const SyslogOutputConfig config_;
  const std::string id_;
  SyslogOutputMetrics metrics_;
  MessageEncoder encoder_;
  std::optional<StreamSender> stream_;
  std::optional<DatagramSender> datagram_;
  std::string message_;  // scratch: one message
  std::string payload_;  // scratch: one batch's frames
  std::deque<Sent> recent_;
  uint64_t recent_bytes_ = 0;
  std::chrono::milliseconds next_wait_{kFirstWait};
  static constexpr std::chrono::milliseconds kFirstWait{100};
};

}  // namespace runnel::plugins::syslog_output

#pragma once
// DatagramSocket: a bound UDP or unix datagram socket and the thread that receives from it.
// Each datagram is handed to the handler whole, on that thread, one at a time. A datagram larger
// than max_datagram_bytes is handed over cut to that size with `truncated` set (MSG_TRUNC).
//
//   DatagramOptions opts;
//   opts.host = "127.0.0.1"; opts.port = 0;          // UDP; or opts.unix_path = "/run/x.sock"
//   auto sock = DatagramSocket::Start(opts, [](const Datagram& d) { queue.TryPush(d.data); });
//   uint16_t port = (*sock)->port();
//
// Datagram sockets cannot be paused: what the handler does not take is lost, so a handler only
// queues (bounded) and counts what it drops; the kernel drops what arrives while its receive
// buffer (receive_buffer_bytes) is full, and that is not seen here.
// A unix datagram socket file is handled as UnixServer does (a stale socket removed, anything
// else refused, `permissions` applied, removed at Stop).
//
// Thread-safety: methods are thread-safe; the handler runs on the socket's thread.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::net {

struct DatagramOptions {
  // UDP: an IPv4 or IPv6 address ("0.0.0.0", "::", "127.0.0.1"), and a port (0 picks one).
  std::string host = "0.0.0.0";
  uint16_t port = 0;
  // Non-empty: a unix datagram socket at this path instead of UDP.
  std::string unix_path{};
  mode_t permissions = 0;  // unix: chmod'ed after bind; 0 leaves what the umask gave
  // The largest datagram handed over whole; larger ones are cut (truncated = true).
  size_t max_datagram_bytes = 64u << 10;
  // SO_RCVBUF asked for; 0 keeps the system default.
  size_t receive_buffer_bytes = 0;
  // Logs and the thread's name: "inputs.udp".
  std::string component{};
};

struct Datagram {
  std::string_view data;  // valid during the handler's call
  bool truncated = false;
  // UDP: the sender's address ("10.0.0.7", "::1") and port. Unix: the sender's bound path, or ""
  // (most senders do not bind one); port 0.
  std::string_view peer_address;
  uint16_t peer_port = 0;
};

class DatagramSocket {
 public:
  using Handler = std::function<void(const Datagram&)>;

  // Binds and starts the receiving thread. Errors: InvalidArgument for a host that is not an
  // IP address or a bad unix path; FailedPrecondition when a non-socket file is at unix_path;
  // Unavailable when binding fails ("bind 127.0.0.1:514: Permission denied").
  static Result<std::unique_ptr<DatagramSocket>> Start(DatagramOptions options, Handler handler);

  // Stop().
  ~DatagramSocket();
  DatagramSocket(const DatagramSocket&) = delete;
  DatagramSocket& operator=(const DatagramSocket&) = delete;

  // The bound UDP port; 0 for a unix socket.
  uint16_t port() const;
  // Datagrams received, and those of them that were truncated.
  uint64_t received_count() const;
  uint64_t truncated_count() const;

  // Stops the thread (the handler is not called after it returns), closes the socket and
  // removes a unix socket file. Idempotent; must not be called from the handler.
  void Stop();

  struct Impl;  // core/src/net

 private:
  explicit DatagramSocket(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::net

#pragma once
// Private to core/src/net: the state of one connection. Everything but the atomics is touched
// only on the connection's strand.

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/asio.h"
#include "net/io_loop_impl.h"
#include "runnel/net/connection.h"
#include "runnel/net/tls.h"

namespace runnel::net {

using Tcp = asio::ip::tcp;
// Every connection's socket: TCP (accepted or connected) or a unix stream socket, one type so
// one Connection serves both.
using StreamSocket = asio::generic::stream_protocol::socket;

// The peer of connected socket `fd`: "10.0.0.7:50312", "[::1]:50312", "unix:pid=42,uid=0"
// (SO_PEERCRED), or "" when it cannot be had.
std::string PeerName(int fd);

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
  // `socket` is open (accepted) or not yet (to be connected). `tls` may be null.
  Impl(std::shared_ptr<IoLoop::Impl> loop, StreamSocket socket, ConnectionOptions options,
       std::shared_ptr<const TlsContext> tls);
  ~Impl();

  // Adds the connection to its loop's registry; false (and closed) when the loop is stopping.
  bool Register();

  // TLS handshake under `timeout`; `done` runs on the strand. For a client, `server_name` is
  // sent as SNI and verified when the context says so.
  void Handshake(bool server, const std::string& server_name, std::chrono::milliseconds timeout,
                 std::function<void(Status)> done);
  // Connects the socket to `endpoint` under `timeout`, then (with TLS) the handshake.
  void ConnectAndHandshake(Tcp::endpoint endpoint, std::string server_name,
                           std::chrono::milliseconds timeout, std::function<void(Status)> done);

  void Start(ConnectionCallbacks callbacks);
  struct WriteItem {
    std::string owned;
    std::shared_ptr<const std::string> shared;
    std::string_view view() const { return shared ? std::string_view(*shared) : owned; }
  };
  Status Write(WriteItem item);
  void Pause();
  void Resume();
  void Close(Status reason);
  void CloseAfterWrites(Status reason);

  // Called after on_close (on the strand); used by TcpServer to forget the connection.
  std::function<void()> on_closed_internal;

  // Fixed at construction or before Start.
  std::shared_ptr<IoLoop::Impl> loop;
  asio::strand<asio::io_context::executor_type> strand;
  ConnectionOptions options;
  std::shared_ptr<const TlsContext> tls_context;
  uint64_t id;
  std::string peer;

  std::atomic<bool> closed{false};
  std::atomic<bool> paused{false};
  std::atomic<size_t> queued_bytes{0};
  bool is_tls = false;
  std::string peer_subject;  // set before the connection is handed out

 private:
  void SetPeer();
  void DoRead();
  void OnRead(const asio::error_code& ec, size_t n);
  void Deliver();
  void DoWrite();
  void OnWrite(const asio::error_code& ec);
  void DoClose(Status reason);
  void WatchDeadline(asio::steady_timer& timer);
  void ArmRead(std::chrono::milliseconds timeout, std::string reason);
  template <typename Fn>
  void WithStream(Fn&& fn);

  StreamSocket socket_;
  std::unique_ptr<asio::ssl::stream<StreamSocket&>> ssl_;
  asio::steady_timer read_deadline_;  // handshake, then idle
  asio::steady_timer write_deadline_;
  std::string read_deadline_reason_;

  ConnectionCallbacks callbacks_;
  bool started_ = false;
  bool reading_ = false;  // a read is in flight
  std::vector<char> read_buf_;
  size_t pending_ = 0;  // bytes read but not delivered (paused meanwhile)

  std::deque<WriteItem> write_queue_;
  std::vector<asio::const_buffer> write_bufs_;
  size_t writing_count_ = 0;  // buffers of write_queue_ in the write in flight
  Status close_reason_;
  std::optional<Status> close_after_writes_;  // set by CloseAfterWrites while writes are queued
};

}  // namespace runnel::net

#pragma once
// TcpServer: listens on host:port, accepts connections on its own IoLoop, runs the TLS handshake
// (when configured) under a deadline, and hands each ready connection to the handler, which
// returns the callbacks that read it.
//
//   TcpServerOptions opts;
//   opts.host = "0.0.0.0"; opts.port = 24224; opts.tls = tls_context;  // or nullptr: plain TCP
//   auto server = TcpServer::Start(opts, [](const std::shared_ptr<Connection>& conn) {
//     auto session = std::make_shared<Session>(conn);   // holds a weak_ptr<Connection>
//     return ConnectionCallbacks{
//         .on_data = [session](std::string_view d) { session->OnData(d); },
//         .on_close = [session](const Status& why) { session->OnClose(why); }};
//   });
//   if (!server) return server.error();
//   uint16_t port = (*server)->port();
//   ...
//   (*server)->Stop();   // or destroy it
//
// Thread-safety: methods are thread-safe. The handler runs on a loop thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runnel/net/connection.h"
#include "runnel/net/io_loop.h"
#include "runnel/net/tls.h"
#include "runnel/status.h"

namespace runnel {
class Counter;  // runnel/metrics.h
}  // namespace runnel

namespace runnel::net {

struct StreamServerState;  // core/src/net, shared with UnixServer

struct TcpServerOptions {
  // An address ("0.0.0.0", "::", "127.0.0.1") or a name resolving to one; port 0 picks a free
  // port (see TcpServer::port()).
  std::string host = "0.0.0.0";
  uint16_t port = 0;
  int io_threads = 1;
  // Connections open at once (including those still in the TLS handshake). One more is
  // accepted and closed at once (logged, counted): the peer sees the close and can try another
  // replica instead of waiting in the listen backlog.
  size_t max_connections = 1024;
  // When set, each refused connection is counted here too (a plugin's metric). Must outlive
  // the server.
  Counter* refused_counter = nullptr;
  // A TLS handshake not done by then closes the connection.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  // null: plain TCP. Otherwise a TlsRole::kServer context; every connection is TLS.
  std::shared_ptr<const TlsContext> tls{};
  // Timeouts and limits of each accepted connection; `connection.component` names the logs.
  ConnectionOptions connection{};
};

class TcpServer {
 public:
  // Called for each connection, once it is ready (after the TLS handshake); returns the
  // callbacks that read it (on_data required). The server then calls Start with them.
  using Handler = std::function<ConnectionCallbacks(const std::shared_ptr<Connection>&)>;

  // Binds and listens (SO_REUSEADDR), starts the io threads and accepting. Errors: Unavailable
  // when the address cannot be bound ("127.0.0.1:24224: Address already in use"),
  // InvalidArgument for a host that is not an address and does not resolve.
  static Result<std::unique_ptr<TcpServer>> Start(TcpServerOptions options, Handler handler);

  // Stop().
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // The bound port (the one picked when options.port was 0).
  uint16_t port() const;
  // Connections open now, including those in the TLS handshake.
  size_t connection_count() const;
  // Connections refused because max_connections were open.
  uint64_t refused_count() const;

  // Stops accepting, closes every connection (on_close gets Cancelled "server stopping"), and
  // joins the io threads. Idempotent; must not be called from a callback.
  void Stop();

  using State = StreamServerState;

 private:
  TcpServer(std::unique_ptr<IoLoop> loop, std::shared_ptr<State> state);
  std::unique_ptr<IoLoop> loop_;
  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace runnel::net

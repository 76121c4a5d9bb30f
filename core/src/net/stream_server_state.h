#pragma once
// Private to core/src/net: what a TcpServer or a UnixServer holds: the acceptor (a generic stream
// acceptor, bound to a TCP address or a unix socket path), the connections it accepted and the
// max_connections refusal. Everything but the atomics and `connections` (under `mu`) is touched
// only on `strand`.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "net/asio.h"
#include "net/io_loop_impl.h"
#include "runnel/net/tcp_server.h"

namespace runnel::net {

struct StreamServerState : std::enable_shared_from_this<StreamServerState> {
  using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

  StreamServerState(std::shared_ptr<IoLoop::Impl> l, TcpServerOptions o, TcpServer::Handler h)
      : loop(std::move(l)),
        options(std::move(o)),
        handler(std::move(h)),
        strand(asio::make_strand(loop->context)),
        acceptor(strand),
        retry_timer(strand) {}

  // Opens, binds and listens on `endpoint` (SO_REUSEADDR for TCP). The error's message is the
  // system's ("Address already in use").
  asio::error_code Listen(const asio::generic::stream_protocol::endpoint& endpoint, bool tcp);
  void Accept();
  // Closes the acceptor and every connection (Cancelled "server stopping"). Not on the loop.
  void StopAccepting();

  std::shared_ptr<IoLoop::Impl> loop;  // first: destroyed after the acceptor
  TcpServerOptions options;
  TcpServer::Handler handler;
  asio::strand<asio::io_context::executor_type> strand;
  Acceptor acceptor;
  asio::steady_timer retry_timer;
  std::string where;  // "port 24224", "/run/app.sock": for logs
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> refused{0};

  mutable std::mutex mu;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;

 private:
  void OnAccept(const asio::error_code& ec, asio::generic::stream_protocol::socket socket);
  void Adopt(asio::generic::stream_protocol::socket socket);
  void Forget(uint64_t id);
};

}  // namespace runnel::net

#include "runnel/net/tcp_server.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "net/connection_impl.h"
#include "net/stream_server_state.h"
#include "runnel/logging.h"

namespace runnel::net {

Result<std::unique_ptr<TcpServer>> TcpServer::Start(TcpServerOptions options, Handler handler) {
  if (options.tls && options.tls->role() != TlsRole::kServer) {
    return Err(InvalidArgument("TcpServer needs a TLS context made for TlsRole::kServer"));
  }
  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    asio::io_context resolver_context;
    Tcp::resolver resolver(resolver_context);
    auto results = resolver.resolve(options.host, "", ec);
    if (ec || results.empty()) {
      return Err(InvalidArgument("cannot listen on '" + options.host +
                                 "': not an address and it does not resolve" +
                                 (ec ? " (" + ec.message() + ")" : "")));
    }
    address = results.begin()->endpoint().address();
  }
  const std::string where = options.host + ":" + std::to_string(options.port);
  auto loop = std::make_unique<IoLoop>(
      options.connection.component.empty() ? std::string("server") : options.connection.component,
      options.io_threads);
  auto state = std::make_shared<State>(loop->impl(), std::move(options), std::move(handler));
  ec = state->Listen(
      asio::generic::stream_protocol::endpoint(Tcp::endpoint(address, state->options.port)),
      /*tcp=*/true);
  if (ec) {
    return Err(Unavailable("listen on " + where + ": " + ec.message()));
  }
  Tcp::endpoint bound;
  asio::generic::stream_protocol::endpoint local = state->acceptor.local_endpoint(ec);
  std::memcpy(bound.data(), local.data(), std::min<size_t>(local.size(), bound.capacity()));
  uint16_t port = bound.port();
  state->where = "port " + std::to_string(port);
  RUNNEL_LOG(kInfo, state->options.connection.component)
      << "listening on " << address.to_string() << ":" << port
      << (state->options.tls ? " (TLS)" : "");
  asio::dispatch(state->strand, [state] { state->Accept(); });
  auto server = std::unique_ptr<TcpServer>(new TcpServer(std::move(loop), std::move(state)));
  server->port_ = port;
  return server;
}

TcpServer::TcpServer(std::unique_ptr<IoLoop> loop, std::shared_ptr<State> state)
    : loop_(std::move(loop)), state_(std::move(state)) {}

TcpServer::~TcpServer() { Stop(); }

uint16_t TcpServer::port() const { return port_; }

size_t TcpServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

uint64_t TcpServer::refused_count() const { return state_->refused; }

void TcpServer::Stop() {
  if (state_->stopping.exchange(true)) {
    return;
  }
  state_->StopAccepting();
  loop_->Stop();
  RUNNEL_LOG(kInfo, state_->options.connection.component) << "stopped listening on port " << port_;
}

}  // namespace runnel::net

#include "runnel/net/tcp_server.h"

#include <mutex>
#include <unordered_map>
#include <utility>

#include "net/connection_impl.h"
#include "net/io_loop_impl.h"
#include "runnel/logging.h"

namespace runnel::net {

struct TcpServer::State : std::enable_shared_from_this<TcpServer::State> {
  State(std::shared_ptr<IoLoop::Impl> l, TcpServerOptions o, Handler h)
      : loop(std::move(l)),
        options(std::move(o)),
        handler(std::move(h)),
        strand(asio::make_strand(loop->context)),
        acceptor(strand),
        retry_timer(strand) {}

  void Accept();
  void OnAccept(const asio::error_code& ec, Tcp::socket socket);
  void Adopt(Tcp::socket socket);
  void Forget(uint64_t id);

  std::shared_ptr<IoLoop::Impl> loop;  // first: destroyed after the acceptor
  TcpServerOptions options;
  Handler handler;
  asio::strand<asio::io_context::executor_type> strand;
  Tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> refused{0};

  mutable std::mutex mu;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;
};

void TcpServer::State::Accept() {
  acceptor.async_accept(
      loop->context, [self = shared_from_this()](const asio::error_code& ec, Tcp::socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void TcpServer::State::OnAccept(const asio::error_code& ec, Tcp::socket socket) {
  if (stopping || !acceptor.is_open()) {
    return;
  }
  if (ec) {
    // EMFILE and friends: wait a little rather than spin; the backlog holds the peers meanwhile.
    RUNNEL_LOG_EVERY(kWarn, options.connection.component, std::chrono::seconds(10))
        << "accept on port " << port << ": " << ec.message();
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([self = shared_from_this()](const asio::error_code& wait_ec) {
      if (!wait_ec) {
        self->Accept();
      }
    });
    return;
  }
  size_t open;
  {
    std::lock_guard lock(mu);
    open = connections.size();
  }
  if (open >= options.max_connections) {
    refused.fetch_add(1);
    asio::error_code ignored;
    auto peer = socket.remote_endpoint(ignored);
    RUNNEL_LOG_EVERY(kWarn, options.connection.component, std::chrono::seconds(10))
        << "refused a connection from " << peer.address().to_string() << ": " << open
        << " connections open (max_connections " << options.max_connections << ")";
    socket.close(ignored);
  } else {
    Adopt(std::move(socket));
  }
  Accept();
}

void TcpServer::State::Adopt(Tcp::socket socket) {
  asio::error_code ignored;
  socket.set_option(Tcp::no_delay(true), ignored);
  auto impl =
      std::make_shared<Connection::Impl>(loop, std::move(socket), options.connection, options.tls);
  auto conn = std::make_shared<Connection>(impl);
  {
    std::lock_guard lock(mu);
    connections.emplace(impl->id, conn);
  }
  impl->on_closed_internal = [weak = weak_from_this(), id = impl->id] {
    if (auto self = weak.lock()) {
      self->Forget(id);
    }
  };
  asio::dispatch(
      impl->strand, [self = shared_from_this(), impl, weak_conn = std::weak_ptr<Connection>(conn)] {
        if (!impl->Register()) {
          self->Forget(impl->id);
          return;
        }
        impl->Handshake(true, "", self->options.handshake_timeout,
                        [self, weak_conn, impl](Status status) {
                          auto conn = weak_conn.lock();
                          if (!status.ok() || !conn || impl->closed) {
                            return;  // closed and logged by the handshake
                          }
                          RUNNEL_LOG(kDebug, self->options.connection.component)
                              << "accepted " << impl->peer << (impl->is_tls ? " (TLS)" : "");
                          conn->Start(self->handler(conn));
                        });
      });
}

void TcpServer::State::Forget(uint64_t id) {
  std::shared_ptr<Connection> conn;  // released outside the lock
  std::lock_guard lock(mu);
  auto it = connections.find(id);
  if (it != connections.end()) {
    conn = std::move(it->second);
    connections.erase(it);
  }
}

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
  Tcp::endpoint endpoint(address, state->options.port);
  Tcp::acceptor& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(Tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Err(Unavailable("listen on " + where + ": " + ec.message()));
  }
  state->port = acceptor.local_endpoint(ec).port();
  RUNNEL_LOG(kInfo, state->options.connection.component)
      << "listening on " << address.to_string() << ":" << state->port
      << (state->options.tls ? " (TLS)" : "");
  asio::dispatch(state->strand, [state] { state->Accept(); });
  return std::unique_ptr<TcpServer>(new TcpServer(std::move(loop), std::move(state)));
}

TcpServer::TcpServer(std::unique_ptr<IoLoop> loop, std::shared_ptr<State> state)
    : loop_(std::move(loop)), state_(std::move(state)) {}

TcpServer::~TcpServer() { Stop(); }

uint16_t TcpServer::port() const { return state_->port; }

size_t TcpServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

uint64_t TcpServer::refused_count() const { return state_->refused; }

void TcpServer::Stop() {
  if (state_->stopping.exchange(true)) {
    return;
  }
  asio::dispatch(state_->strand, [state = state_] {
    asio::error_code ignored;
    state->acceptor.close(ignored);
    state->retry_timer.cancel();
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(state_->mu);
    for (auto& [id, conn] : state_->connections) {
      open.push_back(conn);
    }
  }
  for (auto& conn : open) {
    conn->Close(Cancelled("server stopping"));
  }
  open.clear();
  loop_->Stop();
  RUNNEL_LOG(kInfo, state_->options.connection.component)
      << "stopped listening on port " << state_->port;
}

}  // namespace runnel::net

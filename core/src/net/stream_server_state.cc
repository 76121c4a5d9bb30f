#include "net/stream_server_state.h"

#include <utility>
#include <vector>

#include "net/connection_impl.h"
#include "runnel/logging.h"
#include "runnel/metrics.h"

namespace runnel::net {

asio::error_code StreamServerState::Listen(const asio::generic::stream_protocol::endpoint& endpoint,
                                           bool tcp) {
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec && tcp) {
    acceptor.set_option(Acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  return ec;
}

void StreamServerState::Accept() {
  acceptor.async_accept(loop->context,
                        [self = shared_from_this()](const asio::error_code& ec,
                                                    asio::generic::stream_protocol::socket socket) {
                          self->OnAccept(ec, std::move(socket));
                        });
}

void StreamServerState::OnAccept(const asio::error_code& ec,
                                 asio::generic::stream_protocol::socket socket) {
  if (stopping || !acceptor.is_open()) {
    return;
  }
  if (ec) {
    // EMFILE and friends: wait a little rather than spin; the backlog holds the peers meanwhile.
    RUNNEL_LOG_EVERY(kWarn, options.connection.component, std::chrono::seconds(10))
        << "accept on " << where << ": " << ec.message();
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
    if (options.refused_counter != nullptr) {
      options.refused_counter->Add();
    }
    RUNNEL_LOG_EVERY(kWarn, options.connection.component, std::chrono::seconds(10))
        << "refused a connection from " << PeerName(socket.native_handle()) << ": " << open
        << " connections open (max_connections " << options.max_connections << ")";
    asio::error_code ignored;
    socket.close(ignored);
  } else {
    Adopt(std::move(socket));
  }
  Accept();
}

void StreamServerState::Adopt(asio::generic::stream_protocol::socket socket) {
  asio::error_code ec;
  auto local = socket.local_endpoint(ec);
  if (!ec && local.protocol().family() != AF_UNIX) {
    socket.set_option(Tcp::no_delay(true), ec);  // best effort
  }
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

void StreamServerState::Forget(uint64_t id) {
  std::shared_ptr<Connection> conn;  // released outside the lock
  std::lock_guard lock(mu);
  auto it = connections.find(id);
  if (it != connections.end()) {
    conn = std::move(it->second);
    connections.erase(it);
  }
}

void StreamServerState::StopAccepting() {
  asio::dispatch(strand, [self = shared_from_this()] {
    asio::error_code ignored;
    self->acceptor.close(ignored);
    self->retry_timer.cancel();
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu);
    for (auto& [id, conn] : connections) {
      open.push_back(conn);
    }
  }
  for (auto& conn : open) {
    conn->Close(Cancelled("server stopping"));
  }
}

}  // namespace runnel::net

#include "runnel/net/tcp_client.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <utility>

#include "net/connection_impl.h"
#include "net/io_loop_impl.h"
#include "runnel/check.h"

namespace runnel::net {

std::string Endpoint::ToString() const {
  return is_v6 ? "[" + address + "]:" + std::to_string(port) : address + ":" + std::to_string(port);
}

Result<std::vector<Endpoint>> Resolve(std::string_view host, uint16_t port) {
  if (host.empty()) {
    return Err(InvalidArgument("resolve: empty host name"));
  }
  std::string name(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);  // "[::1]"
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    std::string why = rc == EAI_SYSTEM ? std::string(std::strerror(errno)) : gai_strerror(rc);
    return Err(Unavailable("resolve '" + name + "': " + why));
  }
  std::vector<Endpoint> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    char buf[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof(buf), nullptr, 0, NI_NUMERICHOST) !=
        0) {
      continue;
    }
    Endpoint e{.address = buf, .port = port, .is_v6 = ai->ai_family == AF_INET6};
    if (std::find(out.begin(), out.end(), e) == out.end()) {
      out.push_back(std::move(e));
    }
  }
  freeaddrinfo(list);
  if (out.empty()) {
    return Err(Unavailable("resolve '" + name + "': no address"));
  }
  return out;
}

void ConnectAsync(IoLoop& loop, const Endpoint& endpoint, const ConnectOptions& options,
                  std::function<void(Result<std::shared_ptr<Connection>>)> done) {
  if (options.tls && options.tls->role() != TlsRole::kClient) {
    done(Err(InvalidArgument("Connect needs a TLS context made for TlsRole::kClient")));
    return;
  }
  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(endpoint.address, ec);
  if (ec) {
    done(Err(InvalidArgument("connect: '" + endpoint.address + "' is not an IP address")));
    return;
  }
  std::shared_ptr<IoLoop::Impl> loop_impl = loop.impl();
  auto impl = std::make_shared<Connection::Impl>(loop_impl, StreamSocket(loop_impl->context),
                                                 options.connection, options.tls);
  std::string server_name = options.server_name.empty() ? endpoint.address : options.server_name;
  asio::dispatch(
      impl->strand,
      [impl, target = Tcp::endpoint(address, endpoint.port), server_name = std::move(server_name),
       timeout = options.connect_timeout, done = std::move(done)]() mutable {
        if (!impl->Register()) {
          done(Err(Cancelled("connect: the loop is stopping")));
          return;
        }
        impl->ConnectAndHandshake(target, std::move(server_name), timeout,
                                  [impl, done = std::move(done)](Status status) {
                                    if (status.code() == StatusCode::kDeadlineExceeded) {
                                      status = Unavailable(status.message());  // retryable
                                    }
                                    if (!status.ok()) {
                                      done(Err(std::move(status)));
                                      return;
                                    }
                                    done(std::make_shared<Connection>(impl));
                                  });
      });
}

Result<std::shared_ptr<Connection>> Connect(IoLoop& loop, const Endpoint& endpoint,
                                            const ConnectOptions& options) {
  RUNNEL_CHECK_MSG(!loop.InLoopThread(), "blocking net::Connect called on a loop thread");
  auto promise = std::make_shared<std::promise<Result<std::shared_ptr<Connection>>>>();
  auto future = promise->get_future();
  ConnectAsync(loop, endpoint, options, [promise](Result<std::shared_ptr<Connection>> result) {
    promise->set_value(std::move(result));
  });
  return future.get();
}

}  // namespace runnel::net

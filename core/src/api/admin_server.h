#pragma once
// AdminServer: the HTTP admin API of a runnel process ([api] in the config), on net::TcpServer.
//
//   GET /metrics   Prometheus text exposition 0.0.4 (handlers.metrics)
//   GET /health    200 or 503 with a JSON body (handlers.health; see health.h)
//   GET /ready     200 or 503 with a JSON body (handlers.ready)
// HEAD is answered like GET without the body. Another method: 405 with "Allow: GET, HEAD";
// another path: 404; a malformed request: 400 (414, 431, 413, 501, 505 as http.h says) and the
// connection is closed. Every response has Content-Length. Connections are kept alive
// (HTTP/1.1, or HTTP/1.0 with "Connection: keep-alive") unless the client says close;
// pipelined requests are answered in order.
//
// Bounds: max_connections open at once (one more is accepted and closed), a request must be
// complete within request_timeout of its first byte (else 408 and close: a client trickling
// bytes cannot hold a connection), a connection without a request for idle_timeout is closed,
// and the bytes a request may have are HttpLimits. A client that does not read its responses is
// closed once write_timeout passes or max_write_queue_bytes are queued.
//
// The server knows nothing of pipelines: it calls the handlers, on its loop thread, one request
// at a time per connection. They must be thread-safe and must not block for long (the metrics
// of a small pipeline render in microseconds). SetHandlers swaps them while the server runs (a
// reload that replaces the pipeline): it returns once no request is running the old ones.
//
// Thread-safety: every method is thread-safe; Stop and SetHandlers must not be called from a
// handler.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "api/health.h"
#include "runnel/net/http.h"
#include "runnel/net/tcp_server.h"
#include "runnel/status.h"

namespace runnel::api {

// The HTTP/1.1 parsing and responses are net's (runnel/net/http.h).
using net::HttpDate;
using net::HttpLimits;
using net::HttpParse;
using net::HttpRequest;
using net::HttpResponse;
using net::ParseHttpRequest;
using net::ReasonPhrase;
using net::SerializeResponse;

struct AdminHandlers {
  std::function<std::string()> metrics;  // the /metrics body
  std::function<Probe()> health;
  std::function<Probe()> ready;
};

struct AdminServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port, see port(); logged either way
  // Logs are "[<component>] ...": "[api] listening on 127.0.0.1:2020".
  std::string component = "api";
  size_t max_connections = 16;
  HttpLimits limits{};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  size_t max_write_queue_bytes = 16u << 20;
};

class AdminServer {
 public:
  // Binds and starts serving. Errors: Unavailable when the address cannot be bound
  // ("listen on 127.0.0.1:2020: Address already in use"), InvalidArgument for a host that is
  // not an address and does not resolve.
  static Result<std::unique_ptr<AdminServer>> Start(AdminServerOptions options,
                                                    AdminHandlers handlers);
  // Stop().
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound port (the one picked when options.port was 0).
  uint16_t port() const;
  // Replaces the handlers; returns once no request runs the old ones.
  void SetHandlers(AdminHandlers handlers);
  // Stops accepting, closes every connection and joins the threads; no handler runs once it
  // returns. Idempotent.
  void Stop();

  struct Shared;  // admin_server.cc

 private:
  AdminServer(std::shared_ptr<Shared> shared, std::unique_ptr<net::TcpServer> server);
  void Sweep();

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<net::TcpServer> server_;
  std::thread sweeper_;  // closes requests past request_timeout
};

}  // namespace runnel::api

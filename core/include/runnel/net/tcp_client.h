#pragma once
// Client side: resolve a server name to every address it has (each can be treated as a
// replica), connect to one address with a deadline, optionally with TLS and host name
// verification, and get a Connection to write to and read from.
//
//   IoLoop loop("forward");
//   RUNNEL_ASSIGN_OR_RETURN(std::vector<Endpoint> replicas, Resolve("aggregators.internal",
//   24224)); ConnectOptions opts; opts.tls = tls_context;                       //
//   TlsRole::kClient, or nullptr opts.server_name = "aggregators.internal";    // checked against
//   the certificate auto conn = Connect(loop, replicas[0], opts); // blocks; or ConnectAsync if
//   (!conn) { /* Unavailable: try the next replica, back off */ }
//   (*conn)->Start({.on_data = ..., .on_close = ...});
//   (*conn)->Write(std::make_shared<const std::string>(batch_bytes));

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/net/connection.h"
#include "runnel/net/io_loop.h"
#include "runnel/net/tls.h"
#include "runnel/status.h"

namespace runnel::net {

// One resolved address.
struct Endpoint {
  std::string address{};  // numeric: "10.0.0.7", "::1"
  uint16_t port = 0;
  bool is_v6 = false;
  std::string ToString() const;  // "10.0.0.7:24224", "[::1]:24224"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Every address `host` resolves to (getaddrinfo, TCP), deduplicated, in the resolver's order.
// Blocking: call it from a worker thread, not a loop thread. A numeric host returns itself.
// Errors: Unavailable when the name does not resolve (yet: DNS may be down), InvalidArgument for
// an empty host.
Result<std::vector<Endpoint>> Resolve(std::string_view host, uint16_t port);

struct ConnectOptions {
  // For the TCP connect and the TLS handshake together.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  // null: plain TCP. Otherwise a TlsRole::kClient context.
  std::shared_ptr<const TlsContext> tls{};
  // The name sent as SNI and verified against the server's certificate when the context has
  // verify_hostname; the context's server_name wins when set. Empty: the endpoint's address
  // (checked against the certificate's IP addresses).
  std::string server_name{};
  ConnectionOptions connection{};
};

// Connects to `endpoint` on `loop` and completes the TLS handshake. The connection is not read
// until Start. Errors are Unavailable ("connect 127.0.0.1:1: Connection refused",
// "TLS handshake with 10.0.0.7:24224: certificate verify failed: hostname mismatch", "... timed
// out after 5000ms"); Cancelled when the loop is stopping.
// Blocking; must not be called from a loop thread (RUNNEL_CHECK).
Result<std::shared_ptr<Connection>> Connect(IoLoop& loop, const Endpoint& endpoint,
                                            const ConnectOptions& options);

// The same, without blocking: `done` runs once, on a loop thread.
void ConnectAsync(IoLoop& loop, const Endpoint& endpoint, const ConnectOptions& options,
                  std::function<void(Result<std::shared_ptr<Connection>>)> done);

}  // namespace runnel::net

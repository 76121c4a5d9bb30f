#pragma once
// UnixServer: listens on a unix stream socket (a path), accepts connections on its own IoLoop and
// hands each to the handler, exactly as TcpServer does for TCP: the same Connection (push reads,
// PauseReading for backpressure, queued writes), the same max_connections refusal. No TLS.
//
//   UnixServerOptions opts;
//   opts.path = "/run/runnel/app.sock"; opts.permissions = 0660;
//   auto server = UnixServer::Start(opts, handler);   // handler as for TcpServer
//
// The socket file: a file already at `path` that is a socket is removed first (a stale one left
// by a process that died); anything else there is an error, never removed. Stop() removes the
// file this server made. Connection::peer() is "unix:pid=<pid>,uid=<uid>" (SO_PEERCRED).
//
// Thread-safety: methods are thread-safe. The handler runs on a loop thread.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runnel/net/connection.h"
#include "runnel/net/io_loop.h"
#include "runnel/net/tcp_server.h"
#include "runnel/status.h"

namespace runnel::net {

struct UnixServerOptions {
  std::string path{};
  // chmod'ed onto the socket file after bind; 0 leaves what the umask gave.
  mode_t permissions = 0;
  int io_threads = 1;
  // As TcpServerOptions::max_connections: one more is accepted and closed at once.
  size_t max_connections = 1024;
  Counter* refused_counter = nullptr;  // as TcpServerOptions::refused_counter
  ConnectionOptions connection{};
};

class UnixServer {
 public:
  // Removes a stale socket file, binds, sets the permissions, listens and starts accepting.
  // Errors: InvalidArgument for an empty path or one longer than a sockaddr_un holds;
  // FailedPrecondition when something that is not a socket is at `path` ("... exists and is not
  // a socket"); Unavailable when binding or chmod fails ("bind /run/x.sock: Permission denied").
  static Result<std::unique_ptr<UnixServer>> Start(UnixServerOptions options,
                                                   TcpServer::Handler handler);

  // Stop().
  ~UnixServer();
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;

  const std::string& path() const { return path_; }
  size_t connection_count() const;
  // Connections refused because max_connections were open.
  uint64_t refused_count() const;

  // Stops accepting, closes every connection (Cancelled "server stopping"), joins the io
  // threads and removes the socket file. Idempotent; must not be called from a callback.
  void Stop();

 private:
  UnixServer(std::unique_ptr<IoLoop> loop, std::shared_ptr<StreamServerState> state,
             std::string path);
  std::unique_ptr<IoLoop> loop_;
  std::shared_ptr<StreamServerState> state_;
  std::string path_;
};

// Shared by the unix stream and datagram sockets: removes `path` when it is a socket (stale),
// OK when nothing is there; FailedPrecondition when it is something else.
Status RemoveStaleSocket(const std::string& path);

}  // namespace runnel::net

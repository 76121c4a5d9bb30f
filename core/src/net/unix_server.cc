#include "runnel/net/unix_server.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "net/stream_server_state.h"
#include "runnel/logging.h"

namespace runnel::net {

Status RemoveStaleSocket(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? OkStatus() : Unavailable("stat " + path + ": " + std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return FailedPrecondition(path + " exists and is not a socket (not removed)");
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Unavailable("remove the stale socket " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Result<std::unique_ptr<UnixServer>> UnixServer::Start(UnixServerOptions options,
                                                      TcpServer::Handler handler) {
  if (options.path.empty()) {
    return Err(InvalidArgument("a unix socket needs a path"));
  }
  if (options.path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Err(InvalidArgument("unix socket path is longer than " +
                               std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes"));
  }
  RUNNEL_RETURN_IF_ERROR(RemoveStaleSocket(options.path));
  TcpServerOptions server;
  server.io_threads = options.io_threads;
  server.max_connections = options.max_connections;
  server.refused_counter = options.refused_counter;
  server.connection = options.connection;
  auto loop = std::make_unique<IoLoop>(
      server.connection.component.empty() ? std::string("server") : server.connection.component,
      server.io_threads);
  auto state =
      std::make_shared<StreamServerState>(loop->impl(), std::move(server), std::move(handler));
  asio::error_code ec = state->Listen(asio::generic::stream_protocol::endpoint(
                                          asio::local::stream_protocol::endpoint(options.path)),
                                      /*tcp=*/false);
  if (ec) {
    return Err(Unavailable("bind " + options.path + ": " + ec.message()));
  }
  if (options.permissions != 0 && chmod(options.path.c_str(), options.permissions) != 0) {
    Status s = Unavailable("chmod " + options.path + ": " + std::strerror(errno));
    unlink(options.path.c_str());
    return Err(std::move(s));
  }
  state->where = options.path;
  RUNNEL_LOG(kInfo, state->options.connection.component) << "listening on " << options.path;
  asio::dispatch(state->strand, [state] { state->Accept(); });
  return std::unique_ptr<UnixServer>(
      new UnixServer(std::move(loop), std::move(state), std::move(options.path)));
}

UnixServer::UnixServer(std::unique_ptr<IoLoop> loop, std::shared_ptr<StreamServerState> state,
                       std::string path)
    : loop_(std::move(loop)), state_(std::move(state)), path_(std::move(path)) {}

UnixServer::~UnixServer() { Stop(); }

size_t UnixServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

uint64_t UnixServer::refused_count() const { return state_->refused; }

void UnixServer::Stop() {
  if (state_->stopping.exchange(true)) {
    return;
  }
  state_->StopAccepting();
  loop_->Stop();
  unlink(path_.c_str());
  RUNNEL_LOG(kInfo, state_->options.connection.component) << "stopped listening on " << path_;
}

}  // namespace runnel::net

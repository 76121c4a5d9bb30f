#include "forward_input.h"

#include <utility>

#include "forward_session.h"
#include "receiver.h"
#include "runnel/net/listener_config.h"

namespace runnel::plugins::forward_input {

ForwardInput::ForwardInput(ForwardConfig config, const PluginContext& ctx)
    : id_(ctx.id),
      state_dir_(ctx.StateDir()),
      receiver_(std::make_shared<Receiver>(std::move(config), ctx.id, ctx.metrics)) {}

ForwardInput::~ForwardInput() { Stop(); }

Status ForwardInput::Start(Emitter& emitter) {
  const ForwardConfig& config = receiver_->config();
  if (config.dedupe) {
    Result<std::unique_ptr<ChunkWindow>> window =
        ChunkWindow::Open(state_dir_, config.dedupe_window, id_);
    if (!window) {
      return window.error().WithPrefix(id_ + ": dedupe window");
    }
    const ChunkWindow::OpenStats& stats = (*window)->open_stats();
    receiver_->metrics().dedupe_damaged_records->Add(stats.corrupt_records +
                                                     (stats.torn_bytes > 0 ? 1 : 0));
    receiver_->SetWindow(std::move(*window));
  }
  net::TcpServerOptions opts;
  opts.host = config.host;
  opts.port = config.port;
  opts.max_connections = config.max_connections;
  opts.tls = config.tls;
  opts.connection.idle_timeout = config.idle_timeout;
  opts.connection.component = id_;
  std::shared_ptr<Receiver> receiver = receiver_;
  auto server = net::TcpServer::Start(opts, [receiver](const std::shared_ptr<net::Connection>& c) {
    auto session = std::make_shared<Session>(receiver, c);
    session->Begin();
    return net::ConnectionCallbacks{
        .on_data = [session](std::string_view d) { session->OnData(d); },
        .on_close = [session](const Status& why) { session->OnClose(why); }};
  });
  if (!server) {
    // "listen on 0.0.0.0:24224: Address already in use" or "cannot listen on 'x': ...".
    return net::ListenFailure(id_, server.error());
  }
  server_ = std::move(*server);
  // The server logs "listening on <address>:<port>" (the port picked when port = 0).
  emit_thread_ = std::thread([receiver, &emitter] { receiver->Run(emitter); });
  return OkStatus();
}

void ForwardInput::Stop() {
  if (server_ != nullptr) {
    server_->Stop();  // no more on_data: nothing is enqueued after this
  }
  receiver_->Shutdown();
  if (emit_thread_.joinable()) {
    emit_thread_.join();
  }
}

uint16_t ForwardInput::port() const { return server_ == nullptr ? 0 : server_->port(); }

}  // namespace runnel::plugins::forward_input

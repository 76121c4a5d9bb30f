#include "http_input.h"

#include <chrono>
#include <utility>

#include "http_session.h"
#include "receiver.h"
#include "runnel/net/listener_config.h"

namespace runnel::plugins::http_input {

HttpInput::HttpInput(HttpConfig config, const PluginContext& ctx)
    : id_(ctx.id), receiver_(std::make_shared<Receiver>(std::move(config), ctx.id, ctx.metrics)) {}

HttpInput::~HttpInput() {
  Stop();
  OnDrained();
}

Status HttpInput::Start(Emitter& emitter) {
  const HttpConfig& config = receiver_->config();
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
    const uint64_t id = c->id();
    receiver->AddSession(id, session);
    return net::ConnectionCallbacks{
        .on_data = [session](std::string_view d) { session->OnData(d); },
        .on_close =
            [session, receiver, id](const Status& why) {
              session->OnClose(why);
              receiver->RemoveSession(id);
            }};
  });
  if (!server) {
    return net::ListenFailure(id_, server.error());
  }
  server_ = std::move(*server);
  // The server logs "listening on <address>:<port>" (the port picked when port = 0).
  emit_thread_ = std::thread([receiver, &emitter] { receiver->Run(emitter); });
  return OkStatus();
}

void HttpInput::Stop() {
  receiver_->Shutdown();  // queued requests: cancelled, answered 503
  if (emit_thread_.joinable()) {
    emit_thread_.join();
  }
}

void HttpInput::OnDrained() {
  if (server_ == nullptr) {
    return;
  }
  // Answers already queued go out first (a 503 of Stop, a 200 of the drain), briefly.
  for (const std::shared_ptr<Session>& s : receiver_->Sessions()) {
    s->Finish();
  }
  (void)receiver_->WaitForNoSessions(std::chrono::seconds(2));
  server_->Stop();
  server_.reset();
}

uint16_t HttpInput::port() const { return server_ == nullptr ? 0 : server_->port(); }

}  // namespace runnel::plugins::http_input

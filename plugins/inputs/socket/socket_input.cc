#include "socket_input.h"

#include <utility>

#include "emit_queue.h"
#include "runnel/logging.h"
#include "runnel/net/datagram_socket.h"
#include "runnel/net/listener_config.h"
#include "runnel/net/tcp_server.h"
#include "runnel/net/unix_server.h"
#include "stream_session.h"

namespace runnel::plugins::socket_input {

SocketInput::SocketInput(SocketConfig config, std::string tag, const PluginContext& ctx,
                         EncoderFactory encoders)
    : shared_(std::make_shared<StreamShared>()) {
  if (encoders == nullptr) {
    encoders = [key = config.key, peer_keys = config.peer_keys] {
      return std::make_unique<PlainEncoder>(key, peer_keys);
    };
  }
  shared_->component = ctx.id;
  shared_->tag = std::move(tag);
  shared_->metrics = SocketMetrics::Create(*ctx.metrics, ctx.id);
  shared_->encoders = std::move(encoders);
  shared_->queue = std::make_shared<EmitQueue>(
      ctx.id, shared_->metrics, IsStream(config.transport) ? SIZE_MAX : config.queue_max_bytes,
      config.batch_max_bytes);
  shared_->config = std::move(config);
}

SocketInput::~SocketInput() { Stop(); }

Status SocketInput::Start(Emitter& emitter) {
  const SocketConfig& config = shared_->config;
  const std::string& id = shared_->component;
  std::shared_ptr<const StreamShared> shared = shared_;
  auto handler = [shared](const std::shared_ptr<net::Connection>& c) {
    auto session = std::make_shared<StreamSession>(shared, c);
    return net::ConnectionCallbacks{
        .on_data = [session](std::string_view d) { session->OnData(d); },
        .on_close = [session](const Status& why) { session->OnClose(why); }};
  };
  net::ConnectionOptions conn;
  conn.idle_timeout = config.idle_timeout;
  conn.component = id;
  switch (config.transport) {
    case Transport::kTcp: {
      net::TcpServerOptions opts;
      opts.host = config.host;
      opts.port = config.port;
      opts.max_connections = config.max_connections;
      opts.tls = config.tls;
      opts.connection = conn;
      opts.refused_counter = shared_->metrics.connections_refused;
      auto server = net::TcpServer::Start(opts, handler);
      if (!server) {
        return net::ListenFailure(id, server.error());
      }
      tcp_ = std::move(*server);
      break;
    }
    case Transport::kUnixStream: {
      net::UnixServerOptions opts;
      opts.path = config.path;
      opts.permissions = config.permissions;
      opts.max_connections = config.max_connections;
      opts.connection = conn;
      opts.refused_counter = shared_->metrics.connections_refused;
      auto server = net::UnixServer::Start(opts, handler);
      if (!server) {
        return server.error().WithPrefix(id + ": cannot listen");
      }
      unix_ = std::move(*server);
      break;
    }
    case Transport::kUdp:
    case Transport::kUnixDatagram: {
      net::DatagramOptions opts;
      if (config.transport == Transport::kUdp) {
        opts.host = config.host;
        opts.port = config.port;
      } else {
        opts.unix_path = config.path;
        opts.permissions = config.permissions;
      }
      opts.max_datagram_bytes = config.max_line_bytes;
      opts.receive_buffer_bytes = config.receive_buffer_bytes;
      opts.component = id;
      datagram_encoder_ = shared_->encoders();
      auto sock =
          net::DatagramSocket::Start(opts, [this](const net::Datagram& d) { OnDatagram(d); });
      if (!sock) {
        return sock.error().WithPrefix(id + ": cannot listen");
      }
      datagrams_ = std::move(*sock);
      break;
    }
  }
  std::shared_ptr<EmitQueue> queue = shared_->queue;
  emit_thread_ = std::thread([queue, &emitter] { queue->Run(emitter); });
  return OkStatus();
}

void SocketInput::OnDatagram(const net::Datagram& d) {
  const SocketConfig& config = shared_->config;
  const SocketMetrics& m = shared_->metrics;
  Batch batch;
  batch.tag = shared_->tag;
  batch.id = BatchId::Random();
  BatchBuilder builder(&batch);
  Peer peer{d.peer_address, d.peer_port};
  auto add = [&](std::string_view message, bool truncated) {
    m.messages->Add();
    if (truncated) {
      m.truncated->Add();
      RUNNEL_LOG_EVERY(kWarn, shared_->component, std::chrono::seconds(10))
          << "a datagram" << (d.peer_address.empty() ? "" : " from ") << d.peer_address
          << " is over max_line_bytes (" << config.max_line_bytes << "): cut";
    }
    datagram_encoder_->Append(message, truncated, peer, builder);
  };
  std::string_view data = d.data;
  if (config.framing == Framing::kNewline) {
    // Several lines in one datagram; the last may lack its newline.
    while (!data.empty()) {
      size_t nl = data.find('\n');
      std::string_view line = data.substr(0, nl);
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      if (!line.empty()) {
        add(line, d.truncated && nl == std::string_view::npos);
      }
      data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
    }
  } else {
    if (!d.truncated && data.ends_with('\n')) {
      data.remove_suffix(data.ends_with("\r\n") ? 2 : 1);
    }
    if (!data.empty()) {
      add(data, d.truncated);
    }
  }
  if (batch.count > 0) {
    (void)shared_->queue->TryPush(std::move(batch));
  }
}

void SocketInput::Stop() {
  // The producers first: after these no session or datagram adds to the queue.
  if (tcp_ != nullptr) {
    tcp_->Stop();
  }
  if (unix_ != nullptr) {
    unix_->Stop();
  }
  if (datagrams_ != nullptr) {
    datagrams_->Stop();
  }
  shared_->queue->Shutdown();
  if (emit_thread_.joinable()) {
    emit_thread_.join();
  }
}

uint16_t SocketInput::port() const {
  if (tcp_ != nullptr) {
    return tcp_->port();
  }
  if (datagrams_ != nullptr) {
    return datagrams_->port();
  }
  return 0;
}

}  // namespace runnel::plugins::socket_input

#include "tests/testing/fake_forward_server.h"

#include <cstdlib>
#include <iostream>

#include "runnel/forward/frame_encoder.h"
#include "runnel/forward/handshake.h"

namespace runnel::testing {

struct FakeForwardServer::Session {
  std::weak_ptr<net::Connection> conn;
  forward::FrameDecoder decoder;
  bool ready = true;
  forward::Helo helo;
};

FakeForwardServer::FakeForwardServer(FakeForwardOptions options)
    : options_(std::move(options)), port_(options_.port) {}

FakeForwardServer::~FakeForwardServer() { Stop(); }

void FakeForwardServer::Start() {
  net::TcpServerOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.tls = options_.tls;
  o.connection.component = "fake-forward";
  o.connection.idle_timeout = options_.idle_timeout;
  Result<std::unique_ptr<net::TcpServer>> s = net::TcpServer::Start(
      o, [this](const std::shared_ptr<net::Connection>& c) { return Accept(c); });
  if (!s) {
    std::cerr << "FakeForwardServer: " << s.error().message() << "\n";
    std::abort();
  }
  server_ = std::move(*s);
  port_ = server_->port();
}

void FakeForwardServer::Stop() {
  if (server_ != nullptr) {
    server_->Stop();
    server_.reset();
  }
  std::lock_guard<std::mutex> lock(mu_);
  held_.clear();
}

net::ConnectionCallbacks FakeForwardServer::Accept(const std::shared_ptr<net::Connection>& c) {
  auto s = std::make_shared<Session>();
  s->conn = c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++connections_;
  }
  cv_.notify_all();
  if (!options_.shared_key.empty()) {
    s->ready = false;
    s->helo.nonce = *forward::RandomBytes(16);
    s->helo.keepalive = true;
    (void)c->Write(forward::EncodeHelo(s->helo));
  }
  return net::ConnectionCallbacks{
      .on_data =
          [this, s](std::string_view data) {
            std::shared_ptr<net::Connection> conn = s->conn.lock();
            if (conn == nullptr) {
              return;
            }
            s->decoder.Feed(data);
            while (!s->ready) {
              Result<std::optional<std::string_view>> raw = s->decoder.NextRaw();
              if (!raw || !raw->has_value()) {
                return;
              }
              Result<forward::Ping> ping = forward::DecodePing(**raw);
              Status verdict = ping ? forward::VerifyPing(*ping, s->helo, options_.shared_key, {})
                                    : ping.error();
              forward::Ping answered = ping ? *ping : forward::Ping{};
              (void)conn->Write(forward::EncodePong(forward::MakePong(
                  answered, s->helo, "fake-server", options_.shared_key, verdict)));
              if (!verdict.ok()) {
                {
                  std::lock_guard<std::mutex> lock(mu_);
                  ++refused_;
                }
                cv_.notify_all();
                conn->Close(verdict);
                return;
              }
              s->ready = true;
            }
            while (true) {
              Result<std::optional<forward::EventFrame>> f = s->decoder.Next();
              if (!f) {
                conn->Close(f.error());
                return;
              }
              if (!f->has_value()) {
                return;
              }
              forward::EventFrame& frame = **f;
              ReceivedFrame r{frame.batch.tag,     frame.mode,        frame.options.compressed,
                              frame.options.chunk, frame.batch.count, std::move(frame.batch.data)};
              bool ack_now = false;
              {
                std::lock_guard<std::mutex> lock(mu_);
                if (!r.chunk.empty() && !chunks_.insert(r.chunk).second) {
                  ++duplicates_;
                }
                if (!r.chunk.empty() && options_.ack) {
                  if (hold_) {
                    held_.emplace_back(conn, r.chunk);
                  } else {
                    ack_now = true;
                  }
                }
                frames_.push_back(std::move(r));
                if (ack_now) {
                  (void)conn->Write(forward::EncodeAck(frames_.back().chunk));
                }
              }
              cv_.notify_all();
            }
          },
      .on_close = [](const Status&) {}};
}

void FakeForwardServer::HoldAcks() {
  std::lock_guard<std::mutex> lock(mu_);
  hold_ = true;
}

void FakeForwardServer::ReleaseAcks() {
  std::vector<std::pair<std::weak_ptr<net::Connection>, std::string>> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = false;
    held.swap(held_);
  }
  for (auto& [weak, chunk] : held) {
    if (auto conn = weak.lock()) {
      (void)conn->Write(forward::EncodeAck(chunk));
    }
  }
}

std::vector<ReceivedFrame> FakeForwardServer::frames() {
  std::lock_guard<std::mutex> lock(mu_);
  return frames_;
}

size_t FakeForwardServer::frame_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return frames_.size();
}

size_t FakeForwardServer::duplicate_chunks() {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

size_t FakeForwardServer::connections() {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_;
}

size_t FakeForwardServer::refused_handshakes() {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

bool FakeForwardServer::WaitForFrames(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
}

bool FakeForwardServer::WaitForConnections(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return connections_ >= n; });
}

}  // namespace runnel::testing

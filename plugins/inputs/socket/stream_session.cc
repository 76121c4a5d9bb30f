#include "stream_session.h"

#include <charconv>
#include <utility>

#include "runnel/logging.h"

namespace runnel::plugins::socket_input {

namespace {

// "10.0.0.7:50312" -> {"10.0.0.7", 50312}; "[::1]:50312" -> {"::1", 50312}; unix: nothing.
void SplitPeer(const std::string& peer, std::string* address, uint16_t* port) {
  size_t colon = peer.rfind(':');
  if (peer.starts_with("unix") || colon == std::string::npos) {
    return;
  }
  std::string_view host(peer.data(), colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  *address = std::string(host);
  std::from_chars(peer.data() + colon + 1, peer.data() + peer.size(), *port);
}

}  // namespace

StreamSession::StreamSession(std::shared_ptr<const StreamShared> shared,
                             const std::shared_ptr<net::Connection>& connection)
    : shared_(std::move(shared)),
      connection_(connection),
      peer_(connection->peer()),
      framer_(shared_->config.framing, shared_->config.max_line_bytes),
      encoder_(shared_->encoders()) {
  SplitPeer(peer_, &peer_address_, &peer_view_.port);
  peer_view_.address = peer_address_;
  shared_->metrics.connections_opened->Add();
  shared_->metrics.connections_open->Add(1);
  batch_.tag = shared_->tag;
}

void StreamSession::OnMessage(std::string_view message, bool truncated) {
  shared_->metrics.messages->Add();
  if (truncated) {
    shared_->metrics.truncated->Add();
    RUNNEL_LOG_EVERY(kWarn, shared_->component, std::chrono::seconds(10))
        << "a message from " << peer_ << " is over max_line_bytes ("
        << shared_->config.max_line_bytes << "): cut, the rest skipped";
  }
  BatchBuilder builder(&batch_);
  encoder_->Append(message, truncated, peer_view_, builder);
  if (batch_.bytes() >= shared_->config.batch_max_bytes) {
    Flush();
  }
}

void StreamSession::Flush() {
  if (batch_.count == 0) {
    return;
  }
  Batch out = std::move(batch_);
  batch_ = Batch();
  batch_.tag = shared_->tag;
  out.id = BatchId::Random();
  {
    std::lock_guard lock(mu_);
    ++queued_;
  }
  auto self = shared_from_this();
  if (!shared_->queue->Push(std::move(out), [self] { self->BatchEmitted(); })) {
    std::lock_guard lock(mu_);
    --queued_;
  }
}

void StreamSession::OnData(std::string_view data) {
  if (failed_) {
    return;
  }
  Status s =
      framer_.Feed(data, [this](std::string_view m, bool truncated) { OnMessage(m, truncated); });
  Flush();
  if (!s.ok()) {
    failed_ = true;
    shared_->metrics.bad_octet_counts->Add();
    RUNNEL_LOG_EVERY(kWarn, shared_->component, std::chrono::seconds(10))
        << "closing the connection from " << peer_ << ": " << s.message();
    if (auto conn = connection_.lock()) {
      conn->Close(s);
    }
    return;
  }
  std::lock_guard lock(mu_);
  if (queued_ > 0 && !paused_) {
    if (auto conn = connection_.lock()) {
      paused_ = true;
      conn->PauseReading();
    }
  }
}

void StreamSession::BatchEmitted() {
  std::lock_guard lock(mu_);
  if (--queued_ == 0 && paused_) {
    paused_ = false;
    if (auto conn = connection_.lock()) {
      conn->ResumeReading();
    }
  }
}

void StreamSession::OnClose(const Status& reason) {
  if (!failed_) {
    if (!framer_.Finish([this](std::string_view m, bool truncated) { OnMessage(m, truncated); })) {
      shared_->metrics.cut_at_close->Add();
      RUNNEL_LOG_EVERY(kWarn, shared_->component, std::chrono::seconds(10))
          << "the connection from " << peer_ << " closed inside an octet-counted frame";
    }
    Flush();
  }
  shared_->metrics.connections_closed->Add();
  shared_->metrics.connections_open->Add(-1);
  if (reason.code() == StatusCode::kDeadlineExceeded &&
      reason.message().find("no data for") != std::string::npos) {
    shared_->metrics.idle_timeouts->Add();
  }
}

}  // namespace runnel::plugins::socket_input

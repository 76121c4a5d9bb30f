#include "forward_session.h"

#include <utility>

#include "batch_edit.h"
#include "runnel/check.h"
#include "runnel/logging.h"

namespace runnel::plugins::forward_input {

Session::Session(std::shared_ptr<Receiver> receiver,
                 const std::shared_ptr<net::Connection>& connection)
    : receiver_(std::move(receiver)),
      connection_(connection),
      peer_(connection->peer()),
      decoder_(receiver_->config().limits, forward::Side::kServer) {}

void Session::Begin() {
  const ForwardConfig& config = receiver_->config();
  receiver_->metrics().connections_opened->Add();
  receiver_->metrics().connections_open->Add(1);
  if (config.shared_key.empty()) {
    return;
  }
  state_ = State::kAwaitPing;
  Result<std::string> nonce = forward::RandomBytes(16);
  Result<std::string> auth =
      config.users.empty() ? Result<std::string>(std::string()) : forward::RandomBytes(16);
  if (!nonce || !auth) {
    Fail(nonce ? auth.error() : nonce.error(), receiver_->metrics().handshake_failures);
    return;
  }
  helo_.nonce = std::move(*nonce);
  helo_.auth = std::move(*auth);
  helo_.keepalive = true;
  if (auto conn = connection_.lock()) {
    (void)conn->Write(forward::EncodeHelo(helo_));
  }
}

void Session::OnData(std::string_view data) {
  if (state_ == State::kFailed) {
    return;
  }
  decoder_.Feed(data);
  size_t enqueued = 0;
  while (state_ != State::kFailed) {
    if (state_ == State::kAwaitPing) {
      Result<std::optional<std::string_view>> raw = decoder_.NextRaw();
      if (!raw) {
        Fail(raw.error(), receiver_->metrics().handshake_failures);
        break;
      }
      if (!*raw) {
        break;
      }
      if (!HandlePing(**raw)) {
        break;
      }
      continue;
    }
    Result<std::optional<forward::EventFrame>> frame = decoder_.Next();
    if (!frame) {
      const std::string& m = frame.error().message();
      const ForwardMetrics& metrics = receiver_->metrics();
      Counter* counter =
          m.find("decompressed data exceeds") != std::string::npos ? metrics.decompressed_too_large
          : m.find("frame exceeds the limit") != std::string::npos ? metrics.frames_too_large
                                                                   : metrics.malformed_frames;
      Fail(frame.error(), counter);
      break;
    }
    if (!*frame) {
      break;
    }
    receiver_->metrics().frames->Add();
    forward::EventFrame& f = **frame;
    if (f.options.chunk.empty()) {
      // Senders without acks (docker's fluentd driver, fluent-logger) send one event per
      // Message frame: those of one tag from this read travel as one batch.
      if (merged_.count > 0 && (merged_.tag != f.batch.tag || merged_.bytes() >= kMergeBytes)) {
        enqueued += Accept(std::move(merged_), std::string());
        merged_ = Batch();
      }
      if (merged_.count == 0) {
        merged_ = std::move(f.batch);
      } else {
        merged_.data.append(f.batch.data);
        merged_.count += f.batch.count;
      }
      continue;
    }
    if (merged_.count > 0) {
      enqueued += Accept(std::move(merged_), std::string());
      merged_ = Batch();
    }
    f.batch.zstd_form = std::move(f.zstd_payload);
    enqueued += Accept(std::move(f.batch), std::move(f.options.chunk));
  }
  if (merged_.count > 0) {
    enqueued += Accept(std::move(merged_), std::string());
    merged_ = Batch();
  }
  if (enqueued == 0) {
    return;
  }
  // Stop reading until the emitting thread has taken everything this read produced.
  std::lock_guard<std::mutex> lock(mu_);
  if (queued_ > 0 && !paused_) {
    if (auto conn = connection_.lock()) {
      paused_ = true;
      conn->PauseReading();
    }
  }
}

bool Session::HandlePing(std::string_view frame) {
  const ForwardConfig& config = receiver_->config();
  Result<forward::Ping> ping = forward::DecodePing(frame);
  Status verdict =
      ping ? forward::VerifyPing(*ping, helo_, config.shared_key, config.users) : ping.error();
  forward::Pong pong = forward::MakePong(ping ? *ping : forward::Ping{}, helo_,
                                         config.self_hostname, config.shared_key, verdict);
  if (!ping) {
    pong.shared_key_hexdigest.clear();  // nothing to prove to a peer that sent no PING
  }
  auto conn = connection_.lock();
  if (conn == nullptr) {
    state_ = State::kFailed;
    return false;
  }
  (void)conn->Write(forward::EncodePong(pong));
  if (!verdict.ok()) {
    Fail(verdict, receiver_->metrics().handshake_failures);
    return false;
  }
  state_ = State::kReady;
  RUNNEL_LOG(kDebug, receiver_->component())
      << "handshake with " << peer_ << " (" << ping->client_hostname << ") done";
  return true;
}

size_t Session::Accept(Batch batch, std::string chunk) {
  const ForwardConfig& config = receiver_->config();
  if (!config.tag.empty()) {
    batch.tag = config.tag;
  }
  if (!config.tag_key.empty() || !config.source_address_key.empty()) {
    batch.zstd_form.reset();  // the entries change
    Status s;
    if (!config.tag_key.empty() && !config.source_address_key.empty()) {
      s = AddStringFields(
          &batch, {{config.tag_key, batch.tag}, {config.source_address_key, PeerAddress(peer_)}},
          &scratch_);
    } else if (!config.tag_key.empty()) {
      s = AddStringFields(&batch, {{config.tag_key, batch.tag}}, &scratch_);
    } else {
      s = AddStringFields(&batch, {{config.source_address_key, PeerAddress(peer_)}}, &scratch_);
    }
    RUNNEL_CHECK(s.ok());  // the decoder produced these entries
  }
  batch.id = chunk.empty() ? BatchId::Random() : BatchIdForChunk(chunk);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++queued_;
  }
  if (!receiver_->Enqueue(shared_from_this(), std::move(batch), std::move(chunk), connection_)) {
    BatchEmitted();
    return 0;
  }
  return 1;
}

void Session::BatchEmitted() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--queued_ == 0 && paused_) {
    paused_ = false;
    if (auto conn = connection_.lock()) {
      conn->ResumeReading();
    }
  }
}

void Session::Fail(const Status& reason, Counter* counter) {
  state_ = State::kFailed;
  counter->Add();
  receiver_->metrics().bad_frames->Add();
  RUNNEL_LOG_EVERY(kWarn, receiver_->component(), std::chrono::seconds(10))
      << "closing the connection from " << peer_ << ": " << reason.message();
  if (auto conn = connection_.lock()) {
    conn->CloseAfterWrites(reason);  // a PONG false queued just before still goes out
  }
}

void Session::OnClose(const Status& reason) {
  receiver_->metrics().connections_closed->Add();
  receiver_->metrics().connections_open->Add(-1);
  if (reason.code() == StatusCode::kDeadlineExceeded &&
      reason.message().find("no data for") != std::string::npos) {
    receiver_->metrics().idle_timeouts->Add();
  }
}

}  // namespace runnel::plugins::forward_input

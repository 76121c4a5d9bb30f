#include "receiver.h"

#include <utility>

#include "forward_session.h"
#include "runnel/forward/frame_encoder.h"
#include "runnel/logging.h"

namespace runnel::plugins::forward_input {

ForwardMetrics ForwardMetrics::Create(MetricsRegistry& r, const std::string& c) {
  ForwardMetrics m;
  m.connections_opened =
      r.GetCounter("forward_connections_opened_total", c, "Connections accepted.");
  m.connections_closed = r.GetCounter("forward_connections_closed_total", c, "Connections closed.");
  m.frames = r.GetCounter("forward_frames_total", c, "Event frames accepted.");
  m.bad_frames = r.GetCounter("forward_bad_frames_total", c,
                              "Connections closed for bad input, every reason together.");
  m.frames_too_large = r.GetCounter("forward_frames_too_large_total", c,
                                    "Connections closed for a frame over max_frame_bytes.");
  m.decompressed_too_large =
      r.GetCounter("forward_decompressed_too_large_total", c,
                   "Connections closed for a frame decompressing past max_decompressed_bytes.");
  m.malformed_frames = r.GetCounter("forward_malformed_frames_total", c,
                                    "Connections closed for malformed msgpack or Forward frames.");
  m.handshake_failures = r.GetCounter("forward_handshake_failures_total", c,
                                      "Connections closed for a failed handshake.");
  m.idle_timeouts =
      r.GetCounter("forward_idle_timeouts_total", c, "Connections closed by idle_timeout.");
  m.acks_sent = r.GetCounter("forward_acks_sent_total", c, "Acknowledgements sent to senders.");
  m.duplicates = r.GetCounter("forward_duplicates_total", c,
                              "Frames whose chunk was already accepted or in the pipeline: acked "
                              "without being emitted again.");
  m.dedupe_damaged_records =
      r.GetCounter("forward_dedupe_damaged_records_total", c,
                   "Records of the dedupe window skipped at start: corrupt, or a torn last one.");
  m.connections_open = r.GetGauge("forward_connections_open", c, "Connections open now.");
  return m;
}

Receiver::Receiver(ForwardConfig config, std::string component, MetricsRegistry* metrics)
    : config_(std::move(config)), component_(std::move(component)) {
  if (metrics == nullptr) {
    own_metrics_ = std::make_unique<MetricsRegistry>();
    metrics = own_metrics_.get();
  }
  metrics_ = ForwardMetrics::Create(*metrics, component_);
}

void Receiver::SetWindow(std::unique_ptr<ChunkWindow> window) {
  std::lock_guard<std::mutex> lock(acks_mu_);
  window_ = std::move(window);
}

bool Receiver::Enqueue(std::shared_ptr<Session> session, Batch batch, std::string chunk,
                       std::weak_ptr<net::Connection> connection) {
  if (!chunk.empty()) {
    uint64_t cookie = 0;
    bool accepted = false;
    {
      std::lock_guard<std::mutex> lock(acks_mu_);
      if (window_ != nullptr) {
        if (window_->Contains(batch.id)) {
          accepted = true;
        } else if (auto it = in_flight_.find(batch.id); it != in_flight_.end()) {
          // Bounded: a sender repeating a chunk cannot grow this list; one past the bound is
          // dropped unacknowledged (resent later, it finds the id in the window).
          std::vector<AckTo>& held = acks_.at(it->second).duplicates;
          if (held.size() < kMaxHeldDuplicates) {
            held.push_back(AckTo{std::move(connection), std::move(chunk)});
          }
          metrics_.duplicates->Add();
          return false;
        }
      }
      if (!accepted) {
        cookie = next_cookie_++;
        acks_.emplace(cookie,
                      PendingAck{batch.id, AckTo{std::move(connection), std::move(chunk)}, {}});
        if (window_ != nullptr) {
          in_flight_.emplace(batch.id, cookie);
        }
      }
    }
    if (accepted) {
      metrics_.duplicates->Add();
      SendAck(AckTo{std::move(connection), std::move(chunk)});
      return false;
    }
    batch.ack = AckHandle::Create(this, cookie);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) {
    return false;  // `batch` is destroyed here: its handle completes as kCancelled
  }
  queue_.push_back(Item{std::move(session), std::move(batch)});
  cv_.notify_one();
  return true;
}

void Receiver::Run(Emitter& emitter) {
  while (true) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return shutdown_ || !queue_.empty(); });
      if (shutdown_) {
        return;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    // An empty frame (Forward mode with no entries) is delivered at once; nothing to emit.
    if (item.batch.count == 0) {
      item.batch.ack.Complete(AckOutcome::kDelivered);
    } else {
      (void)emitter.Emit(std::move(item.batch));  // Cancelled: stopping; the ack says so
    }
    item.session->BatchEmitted();
  }
}

void Receiver::Shutdown() {
  std::deque<Item> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    dropped.swap(queue_);
    cv_.notify_all();
  }
  // `dropped` goes here, outside the lock: each handle completes as kCancelled (no ack).
}

void Receiver::OnAck(uint64_t cookie, AckOutcome outcome) {
  PendingAck pending;
  {
    std::lock_guard<std::mutex> lock(acks_mu_);
    auto it = acks_.find(cookie);
    if (it == acks_.end()) {
      return;
    }
    pending = std::move(it->second);
    acks_.erase(it);
    if (window_ != nullptr) {
      in_flight_.erase(pending.id);
      // Under the same lock as the lookup in Enqueue: a resend is either held as a duplicate of
      // this one or finds the id in the window, never emitted again in between.
      if (outcome != AckOutcome::kCancelled) {
        Status s = window_->Add(pending.id);
        if (!s.ok()) {
          RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
              << "dedupe window: " << s.message() << " (an id may be forgotten on restart)";
        }
      }
    }
  }
  // kRejected is permanent (counted and dead-lettered by core): a resend would be rejected too.
  if (outcome == AckOutcome::kCancelled) {
    return;  // not delivered: the senders re-send
  }
  SendAck(pending.first);
  for (const AckTo& to : pending.duplicates) {
    SendAck(to);
  }
}

void Receiver::SendAck(const AckTo& to) {
  std::shared_ptr<net::Connection> conn = to.connection.lock();
  if (conn == nullptr) {
    return;  // gone: the sender re-sends on its next connection
  }
  Status s = conn->Write(forward::EncodeAck(to.chunk));
  if (s.ok()) {
    metrics_.acks_sent->Add();
  } else if (s.code() != StatusCode::kCancelled) {
    RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
        << "cannot send an ack to " << conn->peer() << ": " << s.message();
  }
}

}  // namespace runnel::plugins::forward_input

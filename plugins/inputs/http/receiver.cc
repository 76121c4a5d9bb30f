#include "receiver.h"

#include <utility>

#include "http_session.h"

namespace runnel::plugins::http_input {

HttpMetrics HttpMetrics::Create(MetricsRegistry& r, const std::string& c) {
  HttpMetrics m;
  m.requests = r.GetCounter("http_requests_total", c,
                            "Requests answered 200: the pipeline took every event of them.");
  m.events = r.GetCounter("http_events_total", c, "Events of the requests answered 200.");
  static constexpr const char* kReasons[kRejectReasons] = {
      "bad_request",  "too_large",   "bad_body", "not_found", "method",
      "unauthorized", "unsupported", "busy",     "cancelled"};
  for (int i = 0; i < kRejectReasons; ++i) {
    m.rejected[i] = r.GetCounter("http_rejected_requests_total", c,
                                 "Requests refused, by reason (see the http input's README).",
                                 {{"reason", kReasons[i]}});
  }
  m.bad_times = r.GetCounter("http_bad_times_total", c,
                             "Events whose time_key did not parse (they got the arrival time).");
  m.connections_opened = r.GetCounter("http_connections_opened_total", c, "Connections accepted.");
  m.idle_timeouts =
      r.GetCounter("http_idle_timeouts_total", c, "Connections closed by idle_timeout.");
  m.connections_open = r.GetGauge("http_connections_open", c, "Connections open now.");
  m.queued_requests = r.GetGauge("http_queued_requests", c,
                                 "Requests whose events wait for the pipeline to take them.");
  return m;
}

Receiver::Receiver(HttpConfig config, std::string component, MetricsRegistry* metrics)
    : config_(std::move(config)), component_(std::move(component)) {
  if (metrics == nullptr) {
    own_metrics_ = std::make_unique<MetricsRegistry>();
    metrics = own_metrics_.get();
  }
  metrics_ = HttpMetrics::Create(*metrics, component_);
}

Receiver::Admit Receiver::Enqueue(const std::shared_ptr<Session>& session, Batch batch) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) {
    return Admit::kStopped;
  }
  if (!queue_.empty() && queued_bytes_ + batch.bytes() > config_.max_queued_bytes) {
    return Admit::kFull;
  }
  {
    std::lock_guard<std::mutex> acks(acks_mu_);
    const uint64_t cookie = next_cookie_++;
    pending_.emplace(cookie, session);
    batch.ack = AckHandle::Create(this, cookie);
  }
  queued_bytes_ += batch.bytes();
  queue_.push_back(std::move(batch));
  metrics_.queued_requests->Add(1);
  cv_.notify_one();
  return Admit::kQueued;
}

void Receiver::Run(Emitter& emitter) {
  while (true) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return shutdown_ || !queue_.empty(); });
      if (shutdown_) {
        return;
      }
      batch = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= batch.bytes();
      metrics_.queued_requests->Add(-1);
    }
    if (batch.count == 0) {
      batch.ack.Complete(AckOutcome::kDelivered);  // "[]": nothing to emit
    } else {
      (void)emitter.Emit(std::move(batch));  // Cancelled: stopping; the ack says so
    }
  }
}

void Receiver::Shutdown() {
  std::deque<Batch> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    dropped.swap(queue_);
    queued_bytes_ = 0;
    metrics_.queued_requests->Add(-static_cast<int64_t>(dropped.size()));
    cv_.notify_all();
  }
  // `dropped` goes here, outside the lock: each handle completes as kCancelled (a 503).
}

bool Receiver::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdown_;
}

void Receiver::AddSession(uint64_t id, const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[id] = session;
}

void Receiver::RemoveSession(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
  sessions_cv_.notify_all();
}

bool Receiver::WaitForNoSessions(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return sessions_cv_.wait_for(lock, timeout, [&] { return sessions_.empty(); });
}

std::vector<std::shared_ptr<Session>> Receiver::Sessions() const {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, weak] : sessions_) {
    if (auto s = weak.lock()) {
      out.push_back(std::move(s));
    }
  }
  return out;
}

Status Receiver::Decode(std::string_view body, BodyFormat format, EventTime now,
                        const DecodeOptions& options, Batch* batch, size_t* bad_times) {
  std::lock_guard<std::mutex> lock(decode_mu_);
  return decoder_.Decode(body, format, now, options, batch, bad_times);
}

void Receiver::OnAck(uint64_t cookie, AckOutcome outcome) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(acks_mu_);
    auto it = pending_.find(cookie);
    if (it == pending_.end()) {
      return;
    }
    session = it->second.lock();
    pending_.erase(it);
  }
  if (session != nullptr) {
    session->OnAcked(outcome);
  }
}

}  // namespace runnel::plugins::http_input

#include "forward_output.h"

#include <algorithm>
#include <set>

#include "runnel/check.h"
#include "runnel/forward/frame_decoder.h"
#include "runnel/forward/frame_encoder.h"
#include "runnel/forward/handshake.h"
#include "runnel/logging.h"

namespace runnel::plugins::forward_output {

namespace fwd = runnel::forward;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

fwd::DecoderLimits ResponseLimits() {
  fwd::DecoderLimits limits;
  limits.max_frame_bytes = 1 << 20;  // HELO, PONG and acks are small
  limits.max_nesting = 4;
  return limits;
}

constexpr std::string_view kKeepalive = "\xc0";  // msgpack nil

}  // namespace

struct ForwardOutput::Session {
  enum class Phase { kHelo, kPong, kReady };
  ReplicaId replica = 0;
  std::shared_ptr<net::Connection> conn;
  fwd::FrameDecoder decoder{ResponseLimits(), fwd::Side::kClient};
  Phase phase = Phase::kReady;
  fwd::Helo helo;
  std::string salt;
  Clock::time_point handshake_deadline;
  Clock::time_point last_write;
};

ForwardOutput::ForwardOutput(ForwardConfig config, std::shared_ptr<const net::TlsContext> tls,
                             const PluginContext& ctx, Resolver resolver)
    : config_(std::move(config)),
      tls_(std::move(tls)),
      id_(ctx.id),
      hostname_(config_.self_hostname.empty() ? ctx.hostname : config_.self_hostname),
      resolver_(std::move(resolver)),
      metrics_(ctx.component_metrics),
      fmetrics_(ForwardMetrics::Create(ctx.metrics, ctx.id)),
      replica_gauges_(ctx.metrics, ctx.id),
      compressor_(config_.compression_level),
      replicas_(config_.retry_initial, config_.retry_max, std::hash<std::string>{}(ctx.id)) {}

ForwardOutput::~ForwardOutput() { Stop(); }

Status ForwardOutput::Start() {
  loop_ = std::make_unique<net::IoLoop>("forward", 1);
  control_ = std::thread([this] { ControlLoop(); });
  return OkStatus();
}

WriteResult ForwardOutput::Write(const Batch&) {
  return WriteResult::Rejected("the forward output takes batches through Submit");
}

Status ForwardOutput::Submit(std::shared_ptr<const Batch> batch, AckHandle ack) {
  std::string_view payload = batch->data;
  if (batch->zstd) {
    // From a disk buffer, compressed when it was stored: sent as it is (takes_zstd()).
    RUNNEL_CHECK(config_.compression == fwd::Compression::kZstd);
  } else if (batch->zstd_form != nullptr && config_.compression == fwd::Compression::kZstd) {
    payload = *batch->zstd_form;  // compressed where it came from (a runnel agent's frame)
  } else if (config_.compression != fwd::Compression::kNone) {
    scratch_.clear();
    RUNNEL_RETURN_IF_ERROR(compressor_.Compress(config_.compression, batch->data, &scratch_));
    payload = scratch_;
  }
  std::string chunk = config_.require_ack ? fwd::ChunkIdFor(batch->id) : std::string();
  std::string tag = !config_.tag.empty() ? config_.tag : batch->tag.empty() ? "runnel" : batch->tag;
  auto frame = std::make_shared<std::string>();
  fwd::AppendPackedForward(tag, payload, batch->count, chunk, config_.compression, frame.get());

  std::unique_lock<std::mutex> lock(mu_);
  space_cv_.wait(lock, [&] {
    return cancelled_ || in_flight_bytes_ == 0 ||
           in_flight_bytes_ + frame->size() <= config_.max_in_flight_bytes;
  });
  if (cancelled_) {
    return Status(StatusCode::kCancelled, "the output is stopping");
  }
  uint64_t key = next_key_++;
  in_flight_bytes_ += frame->size();
  if (!chunk.empty()) {
    key_of_chunk_[chunk] = key;
  }
  InFlight& f = in_flight_[key];
  f.frame = std::move(frame);
  f.chunk = std::move(chunk);
  f.count = batch->count;
  f.raw_bytes = batch->bytes();
  f.ack = std::move(ack);
  f.submitted_at = Clock::now();
  if (config_.retry_limit > 0) {
    f.batch = std::move(batch);
  }
  pending_.push_back(key);
  wake_ = true;
  ctl_cv_.notify_one();
  return OkStatus();
}

uint64_t ForwardOutput::Flush(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  space_cv_.wait_until(lock, deadline, [&] { return cancelled_ || in_flight_.empty(); });
  return in_flight_.size();
}

void ForwardOutput::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  space_cv_.notify_all();
}

void ForwardOutput::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    cancelled_ = true;
  }
  ctl_cv_.notify_all();
  space_cv_.notify_all();
  if (control_.joinable()) {
    control_.join();
  }
  if (loop_ != nullptr) {
    loop_->Stop();  // closes every connection; their callbacks see stopping_
  }
  std::map<uint64_t, InFlight> left;
  std::map<ReplicaId, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(in_flight_);
    sessions.swap(sessions_);
    pending_.clear();
    key_of_chunk_.clear();
    in_flight_bytes_ = 0;
  }
  if (!left.empty()) {
    RUNNEL_LOG(kInfo, id_) << left.size()
                           << " batches were not acknowledged before the stop; their sources "
                              "send them again after a restart";
  }
  // Destroyed here, outside the lock: their acknowledgements complete as cancelled.
}

void ForwardOutput::ControlLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    Clock::time_point now = Clock::now();
    if (now >= next_resolve_) {
      lock.unlock();
      Resolve();
      lock.lock();
      next_resolve_ = now + config_.resolve_interval;
      continue;  // stopping_ may have changed
    }
    Completions done;
    CheckTimeouts(now);
    StartProbes(now, lock);
    Dispatch(now, done);
    UpdateGauges();
    lock.unlock();
    Complete(done);
    lock.lock();
    Clock::time_point wake_at = now + milliseconds(100);
    if (std::optional<Clock::time_point> probe = replicas_.NextProbe()) {
      wake_at = std::max(now, std::min(wake_at, *probe));
    }
    ctl_cv_.wait_until(lock, wake_at, [&] { return wake_ || stopping_; });
    wake_ = false;
  }
}

void ForwardOutput::Resolve() {
  // Blocking name resolution, without the lock. A name that does not resolve keeps the
  // replicas it had: DNS being down must not take working aggregators away.
  std::vector<std::vector<ReplicaSet::Spec>> resolved(config_.servers.size());
  std::vector<bool> ok(config_.servers.size(), false);
  std::map<std::string, net::Endpoint> endpoints;
  for (size_t i = 0; i < config_.servers.size(); ++i) {
    const ServerSpec& server = config_.servers[i];
    Result<std::vector<net::Endpoint>> r = resolver_(server.host, server.port);
    if (!r) {
      RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(60))
          << "cannot resolve " << server.text << ": " << r.error().message() << "; trying again in "
          << config_.resolve_interval.count() << "ms";
      continue;
    }
    ok[i] = true;
    for (const net::Endpoint& e : *r) {
      resolved[i].push_back(ReplicaSet::Spec{server.text, e.ToString(), server.weight});
      endpoints[e.ToString()] = e;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ReplicaSet::Spec> specs;
  for (size_t i = 0; i < config_.servers.size(); ++i) {
    if (ok[i]) {
      specs.insert(specs.end(), resolved[i].begin(), resolved[i].end());
      continue;
    }
    for (ReplicaId id : replicas_.ids()) {  // keep what this name had
      if (replicas_.spec(id).name == config_.servers[i].text) {
        specs.push_back(replicas_.spec(id));
      }
    }
  }
  Requeue(replicas_.SetReplicas(specs));
  std::map<ReplicaId, net::Endpoint> next;
  for (ReplicaId id : replicas_.ids()) {
    auto e = endpoints.find(replicas_.spec(id).address);
    if (e != endpoints.end()) {
      next[id] = e->second;
    } else if (auto old = endpoints_.find(id); old != endpoints_.end()) {
      next[id] = old->second;
    }
  }
  endpoints_.swap(next);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (replicas_.listed(it->first)) {
      ++it;
      continue;
    }
    RUNNEL_LOG(kInfo, id_) << "replica " << it->second->conn->peer()
                           << " is no longer listed by its name; closing it";
    it->second->conn->Close(OkStatus());
    it = sessions_.erase(it);
  }
}

void ForwardOutput::StartProbes(Clock::time_point now, std::unique_lock<std::mutex>& lock) {
  struct Probe {
    ReplicaId id;
    net::Endpoint endpoint;
    std::string server_name;  // the configured host: SNI and the certificate check
  };
  std::vector<Probe> due;
  for (ReplicaId id : replicas_.DueProbes(now)) {
    auto e = endpoints_.find(id);
    if (e == endpoints_.end()) {
      continue;
    }
    Probe probe{id, e->second, std::string()};
    for (const ServerSpec& s : config_.servers) {
      if (s.text == replicas_.spec(id).name) {
        probe.server_name = s.host;
      }
    }
    due.push_back(std::move(probe));
  }
  if (due.empty()) {
    return;
  }
  lock.unlock();
  net::ConnectOptions options;
  options.connect_timeout = config_.connect_timeout;
  options.tls = tls_;
  options.connection.component = id_;
  options.connection.idle_timeout = milliseconds(0);  // ack_timeout and keepalives decide
  for (const Probe& probe : due) {
    options.server_name = probe.server_name;
    ReplicaId id = probe.id;
    net::ConnectAsync(*loop_, probe.endpoint, options,
                      [this, id](Result<std::shared_ptr<net::Connection>> conn) {
                        OnConnected(id, std::move(conn));
                      });
  }
  lock.lock();
}

void ForwardOutput::OnConnected(ReplicaId id, Result<std::shared_ptr<net::Connection>> conn) {
  std::unique_lock<std::mutex> lock(mu_);
  Clock::time_point now = Clock::now();
  if (stopping_ || !replicas_.listed(id)) {
    if (conn) {
      (*conn)->Close(Status(StatusCode::kCancelled, "the output is stopping"));
    }
    return;
  }
  if (!conn) {
    replicas_.Fail(id, now);
    if (fmetrics_.replica_failures != nullptr) {
      fmetrics_.replica_failures->Add();
    }
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
        << "cannot reach " << ReplicaName(id) << ": " << conn.error().message()
        << "; trying again in " << duration_cast<milliseconds>(replicas_.probe_at(id) - now).count()
        << "ms";
    return;
  }
  auto s = std::make_shared<Session>();
  s->replica = id;
  s->conn = *conn;
  s->last_write = now;
  s->handshake_deadline = now + config_.connect_timeout;
  s->phase = config_.shared_key.empty() ? Session::Phase::kReady : Session::Phase::kHelo;
  sessions_[id] = s;
  if (s->phase == Session::Phase::kReady) {
    replicas_.Up(id);
    RUNNEL_LOG(kInfo, id_) << "connected to " << ReplicaName(id);
    wake_ = true;
    ctl_cv_.notify_one();
  }
  lock.unlock();
  std::weak_ptr<Session> weak = s;
  s->conn->Start(net::ConnectionCallbacks{.on_data =
                                              [this, weak](std::string_view data) {
                                                if (auto session = weak.lock()) {
                                                  OnData(session, data);
                                                }
                                              },
                                          .on_close =
                                              [this, weak](const Status& why) {
                                                if (auto session = weak.lock()) {
                                                  OnClose(session, why);
                                                }
                                              }});
}

void ForwardOutput::OnData(const std::shared_ptr<Session>& s, std::string_view data) {
  Completions done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto current = sessions_.find(s->replica);
    if (stopping_ || current == sessions_.end() || current->second != s) {
      return;
    }
    Clock::time_point now = Clock::now();
    s->decoder.Feed(data);
    while (true) {
      Result<std::optional<std::string_view>> raw = s->decoder.NextRaw();
      if (!raw) {
        FailReplica(s->replica, "bad response: " + raw.error().message(), now);
        break;
      }
      if (!raw->has_value()) {
        break;
      }
      std::string_view frame = **raw;
      if (s->phase == Session::Phase::kHelo) {
        Result<fwd::Helo> helo = fwd::DecodeHelo(frame);
        Result<std::string> salt = fwd::RandomHexSalt();
        if (!helo || !salt) {
          FailReplica(s->replica, "handshake: " + (!helo ? helo.error() : salt.error()).message(),
                      now);
          break;
        }
        s->helo = std::move(*helo);
        s->salt = std::move(*salt);
        fwd::Ping ping = fwd::MakePing(s->helo, hostname_, s->salt, config_.shared_key,
                                       config_.username, config_.password);
        (void)s->conn->Write(fwd::EncodePing(ping));
        s->phase = Session::Phase::kPong;
        continue;
      }
      if (s->phase == Session::Phase::kPong) {
        Result<fwd::Pong> pong = fwd::DecodePong(frame);
        Status verdict =
            pong ? fwd::VerifyPong(*pong, s->helo, s->salt, config_.shared_key) : pong.error();
        if (!verdict.ok()) {
          RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(10))
              << "handshake with " << ReplicaName(s->replica) << " failed: " << verdict.message();
          FailReplica(s->replica, "handshake failed: " + verdict.message(), now);
          break;
        }
        s->phase = Session::Phase::kReady;
        replicas_.Up(s->replica);
        RUNNEL_LOG(kInfo, id_) << "connected to " << ReplicaName(s->replica) << ", handshake done";
        continue;
      }
      Result<std::string> chunk = fwd::DecodeAck(frame);
      if (!chunk) {
        FailReplica(s->replica, "bad ack: " + chunk.error().message(), now);
        break;
      }
      auto k = key_of_chunk_.find(*chunk);
      if (k != key_of_chunk_.end() && replicas_.Complete(s->replica, k->second)) {
        if (fmetrics_.acks != nullptr) {
          fmetrics_.acks->Add();
          auto f = in_flight_.find(k->second);
          if (f != in_flight_.end()) {
            fmetrics_.ack_latency->Observe(
                std::chrono::duration<double>(now - f->second.submitted_at).count());
          }
        }
        Finish(k->second, AckOutcome::kDelivered, done);
      }
      // Otherwise a late ack of a batch already moved to another replica: that one counts.
    }
    wake_ = true;
  }
  ctl_cv_.notify_one();
  Complete(done);
}

void ForwardOutput::OnClose(const std::shared_ptr<Session>& s, const Status& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto current = sessions_.find(s->replica);
    if (stopping_ || current == sessions_.end() || current->second != s) {
      return;
    }
    FailReplica(s->replica,
                why.ok() ? std::string("closed by the peer") : "connection lost: " + why.message(),
                Clock::now());
    wake_ = true;
  }
  ctl_cv_.notify_one();
}

void ForwardOutput::FailReplica(ReplicaId id, const std::string& why, Clock::time_point now) {
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    it->second->conn->Close(Status(StatusCode::kUnavailable, why));  // posted, never inline
    sessions_.erase(it);
  }
  if (!replicas_.listed(id)) {
    return;
  }
  std::vector<uint64_t> moved = replicas_.Fail(id, now);
  if (fmetrics_.replica_failures != nullptr) {
    fmetrics_.replica_failures->Add();
  }
  RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
      << "replica " << ReplicaName(id) << " failed: " << why << "; " << moved.size()
      << " unacknowledged batches go to another replica; trying it again in "
      << duration_cast<milliseconds>(replicas_.probe_at(id) - now).count() << "ms";
  Requeue(moved);
}

void ForwardOutput::Requeue(const std::vector<uint64_t>& keys) {
  // Back to the front, oldest first: they were sent before anything still waiting.
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    auto f = in_flight_.find(*it);
    if (f == in_flight_.end()) {
      continue;
    }
    f->second.replica = 0;
    pending_.push_front(*it);
    if (fmetrics_.resent != nullptr) {
      fmetrics_.resent->Add();
    }
    if (metrics_.retries != nullptr) {
      metrics_.retries->Add();
    }
  }
}

void ForwardOutput::Dispatch(Clock::time_point now, Completions& done) {
  while (!pending_.empty()) {
    std::optional<ReplicaId> id = replicas_.Pick();
    if (!id) {
      return;  // none up: batches wait, Submit blocks at max_in_flight_bytes
    }
    auto s = sessions_.find(*id);
    if (s == sessions_.end()) {
      FailReplica(*id, "no connection", now);
      continue;
    }
    uint64_t key = pending_.front();
    auto f = in_flight_.find(key);
    if (f == in_flight_.end()) {
      pending_.pop_front();
      continue;
    }
    if (config_.retry_limit > 0 && f->second.attempts >= config_.retry_limit) {
      pending_.pop_front();
      if (fmetrics_.given_up != nullptr) {
        fmetrics_.given_up->Add();
      }
      RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(10))
          << "gave up a batch of " << f->second.count << " events after " << f->second.attempts
          << " attempts (retry_limit)";
      Finish(key, AckOutcome::kRejected, done);
      continue;
    }
    Status w = s->second->conn->Write(f->second.frame);
    if (w.code() == StatusCode::kResourceExhausted) {
      return;  // the socket is behind; the next wake-up tries again
    }
    if (!w.ok()) {
      FailReplica(*id, "write: " + w.message(), now);
      continue;
    }
    pending_.pop_front();
    ++f->second.attempts;
    f->second.replica = *id;
    f->second.sent_at = now;
    s->second->last_write = now;
    if (config_.require_ack) {
      replicas_.Assign(*id, key);
    } else {
      Finish(key, AckOutcome::kDelivered, done);
    }
  }
}

void ForwardOutput::CheckTimeouts(Clock::time_point now) {
  std::set<ReplicaId> failed;
  std::vector<std::pair<ReplicaId, std::string>> why;
  for (const auto& [id, s] : sessions_) {
    if (s->phase != Session::Phase::kReady && now >= s->handshake_deadline) {
      why.emplace_back(id, "no handshake within connect_timeout (" +
                               std::to_string(config_.connect_timeout.count()) + "ms)");
      failed.insert(id);
    }
  }
  for (const auto& [key, f] : in_flight_) {
    if (f.replica != 0 && !failed.contains(f.replica) && now - f.sent_at >= config_.ack_timeout) {
      why.emplace_back(f.replica, "no ack within ack_timeout (" +
                                      std::to_string(config_.ack_timeout.count()) + "ms)");
      failed.insert(f.replica);
    }
  }
  for (const auto& [id, reason] : why) {
    FailReplica(id, reason, now);
  }
  for (const auto& [id, s] : sessions_) {
    if (s->phase == Session::Phase::kReady && now - s->last_write >= config_.keepalive_interval) {
      (void)s->conn->Write(std::string(kKeepalive));
      s->last_write = now;
    }
  }
}

void ForwardOutput::Finish(uint64_t key, AckOutcome outcome, Completions& done) {
  auto f = in_flight_.find(key);
  if (f == in_flight_.end()) {
    return;
  }
  in_flight_bytes_ -= f->second.frame->size();
  if (!f->second.chunk.empty()) {
    key_of_chunk_.erase(f->second.chunk);
  }
  if (outcome == AckOutcome::kDelivered) {
    if (metrics_.events_out != nullptr) {
      metrics_.events_out->Add(f->second.count);
      metrics_.bytes_out->Add(f->second.raw_bytes);
    }
  } else if (metrics_.errors != nullptr) {
    metrics_.errors->Add();
  }
  done.acks.emplace_back(std::move(f->second.ack), outcome);
  if (f->second.batch != nullptr) {
    done.batches.push_back(std::move(f->second.batch));
  }
  in_flight_.erase(f);
  space_cv_.notify_all();
}

void ForwardOutput::Complete(Completions& done) {
  for (auto& [ack, outcome] : done.acks) {
    ack.Complete(outcome);
  }
  done.acks.clear();
}

std::string ForwardOutput::ReplicaName(ReplicaId id) const {
  const ReplicaSet::Spec& spec = replicas_.spec(id);
  return spec.name == spec.address ? spec.name : spec.name + " (" + spec.address + ")";
}

void ForwardOutput::UpdateGauges() {
  replica_gauges_.Update(replicas_, fmetrics_.replicas_up, fmetrics_.replicas_down);
  if (fmetrics_.in_flight_batches != nullptr) {
    fmetrics_.in_flight_batches->Set(static_cast<int64_t>(in_flight_.size()));
  }
}

}  // namespace runnel::plugins::forward_output

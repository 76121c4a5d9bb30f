#pragma once
// Receiver: what every connection of one http input shares: the config, the metrics, the
// bounded queue from the loop thread to the emitting thread, and the requests waiting for
// their acknowledgement.
//
// Threads: sessions parse and decode on the TcpServer's loop thread and Enqueue; one emitting
// thread runs Run(), which pops batches and calls Emitter::Emit (that may block: backpressure),
// so the loop thread never blocks on the pipeline. The queue holds at most max_queued_bytes of
// batches (a batch is always admitted into an empty queue); a request that does not fit is
// refused at once (kFull: the session answers busy_status with Retry-After). Each queued batch
// carries an AckHandle; OnAck (any thread) hands the outcome to its session, which answers the
// request. Every method is thread-safe.
//
// Owned through a shared_ptr by the input and by every session, so a callback that runs after
// the input let go never touches freed memory.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "body.h"
#include "http_config.h"
#include "runnel/ack.h"
#include "runnel/batch.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"

namespace runnel::plugins::http_input {

class Session;

// Why a request was refused: the `reason` label of runnel_http_rejected_requests_total.
enum class Reject {
  kBadRequest,    // 400/414/431/501/505 from the HTTP parser, or a bad tag
  kTooLarge,      // 413: the body, or what it decompresses to
  kBadBody,       // 400: bad JSON, corrupt compressed data
  kNotFound,      // 404
  kMethod,        // 405
  kUnauthorized,  // 401
  kUnsupported,   // 415
  kBusy,          // 503/429: the queue is full
  kCancelled,     // 503: the pipeline stopped before taking the events
};
inline constexpr int kRejectReasons = 9;

// The counters of one input, `runnel_http_*{component="inputs.NAME"}`.
struct HttpMetrics {
  Counter* requests = nullptr;  // answered 200 (the pipeline took every event)
  Counter* events = nullptr;    // events of those requests
  Counter* rejected[kRejectReasons] = {};
  Counter* bad_times = nullptr;  // events whose time_key did not parse
  Counter* connections_opened = nullptr;
  Counter* idle_timeouts = nullptr;
  Gauge* connections_open = nullptr;
  Gauge* queued_requests = nullptr;  // waiting for the emitting thread

  static HttpMetrics Create(MetricsRegistry& registry, const std::string& component);
  Counter* Rejected(Reject reason) const { return rejected[static_cast<int>(reason)]; }
};

class Receiver : public AckReceiver {
 public:
  // `metrics` null: the counters live in a registry of the receiver's own.
  Receiver(HttpConfig config, std::string component, MetricsRegistry* metrics);

  const HttpConfig& config() const { return config_; }
  const std::string& component() const { return component_; }
  const HttpMetrics& metrics() const { return metrics_; }

  enum class Admit { kQueued, kFull, kStopped };
  // Loop thread: queues the events of one request of `session`. kQueued: the session's
  // OnAcked is called once, later, with the outcome (possibly before Enqueue returns, never on
  // the calling thread). kFull / kStopped: nothing was queued and OnAcked is not called.
  Admit Enqueue(const std::shared_ptr<Session>& session, Batch batch);

  // The emitting thread: emits queued batches until Shutdown. Returns once no more Emit runs.
  void Run(Emitter& emitter);
  // Makes Run return after the Emit in progress; queued batches are cancelled (their sessions
  // answer 503), and later Enqueue calls are kStopped.
  void Shutdown();
  bool stopped() const;

  // Sessions register while open, so Stop can close them.
  void AddSession(uint64_t id, const std::shared_ptr<Session>& session);
  void RemoveSession(uint64_t id);
  std::vector<std::shared_ptr<Session>> Sessions() const;
  // Waits until no session is registered (every connection closed) or `timeout` passes; true
  // when none is left.
  bool WaitForNoSessions(std::chrono::milliseconds timeout);

  // Decodes a request body (EventDecoder::Decode) with the input's one decoder, whose buffers
  // every connection shares, so memory does not grow with the connections. Serialised.
  Status Decode(std::string_view body, BodyFormat format, EventTime now,
                const DecodeOptions& options, Batch* batch, size_t* bad_times);

  // AckReceiver.
  void OnAck(uint64_t cookie, AckOutcome outcome) override;

 private:
  const HttpConfig config_;
  const std::string component_;
  std::unique_ptr<MetricsRegistry> own_metrics_;
  HttpMetrics metrics_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  size_t queued_bytes_ = 0;
  bool shutdown_ = false;
  std::map<uint64_t, std::weak_ptr<Session>> sessions_;
  std::condition_variable sessions_cv_;  // a session was removed

  std::mutex decode_mu_;
  EventDecoder decoder_;

  std::mutex acks_mu_;
  uint64_t next_cookie_ = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> pending_;
};

}  // namespace runnel::plugins::http_input

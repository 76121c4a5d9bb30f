#pragma once
// Receiver: what every connection of one forward input shares: the config, the metrics, the
// queue from the loop threads to the emitting thread, and the table of acknowledgements still
// owed to senders.
//
// Threads: connections (Session) decode on the TcpServer's loop thread and Enqueue; one emitting
// thread runs Run(), which pops batches and calls Emitter::Emit (that may block: backpressure),
// so no loop thread ever blocks on the pipeline. The queue is bounded by the sessions: a session
// with batches in the queue stops reading (Connection::PauseReading) until the emitting thread
// has emitted them, so the queue holds at most what one read of each connection decoded to.
// OnAck may run on any thread. Every method is thread-safe.
//
// Owned through a shared_ptr by the input and by every session, so a connection callback that
// runs after the input let go never touches freed memory.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "forward_config.h"
#include "runnel/ack.h"
#include "runnel/batch.h"
#include "runnel/metrics.h"
#include "runnel/net/connection.h"
#include "runnel/plugin.h"

namespace runnel::plugins::forward_input {

class Session;

// The counters of one input, `runnel_forward_*{component="inputs.NAME"}`.
struct ForwardMetrics {
  Counter* connections_opened = nullptr;
  Counter* connections_closed = nullptr;
  Counter* frames = nullptr;      // event frames accepted
  Counter* bad_frames = nullptr;  // every reason below, together
  Counter* frames_too_large = nullptr;
  Counter* decompressed_too_large = nullptr;
  Counter* malformed_frames = nullptr;
  Counter* handshake_failures = nullptr;
  Counter* idle_timeouts = nullptr;
  Counter* acks_sent = nullptr;
  Gauge* connections_open = nullptr;

  static ForwardMetrics Create(MetricsRegistry& registry, const std::string& component);
};

class Receiver : public AckReceiver {
 public:
  // `metrics` null: the counters live in a registry of the receiver's own.
  Receiver(ForwardConfig config, std::string component, MetricsRegistry* metrics);

  const ForwardConfig& config() const { return config_; }
  const std::string& component() const { return component_; }
  const ForwardMetrics& metrics() const { return metrics_; }

  // Loop thread: hands a decoded batch of `session` to the emitting thread. When `chunk` is not
  // empty the batch gets an acknowledgement handle, and `{"ack": chunk}` is written to
  // `connection` once the pipeline has taken responsibility for the batch. False after
  // Shutdown (the batch is dropped; its sender re-sends it).
  bool Enqueue(std::shared_ptr<Session> session, Batch batch, std::string chunk,
               std::weak_ptr<net::Connection> connection);

  // The emitting thread: emits queued batches until Shutdown. Returns once no more Emit runs.
  void Run(Emitter& emitter);
  // Makes Run return after the Emit in progress; queued batches are dropped (cancelled).
  void Shutdown();

  // AckReceiver.
  void OnAck(uint64_t cookie, AckOutcome outcome) override;

 private:
  struct Item {
    std::shared_ptr<Session> session;
    Batch batch;
  };
  struct PendingAck {
    std::weak_ptr<net::Connection> connection;
    std::string chunk;
  };

  const ForwardConfig config_;
  const std::string component_;
  std::unique_ptr<MetricsRegistry> own_metrics_;
  ForwardMetrics metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool shutdown_ = false;

  std::mutex acks_mu_;
  uint64_t next_cookie_ = 1;
  std::unordered_map<uint64_t, PendingAck> acks_;
};

}  // namespace runnel::plugins::forward_input

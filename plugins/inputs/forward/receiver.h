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
// Dedupe (config.dedupe, a ChunkWindow given by SetWindow): a chunk id is remembered when its
// batch's acknowledgement comes back kDelivered or kRejected (the outputs took responsibility,
// so it is acked), never on kCancelled (so a resend is stored). A frame whose id is remembered
// is acked at once and not emitted. A frame whose id is still in the pipeline (the first copy
// not yet acknowledged: the sender re-sent it, perhaps on another connection) is not emitted
// either: its ack waits for the first copy's outcome and goes out with it, on its own
// connection (at most kMaxHeldDuplicates copies are held; more are not acked); when the first
// copy is cancelled neither is acked (both senders re-send). Both count in
// forward_duplicates_total. The lookup and the remembering happen under one lock, so a
// chunk is never emitted twice between them.
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
#include <vector>

#include "forward_config.h"
#include "runnel/ack.h"
#include "runnel/batch.h"
#include "runnel/chunk_window.h"
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
  Counter* duplicates = nullptr;              // frames acked without being emitted again
  Counter* dedupe_damaged_records = nullptr;  // skipped at start: corrupt or torn
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

  // Turns dedupe on, before the first Enqueue. `window` not null.
  void SetWindow(std::unique_ptr<ChunkWindow> window);

  // Loop thread: hands a decoded batch of `session` to the emitting thread. When `chunk` is not
  // empty the batch gets an acknowledgement handle, and `{"ack": chunk}` is written to
  // `connection` once the pipeline has taken responsibility for the batch. False when the
  // batch was not queued: after Shutdown (dropped; its sender re-sends it), or a duplicate
  // (batch.id already accepted or in the pipeline: acked now, or with the first copy).
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
  struct AckTo {
    std::weak_ptr<net::Connection> connection;
    std::string chunk;
  };
  struct PendingAck {
    BatchId id;
    AckTo first;
    std::vector<AckTo> duplicates;  // the same id, received while this one was in the pipeline
  };

  // Copies of one chunk held while its first is in the pipeline; more are not acked.
  static constexpr size_t kMaxHeldDuplicates = 64;

  // Writes `{"ack": chunk}` to the connection, when it is still open.
  void SendAck(const AckTo& to);

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
  // Dedupe on: the accepted ids, and the cookie of each id in the pipeline.
  std::unique_ptr<ChunkWindow> window_;
  std::unordered_map<BatchId, uint64_t, ChunkWindow::IdHash> in_flight_;
};

}  // namespace runnel::plugins::forward_input

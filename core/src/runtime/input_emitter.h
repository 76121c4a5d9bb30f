#pragma once
// InputEmitter: the Emitter an input is given. It runs the input's routing (a Routing, below),
// lets that routing be replaced while the input runs (a reload), and knows when everything the
// input emitted has been acknowledged.
//
// Acknowledgements: Emit relays each batch's acknowledgement through the emitter, so Settled()
// tells whether every batch emitted so far has been acknowledged, and WaitSettled waits for it.
// The emitter is the receiver of those relays: it must not be destroyed before Settled() (the
// pipeline destroys its outputs first, which completes every handle, and keeps the emitter of an
// input stopped by a reload until it has settled).
//
// Thread-safety: Emit and Finished from any of the input's threads; Replace, Drain, WaitSettled
// from the pipeline's thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "runnel/ack.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "runtime/cancel_flag.h"
#include "runtime/router.h"

namespace runnel::runtime {

// The routing trees of one input, one per worker (router.h). With one tree, Emit runs it on the
// calling thread; with more, Emit hands the batch to the next free worker thread and returns, and
// a turnstile keeps order: a worker queues its results only when every earlier batch has been
// queued, so each output sees the input's batches in emission order.
class Routing {
 public:
  // `cancel`: makes the routing's waits for room in an output return (see cancel_flag.h).
  Routing(std::vector<std::unique_ptr<Fanout>> trees, const CancelFlag* cancel);
  ~Routing();  // Close, then joins the workers

  // Runs or queues the batch. The caller has called Enter() before (under its own lock, so that
  // a Close racing with it still waits for this batch).
  Status Emit(Batch batch);
  void Enter();
  // No more batches come; the workers process what they were handed, then exit.
  void Close();
  // Waits until the routing is closed and every batch it was handed has been queued to its
  // outputs (and its workers have exited), or `deadline` (none: no limit). True when drained.
  bool WaitDrained(std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

 private:
  struct Work {
    uint64_t seq;
    Batch batch;
  };
  void WorkerLoop(size_t index);
  void Leave();
  // Queues `sends` to their outputs; returns the first error.
  Status Send(std::vector<PendingSend>& sends);

  std::vector<std::unique_ptr<Fanout>> trees_;
  const CancelFlag* cancel_;
  std::mutex inline_mu_;  // one tree: it runs on the emitting thread, one batch at a time

  std::mutex mu_;
  std::condition_variable work_cv_;   // work queued, or closing
  std::condition_variable space_cv_;  // room in the queue
  std::condition_variable turn_cv_;   // next_turn_ advanced
  std::condition_variable idle_cv_;   // entered_ reached 0, or a worker exited
  std::deque<Work> work_;
  uint64_t next_seq_ = 0;
  uint64_t next_turn_ = 0;
  size_t entered_ = 0;  // Emit calls admitted and not returned
  size_t running_ = 0;  // worker threads not exited
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

class InputEmitter : public Emitter, private AckReceiver {
 public:
  // `trees`: the first routing (see Routing); at least one tree.
  InputEmitter(std::string id, ComponentMetrics metrics, const std::atomic<bool>* stopping,
               std::function<void()> on_finished, std::vector<std::unique_ptr<Fanout>> trees);
  ~InputEmitter() override;

  Status Emit(Batch batch) override;
  void Finished() override;
  bool stopping() const override { return stopping_->load(std::memory_order_relaxed); }

  // Replaces the routing. Emit calls wait while the current routing finishes what it was handed,
  // up to `deadline`; then `trees` take over. Returns the old routing when it had not finished by
  // the deadline (an output it feeds is not taking batches): it goes on in the background and
  // must be kept until Routing::WaitDrained; nullptr when it finished (ordering is kept).
  // `on_timeout` runs once, at the deadline, before the old routing is waited for a last time
  // (the pipeline aborts the outputs that are going away, so what waits on them is released).
  std::unique_ptr<Routing> Replace(std::vector<std::unique_ptr<Fanout>> trees,
                                   std::chrono::steady_clock::time_point deadline,
                                   const std::function<void()>& on_timeout);
  // Processes what was handed to the workers, then stops them; Emit returns Cancelled from now
  // on. Call after the input stopped.
  void Drain();
  // Makes Emit calls waiting for room in an output return Cancelled, now and from now on; the
  // caller then wakes the outputs' producers (OutputWorker::WakeProducers, MemoryBudget::WakeAll).
  // For an input that must stop while an output it feeds takes nothing.
  void Abort();
  // Completes every acknowledgement not yet relayed as kCancelled, now, so the input can save
  // its state and be let go; those that come later are dropped. Settled() stays false until
  // they have all come (the emitter must be kept until then).
  void Detach();

  // Whether every batch emitted so far has been acknowledged.
  bool Settled() const { return outstanding_.load() == 0; }
  // Waits until Settled() or `deadline`. True when settled.
  bool WaitSettled(std::chrono::steady_clock::time_point deadline);
  bool finished() const { return finished_.load(); }

 private:
  struct Relay;
  void OnAck(uint64_t cookie, AckOutcome outcome) override;

  std::string id_;
  ComponentMetrics metrics_;
  const std::atomic<bool>* stopping_;
  std::function<void()> on_finished_;
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> outstanding_{0};  // relayed acknowledgements not completed
  CancelFlag aborted_{false};
  std::mutex relay_mu_;
  std::unordered_set<Relay*> relays_;  // outstanding, for Detach

  mutable std::mutex mu_;
  std::condition_variable gate_cv_;     // the gate opened, or drained
  std::condition_variable settled_cv_;  // outstanding_ reached 0
  std::unique_ptr<Routing> routing_;
  bool gated_ = false;    // a Replace is waiting for the current routing
  bool drained_ = false;  // Drain was called
};

}  // namespace runnel::runtime

#pragma once
// Router: what happens to a batch after an input emits it. For each input, the pipeline graph is
// compiled into a tree of chains: a chain is a run of filters with no branching, followed by the
// outputs and chains downstream of its last filter. A chain decodes its batch once, lets every
// filter edit the events in place, and encodes once.
//
// An input whose tree has filters gets `workers` copies of the tree (each with its own filter
// instances) and as many threads: Emit hands the batch to the next free worker and returns, so
// reading and filtering use separate cores. Batches still reach each output in the order they
// were emitted: a worker queues its results only when every earlier batch has been queued.
// Without filters, or with one worker, the tree runs on the emitting thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runnel/plugin.h"
#include "runnel/record.h"
#include "runtime/output_worker.h"

namespace runnel::runtime {

class Chain;

// A batch ready for one output, held back until its turn (parallel workers keep order).
struct PendingSend {
  OutputWorker* output;
  std::shared_ptr<const Batch> batch;
  AckHandle ack;
};

// The consumers of one node of the graph (an input or a chain's last filter).
struct Fanout {
  std::vector<OutputWorker*> outputs;
  std::vector<std::unique_ptr<Chain>> chains;

  bool has_chains() const { return !chains.empty(); }
  // Hands the batch to every consumer, each with its part of the acknowledgement. Output sends
  // are appended to *sends (the caller queues them); chains run here.
  void Dispatch(Batch batch, std::vector<PendingSend>* sends);
};

struct ChainFilter {
  std::string id;
  std::unique_ptr<Filter> filter;
  ComponentMetrics metrics;
};

class Chain {
 public:
  explicit Chain(std::vector<ChainFilter> filters) : filters_(std::move(filters)) {}
  Fanout& next() { return next_; }
  // Runs the filters over `in`, then dispatches the result.
  void Run(const Batch& in, AckHandle ack, std::vector<PendingSend>* sends);

 private:
  std::vector<ChainFilter> filters_;
  EventBatch events_;
  Fanout next_;
};

// The Emitter an input is given.
class InputEmitter : public Emitter {
 public:
  // `trees`: one routing tree per worker (see above); at least one.
  InputEmitter(std::string id, ComponentMetrics metrics, const std::atomic<bool>* stopping,
               std::function<void()> on_finished, std::vector<std::unique_ptr<Fanout>> trees);
  ~InputEmitter() override;

  Status Emit(Batch batch) override;
  void Finished() override;
  bool stopping() const override { return stopping_->load(std::memory_order_relaxed); }

  // Processes what was handed to the workers, then stops them. Call after the input stopped.
  void Drain();

 private:
  struct Work {
    uint64_t seq;
    Batch batch;
  };
  void WorkerLoop(size_t index);
  // Queues `sends` to their outputs; returns the first error.
  static Status Send(std::vector<PendingSend>& sends);

  std::string id_;
  ComponentMetrics metrics_;
  const std::atomic<bool>* stopping_;
  std::function<void()> on_finished_;
  std::atomic<bool> finished_{false};
  std::vector<std::unique_ptr<Fanout>> trees_;

  std::mutex inline_mu_;  // one worker: the tree runs on the emitting thread, one at a time

  // Parallel workers.
  std::mutex mu_;
  std::condition_variable work_cv_;   // work queued, or closing
  std::condition_variable space_cv_;  // room in the queue
  std::condition_variable turn_cv_;   // next_turn_ advanced
  std::deque<Work> work_;
  uint64_t next_seq_ = 0;
  uint64_t next_turn_ = 0;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace runnel::runtime

#pragma once
// Router: what happens to a batch after an input emits it. For each input, the pipeline graph is
// compiled into a tree of chains: a chain is a run of filters with no branching, followed by the
// outputs and chains downstream of its last filter. A chain decodes its batch once, lets every
// filter edit the events in place, and encodes once.
//
// Each input has its own tree with its own filter instances, so filters never run concurrently
// on one instance. A tree is used by one thread at a time (InputEmitter serialises).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runnel/plugin.h"
#include "runnel/record.h"
#include "runtime/output_worker.h"

namespace runnel::runtime {

class Chain;

// The consumers of one node of the graph (an input or a chain's last filter).
struct Fanout {
  std::vector<OutputWorker*> outputs;
  std::vector<std::unique_ptr<Chain>> chains;

  // Hands the batch to every consumer, each with its part of the acknowledgement.
  // Returns the first error (Cancelled while stopping); consumers reached before it keep theirs.
  Status Dispatch(Batch batch);
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
  Status Run(const Batch& in, AckHandle ack);

 private:
  std::vector<ChainFilter> filters_;
  EventBatch events_;
  Fanout next_;
};

// The Emitter an input is given.
class InputEmitter : public Emitter {
 public:
  InputEmitter(std::string id, ComponentMetrics metrics, const std::atomic<bool>* stopping,
               std::function<void()> on_finished)
      : id_(std::move(id)),
        metrics_(metrics),
        stopping_(stopping),
        on_finished_(std::move(on_finished)) {}

  Fanout& root() { return root_; }
  Status Emit(Batch batch) override;
  void Finished() override;
  bool stopping() const override { return stopping_->load(std::memory_order_relaxed); }

 private:
  std::string id_;
  ComponentMetrics metrics_;
  const std::atomic<bool>* stopping_;
  std::function<void()> on_finished_;
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  Fanout root_;
};

}  // namespace runnel::runtime

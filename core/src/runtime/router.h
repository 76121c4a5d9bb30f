#pragma once
// Router: what happens to a batch after an input emits it. For each input, the pipeline graph is
// compiled into a tree of chains: a chain is a run of filters with no branching, followed by the
// outputs and chains downstream of its last filter. A chain decodes its batch once, lets every
// filter edit the events in place, and encodes once.
//
// An input whose tree has filters gets `workers` copies of the tree (each with its own filter
// instances), run by its InputEmitter (input_emitter.h).

#include <cstdint>
#include <memory>
#include <string>
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

}  // namespace runnel::runtime

#pragma once
// Pipeline: the running graph of one process. Creates every plugin instance from a validated
// configuration, starts outputs then inputs, and shuts down in the order that loses nothing:
//   1. inputs stop producing (a batch already emitted keeps travelling);
//   2. every output drains its queue, up to the shutdown deadline;
//   3. outputs close; inputs persist what was acknowledged (checkpoints).
// Reload applies a new configuration to the running graph, keeping what did not change
// (docs/architecture.md, Reload).
// Create/Start/Reload/Shutdown are called from one thread; RequestStop and the observers
// (readiness, Activity, RefreshMetrics, CheckLiveness) from any thread (the admin API's, the
// watchdog's).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/health.h"
#include "runnel/config_node.h"
#include "runnel/metrics.h"
#include "runnel/registry.h"
#include "runtime/graph.h"
#include "runtime/input_emitter.h"
#include "runtime/memory_budget.h"
#include "runtime/output_options.h"
#include "runtime/output_worker.h"
#include "runtime/reload_plan.h"

namespace runnel::runtime {

struct PipelineSpec {
  std::string data_dir;
  uint64_t memory_limit = 256ull << 20;
  std::chrono::milliseconds shutdown_timeout{30'000};
  // Threads that run an input's filters (see input_emitter.h); 0: one per core, at most 4.
  size_t filter_workers = 0;
  std::vector<ConfigNode> inputs, filters, outputs;
  // An output's buffer when it does not set buffer.type: memory for runnel-agent, disk for
  // runnel-aggregator.
  BufferType default_buffer = BufferType::kMemory;
  buffer::FileOps* file_ops = nullptr;  // tests: the disk buffers' file interface
  // The clock the outputs' Activity() reads (tests inject theirs); null: steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class Pipeline {
 public:
  // Creates every component. Errors of all components are returned together, one per line.
  static Result<std::unique_ptr<Pipeline>> Create(PipelineSpec spec, const PluginRegistry& registry,
                                                  MetricsRegistry* metrics);
  ~Pipeline();

  // Creates data_dir, starts outputs, then inputs.
  Status Start();
  // Blocks until RequestStop() is called or every input has finished (one-shot inputs).
  void Wait();
  void RequestStop();
  bool finished() const { return all_finished_.load(); }
  // Bytes held in the memory budget now: memory buffers, and what outputs hold until they
  // complete it.
  uint64_t memory_in_use() const { return budget_.used(); }
  // /ready: kStarting until Start() has succeeded, kReady, then kDraining from RequestStop()
  // (a signal, or every one-shot input finished) or Shutdown() on.
  api::Readiness readiness() const;
  // /health: every output's activity, in config order.
  std::vector<api::OutputActivity> Activity() const;
  // Sets the gauges that are read only when scraped: memory_budget_used_bytes, the outputs'
  // buffer gauges.
  void RefreshMetrics();
  // Stops and drains as described above. Returns the number of batches not delivered.
  uint64_t Shutdown();

  // Applies `next` (validated, with the same data_dir) to the started pipeline:
  //   - a component whose settings did not change keeps running untouched (an input keeps its
  //     checkpoints and connections, an output its buffer and connections); an input whose
  //     downstream filters or outputs changed keeps running and gets new routing trees;
  //   - an output whose plugin settings changed (not its buffer.* or acknowledgements) is
  //     replaced behind its buffer: producers are not disturbed, nothing is re-sent;
  //   - an output whose buffer changed is drained (its buffer delivered) and created anew; a
  //     removed output is drained and stopped;
  //   - a changed input is stopped, waits until what it emitted is acknowledged (up to
  //     shutdown_timeout), saves its state, and starts again with the new settings; a removed
  //     one is stopped the same way; new components start.
  // Everything new is created before anything running is touched, and new outputs are started
  // first: an error there (a plugin refusing its settings, a file that cannot be opened) returns
  // the error and leaves the running pipeline as it was. An error after that point (a changed
  // component that fails to start) starts that component again with its previous settings and
  // is returned too (InvalidArgument naming it).
  Result<ReloadSummary> Reload(PipelineSpec next, const PluginRegistry& registry);

  // For a watchdog: FailedPrecondition naming the first output whose worker has been inside one
  // Output::Write call for longer than `max_stall` (a wedged output: waiting to retry, or for
  // room in an output's in-flight window, is not); OK otherwise.
  Status CheckLiveness(std::chrono::steady_clock::duration max_stall) const;

 private:
  struct InputSlot {
    ConfigNode config;
    std::unique_ptr<Input> input;
    std::unique_ptr<InputEmitter> emitter;
    bool started = false;
    // Stops the input, then lets what it handed over through its filters; Emit fails from then.
    void StopProducing();
  };
  struct OutputSlot {
    ConfigNode config;
    std::unique_ptr<OutputWorker> worker;
  };
  // What a reload took out of the graph and that must outlive what still refers to it.
  struct Retired {
    std::vector<std::unique_ptr<Routing>> routings;  // still waiting on an output
    std::vector<std::unique_ptr<OutputWorker>> outputs;
    std::vector<InputSlot> inputs;  // stopped; their emitters wait for acknowledgements
  };
  class Reloader;

  Pipeline(PipelineSpec spec, MetricsRegistry* metrics);
  PluginContext MakeContext(const ConfigNode& node) const;
  // Creates the worker of output `n` (not started). `memory_share`: a memory buffer's default
  // cap; `memory_limit`: the budget it is checked against.
  Result<std::unique_ptr<OutputWorker>> CreateOutput(const ConfigNode& n,
                                                     const PluginRegistry& registry,
                                                     uint64_t memory_share, uint64_t memory_limit);
  // An instance of output `n`'s plugin, given `dead_letters` (its worker's) in its context.
  Result<std::unique_ptr<Output>> CreateOutputPlugin(const ConfigNode& n,
                                                     const PluginRegistry& registry,
                                                     DeadLetters* dead_letters) const;
  // Creates input `n` (not started) with routing trees from `ctx`.
  Result<InputSlot> CreateInput(const ConfigNode& n, const PluginRegistry& registry,
                                const TreeContext& ctx);
  TreeContext MakeTreeContext(const Graph& graph, const PluginRegistry& registry,
                              std::function<OutputWorker*(const std::string&)> find) const;
  // A memory buffer's default cap with `outputs` outputs.
  static uint64_t MemoryShare(uint64_t memory_limit, size_t outputs);
  void OnInputFinished();
  size_t FilterWorkers() const;
  // Destroys what is retired and no longer referred to.
  void Reap();

  PipelineSpec spec_;
  MetricsRegistry* metrics_;
  std::string hostname_;
  MemoryBudget budget_;
  std::vector<OutputSlot> outputs_;
  std::vector<InputSlot> inputs_;
  Retired retired_;
  Gauge* budget_used_ = nullptr;
  Gauge* budget_limit_ = nullptr;
  std::atomic<bool> started_{false};
  mutable std::mutex components_mu_;  // guards the vectors above for the observers
  std::atomic<bool> stopping_{false};
  std::atomic<bool> all_finished_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
};

}  // namespace runnel::runtime

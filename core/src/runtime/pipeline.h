#pragma once
// Pipeline: the running graph of one process. Creates every plugin instance from a validated
// configuration, starts outputs then inputs, and shuts down in the order that loses nothing:
//   1. inputs stop producing (a batch already emitted keeps travelling);
//   2. every output drains its queue, up to the shutdown deadline;
//   3. outputs close; inputs persist what was acknowledged (checkpoints).
// Create/Start/Shutdown are called from one thread; RequestStop, readiness, Activity and
// RefreshMetrics from any thread (the admin API's).

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
#include "runtime/memory_budget.h"
#include "runtime/output_options.h"
#include "runtime/output_worker.h"
#include "runtime/router.h"

namespace runnel::runtime {

struct PipelineSpec {
  std::string data_dir;
  uint64_t memory_limit = 256ull << 20;
  std::chrono::milliseconds shutdown_timeout{30'000};
  // Threads that run an input's filters (see router.h); 0: one per core, at most 4.
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

 private:
  struct InputSlot {
    std::string id;
    std::unique_ptr<Input> input;
    std::unique_ptr<InputEmitter> emitter;
    bool started = false;
  };

  Pipeline(PipelineSpec spec, MetricsRegistry* metrics);
  Status Build(const PluginRegistry& registry);
  Result<std::unique_ptr<Chain>> BuildChain(const std::string& first_filter,
                                            const PluginRegistry& registry, int depth);
  Status BuildFanout(const std::string& node, Fanout* fanout, const PluginRegistry& registry,
                     int depth);
  PluginContext MakeContext(const ConfigNode& node) const;
  void OnInputFinished();
  size_t FilterWorkers() const;

  PipelineSpec spec_;
  MetricsRegistry* metrics_;
  std::string hostname_;
  MemoryBudget budget_;
  std::vector<std::unique_ptr<OutputWorker>> outputs_;
  std::vector<InputSlot> inputs_;
  // Graph: for each component name, the filters and outputs that read from it.
  std::vector<std::pair<std::string, const ConfigNode*>> consumers_;  // (upstream, consumer)
  Gauge* budget_used_ = nullptr;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> all_finished_{false};
  std::atomic<size_t> finished_inputs_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
};

}  // namespace runnel::runtime

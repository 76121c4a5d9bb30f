#include "runtime/pipeline.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "runnel/logging.h"
#include "runtime/deadline_guard.h"

namespace runnel::runtime {
namespace {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) {
    return "localhost";
  }
  return buf;
}

}  // namespace

Pipeline::Pipeline(PipelineSpec spec, MetricsRegistry* metrics)
    : spec_(std::move(spec)),
      metrics_(metrics),
      hostname_(Hostname()),
      budget_(spec_.memory_limit) {}

Pipeline::~Pipeline() {
  Shutdown();
  // Outputs first: stopping them completes every acknowledgement handle they still hold, and
  // the inputs' emitters are the receivers of those.
  outputs_.clear();
  retired_.routings.clear();
  retired_.outputs.clear();
}

PluginContext Pipeline::MakeContext(const ConfigNode& node) const {
  PluginContext ctx;
  ctx.id = node.id();
  ctx.data_dir = spec_.data_dir;
  ctx.hostname = hostname_;
  ctx.metrics = metrics_;
  ctx.component_metrics = ComponentMetrics::Create(*metrics_, ctx.id);
  return ctx;
}

uint64_t Pipeline::MemoryShare(uint64_t memory_limit, size_t outputs) {
  // A memory buffer's default share of the budget leaves room for the others, so one dead
  // output cannot take all of it. 16 MiB keeps a forward output at full speed on loopback
  // (64 MiB was 10% faster for three times the memory: docs/performance.md).
  return std::clamp<uint64_t>(memory_limit / (outputs + 1), 1ull << 20, 16ull << 20);
}

Result<std::unique_ptr<Output>> Pipeline::CreateOutputPlugin(const ConfigNode& n,
                                                             const PluginRegistry& registry,
                                                             DeadLetters* dead_letters) const {
  const PluginInfo* info = registry.Find(PluginKind::kOutput, n.type());
  if (info == nullptr || !info->create_output) {
    return Err(InvalidArgument(n.id() + ": unknown output type '" + n.type() + "'"));
  }
  PluginContext ctx = MakeContext(n);
  ctx.dead_letters = dead_letters;
  return info->create_output(n, ctx);
}

Result<std::unique_ptr<OutputWorker>> Pipeline::CreateOutput(const ConfigNode& n,
                                                             const PluginRegistry& registry,
                                                             uint64_t memory_share,
                                                             uint64_t memory_limit) {
  RUNNEL_ASSIGN_OR_RETURN(OutputOptions options,
                          ParseOutputOptions(n, spec_.default_buffer, memory_share, memory_limit));
  auto dead_letters = std::make_shared<DeadLetterSink>(
      n.id(), buffer::DeadLetterDir(spec_.data_dir, n.name()), metrics_);
  RUNNEL_ASSIGN_OR_RETURN(std::unique_ptr<Output> out,
                          CreateOutputPlugin(n, registry, dead_letters.get()));
  PluginContext ctx = MakeContext(n);
  OutputWorkerSpec w;
  w.id = n.id();
  w.options = options;
  w.buffer_dir = ctx.StateDir() + "/buffer";
  w.dead_letters = std::move(dead_letters);
  w.budget = &budget_;
  w.metrics = ctx.component_metrics;
  w.registry = metrics_;
  w.file_ops = spec_.file_ops;
  w.clock = spec_.clock;
  return std::make_unique<OutputWorker>(std::move(w), std::move(out));
}

TreeContext Pipeline::MakeTreeContext(
    const Graph& graph, const PluginRegistry& registry,
    std::function<OutputWorker*(const std::string&)> find) const {
  TreeContext ctx;
  ctx.graph = &graph;
  ctx.registry = &registry;
  ctx.find_output = std::move(find);
  ctx.make_context = [this](const ConfigNode& node) { return MakeContext(node); };
  return ctx;
}

Result<Pipeline::InputSlot> Pipeline::CreateInput(const ConfigNode& n,
                                                  const PluginRegistry& registry,
                                                  const TreeContext& tree_ctx) {
  const PluginInfo* info = registry.Find(PluginKind::kInput, n.type());
  if (info == nullptr || !info->create_input) {
    return Err(InvalidArgument(n.id() + ": unknown input type '" + n.type() + "'"));
  }
  PluginContext ctx = MakeContext(n);
  RUNNEL_ASSIGN_OR_RETURN(std::unique_ptr<Input> input, info->create_input(n, ctx));
  RUNNEL_ASSIGN_OR_RETURN(auto trees, BuildTrees(tree_ctx, n.name(), FilterWorkers()));
  InputSlot slot;
  slot.config = n;
  slot.input = std::move(input);
  slot.emitter = std::make_unique<InputEmitter>(
      n.id(), ctx.component_metrics, &stopping_, [this] { OnInputFinished(); }, std::move(trees));
  return slot;
}

Result<std::unique_ptr<Pipeline>> Pipeline::Create(PipelineSpec spec,
                                                   const PluginRegistry& registry,
                                                   MetricsRegistry* metrics) {
  std::unique_ptr<Pipeline> p(new Pipeline(std::move(spec), metrics));
  std::string errors;
  auto note = [&errors](const Status& s) {
    if (!s.ok()) {
      errors += errors.empty() ? "" : "\n";
      errors += s.message();
    }
  };
  const uint64_t share = MemoryShare(p->spec_.memory_limit, p->spec_.outputs.size());
  for (const ConfigNode& n : p->spec_.outputs) {
    auto worker = p->CreateOutput(n, registry, share, p->spec_.memory_limit);
    if (!worker.has_value()) {
      note(worker.error());
      continue;
    }
    p->outputs_.push_back(OutputSlot{n, std::move(*worker)});
  }
  Graph graph(p->spec_.inputs, p->spec_.filters, p->spec_.outputs);
  TreeContext ctx = p->MakeTreeContext(graph, registry, [&p](const std::string& id) {
    for (OutputSlot& o : p->outputs_) {
      if (o.worker->id() == id) {
        return o.worker.get();
      }
    }
    return static_cast<OutputWorker*>(nullptr);
  });
  for (const ConfigNode& n : p->spec_.inputs) {
    auto slot = p->CreateInput(n, registry, ctx);
    if (!slot.has_value()) {
      note(slot.error());
      continue;
    }
    p->inputs_.push_back(std::move(*slot));
  }
  if (!errors.empty()) {
    return Err(InvalidArgument(errors));
  }
  p->budget_used_ = metrics->GetGauge(
      "memory_budget_used_bytes", "",
      "Bytes of the memory budget (memory_limit) held now: memory buffers, and what outputs "
      "hold until they complete it.");
  p->budget_limit_ = metrics->GetGauge("memory_budget_limit_bytes", "",
                                       "The memory budget, memory_limit, in bytes.");
  p->budget_limit_->Set(static_cast<int64_t>(p->spec_.memory_limit));
  return p;
}

Status Pipeline::Start() {
  std::error_code ec;
  std::filesystem::create_directories(spec_.data_dir, ec);
  if (ec) {
    return InvalidArgument("cannot create data_dir '" + spec_.data_dir + "': " + ec.message());
  }
  if (access(spec_.data_dir.c_str(), W_OK) != 0) {
    return InvalidArgument("data_dir '" + spec_.data_dir + "' is not writable by this user");
  }
  for (OutputSlot& o : outputs_) {
    RUNNEL_RETURN_IF_ERROR(o.worker->Start());
  }
  for (InputSlot& slot : inputs_) {
    RUNNEL_RETURN_IF_ERROR(slot.input->Start(*slot.emitter).WithPrefix(slot.config.id()));
    slot.started = true;
  }
  if (inputs_.empty()) {
    all_finished_.store(true);
  }
  started_.store(true);
  return OkStatus();
}

api::Readiness Pipeline::readiness() const {
  if (stopping_.load()) {
    return api::Readiness::kDraining;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_requested_) {
      return api::Readiness::kDraining;
    }
  }
  return started_.load() ? api::Readiness::kReady : api::Readiness::kStarting;
}

std::vector<api::OutputActivity> Pipeline::Activity() const {
  std::lock_guard<std::mutex> lock(components_mu_);
  std::vector<api::OutputActivity> out;
  for (const OutputSlot& o : outputs_) {
    out.push_back(o.worker->Activity());
  }
  return out;
}

void Pipeline::RefreshMetrics() {
  if (budget_used_ != nullptr) {
    budget_used_->Set(static_cast<int64_t>(budget_.used()));
  }
  std::lock_guard<std::mutex> lock(components_mu_);
  for (OutputSlot& o : outputs_) {
    o.worker->RefreshMetrics();
  }
}

size_t Pipeline::FilterWorkers() const {
  if (spec_.filter_workers > 0) {
    return spec_.filter_workers;
  }
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}

void Pipeline::OnInputFinished() {
  {
    std::lock_guard<std::mutex> lock(components_mu_);
    for (const InputSlot& slot : inputs_) {
      if (!slot.emitter->finished()) {
        return;
      }
    }
  }
  all_finished_.store(true);
  RequestStop();
}

void Pipeline::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

void Pipeline::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_requested_; });
}

Status Pipeline::CheckLiveness(std::chrono::steady_clock::duration max_stall) const {
  std::lock_guard<std::mutex> lock(components_mu_);
  for (const OutputSlot& o : outputs_) {
    RUNNEL_RETURN_IF_ERROR(o.worker->CheckLiveness(max_stall));
  }
  return OkStatus();
}

void Pipeline::InputSlot::StopProducing() {
  if (started) {
    input->Stop();
  }
  emitter->Drain();  // what the input handed over still goes through its filters
}

void Pipeline::Reap() {
  auto& routings = retired_.routings;
  routings.erase(std::remove_if(routings.begin(), routings.end(),
                                [](const std::unique_ptr<Routing>& r) {
                                  return r->WaitDrained(std::chrono::steady_clock::now());
                                }),
                 routings.end());
  if (routings.empty()) {
    retired_.outputs.clear();  // nothing refers to them any more
  }
  auto& inputs = retired_.inputs;
  inputs.erase(std::remove_if(inputs.begin(), inputs.end(),
                              [&](const InputSlot& s) { return s.emitter->Settled(); }),
               inputs.end());
}

uint64_t Pipeline::Shutdown() {
  if (stopping_.exchange(true)) {
    return 0;
  }
  const auto deadline = std::chrono::steady_clock::now() + spec_.shutdown_timeout;
  uint64_t cancelled = 0;
  {
    // An input blocked on a full queue of a dead output must not hold the shutdown past its
    // deadline: when it passes, the budget is aborted and every waiting producer is released.
    DeadlineGuard guard(deadline, [this] {
      budget_.Abort();
      for (OutputSlot& o : outputs_) {
        o.worker->Abort();
      }
      for (auto& w : retired_.outputs) {
        w->Abort();
      }
    });
    for (InputSlot& slot : inputs_) {
      slot.StopProducing();
    }
    for (auto& r : retired_.routings) {
      (void)r->WaitDrained(deadline);
    }
    for (OutputSlot& o : outputs_) {
      cancelled += o.worker->Drain(deadline);
    }
    for (auto& w : retired_.outputs) {
      cancelled += w->Drain(deadline);
    }
  }
  budget_.Abort();
  for (InputSlot& slot : inputs_) {
    if (slot.started) {
      slot.input->OnDrained();
    }
  }
  return cancelled;
}

}  // namespace runnel::runtime

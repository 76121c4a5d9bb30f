#include "runtime/pipeline.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "runnel/logging.h"

namespace runnel::runtime {
namespace {

bool IsGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool RefMatches(const std::string& ref, const std::string& name) {
  return IsGlob(ref) ? fnmatch(ref.c_str(), name.c_str(), 0) == 0 : ref == name;
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) {
    return "localhost";
  }
  return buf;
}

constexpr int kMaxDepth = 64;

}  // namespace

Pipeline::Pipeline(PipelineSpec spec, MetricsRegistry* metrics)
    : spec_(std::move(spec)),
      metrics_(metrics),
      hostname_(Hostname()),
      budget_(spec_.memory_limit) {}

Pipeline::~Pipeline() { Shutdown(); }

PluginContext Pipeline::MakeContext(const ConfigNode& node) const {
  PluginContext ctx;
  ctx.id = node.id();
  ctx.data_dir = spec_.data_dir;
  ctx.hostname = hostname_;
  ctx.metrics = metrics_;
  ctx.component_metrics = ComponentMetrics::Create(*metrics_, ctx.id);
  return ctx;
}

Result<std::unique_ptr<Pipeline>> Pipeline::Create(PipelineSpec spec,
                                                   const PluginRegistry& registry,
                                                   MetricsRegistry* metrics) {
  std::unique_ptr<Pipeline> p(new Pipeline(std::move(spec), metrics));
  RUNNEL_RETURN_IF_ERROR(p->Build(registry));
  p->budget_used_ = metrics->GetGauge(
      "memory_budget_used_bytes", "",
      "Bytes of the memory budget (memory_limit) held now: memory buffers, and what outputs "
      "hold until they complete it.");
  metrics->GetGauge("memory_budget_limit_bytes", "", "The memory budget, memory_limit, in bytes.")
      ->Set(static_cast<int64_t>(p->spec_.memory_limit));
  return p;
}

Status Pipeline::Build(const PluginRegistry& registry) {
  std::string errors;
  auto note = [&errors](const Status& s) {
    if (!s.ok()) {
      errors += errors.empty() ? "" : "\n";
      errors += s.message();
    }
  };

  // Who reads from whom. References may be globs; the config loader has checked they resolve.
  std::vector<std::string> upstream_names;
  for (const ConfigNode& n : spec_.inputs) {
    upstream_names.push_back(n.name());
  }
  for (const ConfigNode& n : spec_.filters) {
    upstream_names.push_back(n.name());
  }
  auto add_consumers = [&](const std::vector<ConfigNode>& nodes) {
    for (const ConfigNode& n : nodes) {
      for (const std::string& up : upstream_names) {
        bool matched = std::any_of(n.inputs().begin(), n.inputs().end(),
                                   [&](const std::string& ref) { return RefMatches(ref, up); });
        if (matched && up != n.name()) {
          consumers_.emplace_back(up, &n);
        }
      }
    }
  };
  add_consumers(spec_.filters);
  add_consumers(spec_.outputs);

  // A memory buffer's default share of the budget leaves room for the others, so one dead
  // output cannot take all of it. 16 MiB keeps a forward output at full speed on loopback
  // (64 MiB was 10% faster for three times the memory: docs/performance.md).
  const uint64_t memory_share = std::clamp<uint64_t>(
      spec_.memory_limit / (spec_.outputs.size() + 1), 1ull << 20, 16ull << 20);
  for (const ConfigNode& n : spec_.outputs) {
    const PluginInfo* info = registry.Find(PluginKind::kOutput, n.type());
    if (info == nullptr || !info->create_output) {
      note(InvalidArgument(n.id() + ": unknown output type '" + n.type() + "'"));
      continue;
    }
    auto options = ParseOutputOptions(n, spec_.default_buffer, memory_share, spec_.memory_limit);
    if (!options.has_value()) {
      note(options.error());
      continue;
    }
    PluginContext ctx = MakeContext(n);
    auto out = info->create_output(n, ctx);
    if (!out.has_value()) {
      note(out.error());
      continue;
    }
    OutputWorkerSpec w;
    w.id = n.id();
    w.options = *options;
    w.buffer_dir = ctx.StateDir() + "/buffer";
    w.dead_letter_dir = buffer::DeadLetterDir(spec_.data_dir, n.name());
    w.budget = &budget_;
    w.metrics = ctx.component_metrics;
    w.registry = metrics_;
    w.file_ops = spec_.file_ops;
    w.clock = spec_.clock;
    outputs_.push_back(std::make_unique<OutputWorker>(std::move(w), std::move(*out)));
  }
  for (const ConfigNode& n : spec_.inputs) {
    const PluginInfo* info = registry.Find(PluginKind::kInput, n.type());
    if (info == nullptr || !info->create_input) {
      note(InvalidArgument(n.id() + ": unknown input type '" + n.type() + "'"));
      continue;
    }
    PluginContext ctx = MakeContext(n);
    auto in = info->create_input(n, ctx);
    if (!in.has_value()) {
      note(in.error());
      continue;
    }
    InputSlot slot;
    slot.id = n.id();
    slot.input = std::move(*in);
    // One tree first; when it has filters, as many more as there are workers.
    std::vector<std::unique_ptr<Fanout>> trees;
    trees.push_back(std::make_unique<Fanout>());
    Status built = BuildFanout(n.name(), trees.back().get(), registry, 0);
    note(built);
    if (built.ok() && trees.back()->has_chains()) {
      for (size_t w = 1; w < FilterWorkers(); ++w) {
        trees.push_back(std::make_unique<Fanout>());
        note(BuildFanout(n.name(), trees.back().get(), registry, 0));
      }
    }
    slot.emitter = std::make_unique<InputEmitter>(
        n.id(), ctx.component_metrics, &stopping_, [this] { OnInputFinished(); }, std::move(trees));
    inputs_.push_back(std::move(slot));
  }
  if (!errors.empty()) {
    return InvalidArgument(errors);
  }
  return OkStatus();
}

Status Pipeline::BuildFanout(const std::string& node, Fanout* fanout,
                             const PluginRegistry& registry, int depth) {
  if (depth > kMaxDepth) {
    return InvalidArgument("the pipeline graph is deeper than 64 components (a cycle?)");
  }
  for (const auto& [up, consumer] : consumers_) {
    if (up != node) {
      continue;
    }
    if (consumer->kind() == "outputs") {
      for (auto& w : outputs_) {
        if (w->id() == consumer->id()) {
          fanout->outputs.push_back(w.get());
        }
      }
      continue;
    }
    RUNNEL_ASSIGN_OR_RETURN(auto chain, BuildChain(consumer->name(), registry, depth + 1));
    fanout->chains.push_back(std::move(chain));
  }
  return OkStatus();
}

Result<std::unique_ptr<Chain>> Pipeline::BuildChain(const std::string& first_filter,
                                                    const PluginRegistry& registry, int depth) {
  auto find_filter = [&](const std::string& name) -> const ConfigNode* {
    for (const ConfigNode& n : spec_.filters) {
      if (n.name() == name) {
        return &n;
      }
    }
    return nullptr;
  };
  std::vector<ChainFilter> filters;
  std::string current = first_filter;
  while (true) {
    const ConfigNode* node = find_filter(current);
    if (node == nullptr) {
      return Err(Internal("filter '" + current + "' is not configured"));
    }
    const PluginInfo* info = registry.Find(PluginKind::kFilter, node->type());
    if (info == nullptr || !info->create_filter) {
      return Err(InvalidArgument(node->id() + ": unknown filter type '" + node->type() + "'"));
    }
    PluginContext ctx = MakeContext(*node);
    RUNNEL_ASSIGN_OR_RETURN(auto filter, info->create_filter(*node, ctx));
    filters.push_back(ChainFilter{node->id(), std::move(filter), ctx.component_metrics});
    if (filters.size() > kMaxDepth) {
      return Err(InvalidArgument("a filter chain longer than 64 filters (a cycle?)"));
    }
    // Extend the chain while the only consumer of `current` is a filter fed only by `current`.
    std::vector<const ConfigNode*> next;
    for (const auto& [up, consumer] : consumers_) {
      if (up == current) {
        next.push_back(consumer);
      }
    }
    if (next.size() != 1 || next[0]->kind() != "filters") {
      break;
    }
    size_t feeders = std::count_if(consumers_.begin(), consumers_.end(),
                                   [&](const auto& e) { return e.second == next[0]; });
    if (feeders != 1) {
      break;
    }
    current = next[0]->name();
  }
  auto chain = std::make_unique<Chain>(std::move(filters));
  RUNNEL_RETURN_IF_ERROR(BuildFanout(current, &chain->next(), registry, depth + 1));
  return chain;
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
  for (auto& w : outputs_) {
    RUNNEL_RETURN_IF_ERROR(w->Start());
  }
  for (InputSlot& slot : inputs_) {
    RUNNEL_RETURN_IF_ERROR(slot.input->Start(*slot.emitter).WithPrefix(slot.id));
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
  std::vector<api::OutputActivity> out;
  for (const auto& w : outputs_) {
    out.push_back(w->Activity());
  }
  return out;
}

void Pipeline::RefreshMetrics() {
  if (budget_used_ != nullptr) {
    budget_used_->Set(static_cast<int64_t>(budget_.used()));
  }
  for (auto& w : outputs_) {
    w->RefreshMetrics();
  }
}

size_t Pipeline::FilterWorkers() const {
  if (spec_.filter_workers > 0) {
    return spec_.filter_workers;
  }
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}

void Pipeline::OnInputFinished() {
  if (finished_inputs_.fetch_add(1) + 1 == inputs_.size()) {
    all_finished_.store(true);
    RequestStop();
  }
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

uint64_t Pipeline::Shutdown() {
  if (stopping_.exchange(true)) {
    return 0;
  }
  const auto deadline = std::chrono::steady_clock::now() + spec_.shutdown_timeout;
  // An input blocked on a full queue of a dead output must not hold the shutdown past its
  // deadline: when it passes, the budget is aborted and every waiting producer is released.
  std::mutex guard_mu;
  std::condition_variable guard_cv;
  bool done = false;
  std::thread guard([&] {
    std::unique_lock<std::mutex> lock(guard_mu);
    if (!guard_cv.wait_until(lock, deadline, [&] { return done; })) {
      budget_.Abort();
      for (auto& w : outputs_) {
        w->Abort();
      }
    }
  });
  for (InputSlot& slot : inputs_) {
    if (slot.started) {
      slot.input->Stop();
    }
    slot.emitter->Drain();  // what the input handed over still goes through its filters
  }
  uint64_t cancelled = 0;
  for (auto& w : outputs_) {
    cancelled += w->Drain(deadline);
  }
  {
    std::lock_guard<std::mutex> lock(guard_mu);
    done = true;
  }
  guard_cv.notify_all();
  guard.join();
  budget_.Abort();
  for (InputSlot& slot : inputs_) {
    if (slot.started) {
      slot.input->OnDrained();
    }
  }
  return cancelled;
}

}  // namespace runnel::runtime

// Pipeline::Reload: applies a new configuration to a running pipeline (pipeline.h says what it
// does to each kind of change; docs/architecture.md, Reload, says why).

#include <algorithm>
#include <optional>

#include "runnel/logging.h"
#include "runtime/deadline_guard.h"
#include "runtime/pipeline.h"

namespace runnel::runtime {

using std::chrono::steady_clock;

class Pipeline::Reloader {
 public:
  Reloader(Pipeline& p, PipelineSpec next, const PluginRegistry& registry)
      : p_(p),
        next_(std::move(next)),
        registry_(registry),
        deadline_(steady_clock::now() + next_.shutdown_timeout),
        current_graph_(p.spec_.inputs, p.spec_.filters, p.spec_.outputs),
        next_graph_(next_.inputs, next_.filters, next_.outputs) {}

  Result<ReloadSummary> Run();

 private:
  struct OutputPlan : OutputChange {
    OutputSlot* slot = nullptr;            // the running one; null when added
    std::unique_ptr<OutputWorker> worker;  // added, rebuilt
    std::unique_ptr<Output> plugin;        // reconfigured with new plugin settings
    bool options_set = false;              // done, for a rollback
    bool plugin_replaced = false;          // done (or failed to start): restore on a rollback
    bool failed = false;                   // rebuilt, and its new worker did not start
  };
  struct InputPlan : InputChange {
    InputSlot* slot = nullptr;                   // the running one; null when added
    std::optional<InputSlot> created;            // added, restarted
    std::vector<std::unique_ptr<Fanout>> trees;  // a kept input that is rerouted
  };

  // The plan, and the running components it concerns.
  Status Plan();
  Status Create();
  // Starts added outputs and inputs; on an error, stops them again.
  Status StartAdded();
  // Reconfigures outputs; on an error, puts back the previous settings of those done.
  Status ReconfigureOutputs();
  void RollBackAdded();
  // From here on nothing is undone; what fails is started again with its previous settings.
  void Apply(std::string* errors);
  // Waits until `slot`'s batches are acknowledged (or detaches them at the deadline), then lets
  // it save its state.
  void Settle(InputSlot& slot);
  // At the deadline: what still waits on an output that is going away, or for room in an output
  // for an input being stopped, is cancelled.
  void CancelWaits();
  void Commit();
  OutputPlan* FindOutputPlan(const std::string& id);
  OutputWorker* WorkerFor(const std::string& id);
  void WakeProducers();

  Pipeline& p_;
  PipelineSpec next_;
  const PluginRegistry& registry_;
  const steady_clock::time_point deadline_;
  Graph current_graph_;
  Graph next_graph_;
  std::vector<OutputPlan> outputs_;
  std::vector<InputPlan> inputs_;
  ReloadSummary summary_;
  std::once_flag cancelled_;
};

Result<ReloadSummary> Pipeline::Reload(PipelineSpec next, const PluginRegistry& registry) {
  if (!started_ || stopping_.load()) {
    return Err(FailedPrecondition("the pipeline is not running"));
  }
  if (next.data_dir != spec_.data_dir) {
    return Err(InvalidArgument("data_dir changed from '" + spec_.data_dir + "' to '" +
                               next.data_dir +
                               "': a reload cannot move the state directory; restart runnel to "
                               "apply it (nothing was changed)"));
  }
  Reap();
  Reloader reloader(*this, std::move(next), registry);
  return reloader.Run();
}

Result<ReloadSummary> Pipeline::Reloader::Run() {
  RUNNEL_RETURN_IF_ERROR(Plan());
  RUNNEL_RETURN_IF_ERROR(Create());
  RUNNEL_RETURN_IF_ERROR(StartAdded());
  Status reconfigured = ReconfigureOutputs();
  if (!reconfigured.ok()) {
    RollBackAdded();
    return Err(reconfigured);
  }
  std::string errors;
  {
    // At the deadline, waits that would hold the reload past it are cancelled.
    DeadlineGuard guard(deadline_, [this] { CancelWaits(); });
    Apply(&errors);
  }
  Commit();
  if (!errors.empty()) {
    return Err(InvalidArgument(errors + " (the rest of the configuration is applied: " +
                               summary_.ToString() + ")"));
  }
  return summary_;
}

Status Pipeline::Reloader::Plan() {
  RUNNEL_ASSIGN_OR_RETURN(
      ReloadPlan plan,
      PlanReload(p_.spec_, current_graph_, next_, next_graph_,
                 MemoryShare(next_.memory_limit, next_.outputs.size())));
  summary_ = std::move(plan.summary);
  for (OutputChange& c : plan.outputs) {
    OutputPlan o;
    static_cast<OutputChange&>(o) = std::move(c);
    for (OutputSlot& s : p_.outputs_) {
      if (s.worker->id() == o.id) {
        o.slot = &s;
      }
    }
    outputs_.push_back(std::move(o));
  }
  for (InputChange& c : plan.inputs) {
    InputPlan i;
    static_cast<InputChange&>(i) = std::move(c);
    for (InputSlot& s : p_.inputs_) {
      if (s.config.id() == i.id) {
        i.slot = &s;
      }
    }
    if (i.slot == nullptr && i.change == Change::kRemoved) {
      continue;  // it was not running (a reload could start it with neither settings)
    }
    if (i.slot == nullptr) {
      i.change = Change::kAdded;
      i.rerouted = false;
    }
    inputs_.push_back(std::move(i));
  }
  return OkStatus();
}

Pipeline::Reloader::OutputPlan* Pipeline::Reloader::FindOutputPlan(const std::string& id) {
  for (OutputPlan& o : outputs_) {
    if (o.id == id) {
      return &o;
    }
  }
  return nullptr;
}

OutputWorker* Pipeline::Reloader::WorkerFor(const std::string& id) {
  OutputPlan* o = FindOutputPlan(id);
  if (o == nullptr || o->change == Change::kRemoved) {
    return nullptr;
  }
  if (o->change == Change::kAdded || o->change == Change::kRebuilt) {
    return o->worker.get();  // null when it could not be created
  }
  return o->slot->worker.get();
}

Status Pipeline::Reloader::Create() {
  std::string errors;
  auto note = [&errors](const Status& s) {
    if (!s.ok()) {
      errors += (errors.empty() ? "" : "\n") + s.message();
    }
  };
  const uint64_t share = MemoryShare(next_.memory_limit, next_.outputs.size());
  for (OutputPlan& o : outputs_) {
    if (o.change == Change::kAdded || o.change == Change::kRebuilt) {
      auto worker = p_.CreateOutput(*o.next, registry_, share, next_.memory_limit);
      if (worker.has_value()) {
        o.worker = std::move(*worker);
      }
      note(worker.has_value() ? OkStatus() : worker.error());
    } else if (o.change == Change::kReconfigured && o.plugin_changed) {
      auto plugin = p_.CreateOutputPlugin(*o.next, registry_, o.slot->worker->dead_letters());
      if (plugin.has_value()) {
        o.plugin = std::move(*plugin);
      }
      note(plugin.has_value() ? OkStatus() : plugin.error());
    }
  }
  TreeContext ctx = p_.MakeTreeContext(next_graph_, registry_,
                                       [this](const std::string& id) { return WorkerFor(id); });
  for (InputPlan& i : inputs_) {
    if (i.change == Change::kAdded || i.change == Change::kRestarted) {
      auto slot = p_.CreateInput(*i.next, registry_, ctx);
      if (slot.has_value()) {
        i.created = std::move(*slot);
      }
      note(slot.has_value() ? OkStatus() : slot.error());
    } else if (i.rerouted) {
      auto trees = BuildTrees(ctx, i.next->name(), p_.FilterWorkers());
      if (trees.has_value()) {
        i.trees = std::move(*trees);
      }
      note(trees.has_value() ? OkStatus() : trees.error());
    }
  }
  if (!errors.empty()) {
    return InvalidArgument(errors);
  }
  return OkStatus();
}

Status Pipeline::Reloader::StartAdded() {
  for (OutputPlan& o : outputs_) {
    if (o.change == Change::kAdded) {
      Status s = o.worker->Start();
      if (!s.ok()) {
        RollBackAdded();
        return s;
      }
    }
  }
  for (InputPlan& i : inputs_) {
    if (i.change == Change::kAdded) {
      Status s = i.created->input->Start(*i.created->emitter).WithPrefix(i.id);
      if (!s.ok()) {
        RollBackAdded();
        return s;
      }
      i.created->started = true;
    }
  }
  return OkStatus();
}

void Pipeline::Reloader::RollBackAdded() {
  for (InputPlan& i : inputs_) {
    if (i.change == Change::kAdded && i.created.has_value() && i.created->started) {
      // It may wait for a rebuilt output that will not start now.
      i.created->emitter->Abort();
      WakeProducers();
      i.created->StopProducing();
      Settle(*i.created);
      p_.retired_.inputs.push_back(std::move(*i.created));
      i.created.reset();
    }
  }
  for (OutputPlan& o : outputs_) {
    if (o.change == Change::kAdded && o.worker != nullptr) {
      o.worker->Drain(deadline_);
    }
  }
}

Status Pipeline::Reloader::ReconfigureOutputs() {
  Status failed;
  for (OutputPlan& o : outputs_) {
    if (o.change != Change::kReconfigured) {
      continue;
    }
    if (o.options.has_value()) {
      o.slot->worker->SetOptions(*o.options);
      o.options_set = true;
    }
    if (o.plugin == nullptr) {
      continue;
    }
    failed = o.slot->worker->ReplaceOutput(std::move(o.plugin), deadline_);
    // A Start that failed leaves the worker without an output: restored below.
    o.plugin_replaced = failed.ok() || failed.code() != StatusCode::kDeadlineExceeded;
    if (!failed.ok()) {
      break;
    }
  }
  if (failed.ok()) {
    return OkStatus();
  }
  // Put back the previous settings of what was changed.
  for (OutputPlan& o : outputs_) {
    if (o.options_set) {
      auto options = ParseOutputOptions(
          o.slot->config, p_.spec_.default_buffer,
          MemoryShare(p_.spec_.memory_limit, p_.spec_.outputs.size()), p_.spec_.memory_limit);
      if (options.has_value()) {
        o.slot->worker->SetOptions(*options);
      }
    }
    if (o.plugin_replaced) {
      auto plugin = p_.CreateOutputPlugin(o.slot->config, registry_,
                                           o.slot->worker->dead_letters());
      Status restored = plugin.has_value()
                            ? o.slot->worker->ReplaceOutput(std::move(*plugin), deadline_)
                            : plugin.error();
      if (!restored.ok()) {
        RUNNEL_LOG(kError, o.id) << "could not restore its previous settings: "
                                 << restored.message();
      }
    }
  }
  return failed;
}

void Pipeline::Reloader::WakeProducers() {
  for (OutputSlot& s : p_.outputs_) {
    s.worker->WakeProducers();
  }
  for (OutputPlan& o : outputs_) {
    if (o.worker != nullptr) {
      o.worker->WakeProducers();
    }
  }
  p_.budget_.WakeAll();
}

void Pipeline::Reloader::CancelWaits() {
  std::call_once(cancelled_, [this] {
    for (InputPlan& i : inputs_) {
      if (i.change == Change::kRemoved || i.change == Change::kRestarted) {
        i.slot->emitter->Abort();
      }
    }
    for (OutputPlan& o : outputs_) {
      if (o.change == Change::kRemoved || o.change == Change::kRebuilt) {
        o.slot->worker->Abort();
      }
    }
    WakeProducers();
  });
}

void Pipeline::Reloader::Settle(InputSlot& slot) {
  if (!slot.emitter->WaitSettled(deadline_)) {
    RUNNEL_LOG(kWarn, slot.config.id())
        << "what it emitted was not all acknowledged within shutdown_timeout; it is read again "
           "from its saved state";
    slot.emitter->Detach();
  }
  if (slot.started) {
    slot.input->OnDrained();
  }
}

void Pipeline::Reloader::Apply(std::string* errors) {
  auto note = [errors](const std::string& id, const Status& s) {
    *errors += (errors->empty() ? "" : "; ") + id + ": " + s.message();
  };
  // 1. Inputs that go or restart stop producing.
  for (InputPlan& i : inputs_) {
    if (i.change == Change::kRemoved || i.change == Change::kRestarted) {
      i.slot->StopProducing();
    }
  }
  // 2. Inputs that stay take their new routing once the old one has handed over what it had.
  for (InputPlan& i : inputs_) {
    if (i.change == Change::kKept && i.rerouted) {
      std::unique_ptr<Routing> left =
          i.slot->emitter->Replace(std::move(i.trees), deadline_, [this] { CancelWaits(); });
      if (left != nullptr) {
        p_.retired_.routings.push_back(std::move(left));
      }
    }
  }
  // 3. An output whose buffer type changed: the old one delivers its buffer, then the new one
  //    starts (producers wait for it meanwhile).
  for (OutputPlan& o : outputs_) {
    if (o.change != Change::kRebuilt) {
      continue;
    }
    o.slot->worker->Drain(deadline_);
    Status s = o.worker->Start();
    if (!s.ok()) {
      note(o.id, s);
      o.failed = true;
      o.worker->Abort();  // what waits for it is cancelled; a reload with a fix starts it
      RUNNEL_LOG(kError, o.id) << "did not start with its new buffer: " << s.message()
                               << "; it is not running until a reload fixes it";
    }
  }
  // 4. Inputs that go or restart let go of what they emitted; restarted ones start again.
  TreeContext ctx = p_.MakeTreeContext(next_graph_, registry_,
                                       [this](const std::string& id) { return WorkerFor(id); });
  for (InputPlan& i : inputs_) {
    if (i.change != Change::kRemoved && i.change != Change::kRestarted) {
      continue;
    }
    Settle(*i.slot);
    if (i.change == Change::kRemoved) {
      continue;
    }
    Status s = i.created->input->Start(*i.created->emitter).WithPrefix(i.id);
    if (s.ok()) {
      i.created->started = true;
      continue;
    }
    note(i.id, s);
    // Start it again with its previous settings, in the new routing.
    auto previous = p_.CreateInput(i.slot->config, registry_, ctx);
    Status again = previous.has_value()
                       ? previous->input->Start(*previous->emitter).WithPrefix(i.id)
                       : previous.error();
    if (again.ok()) {
      previous->started = true;
      RUNNEL_LOG(kError, i.id) << "did not start with its new settings (" << s.message()
                               << "); it runs with its previous settings";
      i.created = std::move(*previous);
    } else {
      RUNNEL_LOG(kError, i.id) << "did not start with its new settings (" << s.message()
                               << ") nor its previous ones (" << again.message()
                               << "); it is not running until a reload fixes it";
      i.created.reset();
    }
  }
  // 5. Removed outputs deliver what they hold, then stop.
  for (OutputPlan& o : outputs_) {
    if (o.change == Change::kRemoved) {
      o.slot->worker->Drain(deadline_);
    }
  }
}

void Pipeline::Reloader::Commit() {
  std::vector<OutputSlot> outputs;
  std::vector<InputSlot> inputs;
  for (OutputPlan& o : outputs_) {
    switch (o.change) {
      case Change::kKept:
      case Change::kReconfigured:
        outputs.push_back(OutputSlot{*o.next, std::move(o.slot->worker)});
        break;
      case Change::kAdded:
        outputs.push_back(OutputSlot{*o.next, std::move(o.worker)});
        break;
      case Change::kRebuilt:
        p_.retired_.outputs.push_back(std::move(o.slot->worker));
        if (o.failed) {
          p_.retired_.outputs.push_back(std::move(o.worker));  // routings may still refer to it
        } else {
          outputs.push_back(OutputSlot{*o.next, std::move(o.worker)});
        }
        break;
      case Change::kRemoved:
        p_.retired_.outputs.push_back(std::move(o.slot->worker));
        break;
      case Change::kRestarted:
        break;
    }
  }
  for (InputPlan& i : inputs_) {
    switch (i.change) {
      case Change::kKept:
        i.slot->config = *i.next;
        inputs.push_back(std::move(*i.slot));
        break;
      case Change::kAdded:
        if (i.created.has_value()) {
          inputs.push_back(std::move(*i.created));
        }
        break;
      case Change::kRestarted:
        p_.retired_.inputs.push_back(std::move(*i.slot));
        if (i.created.has_value()) {
          inputs.push_back(std::move(*i.created));
        }
        break;
      case Change::kRemoved:
        p_.retired_.inputs.push_back(std::move(*i.slot));
        break;
      case Change::kReconfigured:
      case Change::kRebuilt:
        break;
    }
  }
  // The running configuration is what runs: a component that started with neither its new nor
  // its previous settings is left out, so that the next reload starts it as new.
  auto running = [](std::vector<ConfigNode>& nodes, const auto& slots) {
    std::erase_if(nodes, [&](const ConfigNode& n) {
      return std::none_of(slots.begin(), slots.end(),
                          [&](const auto& slot) { return slot.config.id() == n.id(); });
    });
    return std::move(nodes);
  };
  {
    std::lock_guard<std::mutex> lock(p_.components_mu_);
    p_.spec_.inputs = running(next_.inputs, inputs);
    p_.spec_.outputs = running(next_.outputs, outputs);
    p_.outputs_ = std::move(outputs);
    p_.inputs_ = std::move(inputs);
    p_.spec_.filters = std::move(next_.filters);
    p_.spec_.memory_limit = next_.memory_limit;
    p_.spec_.shutdown_timeout = next_.shutdown_timeout;
  }
  p_.budget_.SetLimit(next_.memory_limit);
  if (p_.budget_limit_ != nullptr) {
    p_.budget_limit_->Set(static_cast<int64_t>(next_.memory_limit));
  }
  p_.Reap();
}

}  // namespace runnel::runtime

#include "runtime/reload_plan.h"

#include <algorithm>

#include "runtime/pipeline.h"

namespace runnel::runtime {
namespace {

std::string Listed(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    out += (out.empty() ? "" : ", ") + id;
  }
  return out;
}

const ConfigNode* FindById(const std::vector<ConfigNode>& nodes, const std::string& id) {
  for (const ConfigNode& n : nodes) {
    if (n.id() == id) {
      return &n;
    }
  }
  return nullptr;
}

void AddToSummary(ReloadSummary& s, const std::string& id, Change c, bool rerouted) {
  switch (c) {
    case Change::kKept:
      (rerouted ? s.rerouted : s.kept).push_back(id);
      break;
    case Change::kReconfigured:
    case Change::kRebuilt:
    case Change::kRestarted:
      s.restarted.push_back(id);
      break;
    case Change::kAdded:
      s.added.push_back(id);
      break;
    case Change::kRemoved:
      s.removed.push_back(id);
      break;
  }
}

Result<OutputChange> PlanOutput(const ConfigNode& cur, const ConfigNode& n,
                                const PipelineSpec& next, uint64_t memory_share) {
  OutputChange o;
  o.id = n.id();
  o.current = &cur;
  o.next = &n;
  const bool same_buffer = cur.SameValues(n, IsBufferKey);
  const bool same_plugin =
      cur.type() == n.type() &&
      cur.SameValues(n, [](const std::string& k) { return !IsBufferKey(k); });
  if (same_buffer && same_plugin) {
    return o;
  }
  RUNNEL_ASSIGN_OR_RETURN(OutputOptions before, ParseOutputOptions(cur, next.default_buffer,
                                                                   memory_share, next.memory_limit));
  RUNNEL_ASSIGN_OR_RETURN(OutputOptions after, ParseOutputOptions(n, next.default_buffer,
                                                                  memory_share, next.memory_limit));
  o.change = before.buffer == after.buffer ? Change::kReconfigured : Change::kRebuilt;
  o.plugin_changed = !same_plugin;
  if (o.change == Change::kReconfigured && !same_buffer) {
    o.options = after;
  }
  return o;
}

}  // namespace

bool IsBufferKey(const std::string& key) {
  return key.starts_with("buffer.") || key == "acknowledgements";
}

std::string ReloadSummary::ToString() const {
  std::string out;
  auto part = [&out](const char* what, const std::vector<std::string>& ids) {
    if (!ids.empty()) {
      out += (out.empty() ? "" : "; ") + std::string(what) + " " + Listed(ids);
    }
  };
  part("added", added);
  part("removed", removed);
  part("restarted", restarted);
  part("rerouted", rerouted);
  out += (out.empty() ? "" : "; ") + std::to_string(kept.size()) + " unchanged";
  return out;
}

Result<ReloadPlan> PlanReload(const PipelineSpec& current, const Graph& current_graph,
                              const PipelineSpec& next, const Graph& next_graph,
                              uint64_t memory_share) {
  ReloadPlan plan;
  for (const ConfigNode& n : next.outputs) {
    const ConfigNode* cur = FindById(current.outputs, n.id());
    if (cur == nullptr) {
      OutputChange o;
      o.id = n.id();
      o.change = Change::kAdded;
      o.next = &n;
      plan.outputs.push_back(std::move(o));
      continue;
    }
    RUNNEL_ASSIGN_OR_RETURN(OutputChange o, PlanOutput(*cur, n, next, memory_share));
    plan.outputs.push_back(std::move(o));
  }
  for (const ConfigNode& c : current.outputs) {
    if (FindById(next.outputs, c.id()) == nullptr) {
      OutputChange o;
      o.id = c.id();
      o.change = Change::kRemoved;
      o.current = &c;
      plan.outputs.push_back(std::move(o));
    }
  }
  // An input routes the same way when its consumers are the same and each output of them keeps
  // its worker (kept or reconfigured behind its buffer).
  auto same_output = [&plan](const std::string& id) {
    return std::any_of(plan.outputs.begin(), plan.outputs.end(), [&](const OutputChange& o) {
      return o.id == id && (o.change == Change::kKept || o.change == Change::kReconfigured);
    });
  };
  for (const ConfigNode& n : next.inputs) {
    InputChange i;
    i.id = n.id();
    i.current = FindById(current.inputs, n.id());
    i.next = &n;
    if (i.current == nullptr) {
      i.change = Change::kAdded;
    } else if (!i.current->SameSettings(n)) {
      i.change = Change::kRestarted;
    } else {
      i.rerouted = !SameRouting(current_graph, next_graph, n.name(), same_output);
    }
    plan.inputs.push_back(i);
  }
  for (const ConfigNode& c : current.inputs) {
    if (FindById(next.inputs, c.id()) == nullptr) {
      InputChange i;
      i.id = c.id();
      i.change = Change::kRemoved;
      i.current = &c;
      plan.inputs.push_back(std::move(i));
    }
  }

  for (const InputChange& i : plan.inputs) {
    AddToSummary(plan.summary, i.id, i.change, i.rerouted);
  }
  for (const ConfigNode& f : next.filters) {
    const ConfigNode* before = FindById(current.filters, f.id());
    AddToSummary(plan.summary, f.id(),
                 before == nullptr       ? Change::kAdded
                 : before->SameSettings(f) ? Change::kKept
                                           : Change::kRestarted,
                 false);
  }
  for (const ConfigNode& f : current.filters) {
    if (FindById(next.filters, f.id()) == nullptr) {
      AddToSummary(plan.summary, f.id(), Change::kRemoved, false);
    }
  }
  for (const OutputChange& o : plan.outputs) {
    AddToSummary(plan.summary, o.id, o.change, false);
  }
  return plan;
}

}  // namespace runnel::runtime

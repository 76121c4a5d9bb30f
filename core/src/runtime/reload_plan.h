#pragma once
// ReloadPlan: what a reload changes, worked out from the running configuration and the new one
// alone (Pipeline::Reload carries it out; pipeline.h says what each change does). Nothing here
// touches a running component. Thread-compatible.

#include <optional>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/status.h"
#include "runtime/graph.h"
#include "runtime/output_options.h"

namespace runnel::runtime {

struct PipelineSpec;

enum class Change {
  kKept,          // the same settings (an input may still be rerouted)
  kReconfigured,  // an output: new plugin settings or buffer limits, the same buffer type
  kRebuilt,       // an output whose buffer type changed: drained, then created anew
  kRestarted,     // an input or filter whose settings changed
  kAdded,
  kRemoved,
};

struct OutputChange {
  std::string id;
  Change change = Change::kKept;
  const ConfigNode* current = nullptr;  // in the running spec; null when added
  const ConfigNode* next = nullptr;     // in the new spec; null when removed
  bool plugin_changed = false;          // kReconfigured: the plugin's type or settings changed
  std::optional<OutputOptions> options;  // kReconfigured: new buffer limits or acknowledgements
};

struct InputChange {
  std::string id;
  Change change = Change::kKept;
  bool rerouted = false;  // kKept: its filters or outputs changed
  const ConfigNode* current = nullptr;
  const ConfigNode* next = nullptr;
};

// What a reload did, by component id ("outputs.archive").
struct ReloadSummary {
  std::vector<std::string> added, removed, restarted, kept, rerouted;
  // One line: "added outputs.b; restarted filters.f, outputs.a; rerouted inputs.app; 3 unchanged".
  std::string ToString() const;
};

struct ReloadPlan {
  std::vector<OutputChange> outputs;  // in the new config's order, then the removed ones
  std::vector<InputChange> inputs;    // the same
  ReloadSummary summary;              // filters included
};

// The plan from `current` to `next` (graphs built from them). Errors: an output's buffer options
// that cannot be read (InvalidArgument naming the key).
Result<ReloadPlan> PlanReload(const PipelineSpec& current, const Graph& current_graph,
                              const PipelineSpec& next, const Graph& next_graph,
                              uint64_t memory_share);

// Whether `key` is one of the options every output has (buffer.*, acknowledgements).
bool IsBufferKey(const std::string& key);

}  // namespace runnel::runtime

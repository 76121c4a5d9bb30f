#pragma once
// Graph: the wiring of one pipeline configuration (who reads from whom), and the routing trees
// (router.h) compiled from it for an input. A reload builds the Graph of the new configuration
// next to the running one and compares the two (SameRouting).
//
// A Graph points into the node vectors it was built from: they must outlive it and not change.
// Immutable after construction; thread-compatible.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/registry.h"
#include "runnel/status.h"
#include "runtime/router.h"

namespace runnel::runtime {

class Graph {
 public:
  // `inputs()` of filters and outputs may be globs; the config loader checked they resolve.
  Graph(const std::vector<ConfigNode>& inputs, const std::vector<ConfigNode>& filters,
        const std::vector<ConfigNode>& outputs);

  // The filters and outputs that read from `name` (an input or a filter), in config order.
  std::vector<const ConfigNode*> ConsumersOf(const std::string& name) const;
  const ConfigNode* FindFilter(const std::string& name) const;
  // How many inputs and filters `consumer` reads from.
  size_t FeedersOf(const ConfigNode* consumer) const;

 private:
  const std::vector<ConfigNode>& filters_;
  std::vector<std::pair<std::string, const ConfigNode*>> edges_;  // (upstream, consumer)
};

// What building a routing tree needs besides the graph.
struct TreeContext {
  const Graph* graph = nullptr;
  const PluginRegistry* registry = nullptr;
  // The worker of an output id ("outputs.x"); nullptr when there is none.
  std::function<OutputWorker*(const std::string& id)> find_output;
  std::function<PluginContext(const ConfigNode& node)> make_context;
};

// The routing trees of input `input`: one, or `workers` copies (each with its own filter
// instances) when it has filters. Errors: a filter that cannot be created, a graph deeper than 64.
Result<std::vector<std::unique_ptr<Fanout>>> BuildTrees(const TreeContext& ctx,
                                                        const std::string& input, size_t workers);

// Whether input `name` routes the same way in both graphs: the same consumers, recursively, with
// filters of the same settings and outputs of the same id for which `same_output` is true.
bool SameRouting(const Graph& a, const Graph& b, const std::string& name,
                 const std::function<bool(const std::string& output_id)>& same_output);

}  // namespace runnel::runtime

#include "runtime/graph.h"

#include <fnmatch.h>

#include <algorithm>

namespace runnel::runtime {
namespace {

constexpr int kMaxDepth = 64;

bool IsGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool RefMatches(const std::string& ref, const std::string& name) {
  return IsGlob(ref) ? fnmatch(ref.c_str(), name.c_str(), 0) == 0 : ref == name;
}

class TreeBuilder {
 public:
  explicit TreeBuilder(const TreeContext& ctx) : ctx_(ctx) {}

  Status BuildFanout(const std::string& node, Fanout* fanout, int depth) {
    if (depth > kMaxDepth) {
      return InvalidArgument("the pipeline graph is deeper than 64 components (a cycle?)");
    }
    for (const ConfigNode* consumer : ctx_.graph->ConsumersOf(node)) {
      if (consumer->kind() == "outputs") {
        if (OutputWorker* w = ctx_.find_output(consumer->id())) {
          fanout->outputs.push_back(w);
        }
        continue;
      }
      RUNNEL_ASSIGN_OR_RETURN(auto chain, BuildChain(consumer->name(), depth + 1));
      fanout->chains.push_back(std::move(chain));
    }
    return OkStatus();
  }

 private:
  Result<std::unique_ptr<Chain>> BuildChain(const std::string& first_filter, int depth) {
    std::vector<ChainFilter> filters;
    std::string current = first_filter;
    while (true) {
      const ConfigNode* node = ctx_.graph->FindFilter(current);
      if (node == nullptr) {
        return Err(Internal("filter '" + current + "' is not configured"));
      }
      const PluginInfo* info = ctx_.registry->Find(PluginKind::kFilter, node->type());
      if (info == nullptr || !info->create_filter) {
        return Err(InvalidArgument(node->id() + ": unknown filter type '" + node->type() + "'"));
      }
      PluginContext pctx = ctx_.make_context(*node);
      RUNNEL_ASSIGN_OR_RETURN(auto filter, info->create_filter(*node, pctx));
      filters.push_back(ChainFilter{node->id(), std::move(filter), pctx.component_metrics});
      if (filters.size() > kMaxDepth) {
        return Err(InvalidArgument("a filter chain longer than 64 filters (a cycle?)"));
      }
      // Extend the chain while the only consumer of `current` is a filter fed only by `current`.
      std::vector<const ConfigNode*> next = ctx_.graph->ConsumersOf(current);
      if (next.size() != 1 || next[0]->kind() != "filters" || ctx_.graph->FeedersOf(next[0]) != 1) {
        break;
      }
      current = next[0]->name();
    }
    auto chain = std::make_unique<Chain>(std::move(filters));
    RUNNEL_RETURN_IF_ERROR(BuildFanout(current, &chain->next(), depth + 1));
    return chain;
  }

  const TreeContext& ctx_;
};

bool SameRoutingAt(const Graph& a, const Graph& b, const std::string& name,
                   const std::function<bool(const std::string&)>& same_output, int depth) {
  if (depth > kMaxDepth) {
    return false;
  }
  auto by_id = [](const Graph& g, const std::string& n) {
    std::vector<const ConfigNode*> v = g.ConsumersOf(n);
    std::sort(v.begin(), v.end(),
              [](const ConfigNode* x, const ConfigNode* y) { return x->id() < y->id(); });
    return v;
  };
  const std::vector<const ConfigNode*> ca = by_id(a, name);
  const std::vector<const ConfigNode*> cb = by_id(b, name);
  if (ca.size() != cb.size()) {
    return false;
  }
  for (size_t i = 0; i < ca.size(); ++i) {
    if (ca[i]->id() != cb[i]->id()) {
      return false;
    }
    if (ca[i]->kind() == "outputs") {
      if (!same_output(ca[i]->id())) {
        return false;
      }
    } else if (!ca[i]->SameSettings(*cb[i]) ||
               !SameRoutingAt(a, b, ca[i]->name(), same_output, depth + 1)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Graph::Graph(const std::vector<ConfigNode>& inputs, const std::vector<ConfigNode>& filters,
             const std::vector<ConfigNode>& outputs)
    : filters_(filters) {
  std::vector<std::string> upstream;
  for (const ConfigNode& n : inputs) {
    upstream.push_back(n.name());
  }
  for (const ConfigNode& n : filters) {
    upstream.push_back(n.name());
  }
  auto add = [&](const std::vector<ConfigNode>& nodes) {
    for (const ConfigNode& n : nodes) {
      for (const std::string& up : upstream) {
        bool matched = std::any_of(n.inputs().begin(), n.inputs().end(),
                                   [&](const std::string& ref) { return RefMatches(ref, up); });
        if (matched && up != n.name()) {
          edges_.emplace_back(up, &n);
        }
      }
    }
  };
  add(filters);
  add(outputs);
}

std::vector<const ConfigNode*> Graph::ConsumersOf(const std::string& name) const {
  std::vector<const ConfigNode*> out;
  for (const auto& [up, consumer] : edges_) {
    if (up == name) {
      out.push_back(consumer);
    }
  }
  return out;
}

const ConfigNode* Graph::FindFilter(const std::string& name) const {
  for (const ConfigNode& n : filters_) {
    if (n.name() == name) {
      return &n;
    }
  }
  return nullptr;
}

size_t Graph::FeedersOf(const ConfigNode* consumer) const {
  return std::count_if(edges_.begin(), edges_.end(),
                       [&](const auto& e) { return e.second == consumer; });
}

Result<std::vector<std::unique_ptr<Fanout>>> BuildTrees(const TreeContext& ctx,
                                                        const std::string& input, size_t workers) {
  TreeBuilder builder(ctx);
  std::vector<std::unique_ptr<Fanout>> trees;
  trees.push_back(std::make_unique<Fanout>());
  RUNNEL_RETURN_IF_ERROR(builder.BuildFanout(input, trees.back().get(), 0));
  if (trees.back()->has_chains()) {
    for (size_t w = 1; w < workers; ++w) {
      trees.push_back(std::make_unique<Fanout>());
      RUNNEL_RETURN_IF_ERROR(builder.BuildFanout(input, trees.back().get(), 0));
    }
  }
  return trees;
}

bool SameRouting(const Graph& a, const Graph& b, const std::string& name,
                 const std::function<bool(const std::string& output_id)>& same_output) {
  return SameRoutingAt(a, b, name, same_output, 0);
}

}  // namespace runnel::runtime

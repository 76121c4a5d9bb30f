#include "config/graph.h"

#include <fnmatch.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "config/suggest.h"

namespace runnel::config {
namespace {

bool HasGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

class Resolver {
 public:
  Resolver(std::vector<GraphNode>& nodes, DiagnosticSink& sink) : nodes_(nodes), sink_(sink) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      by_name_.emplace(nodes_[i].name, i);
    }
  }

  void Run() {
    const size_t errors_before = sink_.error_count();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      ResolveInputs(i);
    }
    FindCycles();
    // With broken wiring, "nothing reads from X" mostly follows from a mistyped reference.
    if (sink_.error_count() == errors_before) {
      WarnUnread();
    }
  }

 private:
  // Names that `self` may read from: inputs and filters but itself, in definition order.
  std::vector<std::string> Readable(size_t self) const {
    std::vector<std::string> out;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (i != self && nodes_[i].kind != "outputs") {
        out.push_back(nodes_[i].name);
      }
    }
    return out;
  }

  std::string ExistHint(size_t self) const {
    std::vector<std::string> names = Readable(self);
    if (names.empty()) {
      return "there are no inputs or filters to read from";
    }
    return "the components that exist are: " + Join(names);
  }

  void ResolveInputs(size_t i) {
    GraphNode& node = nodes_[i];
    if (node.kind == "inputs") {
      if (node.has_inputs) {
        sink_.Error(node.inputs_location, node.label, "key 'inputs' is not allowed on an input",
                    "an input reads from outside the pipeline; remove 'inputs'");
      }
      return;
    }
    if (node.inputs_invalid) {
      return;
    }
    if (!node.has_inputs) {
      const std::vector<std::string> readable = Readable(i);
      const std::string example = readable.empty() ? "app" : readable.front();
      sink_.Error(
          node.location, node.label, "missing required key 'inputs'",
          "list what feeds this component, e.g. inputs = [\"" + example + "\"]; " + ExistHint(i));
      return;
    }
    if (node.inputs.empty()) {
      sink_.Error(node.inputs_location, node.label, "key 'inputs' is empty",
                  "list at least one input or filter; " + ExistHint(i));
      return;
    }
    std::set<std::string> added;
    auto add = [&](const std::string& name) {
      if (added.insert(name).second) {
        node.resolved.push_back(name);
      }
    };
    for (const InputRef& ref : node.inputs) {
      if (HasGlob(ref.text)) {
        bool matched = false;
        for (const std::string& name : Readable(i)) {
          if (fnmatch(ref.text.c_str(), name.c_str(), 0) == 0) {
            add(name);
            matched = true;
          }
        }
        if (!matched) {
          sink_.Error(ref.location, node.label,
                      "pattern '" + ref.text + "' in 'inputs' matches no input or filter",
                      ExistHint(i));
        }
        continue;
      }
      auto it = by_name_.find(ref.text);
      if (it == by_name_.end()) {
        std::string hint = ExistHint(i);
        if (auto close = Closest(ref.text, Readable(i))) {
          hint = "did you mean '" + *close + "'? " + hint;
        }
        sink_.Error(ref.location, node.label,
                    "'inputs' names '" + ref.text + "', which does not exist", std::move(hint));
      } else if (nodes_[it->second].kind == "outputs") {
        sink_.Error(ref.location, node.label,
                    "'inputs' names outputs." + ref.text + ", but an output cannot feed anything",
                    "read from inputs and filters only; " + ExistHint(i));
      } else {
        add(ref.text);
      }
    }
  }

  // Edges in the direction data flows, between filters only.
  std::vector<std::vector<size_t>> FilterEdges() const {
    std::vector<std::vector<size_t>> next(nodes_.size());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].kind != "filters") {
        continue;
      }
      for (const std::string& from : nodes_[i].resolved) {
        const size_t j = by_name_.at(from);
        if (nodes_[j].kind == "filters") {
          next[j].push_back(i);
        }
      }
    }
    return next;
  }

  void FindCycles() {
    const std::vector<std::vector<size_t>> next = FilterEdges();
    // Tarjan's strongly connected components.
    const size_t n = nodes_.size();
    std::vector<int> index(n, -1), low(n, 0);
    std::vector<bool> on_stack(n, false);
    std::vector<size_t> stack;
    std::vector<std::vector<size_t>> components;
    int counter = 0;
    std::function<void(size_t)> visit = [&](size_t v) {
      index[v] = low[v] = counter++;
      stack.push_back(v);
      on_stack[v] = true;
      for (size_t w : next[v]) {
        if (index[w] < 0) {
          visit(w);
          low[v] = std::min(low[v], low[w]);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
      }
      if (low[v] == index[v]) {
        std::vector<size_t> component;
        size_t w = 0;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          component.push_back(w);
        } while (w != v);
        components.push_back(std::move(component));
      }
    };
    for (size_t v = 0; v < n; ++v) {
      if (index[v] < 0) {
        visit(v);
      }
    }
    std::sort(components.begin(), components.end(), [](const auto& a, const auto& b) {
      return *std::min_element(a.begin(), a.end()) < *std::min_element(b.begin(), b.end());
    });
    for (const std::vector<size_t>& component : components) {
      const size_t start = *std::min_element(component.begin(), component.end());
      const bool self_loop =
          std::find(next[start].begin(), next[start].end(), start) != next[start].end();
      if (component.size() < 2 && !self_loop) {
        continue;
      }
      ReportCycle(start, std::set<size_t>(component.begin(), component.end()), next);
    }
  }

  // The shortest way from `start` back to itself inside `members`, found breadth first.
  void ReportCycle(size_t start, const std::set<size_t>& members,
                   const std::vector<std::vector<size_t>>& next) {
    std::map<size_t, size_t> parent;
    std::deque<size_t> queue = {start};
    std::vector<size_t> path;
    while (!queue.empty() && path.empty()) {
      const size_t v = queue.front();
      queue.pop_front();
      for (size_t w : next[v]) {
        if (!members.contains(w)) {
          continue;
        }
        if (w == start) {
          for (size_t u = v; u != start; u = parent.at(u)) {
            path.push_back(u);
          }
          std::reverse(path.begin(), path.end());
          path.push_back(start);
          break;
        }
        if (!parent.contains(w)) {
          parent[w] = v;
          queue.push_back(w);
        }
      }
    }
    std::string text = "filters." + nodes_[start].name;
    for (size_t v : path) {
      text += " -> filters." + nodes_[v].name;
    }
    sink_.Error(nodes_[start].location, nodes_[start].label, "cycle among filters: " + text,
                "a filter cannot read its own output, directly or through other filters; "
                "remove one of these inputs");
  }

  void WarnUnread() {
    std::set<std::string> read;
    for (const GraphNode& node : nodes_) {
      read.insert(node.resolved.begin(), node.resolved.end());
    }
    for (const GraphNode& node : nodes_) {
      if (node.kind == "outputs" || read.contains(node.name)) {
        continue;
      }
      const std::string what = node.kind == "inputs" ? "input" : "filter";
      sink_.Warning(node.location, node.label, "nothing reads from this " + what,
                    "add '" + node.name + "' to the inputs of a filter or an output");
    }
  }

  std::vector<GraphNode>& nodes_;
  DiagnosticSink& sink_;
  std::map<std::string, size_t> by_name_;
};

}  // namespace

void ResolveGraph(std::vector<GraphNode>& nodes, DiagnosticSink& sink) {
  Resolver(nodes, sink).Run();
}

}  // namespace runnel::config

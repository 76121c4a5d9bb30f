#pragma once
// The pipeline graph: resolves each component's `inputs` (names and fnmatch globs) and checks
// the wiring. Private to core/src/config.
//
// Rules, each reported at the offending `inputs` entry (or the component):
//   - filters and outputs must have a non-empty `inputs`; inputs must not have one;
//   - a name must be an existing input or filter (an output cannot feed anything);
//   - a glob (*, ?, [..]) must match at least one input or filter (never the component itself);
//   - filters must not form a cycle: "cycle among filters: filters.a -> filters.b -> filters.a",
//     printed in the direction data flows, from the cycle's member defined first;
//   - an input or filter nothing reads from is a warning, not an error; only given when the
//     wiring has no error (a mistyped reference would make it misleading).

#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "runnel/config_node.h"

namespace runnel::config {

struct InputRef {
  std::string text;  // a name or a glob, as written
  SourceLocation location;
};

struct GraphNode {
  std::string kind;  // "inputs", "filters", "outputs"
  std::string name;
  std::string label;  // how messages name it: "filters.json (parse)"
  SourceLocation location;
  // `inputs` as written; has_inputs is false when the key is absent. When the key is present
  // but malformed (already reported), set inputs_invalid to skip further checks.
  bool has_inputs = false;
  bool inputs_invalid = false;
  SourceLocation inputs_location;
  std::vector<InputRef> inputs;

  // Output: the names `inputs` resolved to, globs expanded in definition order, no duplicates.
  std::vector<std::string> resolved;
};

// Checks and resolves every node's inputs; `nodes` are in definition order with unique names.
void ResolveGraph(std::vector<GraphNode>& nodes, DiagnosticSink& sink);

}  // namespace runnel::config

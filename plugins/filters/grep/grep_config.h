#pragma once
// The grep filter's configuration: its schema and the validated form with every regex compiled.

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::grep {

struct GrepRule {
  std::string field;                 // a top-level field
  std::unique_ptr<const RE2> regex;  // matched anywhere in the value (unanchored)
};

struct GrepConfig {
  std::vector<GrepRule> include;  // every one must match for an event to be kept
  std::vector<GrepRule> exclude;  // any one matching drops the event
};

Schema GrepSchema();

// InvalidArgument (positioned by ConfigNode::Error) when neither include nor exclude is set, a
// field name is empty, or a regex does not compile.
Result<GrepConfig> BuildGrepConfig(const ConfigNode& node);

}  // namespace runnel::plugins::grep

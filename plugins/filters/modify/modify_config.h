#pragma once
// The modify filter's configuration: its schema and the validated form, with placeholders in
// set/add values already resolved.
//
// Placeholders in set and add values, resolved once when the filter is created:
//   %{hostname}   the host name the process runs on (PluginContext::hostname)
//   %{env.NAME}   the environment variable NAME; unset is a config error
//   %%{           a literal "%{"
// Any other "%{...}" is a config error. A '%' not followed by '{' is literal. (The config
// loader expands ${VAR} before plugins see strings; %{...} is expanded by this filter only.)

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::modify {

struct KeyValue {
  std::string key;
  std::string value;
};

struct KeyMove {
  std::string from;
  std::string to;
};

// Applied to every event in this order, each list in file order:
//   rename, copy, remove, add, set.
struct ModifyConfig {
  std::vector<KeyMove> rename;      // from -> to, replacing `to`; no-op when `from` is missing
  std::vector<KeyMove> copy;        // from -> to, replacing `to`; no-op when `from` is missing
  std::vector<std::string> remove;  // no-op when missing
  std::vector<KeyValue> add;        // string values, only where the key is missing
  std::vector<KeyValue> set;        // string values, replacing what is there
};

Schema ModifySchema();

// InvalidArgument (positioned by ConfigNode::Error) when no operation is set, a key is empty,
// or a value has a bad placeholder or names an unset environment variable.
Result<ModifyConfig> BuildModifyConfig(const ConfigNode& node, std::string_view hostname);

// Resolves the placeholders of `value`. InvalidArgument with a message (no key prefix).
Result<std::string> ExpandPlaceholders(std::string_view value, std::string_view hostname);

}  // namespace runnel::plugins::modify

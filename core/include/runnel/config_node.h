#pragma once
// ConfigNode: one component's configuration after validation against its plugin's schema.
// Every schema field with a default has a value; getters for a field the schema does not
// declare, or with the wrong type, are programming errors (RUNNEL_CHECK).
// Immutable after construction; safe to read from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "runnel/status.h"

namespace runnel {

struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:col", or "file" when line is 0
};

using StringMap = std::vector<std::pair<std::string, std::string>>;  // in file order

struct ConfigValue {
  using Value = std::variant<bool, int64_t, double, std::string, std::vector<std::string>,
                             StringMap, std::chrono::milliseconds, uint64_t>;
  Value value;
  SourceLocation location;  // where it was set; empty for defaults
};

class ConfigNode {
 public:
  ConfigNode() = default;
  // kind: "inputs", "filters" or "outputs"; name: the component's name; type: the plugin.
  ConfigNode(std::string kind, std::string name, std::string type, SourceLocation location)
      : kind_(std::move(kind)),
        name_(std::move(name)),
        type_(std::move(type)),
        location_(std::move(location)) {}

  const std::string& kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  std::string id() const { return kind_ + "." + name_; }  // "inputs.app"
  const SourceLocation& location() const { return location_; }
  const std::vector<std::string>& inputs() const { return inputs_; }

  bool Has(const std::string& key) const { return values_.contains(key); }
  bool GetBool(const std::string& key) const;
  int64_t GetInt(const std::string& key) const;
  double GetFloat(const std::string& key) const;
  const std::string& GetString(const std::string& key) const;  // kString and kEnum
  const std::vector<std::string>& GetStringList(const std::string& key) const;
  const StringMap& GetStringMap(const std::string& key) const;
  std::chrono::milliseconds GetDuration(const std::string& key) const;
  uint64_t GetSize(const std::string& key) const;

  // Whether `other` configures a component the same way: the same kind, name, type and values
  // (positions and inputs() are not compared: the wiring is the pipeline graph's business).
  bool SameSettings(const ConfigNode& other) const;
  // Whether the values of the keys `select` accepts are the same in both (set, or not, alike).
  bool SameValues(const ConfigNode& other,
                  const std::function<bool(const std::string& key)>& select) const;

  // An InvalidArgument status for a bad value of `key`, positioned where it was set:
  // "conf.toml:12:9: filters.parse (parse): key 'regex': <message>".
  Status Error(const std::string& key, const std::string& message) const;

  // Used by the loader.
  void Set(const std::string& key, ConfigValue value) { values_[key] = std::move(value); }
  void SetInputs(std::vector<std::string> inputs) { inputs_ = std::move(inputs); }
  const SourceLocation& LocationOf(const std::string& key) const;

 private:
  const ConfigValue& Get(const std::string& key) const;
  std::string kind_, name_, type_;
  SourceLocation location_;
  std::vector<std::string> inputs_;
  std::map<std::string, ConfigValue> values_;
};

}  // namespace runnel

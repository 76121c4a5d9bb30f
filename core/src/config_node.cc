#include "runnel/config_node.h"

#include <algorithm>

#include "runnel/check.h"

namespace runnel {

std::string SourceLocation::ToString() const {
  if (line <= 0) {
    return file;
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool ConfigNode::SameSettings(const ConfigNode& other) const {
  return kind_ == other.kind_ && name_ == other.name_ && type_ == other.type_ &&
         SameValues(other, [](const std::string&) { return true; });
}

bool ConfigNode::SameValues(const ConfigNode& other,
                            const std::function<bool(const std::string& key)>& select) const {
  auto selected = [&](const std::map<std::string, ConfigValue>& values) {
    std::vector<std::pair<const std::string*, const ConfigValue::Value*>> out;
    for (const auto& [key, value] : values) {
      if (select(key)) {
        out.emplace_back(&key, &value.value);
      }
    }
    return out;
  };
  auto mine = selected(values_);
  auto theirs = selected(other.values_);
  return std::equal(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                    [](const auto& a, const auto& b) { return *a.first == *b.first && *a.second == *b.second; });
}

const ConfigValue& ConfigNode::Get(const std::string& key) const {
  auto it = values_.find(key);
  RUNNEL_CHECK_MSG(it != values_.end(), ("config key not set and without default: " + key).c_str());
  return it->second;
}

template <typename T>
static const T& As(const ConfigValue& v, const std::string& key) {
  const T* p = std::get_if<T>(&v.value);
  RUNNEL_CHECK_MSG(p != nullptr, ("config key read with the wrong type: " + key).c_str());
  return *p;
}

bool ConfigNode::GetBool(const std::string& key) const { return As<bool>(Get(key), key); }
int64_t ConfigNode::GetInt(const std::string& key) const { return As<int64_t>(Get(key), key); }
double ConfigNode::GetFloat(const std::string& key) const { return As<double>(Get(key), key); }
const std::string& ConfigNode::GetString(const std::string& key) const {
  return As<std::string>(Get(key), key);
}
const std::vector<std::string>& ConfigNode::GetStringList(const std::string& key) const {
  return As<std::vector<std::string>>(Get(key), key);
}
const StringMap& ConfigNode::GetStringMap(const std::string& key) const {
  return As<StringMap>(Get(key), key);
}
std::chrono::milliseconds ConfigNode::GetDuration(const std::string& key) const {
  return As<std::chrono::milliseconds>(Get(key), key);
}
uint64_t ConfigNode::GetSize(const std::string& key) const { return As<uint64_t>(Get(key), key); }

const SourceLocation& ConfigNode::LocationOf(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.location.file.empty()) {
    return location_;
  }
  return it->second.location;
}

Status ConfigNode::Error(const std::string& key, const std::string& message) const {
  return InvalidArgument(LocationOf(key).ToString() + ": " + id() + " (" + type_ + "): key '" +
                         key + "': " + message);
}

}  // namespace runnel

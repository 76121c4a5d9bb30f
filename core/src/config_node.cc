#include "runnel/config_node.h"

#include "runnel/check.h"

namespace runnel {

std::string SourceLocation::ToString() const {
  if (line <= 0) {
    return file;
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
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

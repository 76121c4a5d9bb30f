#include "runnel/registry.h"

#include "runtime/output_options.h"

namespace runnel {

std::string_view PluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kInput:
      return "input";
    case PluginKind::kFilter:
      return "filter";
    case PluginKind::kOutput:
      return "output";
  }
  return "unknown";
}

std::string_view PluginKindSection(PluginKind kind) {
  switch (kind) {
    case PluginKind::kInput:
      return "inputs";
    case PluginKind::kFilter:
      return "filters";
    case PluginKind::kOutput:
      return "outputs";
  }
  return "unknown";
}

std::string_view StabilityName(Stability s) {
  switch (s) {
    case Stability::kStable:
      return "stable";
    case Stability::kBeta:
      return "beta";
    case Stability::kAlpha:
      return "alpha";
  }
  return "unknown";
}

Status PluginRegistry::Register(PluginInfo info) {
  auto key = std::make_pair(info.kind, info.name);
  if (plugins_.contains(key)) {
    return AlreadyExists(std::string(PluginKindName(info.kind)) + " plugin '" + info.name +
                         "' is already registered");
  }
  if (info.kind == PluginKind::kOutput) {
    runtime::AddCommonOutputFields(info.schema);  // buffer.*, acknowledgements
  }
  plugins_.emplace(std::move(key), std::move(info));
  return OkStatus();
}

const PluginInfo* PluginRegistry::Find(PluginKind kind, const std::string& name) const {
  auto it = plugins_.find({kind, name});
  return it == plugins_.end() ? nullptr : &it->second;
}

std::vector<const PluginInfo*> PluginRegistry::All() const {
  std::vector<const PluginInfo*> out;
  for (const auto& [key, info] : plugins_) {
    out.push_back(&info);
  }
  return out;
}

std::vector<std::string> PluginRegistry::Names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& [key, info] : plugins_) {
    if (key.first == kind) {
      out.push_back(key.second);
    }
  }
  return out;
}

}  // namespace runnel

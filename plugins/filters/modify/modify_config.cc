#include "plugins/filters/modify/modify_config.h"

#include <cstdlib>

namespace runnel::plugins::modify {

Schema ModifySchema() {
  Schema schema;
  schema
      .OptionalNoDefault("rename", FieldType::kStringMap,
                         "{ from = \"to\", ... }: renames fields, replacing an existing `to`. "
                         "Runs first.")
      .OptionalNoDefault("copy", FieldType::kStringMap,
                         "{ from = \"to\", ... }: copies fields, replacing an existing `to`. "
                         "Runs after rename.")
      .OptionalNoDefault("remove", FieldType::kStringList,
                         "[\"field\", ...]: removes fields. Runs after copy.")
      .OptionalNoDefault("add", FieldType::kStringMap,
                         "{ field = \"value\", ... }: sets string fields that are missing. Runs "
                         "after remove. Values may use %{hostname} and %{env.NAME}.")
      .OptionalNoDefault("set", FieldType::kStringMap,
                         "{ field = \"value\", ... }: sets string fields, replacing them. Runs "
                         "last. Values may use %{hostname} and %{env.NAME}; %%{ is a literal "
                         "%{.");
  return schema;
}

Result<std::string> ExpandPlaceholders(std::string_view value, std::string_view hostname) {
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  while (i < value.size()) {
    if (value.substr(i, 3) == "%%{") {
      out += "%{";
      i += 3;
      continue;
    }
    if (value.substr(i, 2) != "%{") {
      out += value[i++];
      continue;
    }
    const size_t close = value.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Err(InvalidArgument("unterminated %{ at offset " + std::to_string(i)));
    }
    const std::string_view name = value.substr(i + 2, close - i - 2);
    if (name == "hostname") {
      out += hostname;
    } else if (name.starts_with("env.") && name.size() > 4) {
      const std::string var(name.substr(4));
      const char* env = std::getenv(var.c_str());
      if (env == nullptr) {
        return Err(InvalidArgument("environment variable " + var + " is not set"));
      }
      out += env;
    } else {
      return Err(InvalidArgument("unknown placeholder %{" + std::string(name) +
                                 "}; use %{hostname} or %{env.NAME} (%%{ for a literal %{)"));
    }
    i = close + 1;
  }
  return out;
}

namespace {

Status ReadMoves(const ConfigNode& node, const std::string& key, std::vector<KeyMove>* out) {
  if (!node.Has(key)) {
    return OkStatus();
  }
  for (const auto& [from, to] : node.GetStringMap(key)) {
    if (from.empty() || to.empty()) {
      return node.Error(key, "field names must not be empty");
    }
    out->push_back(KeyMove{from, to});
  }
  return OkStatus();
}

Status ReadValues(const ConfigNode& node, const std::string& key, std::string_view hostname,
                  std::vector<KeyValue>* out) {
  if (!node.Has(key)) {
    return OkStatus();
  }
  for (const auto& [field, value] : node.GetStringMap(key)) {
    if (field.empty()) {
      return node.Error(key, "field names must not be empty");
    }
    Result<std::string> expanded = ExpandPlaceholders(value, hostname);
    if (!expanded.has_value()) {
      return node.Error(key, "field '" + field + "': " + expanded.error().message());
    }
    out->push_back(KeyValue{field, std::move(*expanded)});
  }
  return OkStatus();
}

}  // namespace

Result<ModifyConfig> BuildModifyConfig(const ConfigNode& node, std::string_view hostname) {
  ModifyConfig config;
  if (Status s = ReadMoves(node, "rename", &config.rename); !s.ok()) {
    return Err(std::move(s));
  }
  if (Status s = ReadMoves(node, "copy", &config.copy); !s.ok()) {
    return Err(std::move(s));
  }
  if (node.Has("remove")) {
    for (const std::string& field : node.GetStringList("remove")) {
      if (field.empty()) {
        return Err(node.Error("remove", "field names must not be empty"));
      }
      config.remove.push_back(field);
    }
  }
  if (Status s = ReadValues(node, "add", hostname, &config.add); !s.ok()) {
    return Err(std::move(s));
  }
  if (Status s = ReadValues(node, "set", hostname, &config.set); !s.ok()) {
    return Err(std::move(s));
  }
  if (config.rename.empty() && config.copy.empty() && config.remove.empty() && config.add.empty() &&
      config.set.empty()) {
    return Err(node.Error("set",
                          "nothing to do: set at least one of rename, copy, remove, add, "
                          "set"));
  }
  return config;
}

}  // namespace runnel::plugins::modify

#include "plugins/filters/grep/grep_config.h"

#include <utility>

namespace runnel::plugins::grep {

Schema GrepSchema() {
  Schema schema;
  schema
      .OptionalNoDefault("include", FieldType::kStringMap,
                         "{ field = \"regex\", ... }: keep an event only if every listed field "
                         "is a string that the RE2 regex matches (anywhere; anchor with ^ $). "
                         "A missing or non-string field does not match.")
      .OptionalNoDefault("exclude", FieldType::kStringMap,
                         "{ field = \"regex\", ... }: drop an event if any listed field is a "
                         "string that its regex matches. Applies after include.");
  return schema;
}

namespace {

Status CompileRules(const ConfigNode& node, const std::string& key, std::vector<GrepRule>* out) {
  if (!node.Has(key)) {
    return OkStatus();
  }
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& [field, pattern] : node.GetStringMap(key)) {
    if (field.empty()) {
      return node.Error(key, "a field name is empty");
    }
    auto re = std::make_unique<const RE2>(pattern, options);
    if (!re->ok()) {
      return node.Error(key, "field '" + field + "': regex does not compile: " + re->error());
    }
    out->push_back(GrepRule{field, std::move(re)});
  }
  return OkStatus();
}

}  // namespace

Result<GrepConfig> BuildGrepConfig(const ConfigNode& node) {
  GrepConfig config;
  if (Status s = CompileRules(node, "include", &config.include); !s.ok()) {
    return Err(std::move(s));
  }
  if (Status s = CompileRules(node, "exclude", &config.exclude); !s.ok()) {
    return Err(std::move(s));
  }
  if (config.include.empty() && config.exclude.empty()) {
    return Err(node.Error("include", "set include or exclude (or both) with at least one field"));
  }
  return config;
}

}  // namespace runnel::plugins::grep

#include "config/fields.h"

#include <algorithm>

#include "config/suggest.h"
#include "config/toml_util.h"
#include "config/units.h"

namespace runnel::config {
namespace {

std::string WithArticle(const std::string& noun) {
  const bool vowel = !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + noun;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// "an array of strings", "one of \"json\", \"logfmt\"".
std::string Expected(const FieldSpec& spec) {
  if (spec.type == FieldType::kEnum) {
    return "one of " + Join(spec.choices, "\"");
  }
  return WithArticle(FieldTypeName(spec.type));
}

std::string KeyPrefix(const FieldSpec& spec) { return "key '" + spec.name + "' "; }

void WrongType(const FieldSpec& spec, const toml::node& at, const std::string& got,
               const std::string& component, DiagnosticSink& sink) {
  sink.Error(LocationOf(at), component,
             KeyPrefix(spec) + "must be " + Expected(spec) + ", got " + got,
             "e.g. " + ExampleFor(spec));
}

// Reports and returns false when `value` is outside the field's bounds. `shown` is the value as
// the message prints it.
bool CheckRange(const FieldSpec& spec, const toml::node& at, int64_t value,
                const std::string& shown, const std::string& component, DiagnosticSink& sink) {
  const bool below = spec.min.has_value() && value < *spec.min;
  const bool above = spec.max.has_value() && value > *spec.max;
  if (!below && !above) {
    return true;
  }
  const bool between = spec.min.has_value() && spec.max.has_value() && *spec.min != INT64_MIN &&
                       *spec.max != INT64_MAX;
  std::string hint = "it must be " + DescribeBounds(spec) + (between ? " (inclusive)" : "");
  sink.Error(LocationOf(at), component, KeyPrefix(spec) + "is out of range: " + shown,
             std::move(hint));
  return false;
}

std::optional<ConfigValue> ConvertDuration(const FieldSpec& spec, const toml::node& node,
                                           const std::string& component, DiagnosticSink& sink) {
  std::optional<std::chrono::milliseconds> d;
  std::string shown;
  if (const auto* i = node.as_integer()) {
    shown = std::to_string(i->get());
    if (i->get() >= 0) {
      d = std::chrono::milliseconds(i->get());
    }
  } else if (const auto* s = node.as_string()) {
    shown = Quote(s->get());
    d = ParseDuration(s->get());
  } else {
    WrongType(spec, node, TomlTypeName(node), component, sink);
    return std::nullopt;
  }
  if (!d.has_value()) {
    sink.Error(LocationOf(node), component, KeyPrefix(spec) + "has invalid duration " + shown,
               std::string(kDurationForms));
    return std::nullopt;
  }
  if (!CheckRange(spec, node, d->count(), FormatDuration(*d), component, sink)) {
    return std::nullopt;
  }
  return ConfigValue{*d, LocationOf(node)};
}

std::optional<ConfigValue> ConvertSize(const FieldSpec& spec, const toml::node& node,
                                       const std::string& component, DiagnosticSink& sink) {
  std::optional<uint64_t> bytes;
  std::string shown;
  if (const auto* i = node.as_integer()) {
    shown = std::to_string(i->get());
    if (i->get() >= 0) {
      bytes = static_cast<uint64_t>(i->get());
    }
  } else if (const auto* s = node.as_string()) {
    shown = Quote(s->get());
    bytes = ParseSize(s->get());
  } else {
    WrongType(spec, node, TomlTypeName(node), component, sink);
    return std::nullopt;
  }
  if (!bytes.has_value()) {
    sink.Error(LocationOf(node), component, KeyPrefix(spec) + "has invalid size " + shown,
               std::string(kSizeForms));
    return std::nullopt;
  }
  const int64_t clamped =
      *bytes > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(*bytes);
  if (!CheckRange(spec, node, clamped, FormatSize(*bytes), component, sink)) {
    return std::nullopt;
  }
  return ConfigValue{*bytes, LocationOf(node)};
}

std::optional<ConfigValue> ConvertStringList(const FieldSpec& spec, const toml::node& node,
                                             const std::string& component, DiagnosticSink& sink) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    WrongType(spec, node, TomlTypeName(node), component, sink);
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const toml::node& element : *array) {
    if (const auto* s = element.as_string()) {
      out.push_back(s->get());
    } else {
      WrongType(spec, element, "an array containing " + TomlTypeName(element), component, sink);
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return ConfigValue{std::move(out), LocationOf(node)};
}

std::optional<ConfigValue> ConvertStringMap(const FieldSpec& spec, const toml::node& node,
                                            const std::string& component, DiagnosticSink& sink) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    WrongType(spec, node, TomlTypeName(node), component, sink);
    return std::nullopt;
  }
  StringMap out;
  bool ok = true;
  for (const auto& [key, value] : EntriesInFileOrder(*table)) {
    if (const auto* s = value->as_string()) {
      out.emplace_back(std::string(key->str()), s->get());
    } else {
      WrongType(spec, *value, "a table containing " + TomlTypeName(*value), component, sink);
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return ConfigValue{std::move(out), LocationOf(node)};
}

std::optional<ConfigValue> ConvertEnum(const FieldSpec& spec, const toml::node& node,
                                       const std::string& component, DiagnosticSink& sink) {
  const auto* s = node.as_string();
  if (s == nullptr) {
    WrongType(spec, node, TomlTypeName(node), component, sink);
    return std::nullopt;
  }
  if (std::find(spec.choices.begin(), spec.choices.end(), s->get()) == spec.choices.end()) {
    std::string hint = "allowed values: " + Join(spec.choices, "\"");
    if (auto close = Closest(s->get(), spec.choices)) {
      hint = "did you mean " + Quote(*close) + "? " + hint;
    }
    sink.Error(LocationOf(node), component,
               KeyPrefix(spec) + "has invalid value " + Quote(s->get()), std::move(hint));
    return std::nullopt;
  }
  return ConfigValue{s->get(), LocationOf(node)};
}

}  // namespace

std::string ExampleFor(const FieldSpec& spec) {
  const std::string lhs = spec.name + " = ";
  if (spec.default_value.has_value() && *spec.default_value != "[]" &&
      *spec.default_value != "{}" && *spec.default_value != "\"\"") {
    return lhs + *spec.default_value;
  }
  switch (spec.type) {
    case FieldType::kBool:
      return lhs + "true";
    case FieldType::kInt:
      return lhs + "10";
    case FieldType::kFloat:
      return lhs + "0.5";
    case FieldType::kString:
      return lhs + "\"...\"";
    case FieldType::kStringList:
      return lhs + "[\"a\", \"b\"]";
    case FieldType::kStringMap:
      return lhs + "{ name = \"value\" }";
    case FieldType::kDuration:
      return lhs + "\"5s\"";
    case FieldType::kSize:
      return lhs + "\"64MiB\"";
    case FieldType::kEnum:
      return lhs + (spec.choices.empty() ? "\"\"" : Quote(spec.choices.front()));
  }
  return lhs;
}

std::optional<ConfigValue> ConvertField(const FieldSpec& spec, const toml::node& node,
                                        const std::string& component, DiagnosticSink& sink) {
  switch (spec.type) {
    case FieldType::kBool:
      if (const auto* b = node.as_boolean()) {
        return ConfigValue{b->get(), LocationOf(node)};
      }
      break;
    case FieldType::kInt:
      if (const auto* i = node.as_integer()) {
        const int64_t v = i->get();
        if (!CheckRange(spec, node, v, std::to_string(v), component, sink)) {
          return std::nullopt;
        }
        return ConfigValue{v, LocationOf(node)};
      }
      break;
    case FieldType::kFloat:
      if (const auto* f = node.as_floating_point()) {
        return ConfigValue{f->get(), LocationOf(node)};
      }
      if (const auto* i = node.as_integer()) {
        return ConfigValue{static_cast<double>(i->get()), LocationOf(node)};
      }
      break;
    case FieldType::kString:
      if (const auto* s = node.as_string()) {
        return ConfigValue{s->get(), LocationOf(node)};
      }
      break;
    case FieldType::kStringList:
      return ConvertStringList(spec, node, component, sink);
    case FieldType::kStringMap:
      return ConvertStringMap(spec, node, component, sink);
    case FieldType::kDuration:
      return ConvertDuration(spec, node, component, sink);
    case FieldType::kSize:
      return ConvertSize(spec, node, component, sink);
    case FieldType::kEnum:
      return ConvertEnum(spec, node, component, sink);
  }
  WrongType(spec, node, TomlTypeName(node), component, sink);
  return std::nullopt;
}

std::optional<ConfigValue> DefaultValue(const FieldSpec& spec, const SourceLocation& where,
                                        const std::string& component, DiagnosticSink& sink) {
  if (!spec.default_value.has_value()) {
    return std::nullopt;
  }
  toml::table parsed;
  const toml::node* node = nullptr;
  if (ParseTomlText("v = " + *spec.default_value, &parsed)) {
    node = parsed.get("v");
  }
  DiagnosticSink scratch;
  std::optional<ConfigValue> value;
  if (node != nullptr) {
    value = ConvertField(spec, *node, component, scratch);
  }
  if (!value.has_value()) {
    sink.Error(where, component,
               "internal error: the plugin's default for key '" + spec.name + "' (" +
                   *spec.default_value + ") is not " + Expected(spec),
               "this is a bug in the plugin; set the key explicitly to work around it");
    return std::nullopt;
  }
  value->location = SourceLocation{};
  return value;
}

namespace {
// Whether the schema declares fields named "<prefix>.something".
bool HasDottedFields(const Schema& schema, const std::string& prefix) {
  for (const FieldSpec& spec : schema.fields()) {
    if (spec.name.size() > prefix.size() && spec.name.starts_with(prefix) &&
        spec.name[prefix.size()] == '.') {
      return true;
    }
  }
  return false;
}
}  // namespace

void ValidateFields(const toml::table& table, const Schema& schema,
                    const std::vector<std::string>& skip, const SourceLocation& table_location,
                    const std::string& component, const std::string& plugin, ConfigNode& node,
                    DiagnosticSink& sink) {
  std::vector<std::string> known = skip;
  for (const FieldSpec& spec : schema.fields()) {
    known.push_back(spec.name);
  }
  // Keys an unknown key was taken for: not reported missing as well.
  std::vector<std::string> suggested;
  auto check = [&](const std::string& name, const toml::key& key, const toml::node& value) {
    const FieldSpec* spec = schema.Find(name);
    if (spec == nullptr) {
      std::string hint;
      if (auto close = Closest(name, known)) {
        hint = "did you mean '" + *close + "'?";
        suggested.push_back(*close);
      } else {
        std::vector<std::string> sorted = known;
        std::sort(sorted.begin(), sorted.end());
        hint = "valid keys are: " + Join(sorted);
      }
      sink.Error(LocationOf(key), component, "unknown key '" + name + "'", std::move(hint));
      return;
    }
    if (auto converted = ConvertField(*spec, value, component, sink)) {
      node.Set(name, std::move(*converted));
    }
  };
  for (const auto& [key, value] : EntriesInFileOrder(table)) {
    const std::string name(key->str());
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) {
      continue;
    }
    // Dotted fields ("tls.enabled") may be written `tls.enabled = true` or as a [x.tls] table;
    // both parse as a sub-table, whose keys are checked under their dotted names.
    if (value->is_table() && schema.Find(name) == nullptr && HasDottedFields(schema, name)) {
      for (const auto& [sub_key, sub_value] : EntriesInFileOrder(*value->as_table())) {
        check(name + "." + std::string(sub_key->str()), *sub_key, *sub_value);
      }
      continue;
    }
    check(name, *key, *value);
  }
  for (const FieldSpec& spec : schema.fields()) {
    const bool dotted = spec.name.find('.') != std::string::npos;
    if (dotted ? static_cast<bool>(table.at_path(spec.name)) : table.contains(spec.name)) {
      continue;
    }
    if (spec.required) {
      if (std::find(suggested.begin(), suggested.end(), spec.name) != suggested.end()) {
        continue;
      }
      std::string hint = "add e.g. " + ExampleFor(spec);
      if (!plugin.empty()) {
        hint += "; runnel-agent --describe " + plugin + " explains every key";
      }
      sink.Error(table_location, component, "missing required key '" + spec.name + "'",
                 std::move(hint));
    } else if (auto value = DefaultValue(spec, table_location, component, sink)) {
      node.Set(spec.name, std::move(*value));
    }
  }
}

}  // namespace runnel::config

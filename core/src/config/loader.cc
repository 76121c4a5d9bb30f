#include "config/loader.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "config/fields.h"
#include "config/graph.h"
#include "config/sources.h"
#include "config/suggest.h"
#include "config/toml_util.h"

namespace runnel::config {
namespace {

constexpr std::array<PluginKind, 3> kKinds = {PluginKind::kInput, PluginKind::kFilter,
                                              PluginKind::kOutput};

std::optional<PluginKind> KindOfSection(const std::string& section) {
  for (PluginKind kind : kKinds) {
    if (PluginKindSection(kind) == section) {
      return kind;
    }
  }
  return std::nullopt;
}

// What an unknown section name most likely meant: "input" -> "inputs", "sinks" -> "outputs".
std::optional<std::string> GuessSection(const std::string& name) {
  static const std::map<std::string, std::string> kAliases = {
      {"source", "inputs"},      {"sources", "inputs"}, {"transform", "filters"},
      {"transforms", "filters"}, {"sink", "outputs"},   {"sinks", "outputs"},
  };
  if (auto it = kAliases.find(name); it != kAliases.end()) {
    return it->second;
  }
  return Closest(name, {"inputs", "filters", "outputs"});
}

struct RawComponent {
  PluginKind kind;
  std::string name;
  toml::table* table;
  SourceLocation location;
};

struct GlobalEntry {
  SourceLocation key_location;
  toml::node* value;
};

// Sections of global keys ([api]): their keys are the global fields named "<section>.<key>".
constexpr std::array<std::string_view, 1> kGlobalSections = {"api"};

bool IsGlobalSection(const std::string& name) {
  return std::find(kGlobalSections.begin(), kGlobalSections.end(), name) != kGlobalSections.end();
}

// The keys of a global section, without the section's prefix: {"address", "health_window"}.
std::vector<std::string> SectionKeys(const std::string& section) {
  std::vector<std::string> keys;
  for (const FieldSpec& spec : GlobalSchema().fields()) {
    if (spec.name.starts_with(section + ".")) {
      keys.push_back(spec.name.substr(section.size() + 1));
    }
  }
  return keys;
}

class Loader {
 public:
  Loader(const PluginRegistry& registry, const Environment& env, DiagnosticSink& sink)
      : registry_(registry), env_(env), sink_(sink) {}

  // Sorts the top-level keys of `file` into globals and components.
  void Collect(SourceFile& file) {
    for (const auto& [key, node] : EntriesInFileOrder(file.table)) {
      const std::string name(key->str());
      if (name == "include") {
        continue;
      }
      if (GlobalSchema().Find(name) != nullptr) {
        CollectGlobal(name, LocationOf(*key), node);
      } else if (IsGlobalSection(name)) {
        CollectGlobalSection(name, *key, *node);
      } else if (auto kind = KindOfSection(name)) {
        CollectSection(*kind, *key, *node);
      } else {
        ReportUnknownTopLevel(name, *key, *node);
      }
    }
  }

  void ValidateGlobals(GlobalConfig& global) {
    for (auto& [name, entry] : globals_) {
      const FieldSpec* spec = GlobalSchema().Find(name);
      ExpandStrings(*entry.value, env_, "", sink_);
      std::optional<ConfigValue> value = ConvertField(*spec, *entry.value, "", sink_);
      if (!value.has_value()) {
        continue;
      }
      if (name == "data_dir") {
        global.data_dir = std::get<std::string>(value->value);
      } else if (name == "log_level") {
        ParseLogLevel(std::get<std::string>(value->value), &global.log_level);
      } else if (name == "memory_limit") {
        global.memory_limit = std::get<uint64_t>(value->value);
      } else if (name == "shutdown_timeout") {
        global.shutdown_timeout = std::get<std::chrono::milliseconds>(value->value);
      } else if (name == "api.address") {
        Status set = SetApiAddress(std::get<std::string>(value->value), &global.api);
        if (!set.ok()) {
          sink_.Error(LocationOf(*entry.value), "", set.message(), kApiAddressHint);
        }
      } else if (name == "api.health_window") {
        global.api.health_window = std::get<std::chrono::milliseconds>(value->value);
      }
    }
    if (api_section_.has_value() && !globals_.contains("api.address")) {
      sink_.Error(*api_section_, "", "missing required key 'address' in [api]",
                  "add e.g. address = \"127.0.0.1:2020\" (port 0 picks a free port); without "
                  "[api] the admin API is off");
    }
  }

  // Validates every component; with `check_graph`, also the wiring.
  void ValidateComponents(PipelineConfig& config, bool check_graph) {
    std::vector<ConfigNode> nodes;
    std::vector<GraphNode> graph;
    for (RawComponent& raw : components_) {
      GraphNode g;
      nodes.push_back(ValidateComponent(raw, g));
      graph.push_back(std::move(g));
    }
    if (check_graph) {
      ResolveGraph(graph, sink_);
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i].SetInputs(std::move(graph[i].resolved));
      switch (components_[i].kind) {
        case PluginKind::kInput:
          config.inputs.push_back(std::move(nodes[i]));
          break;
        case PluginKind::kFilter:
          config.filters.push_back(std::move(nodes[i]));
          break;
        case PluginKind::kOutput:
          config.outputs.push_back(std::move(nodes[i]));
          break;
      }
    }
  }

  // "no inputs are defined" and the like, for a config that defines nothing of a kind.
  void CheckNotEmpty(const std::string& main_path) {
    for (PluginKind kind : {PluginKind::kInput, PluginKind::kOutput}) {
      const bool any = std::any_of(components_.begin(), components_.end(),
                                   [&](const RawComponent& c) { return c.kind == kind; });
      if (!any) {
        const std::string section(PluginKindSection(kind));
        sink_.Error(SourceLocation{main_path, 0, 0}, "", "no " + section + " are defined",
                    "declare one as [" + section +
                        ".NAME] with a type, one of: " + Join(registry_.Names(kind)));
      }
    }
  }

 private:
  // [api]: each key is collected as the global "api.<key>"; unknown keys are reported here.
  void CollectGlobalSection(const std::string& section, const toml::key& key, toml::node& node) {
    toml::table* table = node.as_table();
    const std::vector<std::string> keys = SectionKeys(section);
    if (table == nullptr) {
      sink_.Error(LocationOf(key), "",
                  "'" + section + "' must be a table, got " + TomlTypeName(node),
                  "write [" + section + "] followed by its keys: " + Join(keys));
      return;
    }
    if (!api_section_.has_value()) {
      api_section_ = LocationOf(node);
    }
    for (const auto& [sub_key, sub_node] : EntriesInFileOrder(*table)) {
      const std::string sub(sub_key->str());
      if (GlobalSchema().Find(section + "." + sub) != nullptr) {
        CollectGlobal(section + "." + sub, LocationOf(*sub_key), sub_node);
        continue;
      }
      std::optional<std::string> close = Closest(sub, keys);
      sink_.Error(LocationOf(*sub_key), "", "unknown key '" + sub + "' in [" + section + "]",
                  close ? "did you mean '" + *close + "'?"
                        : "the keys of [" + section + "] are: " + Join(keys));
    }
  }

  void CollectGlobal(const std::string& name, SourceLocation location, toml::node* value) {
    auto [it, inserted] = globals_.try_emplace(name, GlobalEntry{location, value});
    if (!inserted) {
      sink_.Error(location, "",
                  "key '" + name + "' is set twice: at " + it->second.key_location.ToString() +
                      " and at " + location.ToString(),
                  "set it in one file only");
    }
  }

  void CollectSection(PluginKind kind, const toml::key& key, toml::node& node) {
    const std::string section(PluginKindSection(kind));
    toml::table* table = node.as_table();
    if (table == nullptr) {
      sink_.Error(LocationOf(key), "",
                  "'" + section + "' must be a table of components, got " + TomlTypeName(node),
                  "declare each component as [" + section + ".NAME]");
      return;
    }
    for (const auto& [ckey, cnode] : EntriesInFileOrder(*table)) {
      const std::string name(ckey->str());
      const std::string id = section + "." + name;
      toml::table* ctable = cnode->as_table();
      if (ctable == nullptr) {
        sink_.Error(LocationOf(*ckey), "",
                    "'" + id + "' must be a table, got " + TomlTypeName(*cnode),
                    "declare the component as [" + id + "] followed by its keys");
        continue;
      }
      SourceLocation location = LocationOf(*cnode);
      auto [it, inserted] = by_name_.try_emplace(name, components_.size());
      if (!inserted) {
        const RawComponent& first = components_[it->second];
        sink_.Error(location, id,
                    "component name '" + name + "' is defined twice: " +
                        std::string(PluginKindSection(first.kind)) + "." + name + " at " +
                        first.location.ToString() + " and " + id + " at " + location.ToString(),
                    "names must be unique across inputs, filters and outputs; rename one");
        continue;
      }
      components_.push_back(RawComponent{kind, name, ctable, std::move(location)});
    }
  }

  void ReportUnknownTopLevel(const std::string& name, const toml::key& key, toml::node& node) {
    const std::optional<std::string> guess = GuessSection(name);
    if (node.is_table()) {
      const std::vector<std::string> sections(kGlobalSections.begin(), kGlobalSections.end());
      if (auto close = Closest(name, sections)) {
        sink_.Error(LocationOf(key), "", "unknown section [" + name + "]",
                    "did you mean [" + *close + "]?");
        return;
      }
    }
    if (toml::table* table = node.as_table()) {
      bool any = false;
      for (const auto& [ckey, cnode] : EntriesInFileOrder(*table)) {
        if (!cnode->is_table()) {
          continue;
        }
        any = true;
        const std::string child(ckey->str());
        sink_.Error(LocationOf(*cnode), "", "unknown section [" + name + "." + child + "]",
                    guess ? "did you mean [" + *guess + "." + child + "]?"
                          : "components go in [inputs.NAME], [filters.NAME] or [outputs.NAME]");
      }
      if (any) {
        return;
      }
      sink_.Error(LocationOf(node), "", "unknown section [" + name + "]",
                  guess ? "did you mean [" + *guess + ".NAME]?"
                        : "components go in [inputs.NAME], [filters.NAME] or [outputs.NAME]");
      return;
    }
    std::vector<std::string> keys;
    for (const FieldSpec& spec : GlobalSchema().fields()) {
      if (spec.name.find('.') == std::string::npos) {
        keys.push_back(spec.name);
      }
    }
    std::string hint;
    if (auto close = Closest(name, keys)) {
      hint = "did you mean '" + *close + "'?";
    } else {
      std::sort(keys.begin(), keys.end());
      hint = "top-level keys are: " + Join(keys) +
             "; the admin API goes in [api]; components go in [inputs.NAME], [filters.NAME] or "
             "[outputs.NAME]";
    }
    sink_.Error(LocationOf(key), "", "unknown top-level key '" + name + "'", std::move(hint));
  }

  // Resolves the plugin and validates the component's keys; fills `g` for the wiring checks.
  ConfigNode ValidateComponent(RawComponent& raw, GraphNode& g) {
    const std::string section(PluginKindSection(raw.kind));
    const std::string kind_name(PluginKindName(raw.kind));
    const std::string id = section + "." + raw.name;
    const PluginInfo* plugin = nullptr;
    std::string type;
    auto type_it = raw.table->find("type");
    const std::vector<std::string> plugins = registry_.Names(raw.kind);
    const std::string none = "no " + kind_name + " plugins are available in this build";
    if (type_it == raw.table->end()) {
      sink_.Error(raw.location, id, "missing required key 'type'",
                  plugins.empty()
                      ? none
                      : "set it to one of the " + kind_name + " plugins: " + Join(plugins));
    } else {
      toml::node& type_node = type_it->second;
      ExpandStrings(type_node, env_, id, sink_);
      if (const auto* str = type_node.as_string()) {
        type = str->get();
        plugin = registry_.Find(raw.kind, type);
        if (plugin == nullptr) {
          sink_.Error(LocationOf(type_node), id, "unknown " + kind_name + " plugin '" + type + "'",
                      plugins.empty() ? none
                                      : kind_name + " plugins (closest first): " +
                                            Join(SortByCloseness(type, plugins)));
        }
      } else {
        sink_.Error(LocationOf(type_node), id,
                    "key 'type' must be a string, got " + TomlTypeName(type_node),
                    plugins.empty() ? none : "e.g. type = \"" + plugins.front() + "\"");
      }
    }
    const std::string label = plugin != nullptr ? id + " (" + type + ")" : id;
    if (!IsValidComponentName(raw.name)) {
      sink_.Error(raw.location, label, "invalid component name '" + raw.name + "'",
                  "names may contain only letters, digits, '_' and '-'");
    }
    for (const auto& [key, value] : EntriesInFileOrder(*raw.table)) {
      if (key->str() != "type") {
        ExpandStrings(*value, env_, label, sink_);
      }
    }
    g.kind = section;
    g.name = raw.name;
    g.label = label;
    g.location = raw.location;
    CollectInputs(raw, label, g);

    ConfigNode node(section, raw.name, type, raw.location);
    if (plugin != nullptr) {
      std::vector<std::string> skip = {"type", "inputs"};
      // A top-level key written after a [section] header lands in that section in TOML.
      for (const auto& [key, value] : EntriesInFileOrder(*raw.table)) {
        const std::string name(key->str());
        if (GlobalSchema().Find(name) != nullptr && plugin->schema.Find(name) == nullptr) {
          sink_.Error(LocationOf(*key), label, "unknown key '" + name + "'",
                      "'" + name +
                          "' is a top-level key: move it above the first [section] "
                          "header of its file");
          skip.push_back(name);
        }
      }
      ValidateFields(*raw.table, plugin->schema, skip, raw.location, label, type, node, sink_);
    }
    return node;
  }

  void CollectInputs(RawComponent& raw, const std::string& label, GraphNode& g) {
    auto it = raw.table->find("inputs");
    if (it == raw.table->end()) {
      return;
    }
    g.has_inputs = true;
    g.inputs_location = LocationOf(it->first);
    if (raw.kind == PluginKind::kInput) {
      return;  // ResolveGraph reports it
    }
    const toml::array* array = it->second.as_array();
    if (array == nullptr) {
      sink_.Error(LocationOf(it->second), label,
                  "key 'inputs' must be an array of strings, got " + TomlTypeName(it->second),
                  "e.g. inputs = [\"app\", \"app_*\"]");
      g.inputs_invalid = true;
      return;
    }
    for (const toml::node& element : *array) {
      if (const auto* str = element.as_string()) {
        g.inputs.push_back(InputRef{str->get(), LocationOf(element)});
      } else {
        sink_.Error(LocationOf(element), label,
                    "key 'inputs' must be an array of strings, got an array containing " +
                        TomlTypeName(element),
                    "e.g. inputs = [\"app\", \"app_*\"]");
        g.inputs_invalid = true;
      }
    }
  }

  const PluginRegistry& registry_;
  const Environment& env_;
  DiagnosticSink& sink_;
  std::map<std::string, GlobalEntry> globals_;
  std::optional<SourceLocation> api_section_;  // where [api] is, when it is there
  std::vector<RawComponent> components_;
  std::map<std::string, size_t> by_name_;
};

void SortByPosition(std::vector<Diagnostic>& diagnostics, const std::vector<std::string>& files) {
  auto file_index = [&](const std::string& file) {
    auto it = std::find(files.begin(), files.end(), file);
    return it == files.end() ? -1 : static_cast<int>(it - files.begin());
  };
  std::stable_sort(
      diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& a, const Diagnostic& b) {
        return std::tuple(file_index(a.location.file), a.location.line, a.location.column) <
               std::tuple(file_index(b.location.file), b.location.line, b.location.column);
      });
}

}  // namespace

Status ConfigLoadResult::ToStatus() const {
  if (ok()) {
    return OkStatus();
  }
  std::string text = ErrorText();
  text.pop_back();
  return InvalidArgument(std::move(text));
}

const Schema& GlobalSchema() {
  static const Schema* const kSchema = [] {
    auto* s = new Schema();
    s->Optional("data_dir", FieldType::kString, "\"/var/lib/runnel\"",
                "Directory for state: checkpoints, disk buffers, dead letters.")
        .Enum("log_level", {"trace", "debug", "info", "warn", "error", "off"}, "\"info\"",
              "Level of runnel's own logs, written to stderr.")
        .Optional("memory_limit", FieldType::kSize, "\"256MiB\"",
                  "Memory budget shared by every memory buffer: the batches queued for the "
                  "outputs and held by them until delivered (a forward output's frames waiting "
                  "for acks), and those read back from disk buffers. The process's RSS stays "
                  "under it plus 2% and 40MiB (the process itself, batches being read and "
                  "filtered, allocator slack; docs/architecture.md, Memory).")
        .Optional("shutdown_timeout", FieldType::kDuration, "\"30s\"",
                  "How long a stop may take to deliver or buffer what is in flight.")
        .OptionalNoDefault("include", FieldType::kStringList,
                           "More config files to read, relative to this file; globs allowed.")
        .OptionalNoDefault("api.address", FieldType::kString,
                           "In [api]: host:port of the HTTP admin API (GET /metrics, /health, "
                           "/ready); the API is off without it. Port 0 picks a free port, logged "
                           "as \"[api] listening on HOST:PORT\". No authentication: keep it on "
                           "loopback.")
        .Optional("api.health_window", FieldType::kDuration, "\"60s\"",
                  "In [api]: /health answers 503 when an output has had batches to deliver "
                  "and delivered none for this long.")
        .Range(1000, 86'400'000);
    return s;
  }();
  return *kSchema;
}

bool IsValidComponentName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

ConfigLoadResult LoadConfig(const std::string& path, const PluginRegistry& registry,
                            const Environment& env) {
  DiagnosticSink sink;
  int failed = 0;
  std::vector<std::unique_ptr<SourceFile>> files = ReadSources(path, env, sink, &failed);
  ConfigLoadResult result;
  Loader loader(registry, env, sink);
  for (const auto& file : files) {
    result.config.files.push_back(file->path);
    loader.Collect(*file);
  }
  loader.ValidateGlobals(result.config.global);
  loader.ValidateComponents(result.config, /*check_graph=*/failed == 0);
  if (failed == 0) {
    loader.CheckNotEmpty(path);
  }
  result.errors = std::move(sink.errors());
  result.warnings = std::move(sink.warnings());
  SortByPosition(result.errors, result.config.files);
  SortByPosition(result.warnings, result.config.files);
  return result;
}

}  // namespace runnel::config

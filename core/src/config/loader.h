#pragma once
// The config loader: reads a pipeline's TOML files, checks them against the plugins' schemas and
// the pipeline's wiring, and returns either a complete PipelineConfig or every problem found.
//
//   runnel::PluginRegistry registry;
//   runnel::RegisterBuiltinPlugins(registry);
//   auto result = runnel::config::LoadConfig("/etc/runnel/agent.toml", registry);
//   if (!result.ok()) { std::cerr << result.ErrorText(); return 78; }
//   // result.warnings: worth logging; result.config: ready to build the pipeline from.
//
// What is read (see sources.h): the main file, the files it includes (`include = [...]`, paths
// relative to the including file, globs allowed) and conf.d/*.toml next to it, sorted by name.
// Each problem is a Diagnostic (diagnostic.h) positioned at file:line:col with a hint; the
// loader never stops at the first one. Never throws. Thread-compatible: concurrent calls are safe
// when the registry is not being changed and the Environment's lookup is thread-safe.
//
// Choices worth knowing:
//   - An input or filter nothing reads from is a warning, not an error.
//   - Global keys (data_dir, log_level, memory_limit, shutdown_timeout, and the keys of the
//     [api] section, named api.address and api.health_window) may be set in any file but only
//     once overall; `include` is per file.
//   - Component names are unique across inputs, filters and outputs, across all files.
//   - ${VAR} expansion applies to string values only (env.h).
//   - When a file has a TOML syntax error, the wiring checks (inputs, cycles) are skipped to
//     avoid reporting what only follows from the missing file.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/api_config.h"
#include "config/diagnostic.h"
#include "config/env.h"
#include "runnel/config_node.h"
#include "runnel/logging.h"
#include "runnel/registry.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::config {

// The top-level keys, with their defaults.
struct GlobalConfig {
  std::string data_dir = "/var/lib/runnel";
  LogLevel log_level = LogLevel::kInfo;
  uint64_t memory_limit = 256ull << 20;  // bytes
  std::chrono::milliseconds shutdown_timeout{30'000};
  ApiConfig api;
};

struct PipelineConfig {
  GlobalConfig global;
  // Validated components, in the order they are defined (files in the order read). Each has
  // every schema default filled in, and inputs() resolved to concrete names (globs expanded).
  std::vector<ConfigNode> inputs;
  std::vector<ConfigNode> filters;
  std::vector<ConfigNode> outputs;
  std::vector<std::string> files;  // every file read, in order, as positions name them
};

struct ConfigLoadResult {
  PipelineConfig config;             // complete only when ok()
  std::vector<Diagnostic> errors;    // sorted by file (in read order), line and column
  std::vector<Diagnostic> warnings;  // same order; never make the config invalid

  bool ok() const { return errors.empty(); }
  // The errors as printed for a user (`runnel-agent --validate`), one or two lines each, each
  // ending in a newline; "" when ok().
  std::string ErrorText() const { return FormatDiagnostics(errors); }
  std::string WarningText() const { return FormatDiagnostics(warnings); }
  // OK, or InvalidArgument carrying ErrorText() without its last newline.
  Status ToStatus() const;
};

// Loads the config whose main file is `path`. Positions name files as `path` was given and
// others joined to its directory. `env` supplies ${VAR}s (default: the process environment).
ConfigLoadResult LoadConfig(const std::string& path, const PluginRegistry& registry,
                            const Environment& env = Environment::Process());

// The schema of the top-level keys (also documentation for `--describe`).
const Schema& GlobalSchema();

// True when `name` is a valid component name: [A-Za-z0-9_-]+.
bool IsValidComponentName(const std::string& name);

}  // namespace runnel::config

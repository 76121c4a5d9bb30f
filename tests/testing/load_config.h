#pragma once
// LoadToml: a config as a user writes it, loaded by the real loader with the built-in plugins,
// so plugin tests get ConfigNodes exactly as the runtime does (defaults, units, positions).
// Tests that include this link runnel::builtin_plugins.

#include <cstdio>
#include <string>

#include "config/loader.h"
#include "runnel/registry.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {

inline const PluginRegistry& BuiltinRegistry() {
  static const PluginRegistry* registry = [] {
    auto* r = new PluginRegistry();
    RegisterBuiltinPlugins(*r);
    return r;
  }();
  return *registry;
}

// Writes `toml` to dir/config.toml and loads it. InvalidArgument with the loader's error text.
inline Result<config::PipelineConfig> LoadToml(const TempDir& dir, const std::string& toml) {
  const std::string path = dir.Path("config.toml");
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return Err(Internal("cannot write " + path));
  }
  std::fputs(toml.c_str(), f);
  std::fclose(f);
  config::ConfigLoadResult r = config::LoadConfig(path, BuiltinRegistry());
  if (!r.ok()) {
    return Err(InvalidArgument(r.ErrorText()));
  }
  return r.config;
}

inline PluginContext TestContext(const TempDir& dir, MetricsRegistry* metrics,
                                 const std::string& id) {
  PluginContext ctx;
  ctx.id = id;
  ctx.data_dir = dir.Path("data");
  ctx.hostname = "test-host";
  ctx.metrics = metrics;
  ctx.component_metrics = ComponentMetrics::Create(*metrics, id);
  return ctx;
}

}  // namespace runnel::testing

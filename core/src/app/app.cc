#include "app/app.h"

#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "app/admin_api.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/daemon.h"
#include "app/reload.h"
#include "config/describe.h"
#include "config/loader.h"
#include "runnel/check.h"
#include "runnel/logging.h"
#include "runnel/metrics.h"
#include "runtime/pipeline.h"

namespace runnel::app {
namespace {

// --describe NAME: a plugin of any kind with that name, or "global" for the top-level keys.
int Describe(const AppInfo& info, const PluginRegistry& registry, const std::string& name) {
  if (name == "global") {
    std::cout << config::DescribeGlobals();
    return 0;
  }
  bool found = false;
  for (const PluginInfo* plugin : registry.All()) {
    if (plugin->name == name) {
      std::cout << (found ? "\n" : "") << config::DescribePlugin(*plugin);
      found = true;
    }
  }
  if (!found) {
    std::cerr << "--describe: no plugin is named '" << name << "'; " << info.name
              << " --list-plugins lists them\n";
    return 1;
  }
  return 0;
}

}  // namespace

int Main(const AppInfo& info, int argc, char** argv) {
  RUNNEL_CHECK(info.register_plugins != nullptr);
  int exit_code = 0;
  std::optional<Options> options = ParseCommandLine(info, argc, argv, &exit_code);
  if (!options.has_value()) {
    return exit_code;
  }
  PluginRegistry registry;
  info.register_plugins(registry);

  if (options->command != Command::kRun) {
    LogLevel ignored = LogLevel::kInfo;
    if (options->log_level.has_value() && !ParseLogLevel(*options->log_level, &ignored)) {
      std::cerr << "--log-level: '" << *options->log_level
                << "' is not one of trace, debug, info, warn, error\n";
      return 2;
    }
    switch (options->command) {
      case Command::kBufferInspect:
        return BufferInspectCommand(*options, registry);
      case Command::kDeadLetterList:
        return DeadLetterListCommand(*options, registry);
      case Command::kDeadLetterReinject:
        return DeadLetterReinjectCommand(*options, registry);
      case Command::kRun:
        break;
    }
  }
  if (options->list_plugins) {
    std::cout << config::ListPlugins(registry);
    return 0;
  }
  if (options->describe.has_value()) {
    return Describe(info, registry, *options->describe);
  }

  config::ConfigLoadResult loaded = config::LoadConfig(options->config, registry);
  std::cerr << loaded.WarningText();
  if (!loaded.ok()) {
    std::cerr << loaded.ErrorText();
    std::cerr << options->config << ": " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors") << "\n";
    return 1;
  }
  const config::PipelineConfig& cfg = loaded.config;
  LogLevel level = cfg.global.log_level;
  if (options->log_level.has_value() && !ParseLogLevel(*options->log_level, &level)) {
    std::cerr << "--log-level: '" << *options->log_level
              << "' is not one of trace, debug, info, warn, error\n";
    return 2;
  }
  SetLogLevel(level);
  if (!options->validate) {
    BlockSignals();  // before any thread exists, so only the daemon loop receives them
  }

  // Creating every component is part of validation: a plugin checks what its schema cannot
  // (a regex that does not compile, say). Nothing is started, no file is touched.
  MetricsRegistry metrics;
  auto pipeline = runtime::Pipeline::Create(SpecFromConfig(info, cfg), registry, &metrics);
  if (!pipeline.has_value()) {
    std::cerr << pipeline.error().message() << "\n";
    return 1;
  }
  if (options->validate) {
    std::cout << options->config << ": valid (" << cfg.inputs.size() << " inputs, "
              << cfg.filters.size() << " filters, " << cfg.outputs.size() << " outputs)\n";
    return 0;
  }
  std::optional<LogLevel> level_override;
  if (options->log_level.has_value()) {
    level_override = level;
  }
  // Up before the pipeline starts (/ready says "starting") and until its drain is over.
  auto api = StartAdminApi(cfg.global.api, **pipeline, metrics);
  if (!api.has_value()) {
    RUNNEL_LOG(kError, "") << "start-up failed: " << api.error().message();
    return 1;
  }
  AdminApi admin{cfg.global.api, std::move(*api)};
  Reloader reloader(info, options->config, registry, metrics, level_override, &admin);
  return Run(**pipeline, [&] { return reloader.Reload(**pipeline); });
}

}  // namespace runnel::app

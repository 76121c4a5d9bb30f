#pragma once
// The command line and lifecycle shared by runnel's binaries (runnel-agent, runnel-aggregator).
// A binary's main() fills an AppInfo and calls app::Main; everything else is the same for both:
//   -c/--config FILE   the pipeline (default: AppInfo::default_config)
//   --validate         load the config and create every component; exit 0 when valid, else 1
//   --list-plugins     list the registered plugins and exit 0
//   --describe NAME    a plugin's options ("global": the top-level keys); exit 1 when unknown
//   --log-level LEVEL  override the config's log_level; exit 2 when not a level
//   --version, --help  exit 0; a usage error exits with CLI11's code (109 for an unknown flag)
// Without --validate it runs the pipeline until SIGTERM/SIGINT (daemon.h) and returns its code.
// Subcommands (commands.h), for operators; they run next to a running daemon:
//   buffer inspect DIR | --config FILE OUTPUT   what a disk buffer holds (--json)
//   dead-letter list [--config FILE] [OUTPUT]   the dead letters of the outputs (--json)
//   dead-letter reinject [--config FILE] OUTPUT send them to the output again (--dry-run,
//                                               --attempts N)
// They exit 0 on success, 1 on a runtime error or an invalid configuration (and when some dead
// letters could not be reinjected), 2 on a usage error (a bad argument, an unknown output).

#include <string_view>

#include "runnel/registry.h"

namespace runnel::app {

struct AppInfo {
  std::string_view name;            // "runnel-agent": printed by --version, in --help and errors
  std::string_view description;     // the first paragraph of --help
  std::string_view default_config;  // "/etc/runnel/agent.toml"
  // Fills the registry with every plugin the binary offers (normally RegisterBuiltinPlugins).
  void (*register_plugins)(PluginRegistry& registry) = nullptr;
  // Where an output's batches wait when it does not set buffer.type: an agent re-reads its
  // sources after a crash, an aggregator must persist what it acknowledged.
  bool disk_buffers_by_default = false;
};

// Runs the binary described by `info` with argv; returns the process exit code. Call it from
// main() before any thread exists (the daemon blocks signals in every thread it starts).
int Main(const AppInfo& info, int argc, char** argv);

}  // namespace runnel::app

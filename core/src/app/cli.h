#pragma once
// The command line of a runnel binary (app.h lists the flags and subcommands).

#include <cstdint>
#include <optional>
#include <string>

#include "app/app.h"

namespace runnel::app {

enum class Command {
  kRun,                 // no subcommand: --validate, --list-plugins, --describe, or run
  kBufferInspect,       // buffer inspect
  kDeadLetterList,      // dead-letter list
  kDeadLetterReinject,  // dead-letter reinject
};

struct Options {
  Command command = Command::kRun;
  std::string config;         // AppInfo::default_config unless -c/--config is given
  bool config_given = false;  // -c/--config was on the command line
  bool validate = false;
  bool list_plugins = false;
  std::optional<std::string> describe;
  std::optional<std::string> log_level;  // overrides the config's log_level

  // Subcommands.
  std::string target;     // buffer inspect: DIR, or OUTPUT with --config; dead-letter: OUTPUT
  bool json = false;      // buffer inspect, dead-letter list
  bool dry_run = false;   // dead-letter reinject
  uint32_t attempts = 5;  // dead-letter reinject
};

// Parses argv for the binary `info`. Returns nullopt when the process should exit with
// *exit_code (after --help, --version or a usage error, which it has printed). A usage error of
// a subcommand exits 2; one of the main command keeps CLI11's code (109 for an unknown flag).
std::optional<Options> ParseCommandLine(const AppInfo& info, int argc, char** argv, int* exit_code);

}  // namespace runnel::app

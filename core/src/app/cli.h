#pragma once
// The command line of a runnel binary (app.h lists the flags).

#include <optional>
#include <string>

#include "app/app.h"

namespace runnel::app {

struct Options {
  std::string config;  // AppInfo::default_config unless -c is given
  bool validate = false;
  bool list_plugins = false;
  std::optional<std::string> describe;
  std::optional<std::string> log_level;  // overrides the config's log_level
};

// Parses argv for the binary `info`. Returns nullopt when the process should exit with
// *exit_code (after --help, --version or a usage error, which it has printed).
std::optional<Options> ParseCommandLine(const AppInfo& info, int argc, char** argv, int* exit_code);

}  // namespace runnel::app

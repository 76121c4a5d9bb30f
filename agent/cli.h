#pragma once
// The command line of runnel-agent.

#include <optional>
#include <string>

namespace runnel::agent {

struct Options {
  std::string config = "/etc/runnel/agent.toml";
  bool validate = false;
  bool list_plugins = false;
  std::optional<std::string> describe;
  std::optional<std::string> log_level;  // overrides the config's log_level
};

// Parses argv. Returns nullopt when the process should exit with *exit_code (after --help,
// --version or a usage error, which it has printed).
std::optional<Options> ParseCommandLine(int argc, char** argv, int* exit_code);

}  // namespace runnel::agent

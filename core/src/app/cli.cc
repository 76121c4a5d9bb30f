#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

namespace runnel::app {
namespace {

constexpr int kUsageError = 2;

// -c/--config on a subcommand writes the same variable as the main command's, so both
// `runnel-agent -c FILE dead-letter list` and `runnel-agent dead-letter list -c FILE` work.
CLI::Option* AddConfig(CLI::App* cmd, Options& o, const std::string& help) {
  return cmd->add_option("-c,--config", o.config, help);
}

}  // namespace

std::optional<Options> ParseCommandLine(const AppInfo& info, int argc, char** argv,
                                        int* exit_code) {
  Options o;
  o.config = std::string(info.default_config);
  const std::string name(info.name);
  CLI::App app{std::string(info.description), name};
  app.set_version_flag("--version", name + " " + RUNNEL_VERSION);
  app.add_option("-c,--config", o.config, "The pipeline configuration (TOML)")
      ->capture_default_str();
  app.add_flag("--validate", o.validate,
               "Check the configuration and exit: 0 when valid, 1 with every error otherwise");
  app.add_flag("--list-plugins", o.list_plugins, "List the built-in plugins and exit");
  app.add_option("--describe", o.describe,
                 "Print a plugin's options (types, defaults, descriptions) and exit");
  app.add_option("--log-level", o.log_level,
                 "Override the configuration's log_level: trace, debug, info, warn, error");

  CLI::App* buffer = app.add_subcommand("buffer", "Look into a disk buffer");
  buffer->require_subcommand(1);
  CLI::App* inspect = buffer->add_subcommand(
      "inspect",
      "Print what a disk buffer directory holds: segments, entries, unacknowledged entries, "
      "bytes, the oldest unacknowledged entry, corrupt segments. Read-only; safe while the "
      "daemon runs. Exit 0, or 1 when DIR is not a readable disk buffer");
  inspect
      ->add_option("DIR_OR_OUTPUT", o.target,
                   "The buffer directory (DIR); with --config, the output's name (the "
                   "buffer of [outputs.NAME] is <data_dir>/outputs.NAME/buffer)")
      ->required();
  AddConfig(inspect, o, "Find the buffer from this configuration and an output's name");
  inspect->add_flag("--json", o.json, "Print one JSON object instead of text");

  CLI::App* dead_letter =
      app.add_subcommand("dead-letter", "Batches an output rejected: list them, send them again");
  dead_letter->require_subcommand(1);
  CLI::App* list = dead_letter->add_subcommand(
      "list",
      "List the dead letters of every output of the configuration, or of one: when each was "
      "rejected, its events, its bytes, the reason. Exit 0, or 1 when they cannot be read");
  list->add_option("OUTPUT", o.target, "Only this output (its name, as in [outputs.NAME])");
  AddConfig(list, o, "The pipeline configuration (TOML)")->capture_default_str();
  list->add_flag("--json", o.json, "Print one JSON object instead of text");
  CLI::App* reinject = dead_letter->add_subcommand(
      "reinject",
      "Send an output's dead letters to it again, oldest first, with that output's settings "
      "from the configuration; each one delivered is deleted. Runs next to a running daemon. "
      "Exit 0 when every dead letter went, 1 otherwise");
  reinject->add_option("OUTPUT", o.target, "The output (its name, as in [outputs.NAME])")
      ->required();
  AddConfig(reinject, o, "The pipeline configuration (TOML)")->capture_default_str();
  reinject->add_flag("--dry-run", o.dry_run,
                     "Read and check every dead letter and create the output, but send nothing");
  reinject
      ->add_option("--attempts", o.attempts,
                   "Tries per batch while the output asks to retry (backoff between tries); "
                   "when they run out, reinjection stops there")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));

  // CLI11's parse throws on usage errors; this is the one place where that is caught.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    *exit_code = app.exit(e);
    if (*exit_code != 0 && !app.get_subcommands().empty()) {
      *exit_code = kUsageError;
    }
    return std::nullopt;
  }
  o.config_given = app.count("--config") + inspect->count("--config") + list->count("--config") +
                       reinject->count("--config") >
                   0;
  if (inspect->parsed()) {
    o.command = Command::kBufferInspect;
  } else if (list->parsed()) {
    o.command = Command::kDeadLetterList;
  } else if (reinject->parsed()) {
    o.command = Command::kDeadLetterReinject;
  }
  if (o.command != Command::kRun && (o.validate || o.list_plugins || o.describe.has_value())) {
    std::cerr << "--validate, --list-plugins and --describe do not go with a subcommand\n";
    *exit_code = kUsageError;
    return std::nullopt;
  }
  return o;
}

}  // namespace runnel::app

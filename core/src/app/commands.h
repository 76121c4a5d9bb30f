#pragma once
// The subcommands of a runnel binary (app.h describes them). Each prints its result to stdout,
// its errors to stderr, and returns the process exit code (command_util.h).

#include "app/cli.h"

namespace runnel {
class PluginRegistry;
}  // namespace runnel

namespace runnel::app {

// buffer inspect DIR | buffer inspect --config FILE OUTPUT
int BufferInspectCommand(const Options& options, const PluginRegistry& registry);
// dead-letter list [--config FILE] [OUTPUT]
int DeadLetterListCommand(const Options& options, const PluginRegistry& registry);
// dead-letter reinject [--config FILE] OUTPUT [--dry-run] [--attempts N]
int DeadLetterReinjectCommand(const Options& options, const PluginRegistry& registry);

}  // namespace runnel::app

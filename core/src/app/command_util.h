#pragma once
// What the subcommands share: exit codes, loading the configuration as the daemon does, finding
// an output in it, and formatting times and JSON. Functions, thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/cli.h"
#include "config/loader.h"
#include "runnel/registry.h"

namespace runnel::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a runtime error, an invalid configuration
inline constexpr int kExitUsage = 2;    // a bad argument

// Loads options.config with the daemon's loader and sets the log level as the daemon does
// (--log-level, else the configuration's; Main has checked --log-level). Prints the warnings;
// on errors prints them the way --validate does ("<path>: N errors" last) and returns nullopt.
std::optional<config::PipelineConfig> LoadConfigForCommand(const Options& options,
                                                           const PluginRegistry& registry);

// The output [outputs.<name>] of `config`; nullptr after printing, for `command`,
// "<command>: no output named 'x' in FILE; its outputs are: a, b" when there is none.
const ConfigNode* FindOutputOrExplain(const config::PipelineConfig& config,
                                      const std::string& config_path, const std::string& name,
                                      std::string_view command);

// "2023-11-14T22:13:20.123456789Z" (RFC 3339, UTC, nanoseconds).
std::string FormatRfc3339(int64_t unix_ns);

// `s` with control characters (newlines, tabs) replaced by spaces, for one-line text output.
std::string OneLine(std::string_view s);

// Appends `"key":` (with a leading comma unless `*first`) to a JSON object being built.
void JsonKey(std::string_view key, bool* first, std::string* out);
void JsonString(std::string_view value, std::string* out);

}  // namespace runnel::app

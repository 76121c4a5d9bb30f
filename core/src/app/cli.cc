#include "app/cli.h"

#include <CLI/CLI.hpp>

namespace runnel::app {

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
  // CLI11's parse throws on usage errors; this is the one place where that is caught.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    *exit_code = app.exit(e);
    return std::nullopt;
  }
  return o;
}

}  // namespace runnel::app

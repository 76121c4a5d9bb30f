// runnel-agent: runs on every host; the command line and lifecycle are app::Main's.
#include "app/app.h"
#include "runnel/registry.h"

int main(int argc, char** argv) {
  const runnel::app::AppInfo info{
      .name = "runnel-agent",
      .description =
          "runnel-agent: collects logs from files and sockets, parses and enriches them, and "
          "delivers them to outputs and aggregators.",
      .default_config = "/etc/runnel/agent.toml",
      .register_plugins = runnel::RegisterBuiltinPlugins,
  };
  return runnel::app::Main(info, argc, argv);
}

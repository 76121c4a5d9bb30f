// runnel-aggregator: runs as a pool of identical replicas that agents forward to; the command
// line and lifecycle are app::Main's, the same as runnel-agent's.
#include "app/app.h"
#include "runnel/registry.h"

int main(int argc, char** argv) {
  const runnel::app::AppInfo info{
      .name = "runnel-aggregator",
      .description =
          "runnel-aggregator: receives logs from runnel, Fluent Bit and Fluentd agents over the "
          "Forward protocol, and delivers them to outputs and stores.",
      .default_config = "/etc/runnel/aggregator.toml",
      .register_plugins = runnel::RegisterBuiltinPlugins,
      .disk_buffers_by_default = true,
  };
  return runnel::app::Main(info, argc, argv);
}

#include "plugin_configs.h"
#include "runnel/registry.h"
#include "socket_input.h"

namespace runnel::plugins {

void RegisterUnixInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "unix";
  info.kind = PluginKind::kInput;
  info.description =
      "Receives lines, octet-counted messages or datagrams on a unix socket (stream or datagram); "
      "each message is one record.";
  info.stability = Stability::kBeta;
  info.schema = socket_input::UnixSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(socket_input::SocketConfig config, socket_input::ParseUnixConfig(node));
    return std::make_unique<socket_input::SocketInput>(std::move(config), node.name(), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

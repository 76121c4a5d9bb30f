#include "plugin_configs.h"
#include "runnel/registry.h"
#include "socket_input.h"

namespace runnel::plugins {

void RegisterTcpInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "tcp";
  info.kind = PluginKind::kInput;
  info.description =
      "Receives lines or RFC 6587 octet-counted messages over TCP (optionally TLS/mTLS); each "
      "message is one record.";
  info.stability = Stability::kBeta;
  info.schema = socket_input::TcpSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(socket_input::SocketConfig config, socket_input::ParseTcpConfig(node));
    return std::make_unique<socket_input::SocketInput>(std::move(config), node.name(), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

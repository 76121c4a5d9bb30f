#include "plugin_configs.h"
#include "runnel/registry.h"
#include "socket_input.h"

namespace runnel::plugins {

void RegisterUdpInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "udp";
  info.kind = PluginKind::kInput;
  info.description =
      "Receives UDP datagrams; each datagram (or each line of one) is one record. Drops are "
      "counted when the pipeline is slower than the senders.";
  info.stability = Stability::kBeta;
  info.schema = socket_input::UdpSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(socket_input::SocketConfig config, socket_input::ParseUdpConfig(node));
    return std::make_unique<socket_input::SocketInput>(std::move(config), node.name(), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

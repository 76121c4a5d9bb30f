#include "forward_config.h"
#include "forward_input.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterForwardInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "forward";
  info.kind = PluginKind::kInput;
  info.description =
      "Receives events over the Fluent Forward protocol v1 (from runnel agents, Fluent Bit, "
      "Fluentd, fluent-logger): every mode, chunk acks sent once the pipeline has the events, "
      "the shared-key handshake and TLS.";
  info.stability = Stability::kBeta;
  info.schema = forward_input::ForwardSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(forward_input::ForwardConfig config,
                            forward_input::ParseForwardConfig(node, ctx.hostname));
    return std::make_unique<forward_input::ForwardInput>(std::move(config), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

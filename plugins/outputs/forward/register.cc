#include "forward_config.h"
#include "forward_output.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterForwardOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "forward";
  info.kind = PluginKind::kOutput;
  info.description =
      "Ships batches to replicated aggregators (runnel, Fluentd, Fluent Bit) over the Fluent "
      "Forward protocol: zstd or gzip, acknowledged chunks, failover, TLS and the shared-key "
      "handshake.";
  info.stability = Stability::kBeta;
  info.schema = forward_output::ForwardSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(forward_output::ForwardConfig config,
                            forward_output::ParseForwardConfig(node));
    std::shared_ptr<const net::TlsContext> tls;
    if (config.tls.enabled) {
      RUNNEL_ASSIGN_OR_RETURN(tls, net::TlsContext::Create(config.tls, net::TlsRole::kClient));
    }
    return std::make_unique<forward_output::ForwardOutput>(std::move(config), std::move(tls), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

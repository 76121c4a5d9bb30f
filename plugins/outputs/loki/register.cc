#include "loki_config.h"
#include "loki_protocol.h"
#include "plugins/http_client/http_output.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterLokiOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "loki";
  info.kind = PluginKind::kOutput;
  info.description =
      "Pushes events to Grafana Loki (POST /loki/api/v1/push, snappy protobuf or JSON): labels "
      "from fields and constants, streams by label set with entries sorted by time, ignored "
      "entries dead-lettered with Loki's reason.";
  info.stability = Stability::kBeta;
  info.schema = loki::LokiSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(loki::LokiConfig config, loki::ParseLokiConfig(node));
    return std::make_unique<http_client::HttpOutput>(
        std::move(config.http), std::make_unique<loki::LokiProtocol>(std::move(config.protocol)),
        ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

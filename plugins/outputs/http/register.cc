#include "plugins/http_client/http_output.h"
#include "plugins/outputs/http/http_config.h"
#include "plugins/outputs/http/http_format.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterHttpOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "http";
  info.kind = PluginKind::kOutput;
  info.description =
      "POSTs events to an HTTP endpoint as NDJSON, a JSON array or msgpack: batched requests, "
      "several in flight, gzip or zstd, basic or bearer authentication, TLS; 408, 429 and 5xx "
      "are retried (honouring Retry-After), other refusals go to the dead letters.";
  info.stability = Stability::kBeta;
  info.schema = http_output::HttpSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(http_output::HttpConfig config, http_output::ParseHttpConfig(node));
    auto format = std::make_unique<http_output::HttpFormat>(config);
    return std::make_unique<http_client::HttpOutput>(std::move(config.http), std::move(format),
                                                     ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

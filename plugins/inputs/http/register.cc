#include "http_config.h"
#include "http_input.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterHttpInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "http";
  info.kind = PluginKind::kInput;
  info.description =
      "Receives events POSTed over HTTP/1.1 as JSON (an object, an array of objects or NDJSON; "
      "gzip, deflate or zstd encoded) and answers each request once the pipeline has taken its "
      "events; bearer token, TLS and mTLS.";
  info.stability = Stability::kBeta;
  info.schema = http_input::HttpSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(http_input::HttpConfig config,
                            http_input::ParseHttpConfig(node, ctx.id));
    return std::make_unique<http_input::HttpInput>(std::move(config), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

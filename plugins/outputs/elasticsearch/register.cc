#include "es_config.h"
#include "es_protocol.h"
#include "index_pattern.h"
#include "plugins/http_client/http_output.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterElasticsearchOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "elasticsearch";
  info.kind = PluginKind::kOutput;
  info.description =
      "Indexes every event as a document through the _bulk API of Elasticsearch or "
      "OpenSearch: dated or per-event indices, deterministic ids (a retry never duplicates), "
      "per-document results (rejected documents go to the dead letters one by one), gzip, "
      "basic, bearer or API-key authentication and TLS.";
  info.stability = Stability::kBeta;
  info.schema = elasticsearch::EsSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(elasticsearch::EsSettings settings, elasticsearch::ParseEsConfig(node));
    RUNNEL_ASSIGN_OR_RETURN(elasticsearch::IndexPattern index,
                            elasticsearch::IndexPattern::Compile(settings.es.index));
    auto protocol = std::make_unique<elasticsearch::EsProtocol>(
        std::move(settings.es), std::move(index), settings.http.url);
    return std::make_unique<http_client::HttpOutput>(std::move(settings.http), std::move(protocol),
                                                     ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

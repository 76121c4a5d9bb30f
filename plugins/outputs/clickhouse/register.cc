#include "clickhouse_config.h"
#include "clickhouse_output.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterClickhouseOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "clickhouse";
  info.kind = PluginKind::kOutput;
  info.description =
      "Inserts events as rows into a ClickHouse table over HTTP (INSERT ... FORMAT "
      "JSONEachRow), several requests in flight; a row ClickHouse cannot parse is found by "
      "the row number in its error and dead-lettered alone.";
  info.stability = Stability::kBeta;
  info.schema = clickhouse::ClickHouseSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(clickhouse::ClickHouseConfig config,
                            clickhouse::ParseClickHouseConfig(node));
    return std::make_unique<clickhouse::ClickHouseOutput>(std::move(config), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

#include "generate_input.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterGenerateInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "generate";
  info.kind = PluginKind::kInput;
  info.description =
      "Generates synthetic log lines (json, apache, plain), a fixed number or without end, "
      "at a rate. For demos and benchmarks.";
  info.stability = Stability::kStable;
  info.schema = generate::GenerateSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(generate::GenerateConfig c, generate::ParseGenerateConfig(node));
    return std::make_unique<generate::GenerateInput>(std::move(c), node.name());
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

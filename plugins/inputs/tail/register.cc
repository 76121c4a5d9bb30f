#include "runnel/registry.h"
#include "tail_config.h"
#include "tail_input.h"

namespace runnel::plugins {

void RegisterTailInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "tail";
  info.kind = PluginKind::kInput;
  info.description =
      "Reads lines appended to files matched by globs; follows rename and copytruncate "
      "rotation; checkpoints acknowledged offsets so a restart neither loses nor repeats lines. "
      "Joins multiline records (stack traces) and container runtime logs (CRI, Docker "
      "json-file) with Kubernetes metadata from their file names.";
  info.stability = Stability::kBeta;
  info.schema = tail::TailSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(tail::TailConfig config, tail::ParseTailConfig(node));
    return std::make_unique<tail::TailInput>(std::move(config), node.name(), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

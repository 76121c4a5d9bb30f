#include "file_config.h"
#include "file_output.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterFileOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "file";
  info.kind = PluginKind::kOutput;
  info.description =
      "Appends every event to a file as one JSON object per line, with size-based rotation "
      "and an fsync policy.";
  info.stability = Stability::kBeta;
  info.schema = file::FileSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(file::FileConfig config, file::ParseFileConfig(node));
    return std::make_unique<file::FileOutput>(std::move(config), JsonWriter::FromConfig(node),
                                              ctx.id);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

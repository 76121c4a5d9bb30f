#include "journald_input.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterJournaldInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "journald";
  info.kind = PluginKind::kInput;
  info.description =
      "Reads the systemd journal (the local machine's, a directory or files) with matches and "
      "units filters; one event per entry with its fields, the entry's time, and the cursor "
      "saved as entries are acknowledged.";
  info.stability = Stability::kBeta;
  info.schema = journald::JournaldSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(journald::JournaldConfig c, journald::ParseJournaldConfig(node));
    return std::make_unique<journald::JournaldInput>(std::move(c), node.name(), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins

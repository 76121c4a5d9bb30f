// Registers the modify filter.
#include <memory>
#include <utility>

#include "plugins/filters/modify/modify_config.h"
#include "plugins/filters/modify/modify_filter.h"
#include "runnel/check.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterModifyFilter(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "modify";
  info.kind = PluginKind::kFilter;
  info.description = "Renames, copies, removes, adds and sets fields.";
  info.stability = Stability::kBeta;
  info.schema = modify::ModifySchema();
  info.create_filter = [](const ConfigNode& node,
                          PluginContext& context) -> Result<std::unique_ptr<Filter>> {
    RUNNEL_ASSIGN_OR_RETURN(modify::ModifyConfig config,
                            modify::BuildModifyConfig(node, context.hostname));
    return std::make_unique<modify::ModifyFilter>(std::move(config));
  };
  const Status status = registry.Register(std::move(info));
  RUNNEL_CHECK_MSG(status.ok(), "the modify filter is registered twice");
}

}  // namespace runnel::plugins

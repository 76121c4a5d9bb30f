// Registers the grep filter.
#include <memory>
#include <utility>

#include "plugins/filters/grep/grep_config.h"
#include "plugins/filters/grep/grep_filter.h"
#include "runnel/check.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterGrepFilter(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "grep";
  info.kind = PluginKind::kFilter;
  info.description = "Keeps or drops events by regexes on their string fields.";
  info.stability = Stability::kBeta;
  info.schema = grep::GrepSchema();
  info.create_filter = [](const ConfigNode& node,
                          PluginContext& context) -> Result<std::unique_ptr<Filter>> {
    RUNNEL_ASSIGN_OR_RETURN(grep::GrepConfig config, grep::BuildGrepConfig(node));
    return std::make_unique<grep::GrepFilter>(std::move(config));
  };
  const Status status = registry.Register(std::move(info));
  RUNNEL_CHECK_MSG(status.ok(), "the grep filter is registered twice");
}

}  // namespace runnel::plugins

// Registers the parse filter.
#include <memory>
#include <utility>

#include "plugins/filters/parse/parse_config.h"
#include "plugins/filters/parse/parse_filter.h"
#include "runnel/check.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterParseFilter(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "parse";
  info.kind = PluginKind::kFilter;
  info.description =
      "Parses a string field (JSON, regex with named groups, logfmt, or a named format such as "
      "syslog, cri, nginx_combined) into fields, optionally setting the event time from one of "
      "them.";
  info.stability = Stability::kBeta;
  info.schema = parse::ParseSchema();
  info.create_filter = [](const ConfigNode& node,
                          PluginContext& context) -> Result<std::unique_ptr<Filter>> {
    RUNNEL_ASSIGN_OR_RETURN(parse::ParseConfig config, parse::BuildParseConfig(node));
    return std::make_unique<parse::ParseFilter>(std::move(config), context);
  };
  const Status status = registry.Register(std::move(info));
  RUNNEL_CHECK_MSG(status.ok(), "the parse filter is registered twice");
}

}  // namespace runnel::plugins

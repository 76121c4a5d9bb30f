#pragma once
// What SIGHUP does: reads and validates the configuration file again and applies it to the
// running pipeline (runtime::Pipeline::Reload says what is kept, replaced and restarted). An
// invalid file changes nothing: each error is logged with file:line:col and the old pipeline
// goes on. Counted in config_reloads_total, config_reload_failures_total and the gauge
// config_last_reload_successful.

#include <optional>
#include <string>

#include "app/admin_api.h"
#include "app/app.h"
#include "config/loader.h"
#include "runnel/logging.h"
#include "runnel/metrics.h"
#include "runtime/pipeline.h"

namespace runnel::app {

// The pipeline spec a validated configuration describes, for the binary `info`.
runtime::PipelineSpec SpecFromConfig(const AppInfo& info, const config::PipelineConfig& cfg);

class Reloader {
 public:
  // `log_level`: the --log-level override, which a reload keeps. `api`: the admin API, which
  // follows a changed [api] (may be null: none is managed).
  Reloader(const AppInfo& info, std::string config_path, const PluginRegistry& registry,
           MetricsRegistry& metrics, std::optional<LogLevel> log_level, AdminApi* api);

  // Loads the file and applies it. OK when applied; otherwise the error, already logged (every
  // line of it).
  Status Reload(runtime::Pipeline& pipeline);

 private:
  Status Fail(Status error);

  const AppInfo& info_;
  const std::string config_path_;
  const PluginRegistry& registry_;
  MetricsRegistry& metrics_;
  const std::optional<LogLevel> log_level_;
  AdminApi* api_;
  Counter* reloads_;
  Counter* failures_;
  Gauge* last_successful_;
};

}  // namespace runnel::app

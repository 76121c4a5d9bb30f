#include "app/reload.h"

#include <sstream>

namespace runnel::app {

runtime::PipelineSpec SpecFromConfig(const AppInfo& info, const config::PipelineConfig& cfg) {
  runtime::PipelineSpec spec;
  spec.data_dir = cfg.global.data_dir;
  spec.memory_limit = cfg.global.memory_limit;
  spec.shutdown_timeout = cfg.global.shutdown_timeout;
  spec.inputs = cfg.inputs;
  spec.filters = cfg.filters;
  spec.outputs = cfg.outputs;
  spec.default_buffer =
      info.disk_buffers_by_default ? runtime::BufferType::kDisk : runtime::BufferType::kMemory;
  return spec;
}

Reloader::Reloader(const AppInfo& info, std::string config_path, const PluginRegistry& registry,
                   MetricsRegistry& metrics, std::optional<LogLevel> log_level, AdminApi* api)
    : info_(info),
      config_path_(std::move(config_path)),
      registry_(registry),
      metrics_(metrics),
      log_level_(log_level),
      api_(api),
      reloads_(metrics.GetCounter("config_reloads_total", "",
                                  "Configuration reloads (SIGHUP) applied.")),
      failures_(metrics.GetCounter("config_reload_failures_total", "",
                                   "Configuration reloads (SIGHUP) refused or failed.")),
      last_successful_(metrics.GetGauge("config_last_reload_successful", "",
                                        "1 when the last reload was applied (or none was "
                                        "tried), 0 when it failed.")) {
  last_successful_->Set(1);
}

Status Reloader::Fail(Status error) {
  failures_->Add();
  last_successful_->Set(0);
  std::istringstream lines(error.message());
  std::string line;
  while (std::getline(lines, line)) {
    RUNNEL_LOG(kError, "") << "reload: " << line;
  }
  return error;
}

Status Reloader::Reload(runtime::Pipeline& pipeline) {
  RUNNEL_LOG(kInfo, "") << "SIGHUP: reloading " << config_path_;
  config::ConfigLoadResult loaded = config::LoadConfig(config_path_, registry_);
  if (!loaded.warnings.empty()) {
    std::istringstream lines(loaded.WarningText());
    std::string line;
    while (std::getline(lines, line)) {
      RUNNEL_LOG(kWarn, "") << "reload: " << line;
    }
  }
  if (!loaded.ok()) {
    std::string text = loaded.ErrorText();
    text += config_path_ + ": " + std::to_string(loaded.errors.size()) +
            (loaded.errors.size() == 1 ? " error" : " errors") +
            "; the running configuration is kept";
    return Fail(InvalidArgument(std::move(text)));
  }
  Result<runtime::ReloadSummary> applied =
      pipeline.Reload(SpecFromConfig(info_, loaded.config), registry_);
  if (!applied.has_value()) {
    return Fail(applied.error());
  }
  for (const std::string& id : applied->removed) {
    metrics_.HideComponent(id);  // its series leave /metrics; they come back if it does
  }
  SetLogLevel(log_level_.value_or(loaded.config.global.log_level));
  if (api_ != nullptr) {
    Status api = api_->Apply(loaded.config.global.api, pipeline, metrics_);
    if (!api.ok()) {
      return Fail(InvalidArgument(api.message() + "; the admin API is unchanged (the rest of the "
                                                  "configuration is applied: " +
                                  applied->ToString() + ")"));
    }
  }
  reloads_->Add();
  last_successful_->Set(1);
  RUNNEL_LOG(kInfo, "") << "reloaded " << config_path_ << ": " << applied->ToString();
  return OkStatus();
}

}  // namespace runnel::app

#include "app/admin_api.h"

#include "api/process_metrics.h"

namespace runnel::app {

api::AdminHandlers PipelineHandlers(const config::ApiConfig& api, runtime::Pipeline& pipeline,
                                    MetricsRegistry& metrics) {
  const std::chrono::milliseconds window = api.health_window;
  runtime::Pipeline* p = &pipeline;
  MetricsRegistry* m = &metrics;
  return api::AdminHandlers{.metrics =
                                [p, m] {
                                  p->RefreshMetrics();
                                  std::string out;
                                  out.reserve(16u << 10);
                                  m->AppendPrometheus(&out);
                                  api::AppendProcessMetrics(&out);
                                  return out;
                                },
                            .health =
                                [p, window] {
                                  return api::EvaluateHealth(
                                      p->Activity(), std::chrono::steady_clock::now(), window);
                                },
                            .ready = [p] { return api::EvaluateReadiness(p->readiness()); }};
}

Result<std::unique_ptr<api::AdminServer>> StartAdminApi(const config::ApiConfig& api,
                                                        runtime::Pipeline& pipeline,
                                                        MetricsRegistry& metrics) {
  if (!api.enabled) {
    return std::unique_ptr<api::AdminServer>();
  }
  metrics
      .GetGauge("build_info", "", "The runnel version this process runs; always 1.",
                {{"version", RUNNEL_VERSION}})
      ->Set(1);
  api::AdminServerOptions options;
  options.host = api.host;
  options.port = api.port;
  auto server =
      api::AdminServer::Start(std::move(options), PipelineHandlers(api, pipeline, metrics));
  if (!server.has_value()) {
    return Err(server.error().WithPrefix("api.address \"" + api.address + "\""));
  }
  return std::move(*server);
}

Status AdminApi::Apply(const config::ApiConfig& next, runtime::Pipeline& pipeline,
                       MetricsRegistry& metrics) {
  if (next == config) {
    return OkStatus();
  }
  const bool same_address =
      next.enabled == config.enabled && next.host == config.host && next.port == config.port;
  if (same_address && server != nullptr) {
    server->SetHandlers(PipelineHandlers(next, pipeline, metrics));
    config = next;
    return OkStatus();
  }
  auto started = StartAdminApi(next, pipeline, metrics);
  if (!started.has_value() && server != nullptr && next.port == config.port &&
      started.error().code() == StatusCode::kUnavailable) {
    // The old server holds the port (the same port on another host address).
    server->Stop();
    started = StartAdminApi(next, pipeline, metrics);
    if (!started.has_value()) {
      auto again = StartAdminApi(config, pipeline, metrics);
      server = again.has_value() ? std::move(*again) : nullptr;
      return started.error();
    }
  }
  if (!started.has_value()) {
    return started.error();
  }
  if (server != nullptr) {
    server->Stop();
  }
  server = std::move(*started);
  config = next;
  return OkStatus();
}

}  // namespace runnel::app

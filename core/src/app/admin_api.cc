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

}  // namespace runnel::app

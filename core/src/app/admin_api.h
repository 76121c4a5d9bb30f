#pragma once
// The admin API of a running pipeline: builds api::AdminServer's handlers from a Pipeline and
// the process's MetricsRegistry, and starts the server when [api] asks for one.
//
// The handlers read the pipeline they were made for, so they must be replaced (or the server
// stopped) before that pipeline is destroyed. A reload changes the pipeline in place, so the
// handlers stay valid; AdminApi::Apply follows a changed [api]. The registry and the build info
// gauge are per process.

#include <memory>

#include "api/admin_server.h"
#include "config/loader.h"
#include "runnel/metrics.h"
#include "runtime/pipeline.h"

namespace runnel::app {

// /metrics: the registry (after Pipeline::RefreshMetrics) and the process metrics;
// /health: api::EvaluateHealth over the outputs with api.health_window; /ready: the pipeline's
// readiness.
api::AdminHandlers PipelineHandlers(const config::ApiConfig& api, runtime::Pipeline& pipeline,
                                    MetricsRegistry& metrics);

// Sets runnel_build_info{version="..."} 1 and starts the server on api.address; nullptr when
// [api] is off. Errors name the key: "api.address \"127.0.0.1:2020\": listen on
// 127.0.0.1:2020: Address already in use".
Result<std::unique_ptr<api::AdminServer>> StartAdminApi(const config::ApiConfig& api,
                                                        runtime::Pipeline& pipeline,
                                                        MetricsRegistry& metrics);

// The admin API as configured now, for a reload to change.
struct AdminApi {
  config::ApiConfig config;
  std::unique_ptr<api::AdminServer> server;  // null when [api] is off

  // Follows `next` (after a reload): nothing when it is the same; new handlers when only
  // health_window changed; a new server when the address changed or the API was turned on or
  // off. The new server is started before the old one stops; when it keeps the port (on another
  // host address) and finds it taken, the old one is stopped first and started again should the
  // new one fail. Errors: the new server did not start ("api.address ...: ..."); the API then
  // goes on as before.
  Status Apply(const config::ApiConfig& next, runtime::Pipeline& pipeline,
               MetricsRegistry& metrics);
};

}  // namespace runnel::app

#pragma once
// The admin API of a running pipeline: builds api::AdminServer's handlers from a Pipeline and
// the process's MetricsRegistry, and starts the server when [api] asks for one.
//
// The handlers read the pipeline they were made for, so they must be replaced (or the server
// stopped) before that pipeline is destroyed: a reload that swaps pipelines calls
// server->SetHandlers(PipelineHandlers(...)) with the new one, and restarts the server (Stop,
// then StartAdminApi) when api.address changed. The registry and the build info gauge are per
// process.

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

}  // namespace runnel::app

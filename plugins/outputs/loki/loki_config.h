#pragma once
// Configuration of the loki output: the HTTP engine's keys (url, batching, retries, TLS, ...)
// with Loki's defaults, and Loki's own: format, labels, label_keys, line_format, line_field,
// tenant_id. Errors name the key and where it was set.

#include "loki_protocol.h"
#include "plugins/http_client/http_output.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::loki {

inline constexpr char kPushPath[] = "/loki/api/v1/push";

struct LokiConfig {
  http_client::HttpOptions http;
  LokiProtocolOptions protocol;
};

Schema LokiSchema();
Result<LokiConfig> ParseLokiConfig(const ConfigNode& node);

// `url` as configured -> the push URL: kept when it ends with kPushPath, else kPushPath
// appended (a trailing '/' dropped first).
std::string PushUrl(std::string url);

}  // namespace runnel::plugins::loki

#pragma once
// The http output's configuration: the common HTTP keys (plugins/http_client) and how events
// become a body: `format` (ndjson, json, msgpack), `time_key`, `time_format`, `tag_header`.

#include <string>

#include "plugins/http_client/http_output.h"
#include "runnel/config_node.h"
#include "runnel/json_writer.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::http_output {

enum class Format { kNdjson, kJson, kMsgpack };

struct HttpConfig {
  http_client::HttpOptions http;
  Format format = Format::kNdjson;
  std::string time_key = "timestamp";
  JsonTimeFormat time_format = JsonTimeFormat::kRfc3339;
  std::string tag_header;  // empty: the tag is not sent
};

Schema HttpSchema();
// Errors name the key ("tag_header": not a header name, ...).
Result<HttpConfig> ParseHttpConfig(const ConfigNode& node);

}  // namespace runnel::plugins::http_output

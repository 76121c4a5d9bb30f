#pragma once
// Configuration of the elasticsearch output: where documents go (index pattern or field, ingest
// pipeline, routing), how they are written (op_type, document ids, the time field), API-key
// authentication, and the HTTP engine's common keys (url, batching, compression, TLS, retries).

#include <string>

#include "plugins/http_client/http_output.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::elasticsearch {

enum class OpType { kCreate, kIndex };
enum class DocumentId { kBatch, kAuto };
enum class TimePrecision { kMillis, kNanos };

struct EsConfig {
  std::string index = "runnel";  // a fixed name or a pattern (index_pattern.h)
  std::string index_field;       // empty: none
  OpType op_type = OpType::kCreate;
  DocumentId document_id = DocumentId::kBatch;
  std::string pipeline;                 // empty: none
  std::string routing_field;            // empty: none
  std::string type;                     // the `_type` of each action (Elasticsearch 6); empty: none
  std::string time_key = "@timestamp";  // empty: the event time is not written
  TimePrecision time_precision = TimePrecision::kMillis;
  std::string api_key;  // sent as "Authorization: ApiKey <api_key>"; empty: none
};

struct EsSettings {
  EsConfig es;
  http_client::HttpOptions http;
};

Schema EsSchema();
// Errors name the key: an index pattern that cannot make a valid index name, auth.api_key
// together with another kind of authentication, a url with a query string.
Result<EsSettings> ParseEsConfig(const ConfigNode& node);

}  // namespace runnel::plugins::elasticsearch

#pragma once
// EsProtocol: the `_bulk` API of Elasticsearch and OpenSearch as an HttpProtocol.
//
// Encode: one NDJSON request, an action line and a document line per event:
//   {"create":{"_index":"logs-2026.12.04","_id":"<batch id, 32 hex>-<position>"}}
//   {"@timestamp":"2026-12-04T01:02:03.456Z","message":"..."}
// `_id` is deterministic (document_id = "batch"): a retry of a document already indexed is a
// 409 version conflict with op_type "create", counted as delivered, never a second copy.
// `_index` comes from index_field when the record has it as a non-empty string, else from the
// index pattern at the event's time; a name Elasticsearch would refuse rejects that event
// (Encoded::rejected) without sending it. `routing` comes from routing_field (a string or an
// integer), `pipeline` is a URL parameter. The record keeps its own time_key field when it has
// one, instead of the event time.
//
// Classify:
//   2xx with "errors": false           every event delivered
//   2xx with "errors": true            per event (Outcome::kPerEvent), from items[i].<op>.status:
//       2xx, and 409 for "create"      delivered (409: the document was already indexed)
//       429, 5xx                       retried (es_rejected_execution_exception, shard failures)
//       other                          rejected with "<error.type>: <error.reason>"
//     an item missing from the response (cut short, or fewer items than documents): retried
//   401, 403, 404                      retried, with a reason telling the operator what to fix
//                                      (credentials, privileges, url): the data waits
//   408, 429, 5xx, transport errors    retried (Retry-After honoured)
//   413                                rejected, the reason says to lower batch_max_bytes
//   other                              rejected with "HTTP <status>: <error.type>: <reason>"
// A 2xx body that cannot be read as a _bulk response is retried (safe with deterministic ids).
//
// Thread-compatible: the engine calls Encode and Classify on its one thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bulk_response.h"
#include "es_config.h"
#include "index_pattern.h"
#include "plugins/http_client/http_output.h"
#include "runnel/batch.h"
#include "runnel/json_writer.h"

namespace runnel::plugins::elasticsearch {

class EsProtocol final : public http_client::HttpProtocol {
 public:
  // `config` is validated (ParseEsConfig); `base_url` is HttpOptions::url.
  EsProtocol(EsConfig config, IndexPattern index, std::string base_url);

  Status Encode(std::span<const http_client::Event> events, Encoded* out) override;
  http_client::Outcome Classify(std::span<const http_client::Event> events,
                                const http_client::Response& response) override;

  // The URL every request goes to: <url>/_bulk?filter_path=...[&pipeline=...].
  const std::string& bulk_url() const { return bulk_url_; }

 private:
  // Appends the action and document lines of one event; a non-empty return is why the event
  // cannot be sent.
  std::string AppendEvent(const http_client::Event& event, std::string* body);

  EsConfig config_;
  IndexPattern index_;
  std::string bulk_url_;
  std::string action_;  // "create" or "index"
  std::string doc_;     // the document being encoded
  BulkResponseReader reader_;
  BatchId id_;  // the batch whose id is in id_hex_
  std::string id_hex_;
  JsonWriter time_writer_;  // @timestamp, RFC 3339 with ms or ns
};

}  // namespace runnel::plugins::elasticsearch

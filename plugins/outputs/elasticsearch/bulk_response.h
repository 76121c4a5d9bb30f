#pragma once
// Reading an Elasticsearch / OpenSearch `_bulk` response body (simdjson DOM):
//   {"took":..,"errors":true,"items":[{"create":{"status":201,..}},
//                                     {"create":{"status":400,"error":{"type":..,"reason":..}}}]}
// The output asks for the short form (filter_path=errors,items.*.status,items.*.error.type,
// items.*.error.reason), but the full form reads the same.
//
// A body cut short (the engine keeps at most 1 MiB of a response) is read up to its last
// complete item: the items after it are reported missing, so the caller can send those
// documents again instead of giving up on the whole request.
//
// Thread-compatible: one BulkResponseReader per thread (it reuses its parser).

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "runnel/status.h"

namespace runnel::plugins::elasticsearch {

struct BulkItem {
  int status = 0;          // the item's HTTP status
  std::string error_type;  // "mapper_parsing_exception"; empty without an error
  std::string error_reason;
};

struct BulkResult {
  bool errors = false;          // the response's `errors`
  std::vector<BulkItem> items;  // in request order; fewer than sent when the body was cut
  bool truncated = false;       // the body was cut short and read up to its last whole item
};

class BulkResponseReader {
 public:
  // DataLoss with what is wrong when `body` is not a _bulk response (not JSON, no `errors`,
  // `items` not an array of single-key objects with a `status`).
  Result<BulkResult> Read(std::string_view body);

  // What an error response says, for a log and a dead letter: "<error.type>: <error.reason>"
  // from {"error": {"type": .., "reason": ..}, "status": ..}, the text of {"error": "..."},
  // or else the start of the body (at most 200 bytes); "" for an empty body.
  std::string ErrorText(std::string_view body);

 private:
  simdjson::dom::parser parser_;
  std::string repaired_;
};

}  // namespace runnel::plugins::elasticsearch

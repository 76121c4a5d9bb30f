#pragma once
// The document store of the fake Elasticsearch (fake_elasticsearch.h): what a `_bulk` request
// does to it, following the documented _bulk API of Elasticsearch 8 and OpenSearch 2 for the
// parts runnel and Fluent Bit use. No search engine behind it: documents are kept per index by
// _id, as JSON text.
//
// _bulk: NDJSON, an action line ({"index"|"create": {"_index", "_id", "routing", "pipeline"}})
// then a source line, the body ending with a newline. Whole-request errors (HTTP 400,
// illegal_argument_exception): a body not ending in '\n', a malformed action line, an action
// other than index or create, `_type` (refused since 8.0 unless accept_type), a missing source.
// Per item, in this order:
//   - 429 es_rejected_execution_exception while RejectNextItems has items to refuse;
//   - 400 invalid_index_name_exception for a name ES refuses (uppercase, \ / * ? " < > | , # :
//     space, a leading - _ +), or no index at all (action_request_validation_exception);
//   - 400 illegal_argument_exception for a pipeline not declared in `pipelines`;
//   - 400 mapper_parsing_exception for a source that is not a JSON object, or whose top-level
//     field does not fit the field's mapping. Mappings are dynamic as in ES: a field's first
//     non-null value fixes its type (string: text, or date when it reads as yyyy-mm-ddThh:mm:ss
//     ...; integer: long; other number: float; true/false: boolean; object: object); `mappings`
//     fix types beforehand. long and float take numbers and numeric strings, boolean takes
//     true/false and "true"/"false", text takes any scalar, date takes such strings and
//     integers (epoch ms), object takes objects; arrays are checked element by element.
//   - create with an _id that exists: 409 version_conflict_engine_exception;
//   - otherwise stored: 201 "created" (index of an existing _id: 200 "updated", version + 1).
// Without _id the store makes one (20 characters). The response is the full form
// ({"took", "errors", "items": [{"<op>": {"_index", "_id", "_version", "result", "_shards",
// "_seq_no", "_primary_term", "status"}}]}) which FilterPath shortens as filter_path asks.
//
// Durability: with a data_file, every document stored by a request is appended to it (one
// write) before the response is made, and Open reads it back (a torn last line, from a kill in
// the middle of a write, is cut off: that request was never answered). So a fake killed with
// SIGKILL and started again has every document it acknowledged.
//
// Thread-compatible: FakeElasticsearch serialises calls.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/status.h"
#include "tests/testing/fake_es_filter.h"

namespace runnel::testing::fake_es {

struct StoredDoc {
  std::string index;
  std::string id;
  std::string source;  // the JSON object as sent
  std::string routing;
  std::string pipeline;
  int64_t version = 1;
};

struct StoreStats {
  uint64_t bulk_requests = 0;  // answered with 200
  uint64_t items = 0;
  uint64_t created = 0;
  uint64_t updated = 0;
  uint64_t conflicts = 0;       // 409 on create
  uint64_t mapping_errors = 0;  // mapper_parsing_exception
  uint64_t rejected_items = 0;  // 429
  uint64_t other_errors = 0;    // other item errors
};

struct StoreOptions {
  std::string data_file;            // empty: memory only
  std::set<std::string> pipelines;  // the ingest pipelines that exist
  // Field types fixed beforehand: {index ("*": every index), field, type}, type one of long,
  // float, boolean, text, date, object.
  struct Mapping {
    std::string index;
    std::string field;
    std::string type;
  };
  std::vector<Mapping> mappings;
  bool accept_type = false;  // take `_type` in action lines (Elasticsearch 7)
};

struct BulkReply {
  int status = 200;
  std::string body;  // JSON
};

class Store {
 public:
  explicit Store(StoreOptions options);
  ~Store();

  // Reads data_file back (creating it when absent). InvalidArgument for a bad mapping type.
  Status Open();

  // Runs one _bulk request. `url_index`: the {index} of /{index}/_bulk, or "". `pipeline`: the
  // request's pipeline parameter, or "".
  BulkReply Bulk(std::string_view body, std::string_view url_index, std::string_view pipeline);

  // The next `n` items are refused with 429.
  void RejectNextItems(uint64_t n) { reject_items_ += n; }

  // Documents in the indices matching `pattern`: names separated by commas, each with '*'
  // wildcards; "" or "_all" is every index.
  uint64_t Count(std::string_view pattern) const;
  std::vector<StoredDoc> Documents(std::string_view pattern) const;
  const StoreStats& stats() const { return stats_; }

 private:
  struct Index;
  Index& GetIndex(const std::string& name);
  std::string CheckMapping(Index& index, std::string_view id, std::string_view source);
  std::string NewId();
  void Journal(const StoredDoc& doc, std::string* out) const;

  StoreOptions options_;
  std::map<std::string, std::unique_ptr<Index>> indices_;
  StoreStats stats_;
  uint64_t reject_items_ = 0;
  uint64_t next_id_ = 0;
  uint64_t seq_no_ = 0;
  int journal_fd_ = -1;
};

}  // namespace runnel::testing::fake_es

#pragma once
// FakeElasticsearch: an HTTP server on 127.0.0.1 that answers the part of the Elasticsearch /
// OpenSearch REST API a log shipper uses, for tests and benchmarks of the elasticsearch output
// (no real Elasticsearch can be installed on Debian 12). The documents and _bulk semantics are
// the Store's (fake_es_store.h); this adds HTTP/1.1 (runnel's parser, keep-alive, pipelining,
// Expect: 100-continue), Content-Encoding gzip (zlib), authentication and the endpoints:
//   GET  /                              cluster information (version 8.11.0)
//   POST|PUT /_bulk, /{index}/_bulk     query: pipeline, filter_path (others ignored)
//   GET|POST /_count, /{index}/_count   {"count": N, "_shards": ...}
//   GET|POST /{index}/_search           every matching document as a hit (size is ignored)
//   POST /{index}/_refresh              {"_shards": ...}: documents are visible at once anyway
// and, for a test that runs it as a process, its controls:
//   POST /_fake/fail_requests?count=N&status=S[&retry_after=SECONDS]   the next N _bulk
//        requests get S (429: es_rejected_execution_exception, 503: cluster_block_exception,
//        other: an internal error) with Retry-After when given
//   POST /_fake/reject_items?count=N    the next N _bulk items get 429
//   POST /_fake/drop_responses?count=N  the next N _bulk requests are carried out and their
//        connection closed without an answer (a response lost on the way)
//   GET  /_fake/stats                   the Store's counters and the requests seen, as JSON
// A body larger than max_content_length is 413 (as http.max_content_length). With user,
// api_key or bearer_token set, a request without one of them is 401 security_exception.
// Thread-safe; the server runs on its own threads.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runnel/net/tcp_server.h"
#include "runnel/net/tls.h"
#include "tests/testing/fake_es_store.h"

namespace runnel::testing {

struct FakeElasticsearchOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  fake_es::StoreOptions store;
  uint64_t max_content_length = 100ull << 20;
  std::string user;  // with password: Basic authentication accepted
  std::string password;
  std::string api_key;       // "ApiKey <api_key>" accepted
  std::string bearer_token;  // "Bearer <token>" accepted
  // A TlsRole::kServer context: HTTPS (url() then says https://); null: plain HTTP.
  std::shared_ptr<const net::TlsContext> tls{};
};

struct FakeRequestStats {
  uint64_t requests = 0;           // every HTTP request
  uint64_t bulk_requests = 0;      // _bulk requests, answered with anything
  uint64_t gzip_requests = 0;      // _bulk bodies with Content-Encoding: gzip
  uint64_t failed_requests = 0;    // answered by fail_requests
  uint64_t unauthorized = 0;       // 401
  uint64_t too_large = 0;          // 413
  uint64_t dropped_responses = 0;  // carried out, answered by closing the connection
  std::string last_content_type;   // of the last _bulk request
  std::string last_target;         // its request target, query included
};

class FakeElasticsearch {
 public:
  explicit FakeElasticsearch(FakeElasticsearchOptions options);
  ~FakeElasticsearch();

  // Opens the store (reading data_file back) and listens. Errors: the store's, or the
  // address cannot be bound.
  Status Start();
  void Stop();
  uint16_t port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>" (https:// with tls)

  // The next `n` _bulk requests are answered with `status` (429, 503, ...).
  void FailNextRequests(uint64_t n, int status, int retry_after_seconds = 0);
  // The next `n` _bulk items are refused with 429.
  void RejectNextItems(uint64_t n);
  // The next `n` _bulk requests are carried out, then their connection is closed unanswered.
  void DropNextResponses(uint64_t n);

  uint64_t Count(const std::string& index_pattern = "");
  std::vector<fake_es::StoredDoc> Documents(const std::string& index_pattern = "");
  fake_es::StoreStats store_stats();
  FakeRequestStats request_stats();
  // The stats above as JSON (what GET /_fake/stats answers).
  std::string StatsJson();

 private:
  struct Session;
  struct Answer;
  Answer Handle(const std::string& method, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& headers, std::string body);
  bool Authorized(const std::vector<std::pair<std::string, std::string>>& headers) const;

  FakeElasticsearchOptions options_;
  std::string basic_;  // the expected Authorization value for user/password
  uint16_t port_ = 0;
  std::unique_ptr<net::TcpServer> server_;
  std::mutex mu_;
  fake_es::Store store_;
  FakeRequestStats stats_;
  uint64_t fail_requests_ = 0;
  int fail_status_ = 0;
  int fail_retry_after_ = 0;
  uint64_t drop_responses_ = 0;
};

}  // namespace runnel::testing

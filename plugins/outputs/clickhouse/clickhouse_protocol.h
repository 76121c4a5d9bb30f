#pragma once
// ClickHouseProtocol: the clickhouse output's HttpProtocol. A request is one
//   POST <url>?query=INSERT INTO `db`.`table` [(columns)] FORMAT JSONEachRow[&settings]
// with one JSONEachRow line per event (RowEncoder) in the body. An insert of one request is
// one block, so ClickHouse stores all its rows or none.
//
// Reading the answer (Classify):
//   2xx                                   -> delivered
//   no answer (connection refused, reset,
//   timeout)                              -> retried
//   "Code: N" of a row-data error with
//   "(at row R)"                          -> event R rejected with ClickHouse's message, the
//                                            others retried (sent again without it): k bad
//                                            rows in a request cost k extra requests
//   a row-data error without a row        -> one event: rejected; several: all rejected
//   a transient code (memory, parts,
//   timeouts, ...) or a refusal (no table,
//   authentication, read-only)            -> retried
//   anything else                         -> ClassifyStatus (5xx, 408, 429 retried; else
//                                            rejected)
// With a server that has it (ServerInfo::has_dedupe_token, read from system.settings) and
// dedupe_token on, the URL carries insert_deduplication_token, a hash of the batch ids and
// positions of the request's events: the same request retried carries the same token.
// Thread-compatible: the engine calls Encode and Classify from its one thread.

#include <span>
#include <string>

#include "clickhouse_config.h"
#include "clickhouse_rows.h"
#include "clickhouse_table.h"
#include "plugins/http_client/http_output.h"

namespace runnel::plugins::clickhouse {

class ClickHouseProtocol final : public http_client::HttpProtocol {
 public:
  // `config` has its mapping resolved against `info` (ResolveMapping).
  ClickHouseProtocol(const ClickHouseConfig& config, const ServerInfo& info);

  Status Encode(std::span<const http_client::Event> events, Encoded* out) override;
  http_client::Outcome Classify(std::span<const http_client::Event> events,
                                const http_client::Response& response) override;

  // The URL of an insert without the token (tests).
  const std::string& insert_url() const { return insert_url_; }
  // The token of a request's events: 32 hex digits.
  static std::string DedupeToken(std::span<const http_client::Event> events);

 private:
  RowEncoder encoder_;
  std::string insert_url_;
  bool send_token_;
};

}  // namespace runnel::plugins::clickhouse

#pragma once
// Configuration of the clickhouse output: where rows go (database, table), how an event becomes
// a row (columns, time_column, time_format), extra query settings, the dedupe token, and the
// HTTP engine's common keys (url, auth, compression, batching, retries, TLS).
// ParseClickHouseConfig reads a node validated against ClickHouseSchema(); errors name the key.

#include <string>
#include <utility>
#include <vector>

#include "plugins/http_client/http_output.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::clickhouse {

// How the event time is written into time_column.
enum class TimeFormat {
  kAuto,          // from the column's type: DateTime -> kSeconds, DateTime64(p) -> kFractional
  kSeconds,       // 1764810000 (DateTime, integer columns)
  kMilliseconds,  // 1764810000123
  kNanoseconds,   // 1764810000123456789
  kFractional,    // "1764810000.123456789", cut to the column's precision (DateTime64)
  kDateTime,      // "2025-12-04 01:00:00" in UTC (a DateTime column of a UTC server)
};

struct ClickHouseConfig {
  http_client::HttpOptions http;
  std::string database = "default";
  std::string table;
  // (column, field) in file order; empty: every top-level field into the column of its name.
  std::vector<std::pair<std::string, std::string>> columns;
  std::string time_column = "timestamp";  // empty: the event time is not written
  TimeFormat time_format = TimeFormat::kAuto;
  int time_precision = 9;  // digits of kFractional; auto sets the column's
  std::vector<std::pair<std::string, std::string>> settings;  // query settings, in file order
  bool dedupe_token = true;
  bool require_server = true;  // false: start without the check when the server is down
};

Schema ClickHouseSchema();
Result<ClickHouseConfig> ParseClickHouseConfig(const ConfigNode& node);

}  // namespace runnel::plugins::clickhouse

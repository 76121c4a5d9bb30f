#pragma once
// What the output learns from the server at start: its version, whether it has the setting
// insert_deduplication_token (system.settings), and the table's columns with their types, and the
// check that the configured mapping fits them. FetchServerInfo runs blocking queries
// (system.columns, version()) with the output's HTTP options; the rest are pure functions.
// Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clickhouse_config.h"
#include "plugins/http_client/http_output.h"
#include "runnel/status.h"

namespace runnel::plugins::clickhouse {

// How a column takes a value, as far as the row encoder cares.
enum class ColumnKind {
  kString,      // String, FixedString(N), LowCardinality/Nullable of them: values become text
  kDateTime,    // DateTime, DateTime('zone')
  kDateTime64,  // DateTime64(p[, 'zone'])
  kOther,       // numbers, arrays, ...: values as they are
};

struct ColumnInfo {
  std::string name;
  std::string type;  // as system.columns says, e.g. "LowCardinality(String)"
  ColumnKind kind = ColumnKind::kOther;
  int precision = 0;  // kDateTime64
};

struct ServerInfo {
  std::string version;  // "18.16.1"
  int major = 0;
  int minor = 0;
  bool has_dedupe_token = false;  // system.settings has insert_deduplication_token
  std::vector<ColumnInfo> columns;
};

ColumnInfo MakeColumnInfo(std::string name, std::string type);
// "18.16.1" -> (18, 16); (0, 0) when it does not start with two numbers.
std::pair<int, int> ParseVersion(std::string_view version);

// `SELECT version()`, whether system.settings has insert_deduplication_token, and the table's
// columns. Unavailable when the server cannot be reached or
// answers with an error (its message); NotFound naming database.table when the table has no
// columns (it does not exist).
Result<ServerInfo> FetchServerInfo(const http_client::HttpOptions& http,
                                   const std::string& database, const std::string& table);

// Checks the mapping against the table: every mapped column and time_column exists
// (InvalidArgument naming the column and the table otherwise), and resolves
// time_format = auto (and the precision) from time_column's type.
Status ResolveMapping(const ServerInfo& info, ClickHouseConfig* config);

// `database`.`table` with backquotes, for queries.
std::string QuoteIdentifier(std::string_view name);
// A string literal: 'text' with ' and \ escaped.
std::string QuoteLiteral(std::string_view text);
// Percent-encoding of a URL query parameter's value.
std::string UrlEncode(std::string_view s);
// url + "?" (or "&" when it has a query already) + query=... + params.
std::string QueryUrl(std::string_view base, std::string_view sql);

}  // namespace runnel::plugins::clickhouse

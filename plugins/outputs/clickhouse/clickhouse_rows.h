#pragma once
// RowEncoder: turns an event into one JSONEachRow line for the configured table.
//   {"<time_column>":<time>,"<column>":<value>,...}\n
// The event time comes first (a record field named like time_column is dropped). With a
// column mapping, each mapped field is written under its column(s), in the record's order;
// without one, every top-level field under its own name. A null value is left out (the column
// takes its default); a non-string key is skipped. Into a String column (as the table
// reported) a string goes as it is and any other value as its JSON text, so {"a":1} becomes
// "{\"a\":1}"; into other columns values go as JSON (arrays into Array columns, booleans as
// true/false, which UInt8 columns take).
// Thread-compatible: one encoder per thread (the output's curl thread).

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "clickhouse_config.h"
#include "clickhouse_table.h"
#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace runnel::plugins::clickhouse {

class RowEncoder {
 public:
  // `config` has time_format resolved (not kAuto) when time_column is set; `columns` are the
  // table's (their kinds decide how values are written; a column not among them is kOther).
  RowEncoder(const ClickHouseConfig& config, const std::vector<ColumnInfo>& columns);

  // Appends the line for one event. DataLoss when the record is not a valid msgpack map;
  // *out is then unchanged.
  Status Append(EventTime time, std::string_view record, std::string* out);

  // The column list of the INSERT: empty without a mapping, else "(`ts`, `c1`, ...)".
  std::string ColumnList() const;

 private:
  struct Target {
    std::string quoted_name;  // "\"column\":" ready to append
    ColumnKind kind;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using TargetMap =
      std::unordered_map<std::string, std::vector<Target>, StringHash, std::equal_to<>>;

  void AppendTime(EventTime time, std::string* out);
  Status AppendValue(MsgpackReader& reader, ColumnKind kind, std::string* out);

  std::vector<std::pair<std::string, std::string>> mapping_;
  std::string time_column_;
  std::string time_key_;  // "\"timestamp\":"
  TimeFormat time_format_;
  int time_precision_;
  TargetMap targets_;  // field -> columns (mapping), or column name -> itself (no mapping)
  bool mapped_;
  std::string scratch_;
};

}  // namespace runnel::plugins::clickhouse

#include "clickhouse_config.h"

namespace runnel::plugins::clickhouse {
namespace {

// Setting names go into the URL as they are: letters, digits and '_' only.
bool IsSettingName(const std::string& s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Schema ClickHouseSchema() {
  Schema s;
  s.Required("table", FieldType::kString,
             "Table the rows are inserted into (INSERT INTO database.table ... FORMAT "
             "JSONEachRow). At start the output checks that it exists and has the mapped "
             "columns; a missing table or column fails the start, naming it.")
      .Optional("database", FieldType::kString, "\"default\"", "Database of `table`.")
      .OptionalNoDefault(
          "columns", FieldType::kStringMap,
          "Column mapping, { column = \"field\" }: each column takes the event's top-level "
          "field of that name (a field may feed several columns; a missing or null field "
          "leaves the column to its default). Unset: every top-level field goes into the "
          "column of the same name and fields the table has no column for are skipped "
          "(input_format_skip_unknown_fields). Into a String column a number, boolean, array "
          "or map is written as its JSON text; into other columns values go as they are "
          "(arrays into Array columns).")
      .Optional("time_column", FieldType::kString, "\"timestamp\"",
                "Column that takes the event time; it wins over a record field of the same "
                "name. \"\" leaves the event time out.")
      .Enum("time_format",
            {"auto", "seconds", "milliseconds", "nanoseconds", "fractional", "datetime"},
            "\"auto\"",
            "How the event time is written. \"auto\": by the column's type, DateTime as "
            "seconds since the epoch, DateTime64(p) as \"seconds.fraction\" with p digits (any "
            "other type needs an explicit format). \"seconds\", \"milliseconds\", "
            "\"nanoseconds\": integers since the epoch; \"fractional\": \"1764810000.123456789\"; "
            "\"datetime\": \"YYYY-MM-DD hh:mm:ss\" in UTC.")
      .OptionalNoDefault("settings", FieldType::kStringMap,
                         "ClickHouse settings sent with every insert as URL parameters, e.g. "
                         "{ async_insert = \"1\" } on a server that has them.")
      .Optional(
          "dedupe_token", FieldType::kBool, "true",
          "Send insert_deduplication_token (derived from the batch ids and positions of "
          "the request's events, the same on every retry) when the server has it "
          "(newer releases have it; system.settings is read at start). It deduplicates a retried "
          "insert only on Replicated tables or with non_replicated_deduplication_window.")
      .Optional("require_server", FieldType::kBool, "true",
                "At start the output asks the server its version and the table's columns. "
                "true: a server that cannot be reached fails the start. false: the output "
                "starts anyway, without the check (values go as they are, time_format \"auto\" "
                "writes seconds, no dedupe token) and its buffer keeps the events until the "
                "server is back. A missing table or column fails the start either way.");
  http_client::HttpFieldDefaults defaults;
  defaults.url = "http://127.0.0.1:8123";
  defaults.compressions = {forward::Compression::kNone, forward::Compression::kGzip};
  defaults.compression = forward::Compression::kNone;
  http_client::AddHttpFields(s, defaults);
  return s;
}

Result<ClickHouseConfig> ParseClickHouseConfig(const ConfigNode& node) {
  ClickHouseConfig c;
  RUNNEL_ASSIGN_OR_RETURN(c.http, http_client::ParseHttpOptions(node));
  c.table = node.GetString("table");
  if (c.table.empty()) {
    return Err(node.Error("table", "must not be empty"));
  }
  c.database = node.GetString("database");
  if (c.database.empty()) {
    return Err(node.Error("database", "must not be empty"));
  }
  if (node.Has("columns")) {
    c.columns = node.GetStringMap("columns");
    if (c.columns.empty()) {
      return Err(node.Error("columns", "maps no column; leave it out to write every field"));
    }
    for (const auto& [column, field] : c.columns) {
      if (column.empty() || field.empty()) {
        return Err(node.Error("columns", "a column or field name is empty"));
      }
    }
  }
  c.time_column = node.GetString("time_column");
  for (const auto& [column, field] : c.columns) {
    if (!c.time_column.empty() && column == c.time_column) {
      return Err(node.Error("columns", "maps \"" + column +
                                           "\", which is time_column; map it to the event "
                                           "time with time_column only"));
    }
  }
  const std::string& f = node.GetString("time_format");
  c.time_format = f == "seconds"        ? TimeFormat::kSeconds
                  : f == "milliseconds" ? TimeFormat::kMilliseconds
                  : f == "nanoseconds"  ? TimeFormat::kNanoseconds
                  : f == "fractional"   ? TimeFormat::kFractional
                  : f == "datetime"     ? TimeFormat::kDateTime
                                        : TimeFormat::kAuto;
  if (node.Has("settings")) {
    c.settings = node.GetStringMap("settings");
    for (const auto& [name, value] : c.settings) {
      if (!IsSettingName(name)) {
        return Err(node.Error("settings", "\"" + name +
                                              "\" is not a setting name (letters, digits "
                                              "and '_')"));
      }
      if (name == "query" || name == "insert_deduplication_token") {
        return Err(node.Error("settings", "\"" + name + "\" is set by the output itself"));
      }
    }
  }
  c.dedupe_token = node.GetBool("dedupe_token");
  c.require_server = node.GetBool("require_server");
  return c;
}

}  // namespace runnel::plugins::clickhouse

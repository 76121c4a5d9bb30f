#include "clickhouse_table.h"

#include <cctype>

#include "clickhouse_errors.h"

namespace runnel::plugins::clickhouse {
namespace {

std::string_view Unwrap(std::string_view type, std::string_view wrapper) {
  if (type.starts_with(wrapper) && type.size() > wrapper.size() + 1 &&
      type[wrapper.size()] == '(' && type.back() == ')') {
    return type.substr(wrapper.size() + 1, type.size() - wrapper.size() - 2);
  }
  return type;
}

Result<std::string> RunQuery(const http_client::HttpOptions& http, const std::string& sql) {
  http_client::Request request;
  request.method = "POST";
  request.url = QueryUrl(http.url, "");
  request.content_type = "text/plain";
  request.body = sql;
  request.compress = false;
  http_client::Response response = http_client::PerformBlocking(http, request);
  if (response.status == 0) {
    // The engine's transport error names the URL.
    return Err(Unavailable("ClickHouse cannot be reached: " + response.error));
  }
  if (response.status != 200) {
    std::optional<ServerError> error = ParseServerError(response.body);
    return Err(Unavailable(
        "ClickHouse at " + http.url + " answered HTTP " + std::to_string(response.status) +
        " to \"" + sql + "\": " + (error ? DescribeError(*error) : response.body.substr(0, 300))));
  }
  return std::move(response.body);
}

}  // namespace

ColumnInfo MakeColumnInfo(std::string name, std::string type) {
  ColumnInfo info{std::move(name), std::move(type), ColumnKind::kOther, 0};
  std::string_view t =
      Unwrap(Unwrap(Unwrap(info.type, "LowCardinality"), "Nullable"), "LowCardinality");
  if (t == "String" || t.starts_with("FixedString(")) {
    info.kind = ColumnKind::kString;
  } else if (t == "DateTime" || t.starts_with("DateTime(")) {
    info.kind = ColumnKind::kDateTime;
  } else if (t.starts_with("DateTime64(")) {
    info.kind = ColumnKind::kDateTime64;
    size_t i = 11;
    int p = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
      p = p * 10 + (t[i++] - '0');
    }
    info.precision = p > 9 ? 9 : p;
  }
  return info;
}

std::pair<int, int> ParseVersion(std::string_view version) {
  int parts[2] = {0, 0};
  size_t i = 0;
  for (int k = 0; k < 2; ++k) {
    size_t start = i;
    while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) {
      parts[k] = parts[k] * 10 + (version[i++] - '0');
    }
    if (i == start || (k == 0 && (i >= version.size() || version[i] != '.'))) {
      return {0, 0};
    }
    ++i;
  }
  return {parts[0], parts[1]};
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string QueryUrl(std::string_view base, std::string_view sql) {
  std::string url(base);
  if (sql.empty()) {
    return url;
  }
  url += url.find('?') == std::string::npos ? "?" : "&";
  url += "query=";
  url += UrlEncode(sql);
  return url;
}

Result<ServerInfo> FetchServerInfo(const http_client::HttpOptions& http,
                                   const std::string& database, const std::string& table) {
  ServerInfo info;
  RUNNEL_ASSIGN_OR_RETURN(std::string version, RunQuery(http, "SELECT version()"));
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
    version.pop_back();
  }
  info.version = version;
  std::tie(info.major, info.minor) = ParseVersion(version);
  RUNNEL_ASSIGN_OR_RETURN(std::string token,
                          RunQuery(http,
                                   "SELECT count() FROM system.settings WHERE name = "
                                   "'insert_deduplication_token'"));
  info.has_dedupe_token = token.starts_with("1");
  RUNNEL_ASSIGN_OR_RETURN(
      std::string columns,
      RunQuery(http,
               "SELECT name, type FROM system.columns WHERE database = " + QuoteLiteral(database) +
                   " AND table = " + QuoteLiteral(table) + " FORMAT TabSeparated"));
  size_t pos = 0;
  while (pos < columns.size()) {
    size_t end = columns.find('\n', pos);
    if (end == std::string::npos) {
      end = columns.size();
    }
    std::string_view line(columns.data() + pos, end - pos);
    pos = end + 1;
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      continue;
    }
    info.columns.push_back(
        MakeColumnInfo(std::string(line.substr(0, tab)), std::string(line.substr(tab + 1))));
  }
  if (info.columns.empty()) {
    return Err(NotFound("ClickHouse table " + database + "." + table + " does not exist (at " +
                        http.url + ")"));
  }
  return info;
}

Status ResolveMapping(const ServerInfo& info, ClickHouseConfig* config) {
  auto find = [&](const std::string& name) -> const ColumnInfo* {
    for (const ColumnInfo& c : info.columns) {
      if (c.name == name) {
        return &c;
      }
    }
    return nullptr;
  };
  const std::string where = " of table " + config->database + "." + config->table;
  for (const auto& [column, field] : config->columns) {
    if (find(column) == nullptr) {
      return InvalidArgument("columns: column \"" + column + "\" (for field \"" + field +
                             "\") does not exist" + where);
    }
  }
  if (config->time_column.empty()) {
    return OkStatus();
  }
  const ColumnInfo* time = find(config->time_column);
  if (time == nullptr) {
    return InvalidArgument("time_column: column \"" + config->time_column + "\" does not exist" +
                           where +
                           " (time_column = \"\" leaves the "
                           "event time out)");
  }
  if (config->time_format == TimeFormat::kAuto) {
    if (time->kind == ColumnKind::kDateTime) {
      config->time_format = TimeFormat::kSeconds;
    } else if (time->kind == ColumnKind::kDateTime64) {
      config->time_format = TimeFormat::kFractional;
      config->time_precision = time->precision;
    } else {
      return InvalidArgument(
          "time_format: \"auto\" needs a DateTime or DateTime64 column; "
          "time_column \"" +
          config->time_column + "\"" + where + " is " + time->type + " (set time_format)");
    }
  }
  return OkStatus();
}

}  // namespace runnel::plugins::clickhouse

// Envoy's default access log format and Istio's (text and JSON).
#include <span>

#include "plugins/formats/json_scan.h"
#include "plugins/formats/proxy.h"
#include "plugins/formats/scan_util.h"

namespace runnel::formats {
namespace {

using internal::Cursor;

enum class Kind { kBare, kQuoted };
enum class Type { kString, kInt };

struct Column {
  std::string_view key;
  Kind kind;
  Type type;
  const char* error;
};

constexpr Column kEnvoyColumns[] = {
    {"response_code", Kind::kBare, Type::kInt,
     "not an Envoy access log line: RESPONSE_CODE is not a number"},
    {"response_flags", Kind::kBare, Type::kString,
     "not an Envoy access log line: no RESPONSE_FLAGS"},
    {"bytes_received", Kind::kBare, Type::kInt,
     "not an Envoy access log line: BYTES_RECEIVED is not a number"},
    {"bytes_sent", Kind::kBare, Type::kInt,
     "not an Envoy access log line: BYTES_SENT is not a number"},
    {"duration", Kind::kBare, Type::kInt, "not an Envoy access log line: DURATION is not a number"},
    {"upstream_service_time", Kind::kBare, Type::kInt,
     "not an Envoy access log line: X-ENVOY-UPSTREAM-SERVICE-TIME is neither a number nor '-'"},
    {"x_forwarded_for", Kind::kQuoted, Type::kString,
     "not an Envoy access log line: no quoted X-FORWARDED-FOR"},
    {"user_agent", Kind::kQuoted, Type::kString,
     "not an Envoy access log line: no quoted USER-AGENT"},
    {"request_id", Kind::kQuoted, Type::kString,
     "not an Envoy access log line: no quoted X-REQUEST-ID"},
    {"authority", Kind::kQuoted, Type::kString,
     "not an Envoy access log line: no quoted :AUTHORITY"},
    {"upstream_host", Kind::kQuoted, Type::kString,
     "not an Envoy access log line: no quoted UPSTREAM_HOST"},
};

constexpr Column kIstioColumns[] = {
    {"response_code", Kind::kBare, Type::kInt,
     "not an Istio access log line: RESPONSE_CODE is not a number"},
    {"response_flags", Kind::kBare, Type::kString,
     "not an Istio access log line: no RESPONSE_FLAGS"},
    {"response_code_details", Kind::kBare, Type::kString,
     "not an Istio access log line: no RESPONSE_CODE_DETAILS"},
    {"connection_termination_details", Kind::kBare, Type::kString,
     "not an Istio access log line: no CONNECTION_TERMINATION_DETAILS"},
    {"upstream_transport_failure_reason", Kind::kQuoted, Type::kString,
     "not an Istio access log line: no quoted UPSTREAM_TRANSPORT_FAILURE_REASON"},
    {"bytes_received", Kind::kBare, Type::kInt,
     "not an Istio access log line: BYTES_RECEIVED is not a number"},
    {"bytes_sent", Kind::kBare, Type::kInt,
     "not an Istio access log line: BYTES_SENT is not a number"},
    {"duration", Kind::kBare, Type::kInt, "not an Istio access log line: DURATION is not a number"},
    {"upstream_service_time", Kind::kBare, Type::kInt,
     "not an Istio access log line: X-ENVOY-UPSTREAM-SERVICE-TIME is neither a number nor '-'"},
    {"x_forwarded_for", Kind::kQuoted, Type::kString,
     "not an Istio access log line: no quoted X-FORWARDED-FOR"},
    {"user_agent", Kind::kQuoted, Type::kString,
     "not an Istio access log line: no quoted USER-AGENT"},
    {"request_id", Kind::kQuoted, Type::kString,
     "not an Istio access log line: no quoted X-REQUEST-ID"},
    {"authority", Kind::kQuoted, Type::kString,
     "not an Istio access log line: no quoted :AUTHORITY"},
    {"upstream_host", Kind::kQuoted, Type::kString,
     "not an Istio access log line: no quoted UPSTREAM_HOST"},
    {"upstream_cluster", Kind::kBare, Type::kString,
     "not an Istio access log line: no UPSTREAM_CLUSTER"},
    {"upstream_local_address", Kind::kBare, Type::kString,
     "not an Istio access log line: no UPSTREAM_LOCAL_ADDRESS"},
    {"downstream_local_address", Kind::kBare, Type::kString,
     "not an Istio access log line: no DOWNSTREAM_LOCAL_ADDRESS"},
    {"downstream_remote_address", Kind::kBare, Type::kString,
     "not an Istio access log line: no DOWNSTREAM_REMOTE_ADDRESS"},
    {"requested_server_name", Kind::kBare, Type::kString,
     "not an Istio access log line: no REQUESTED_SERVER_NAME"},
    {"route_name", Kind::kBare, Type::kString, "not an Istio access log line: no ROUTE_NAME"},
};

struct TextErrors {
  const char* time;
  const char* request;
  const char* trailing;
};

constexpr TextErrors kEnvoyErrors = {
    "not an Envoy access log line: no [START_TIME] at the start",
    "not an Envoy access log line: no quoted \"METHOD PATH PROTOCOL\" after the time",
    "not an Envoy access log line: text after UPSTREAM_HOST"};
constexpr TextErrors kIstioErrors = {
    "not an Istio access log line: no [START_TIME] at the start",
    "not an Istio access log line: no quoted \"METHOD PATH PROTOCOL\" after the time",
    "not an Istio access log line: text after ROUTE_NAME"};

const char* ScanText(std::string_view line, std::span<const Column> columns,
                     const TextErrors& errors, std::vector<Field>* fields, EventTime* time) {
  Cursor c{line};
  if (!c.Consume('[') || !internal::Rfc3339(c, false, 0, time) || !c.Consume(']')) {
    return errors.time;
  }
  std::string_view request;
  if (!c.Consume(' ') || !internal::Quoted(c, &request)) {
    return errors.request;
  }
  // "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%", each possibly "-".
  Cursor r{request};
  internal::AddUnlessDash(fields, "method", r.Token());
  r.Consume(' ');
  const size_t last = request.rfind(' ');
  if (last != std::string_view::npos && last >= r.pos) {
    internal::AddUnlessDash(fields, "path", request.substr(r.pos, last - r.pos));
    internal::AddUnlessDash(fields, "protocol", request.substr(last + 1));
  } else {
    internal::AddUnlessDash(fields, "path", r.Rest());
  }
  for (const Column& column : columns) {
    if (!c.Consume(' ')) {
      return column.error;
    }
    std::string_view value;
    if (column.kind == Kind::kQuoted) {
      if (!internal::Quoted(c, &value)) {
        return column.error;
      }
    } else {
      value = c.Token();
      if (value.empty()) {
        return column.error;
      }
    }
    if (column.type == Type::kInt) {
      if (!internal::AddIntOrDash(fields, column.key, value)) {
        return column.error;
      }
    } else {
      internal::AddUnlessDash(fields, column.key, value);
    }
  }
  return c.AtEnd() ? nullptr : errors.trailing;
}

bool IsIntKey(std::string_view key) {
  return key == "response_code" || key == "bytes_received" || key == "bytes_sent" ||
         key == "duration" || key == "upstream_service_time";
}

const char* ScanIstioJson(std::string_view line, Arena& arena, std::vector<Field>* fields,
                          EventTime* time) {
  internal::JsonObjectReader reader(line, arena);
  if (reader.Begin() != nullptr) {
    return "not an Istio JSON access log line: not a JSON object";
  }
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (value.kind == Value::Kind::kNull ||
        (value.kind == Value::Kind::kString && (value.bytes == "-" || value.bytes.empty()))) {
      continue;
    }
    if (key == "start_time") {
      if (value.kind != Value::Kind::kString || !internal::Rfc3339Text(value.bytes, time)) {
        return "not an Istio JSON access log line: start_time is not an RFC 3339 time";
      }
      continue;
    }
    if (IsIntKey(key) && value.kind == Value::Kind::kString) {
      int64_t i = 0;
      if (!internal::ParseInt(value.bytes, &i)) {
        return "not an Istio JSON access log line: a count or duration is not a number";
      }
      value = Value::Int(i);
    }
    fields->push_back(Field{key, value});
  }
  return reader.error();
}

}  // namespace

const char* ScanEnvoy(std::string_view line, const ScanOptions& options, Arena& arena,
                      std::vector<Field>* fields, EventTime* time) {
  return ScanText(line, kEnvoyColumns, kEnvoyErrors, fields, time);
}

const char* ScanIstio(std::string_view line, const ScanOptions& options, Arena& arena,
                      std::vector<Field>* fields, EventTime* time) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') {
    ++i;
  }
  if (i < line.size() && line[i] == '{') {
    return ScanIstioJson(line, arena, fields, time);
  }
  return ScanText(line, kIstioColumns, kIstioErrors, fields, time);
}

}  // namespace runnel::formats

#include "http_config.h"

#include <algorithm>

#include "runnel/net/listener_config.h"

namespace runnel::plugins::http_input {

Schema HttpSchema() {
  Schema s;
  net::AddListenAddressFields(s, "9880", "TCP port to listen on; 0 picks a free port and logs it.");
  s.OptionalNoDefault("path", FieldType::kString,
                      "The one path events are POSTed to (\"/ingest\"); other paths get 404. "
                      "Unset: every path is served and names the tag, POST /app.web giving "
                      "tag \"app.web\" (POST / gives the input's name).")
      .OptionalNoDefault("tag", FieldType::kString,
                         "The tag of every event, instead of the one the path names (a "
                         "tag_header in the request still wins).")
      .OptionalNoDefault("tag_header", FieldType::kString,
                         "A request header whose value is the tag of the request's events "
                         "(e.g. \"X-Tag\"); requests without it get the tag as usual.")
      .OptionalNoDefault("time_key", FieldType::kString,
                         "A field holding the event's time. Absent from an event: the time the "
                         "request arrived; present but not in time_format: that too, counted in "
                         "http_bad_times_total.")
      .OptionalNoDefault("time_format", FieldType::kString,
                         "How time_key is written, in the parse filter's vocabulary: \"rfc3339\" "
                         "(default; also \"iso8601\"), \"unix\", \"unix_ms\", \"unix_us\", "
                         "\"unix_ns\", or a pattern such as \"%d/%b/%Y:%H:%M:%S %z\".")
      .Optional("time_keep", FieldType::kBool, "true",
                "Keep time_key among the event's fields after setting the event time.")
      .OptionalNoDefault("source_address_key", FieldType::kString,
                         "Adds the client's IP address to each event under this key.")
      .OptionalNoDefault("bearer_token", FieldType::kString,
                         "Requires \"Authorization: Bearer <this token>\" on every request "
                         "(compared in constant time); without it 401, with another token 401 "
                         "error=\"invalid_token\". Use with TLS.")
      .Optional("max_body_bytes", FieldType::kSize, "\"8MiB\"",
                "The largest request body, as sent and after Content-Encoding is undone "
                "(a compression bomb is a 413, not memory).")
      .Range(1024, int64_t{1} << 30)
      .Optional("max_header_bytes", FieldType::kSize, "\"16KiB\"",
                "The request line and headers together; more is a 431.")
      .Range(1024, 1 << 20)
      .Optional("max_queued_bytes", FieldType::kSize, "\"64MiB\"",
                "Decoded events of requests waiting for the pipeline; a request that does not "
                "fit gets busy_status with Retry-After (one request is always admitted into "
                "an empty queue).")
      .Range(1024, INT64_MAX)
      .Enum("busy_status", {"503", "429"}, "\"503\"",
            "The status of a request refused because the queue is full: 503 Service "
            "Unavailable or 429 Too Many Requests; either has Retry-After.")
      .Optional("retry_after", FieldType::kDuration, "\"1s\"",
                "The Retry-After of a busy answer, in whole seconds (rounded up).")
      .Range(1, 86'400'000)
      .Optional("idle_timeout", FieldType::kDuration, "\"60s\"",
                "A connection that sends nothing for this long (while no request of it is in "
                "the pipeline) is closed; 0 never closes.")
      .Range(0, INT64_MAX)
      .Optional("max_connections", FieldType::kInt, "1024",
                "Connections open at once; one more is accepted and closed at once.")
      .Range(1, 1'000'000);
  net::AddTlsFields(s, net::TlsRole::kServer);
  return s;
}

namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 256) {
    return false;
  }
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<HttpConfig> ParseHttpConfig(const ConfigNode& node, const std::string& component) {
  HttpConfig c;
  RUNNEL_RETURN_IF_ERROR(net::ParseListenAddress(node, &c.host, &c.port));
  RUNNEL_ASSIGN_OR_RETURN(c.path, net::NonEmptyString(node, "path"));
  if (!c.path.empty() &&
      (!c.path.starts_with('/') || c.path.find_first_of("?# ") != std::string::npos)) {
    return Err(node.Error("path", "must be a path starting with '/', without query"));
  }
  RUNNEL_ASSIGN_OR_RETURN(c.tag, net::NonEmptyString(node, "tag"));
  RUNNEL_ASSIGN_OR_RETURN(c.tag_header, net::NonEmptyString(node, "tag_header"));
  if (!c.tag_header.empty() &&
      !std::all_of(c.tag_header.begin(), c.tag_header.end(), IsTokenChar)) {
    return Err(node.Error("tag_header", "must be a header name"));
  }
  c.default_tag = component.substr(component.find('.') + 1);
  RUNNEL_ASSIGN_OR_RETURN(c.time_key, net::NonEmptyString(node, "time_key"));
  if (!c.time_key.empty()) {
    const std::string spec = node.Has("time_format") ? node.GetString("time_format") : "rfc3339";
    Result<parse::TimeFormat> format = parse::TimeFormat::Compile(spec);
    if (!format.has_value()) {
      return Err(node.Error("time_format", format.error().message()));
    }
    c.time_format = std::move(*format);
  } else if (node.Has("time_format")) {
    return Err(node.Error("time_format", "needs time_key (the field that holds the time)"));
  }
  c.time_keep = node.GetBool("time_keep");
  RUNNEL_ASSIGN_OR_RETURN(c.source_address_key, net::NonEmptyString(node, "source_address_key"));
  RUNNEL_ASSIGN_OR_RETURN(c.bearer_token, net::NonEmptyString(node, "bearer_token"));
  c.max_body_bytes = node.GetSize("max_body_bytes");
  c.max_header_bytes = node.GetSize("max_header_bytes");
  c.max_queued_bytes = node.GetSize("max_queued_bytes");
  c.busy_status = node.GetString("busy_status") == "429" ? 429 : 503;
  const auto retry = node.GetDuration("retry_after");
  c.retry_after = std::chrono::ceil<std::chrono::seconds>(retry);
  c.idle_timeout = node.GetDuration("idle_timeout");
  c.max_connections = static_cast<size_t>(node.GetInt("max_connections"));
  RUNNEL_ASSIGN_OR_RETURN(c.tls, net::ParseServerTls(node));
  return c;
}

}  // namespace runnel::plugins::http_input

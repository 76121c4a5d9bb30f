#include "plugins/outputs/http/http_config.h"

#include <algorithm>
#include <cctype>

#include "runnel/net/http.h"

namespace runnel::plugins::http_output {

Schema HttpSchema() {
  Schema s;
  http_client::AddHttpFields(s, http_client::HttpFieldDefaults{});
  s.Enum("format", {"ndjson", "json", "msgpack"}, "\"ndjson\"",
         "The body of a request: \"ndjson\" one JSON object per line (application/x-ndjson), "
         "\"json\" one JSON array of the objects (application/json), \"msgpack\" the events "
         "as Forward entries [time, record] one after the other (application/msgpack).")
      .Optional("time_key", FieldType::kString, "\"timestamp\"",
                "ndjson and json: the key under which the event time is written first in each "
                "object; \"\" leaves the time out. A record field of that name wins.")
      .Enum("time_format", {"rfc3339", "unix", "unix_ms"}, "\"rfc3339\"",
            "ndjson and json: the event time as RFC 3339 text with nanoseconds (UTC), seconds "
            "since the epoch as a decimal number, or integer milliseconds.")
      .OptionalNoDefault("tag_header", FieldType::kString,
                         "A header that carries the events' tag (e.g. \"X-Runnel-Tag\"); a "
                         "request then holds events of one tag only.");
  return s;
}

Result<HttpConfig> ParseHttpConfig(const ConfigNode& node) {
  HttpConfig c;
  RUNNEL_ASSIGN_OR_RETURN(c.http, http_client::ParseHttpOptions(node));
  const std::string& format = node.GetString("format");
  c.format = format == "json"      ? Format::kJson
             : format == "msgpack" ? Format::kMsgpack
                                   : Format::kNdjson;
  c.time_key = node.GetString("time_key");
  const std::string& tf = node.GetString("time_format");
  c.time_format = tf == "unix"      ? JsonTimeFormat::kUnixSeconds
                  : tf == "unix_ms" ? JsonTimeFormat::kUnixMillis
                                    : JsonTimeFormat::kRfc3339;
  if (node.Has("tag_header")) {
    c.tag_header = node.GetString("tag_header");
    const bool token = !c.tag_header.empty() && std::ranges::all_of(c.tag_header, [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '_';
    });
    if (!token) {
      return Err(
          node.Error("tag_header",
                     "\"" + c.tag_header + "\" is not a header name (letters, digits, - and _)"));
    }
    for (const auto& [name, value] : c.http.headers) {
      if (net::EqualsIgnoreCase(name, c.tag_header)) {
        return Err(node.Error("tag_header", "\"" + c.tag_header + "\" is also set in headers"));
      }
    }
    c.http.one_tag_per_request = true;
  }
  return c;
}

}  // namespace runnel::plugins::http_output

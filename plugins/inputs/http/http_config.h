#pragma once
// Configuration of the http input: its schema (the reference docs) and the validated, immutable
// config the runtime is built from. Plain values; thread-compatible.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "plugins/filters/parse/time_format.h"
#include "runnel/config_node.h"
#include "runnel/net/tls.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::http_input {

struct HttpConfig {
  std::string host = "0.0.0.0";
  uint16_t port = 9880;  // 0: a free port, logged at start
  // Empty: any path is served and names the tag ("POST /app.web" -> tag "app.web").
  // Otherwise only this path is served (others: 404).
  std::string path;
  std::string tag;          // non-empty: the tag, unless tag_header gives one
  std::string tag_header;   // non-empty: a request's header with this name gives its tag
  std::string default_tag;  // the tag when nothing else gives one: the input's name
  std::string time_key;     // non-empty: an event's time from this field
  std::optional<parse::TimeFormat> time_format;  // set when time_key is
  bool time_keep = true;
  std::string source_address_key;       // non-empty: each event gets the client's IP address
  std::string bearer_token;             // non-empty: "Authorization: Bearer <token>" required
  size_t max_body_bytes = 8u << 20;     // the body as sent, and decompressed
  size_t max_header_bytes = 16u << 10;  // the request line and headers
  size_t max_queued_bytes = 64u << 20;  // requests waiting for the emitting thread
  int busy_status = 503;                // 503 or 429 when the queue is full
  std::chrono::seconds retry_after{1};  // the Retry-After of a busy answer
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  size_t max_connections = 1024;
  std::shared_ptr<const net::TlsContext> tls;  // null: plain HTTP
};

Schema HttpSchema();

// Reads a node validated against HttpSchema(). `component` is the input's id ("inputs.web"),
// whose name is the default tag. Builds the TLS context, so unreadable or inconsistent
// certificate files fail here. Errors are InvalidArgument, positioned at the key.
Result<HttpConfig> ParseHttpConfig(const ConfigNode& node, const std::string& component);

// Whether `tag` is a tag this input accepts from a path or a header: 1 to 256 characters of
// letters, digits, '.', '_' and '-'.
bool ValidTag(std::string_view tag);

}  // namespace runnel::plugins::http_input

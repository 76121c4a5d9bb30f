// The common keys of the HTTP outputs and the default reading of a response.

#include <algorithm>
#include <cctype>
#include <string>

#include "plugins/http_client/http_output.h"
#include "runnel/net/http.h"

namespace runnel::http_client {
namespace {

// A size as the user would write it: "4MiB", "64KiB" or a byte count.
std::string SizeText(uint64_t bytes) {
  if (bytes != 0 && bytes % (1u << 20) == 0) {
    return "\"" + std::to_string(bytes >> 20) + "MiB\"";
  }
  if (bytes != 0 && bytes % 1024 == 0) {
    return "\"" + std::to_string(bytes >> 10) + "KiB\"";
  }
  return std::to_string(bytes);
}

bool IsToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  return std::ranges::all_of(s, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool HasControl(std::string_view s) {
  return std::ranges::any_of(
      s, [](char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f; });
}

Result<forward::Compression> CompressionOf(const std::string& name) {
  if (name == "gzip") {
    return forward::Compression::kGzip;
  }
  if (name == "zstd") {
    return forward::Compression::kZstd;
  }
  return forward::Compression::kNone;
}

}  // namespace

void AddHttpFields(Schema& schema, const HttpFieldDefaults& d) {
  if (d.url.empty()) {
    schema.Required("url", FieldType::kString,
                    "Where requests go: http://host:port/path or https://... (TLS).");
  } else {
    schema.Optional("url", FieldType::kString, "\"" + d.url + "\"",
                    "Where requests go: http://host:port/path or https://... (TLS).");
  }
  std::vector<std::string> compressions;
  for (forward::Compression c : d.compressions) {
    compressions.emplace_back(forward::CompressionName(c));
  }
  schema
      .OptionalNoDefault("headers", FieldType::kStringMap,
                         "Headers added to every request, e.g. { \"X-Scope-OrgID\" = \"ops\" }.")
      .OptionalNoDefault("auth.user", FieldType::kString,
                         "HTTP basic authentication: the user (with auth.password).")
      .OptionalNoDefault("auth.password", FieldType::kString, "The password of auth.user.")
      .OptionalNoDefault("auth.bearer_token", FieldType::kString,
                         "Sent as \"Authorization: Bearer <token>\"; not with auth.user.")
      .Enum("compression", compressions,
            "\"" + std::string(forward::CompressionName(d.compression)) + "\"",
            "How request bodies are compressed (with Content-Encoding).")
      .Optional("compression_level", FieldType::kInt, "0",
                "The compression level; 0 is the library's default (gzip 6, zstd 3); gzip "
                "takes 1 to 9, zstd 1 to 19.")
      .Range(0, 19)
      .Optional("timeout", FieldType::kDuration, "\"30s\"",
                "A request without a complete response within this time fails and is retried.")
      .Range(100, 3'600'000)
      .Optional("connect_timeout", FieldType::kDuration, "\"5s\"",
                "For the TCP connection and the TLS handshake.")
      .Range(10, 600'000)
      .Optional("batch_max_events", FieldType::kInt, std::to_string(d.batch_max_events),
                "A request carries at most this many events.")
      .Range(1, 10'000'000)
      .Optional("batch_max_bytes", FieldType::kSize, SizeText(d.batch_max_bytes),
                "A request carries at most this many bytes of events (as msgpack records, "
                "before encoding and compression); a single larger event goes alone.")
      .Range(1024, int64_t{1} << 30)
      .Optional("batch_timeout", FieldType::kDuration, "\"1s\"",
                "A request that is not full is sent after this time.")
      .Range(1, 3'600'000)
      .Optional("max_in_flight", FieldType::kInt, std::to_string(d.max_in_flight),
                "Requests sent and not yet answered at once; 1 delivers in order.")
      .Range(1, 256)
      .Optional("retry_initial", FieldType::kDuration, "\"200ms\"",
                "The first wait before a failed request is sent again; it doubles with every "
                "failed attempt (with full jitter) up to retry_max. A Retry-After header "
                "(seconds or an HTTP date) sets the wait instead, up to retry_max.")
      .Range(1, 3'600'000)
      .Optional("retry_max", FieldType::kDuration, "\"30s\"",
                "The longest wait between two attempts of one request.")
      .Range(1, 3'600'000)
      .Optional("retry_limit", FieldType::kInt, "0",
                "How many times a request is sent before its events are dead-lettered with "
                "the last error. 0 retries forever: nothing is dropped, the input slows down "
                "while the server fails.")
      .Range(0, 1'000'000)
      .Optional("tls.ca_file", FieldType::kString, "\"\"",
                "https: PEM bundle of the CAs trusted to sign the server's certificate; \"\" "
                "uses the system's trust store.")
      .Optional("tls.cert_file", FieldType::kString, "\"\"",
                "https: PEM client certificate for servers that require one (with "
                "tls.key_file).")
      .Optional("tls.key_file", FieldType::kString, "\"\"",
                "https: PEM private key (unencrypted) of tls.cert_file.")
      .Optional("tls.verify_peer", FieldType::kBool, "true",
                "https: verify the server's certificate chain. Turn off only in a lab.")
      .Optional("tls.verify_hostname", FieldType::kBool, "true",
                "https: the server's certificate must name the URL's host.");
}

Result<HttpOptions> ParseHttpOptions(const ConfigNode& node) {
  HttpOptions o;
  o.url = node.GetString("url");
  const bool https = o.url.starts_with("https://");
  if (!https && !o.url.starts_with("http://")) {
    return Err(node.Error("url", "\"" + o.url + "\" must start with http:// or https://"));
  }
  const std::string_view rest = std::string_view(o.url).substr(https ? 8 : 7);
  if (rest.empty() || rest.front() == '/' || rest.front() == ':' ||
      rest.find_first_of(" \t\r\n") != std::string_view::npos) {
    return Err(node.Error("url", "\"" + o.url + "\" has no host or contains spaces"));
  }
  if (node.Has("headers")) {
    for (const auto& [name, value] : node.GetStringMap("headers")) {
      if (!IsToken(name)) {
        return Err(node.Error("headers", "\"" + name + "\" is not a valid header name"));
      }
      if (HasControl(value)) {
        return Err(
            node.Error("headers", "the value of \"" + name + "\" contains a control character"));
      }
      if (net::EqualsIgnoreCase(name, "content-length") ||
          net::EqualsIgnoreCase(name, "content-encoding") ||
          net::EqualsIgnoreCase(name, "transfer-encoding") || net::EqualsIgnoreCase(name, "host")) {
        return Err(node.Error("headers", "\"" + name + "\" is set by the output itself"));
      }
      o.headers.emplace_back(name, value);
    }
  }
  if (node.Has("auth.user")) {
    o.user = node.GetString("auth.user");
    if (o.user.empty() || o.user.find(':') != std::string::npos) {
      return Err(node.Error("auth.user", "must be non-empty and without ':'"));
    }
  }
  if (node.Has("auth.password")) {
    if (!node.Has("auth.user")) {
      return Err(node.Error("auth.password", "needs auth.user"));
    }
    o.password = node.GetString("auth.password");
  }
  if (node.Has("auth.bearer_token")) {
    if (node.Has("auth.user")) {
      return Err(node.Error("auth.bearer_token", "cannot be used with auth.user: pick one"));
    }
    o.bearer_token = node.GetString("auth.bearer_token");
    if (o.bearer_token.empty() || HasControl(o.bearer_token)) {
      return Err(node.Error("auth.bearer_token", "must be non-empty and on one line"));
    }
  }
  RUNNEL_ASSIGN_OR_RETURN(o.compression, CompressionOf(node.GetString("compression")));
  o.compression_level = static_cast<int>(node.GetInt("compression_level"));
  if (o.compression == forward::Compression::kGzip && o.compression_level > 9) {
    return Err(node.Error("compression_level", "gzip takes 1 to 9 (0: the default)"));
  }
  o.timeout = node.GetDuration("timeout");
  o.connect_timeout = node.GetDuration("connect_timeout");
  o.batch_max_events = static_cast<uint32_t>(node.GetInt("batch_max_events"));
  o.batch_max_bytes = node.GetSize("batch_max_bytes");
  o.batch_timeout = node.GetDuration("batch_timeout");
  o.max_in_flight = static_cast<uint32_t>(node.GetInt("max_in_flight"));
  o.retry_initial = node.GetDuration("retry_initial");
  o.retry_max = node.GetDuration("retry_max");
  if (o.retry_max < o.retry_initial) {
    return Err(node.Error("retry_max", "must not be shorter than retry_initial"));
  }
  o.retry_limit = node.GetInt("retry_limit");
  o.tls_ca_file = node.GetString("tls.ca_file");
  o.tls_cert_file = node.GetString("tls.cert_file");
  o.tls_key_file = node.GetString("tls.key_file");
  o.tls_verify_peer = node.GetBool("tls.verify_peer");
  o.tls_verify_hostname = node.GetBool("tls.verify_hostname");
  for (const char* key : {"tls.ca_file", "tls.cert_file", "tls.key_file"}) {
    if (!https && !node.GetString(key).empty()) {
      return Err(node.Error(key, "is set but url is not https://"));
    }
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return Err(node.Error(o.tls_cert_file.empty() ? "tls.cert_file" : "tls.key_file",
                          "tls.cert_file and tls.key_file go together"));
  }
  return o;
}

Outcome ClassifyStatus(const Response& response) {
  if (response.status == 0) {
    return Outcome::Retry(response.error.empty() ? "no response" : response.error);
  }
  if (response.status >= 200 && response.status < 300) {
    return Outcome::Delivered();
  }
  std::string reason = "HTTP " + std::to_string(response.status);
  std::string_view body = std::string_view(response.body).substr(0, 200);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())) != 0) {
    body.remove_suffix(1);
  }
  if (!body.empty()) {
    reason += ": ";
    for (char c : body) {
      reason += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
  }
  if (response.status == 408 || response.status == 429 || response.status >= 500) {
    return Outcome::Retry(std::move(reason), response.retry_after);
  }
  return Outcome::Rejected(std::move(reason));
}

}  // namespace runnel::http_client

#include "forward_config.h"

#include <charconv>

#include "runnel/net/host_port.h"

namespace runnel::plugins::forward_output {
namespace {

Status Bad(const std::string& text, const std::string& why) {
  return Status(StatusCode::kInvalidArgument, "\"" + text + "\": " + why);
}

bool ParseUint(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty()) {
    return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out <= max;
}

}  // namespace

Result<ServerSpec> ParseServer(const std::string& text) {
  ServerSpec spec;
  spec.text = text;
  std::string_view rest(text);
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  while (!rest.empty() && rest.back() == ' ') {
    rest.remove_suffix(1);
  }
  size_t space = rest.find(' ');
  if (space != std::string_view::npos) {
    std::string_view option = rest.substr(space + 1);
    while (!option.empty() && option.front() == ' ') {
      option.remove_prefix(1);
    }
    rest = rest.substr(0, space);
    if (!option.starts_with("weight=")) {
      return Err(Bad(text, "expected \"host:port\" or \"host:port weight=N\""));
    }
    uint64_t w = 0;
    if (!ParseUint(option.substr(7), 1000, &w) || w == 0) {
      return Err(Bad(text, "weight must be an integer from 1 to 1000"));
    }
    spec.weight = static_cast<uint32_t>(w);
  }
  Result<net::HostPort> address = net::ParseHostPort(rest, 1, kDefaultPort);
  if (!address.has_value()) {
    return Err(Bad(text, address.error().message()));
  }
  spec.host = std::move(address->host);
  spec.port = address->port.value_or(kDefaultPort);
  return spec;
}

Schema ForwardSchema() {
  Schema s;
  s.Required("servers", FieldType::kStringList,
             "The aggregators, each \"host\", \"host:port\" or \"[v6addr]:port\" (port 24224 "
             "by default), optionally followed by \" weight=N\" (1..1000, default 1). A name "
             "that resolves to several addresses is that many replicas; names are resolved "
             "again every resolve_interval.")
      .Enum("compression", {"zstd", "gzip", "none"}, "\"zstd\"",
            "How batches travel: CompressedPackedForward with zstd (runnel aggregators) or "
            "gzip (also Fluentd and Fluent Bit), or PackedForward uncompressed.")
      .Optional("compression_level", FieldType::kInt, "0",
                "The compression level; 0 is the library's default (zstd 3, gzip 6).")
      .Range(0, 19)
      .OptionalNoDefault("tag", FieldType::kString,
                         "The Forward tag of every batch; by default each batch keeps its "
                         "input's tag (the input's name).")
      .Optional("require_ack", FieldType::kBool, "true",
                "Ask the aggregator to acknowledge each batch (the `chunk` option) and count a "
                "batch as delivered only then. false: delivered once written to the socket; "
                "what was in flight when a connection breaks may be lost.")
      .Optional("ack_timeout", FieldType::kDuration, "\"30s\"",
                "A batch not acknowledged within this time fails its replica: the connection "
                "is closed and every batch outstanding there is sent to another replica.")
      .Range(100, 3'600'000)
      .Optional("connect_timeout", FieldType::kDuration, "\"5s\"",
                "For the TCP connection, the TLS handshake and the shared-key handshake.")
      .Range(10, 600'000)
      .Optional("keepalive_interval", FieldType::kDuration, "\"5s\"",
                "An idle connection sends a keepalive (a msgpack nil) this often, so a dead "
                "peer is noticed by a failed write even when there is nothing to send.")
      .Range(100, 3'600'000)
      .Optional("resolve_interval", FieldType::kDuration, "\"30s\"",
                "How often server names are resolved again; replicas that appeared are used, "
                "replicas that disappeared are let go after their batches are moved.")
      .Range(1'000, 86'400'000)
      .Optional("retry_initial", FieldType::kDuration, "\"200ms\"",
                "The first wait before a failed replica is tried again; it doubles with every "
                "failed attempt (with full jitter) up to retry_max.")
      .Range(1, 3'600'000)
      .Optional("retry_max", FieldType::kDuration, "\"30s\"",
                "The longest wait between two attempts to reach a failed replica.")
      .Range(1, 3'600'000)
      .Optional("retry_limit", FieldType::kInt, "0",
                "How many times one batch is sent before it is given up (rejected, counted "
                "and logged). 0 retries forever: nothing is dropped, the input slows down "
                "while no replica answers.")
      .Range(0, 1'000'000)
      .Optional("max_in_flight_bytes", FieldType::kSize, "\"16MiB\"",
                "Encoded bytes sent or waiting to be sent and not yet acknowledged. When "
                "reached, the output takes no more batches and its queue fills up.")
      .Range(1 << 16, int64_t{1} << 40)
      .OptionalNoDefault("shared_key", FieldType::kString,
                         "Enables the Forward handshake (HELO/PING/PONG) with this shared key; "
                         "the aggregator must have the same one.")
      .OptionalNoDefault("username", FieldType::kString,
                         "For aggregators that also authenticate users (with shared_key).")
      .OptionalNoDefault("password", FieldType::kString, "The password of username.")
      .OptionalNoDefault("self_hostname", FieldType::kString,
                         "The host name sent in the handshake; the machine's by default.");
  net::AddTlsFields(s, net::TlsRole::kClient);
  return s;
}

Result<ForwardConfig> ParseForwardConfig(const ConfigNode& node) {
  ForwardConfig c;
  const std::vector<std::string>& servers = node.GetStringList("servers");
  if (servers.empty()) {
    return Err(node.Error("servers", "lists no server; give at least one \"host:port\""));
  }
  for (const std::string& text : servers) {
    Result<ServerSpec> spec = ParseServer(text);
    if (!spec) {
      return Err(node.Error("servers", spec.error().message()));
    }
    c.servers.push_back(std::move(*spec));
  }
  const std::string& comp = node.GetString("compression");
  c.compression = comp == "gzip"   ? runnel::forward::Compression::kGzip
                  : comp == "none" ? runnel::forward::Compression::kNone
                                   : runnel::forward::Compression::kZstd;
  c.compression_level = static_cast<int>(node.GetInt("compression_level"));
  if (node.Has("tag")) {
    c.tag = node.GetString("tag");
    if (c.tag.empty()) {
      return Err(node.Error("tag", "must not be empty; leave it out to keep each batch's tag"));
    }
  }
  c.require_ack = node.GetBool("require_ack");
  c.ack_timeout = node.GetDuration("ack_timeout");
  c.connect_timeout = node.GetDuration("connect_timeout");
  c.keepalive_interval = node.GetDuration("keepalive_interval");
  c.resolve_interval = node.GetDuration("resolve_interval");
  c.retry_initial = node.GetDuration("retry_initial");
  c.retry_max = node.GetDuration("retry_max");
  if (c.retry_max < c.retry_initial) {
    return Err(node.Error("retry_max", "must not be shorter than retry_initial"));
  }
  c.retry_limit = node.GetInt("retry_limit");
  c.max_in_flight_bytes = node.GetSize("max_in_flight_bytes");
  if (node.Has("shared_key")) {
    c.shared_key = node.GetString("shared_key");
    if (c.shared_key.empty()) {
      return Err(node.Error("shared_key", "must not be empty; leave it out for no handshake"));
    }
  }
  if (node.Has("username")) {
    c.username = node.GetString("username");
  }
  if (node.Has("password")) {
    c.password = node.GetString("password");
  }
  if ((node.Has("username") || node.Has("password")) && c.shared_key.empty()) {
    return Err(node.Error(node.Has("username") ? "username" : "password",
                          "needs shared_key: users are authenticated in the handshake"));
  }
  if (node.Has("self_hostname")) {
    c.self_hostname = node.GetString("self_hostname");
  }
  RUNNEL_ASSIGN_OR_RETURN(c.tls, net::ParseTlsConfig(node, net::TlsRole::kClient));
  return c;
}

}  // namespace runnel::plugins::forward_output

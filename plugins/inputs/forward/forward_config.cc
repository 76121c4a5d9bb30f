#include "forward_config.h"

#include "runnel/net/listener_config.h"

namespace runnel::plugins::forward_input {

Schema ForwardSchema() {
  Schema s;
  net::AddListenAddressFields(s, "24224",
                              "TCP port to listen on; 0 picks a free port and logs it.");
  s.OptionalNoDefault("tag", FieldType::kString,
                      "Replaces the tag every sender gives its events. Unset: the sender's "
                      "tag is kept.")
      .OptionalNoDefault("tag_key", FieldType::kString,
                         "Adds the event's tag to each record under this key.")
      .OptionalNoDefault("source_address_key", FieldType::kString,
                         "Adds the sender's IP address to each record under this key.")
      .OptionalNoDefault("shared_key", FieldType::kString,
                         "Turns on the Forward handshake: a sender must prove it knows this key "
                         "(HELO/PING/PONG) before any event is accepted.")
      .OptionalNoDefault("self_hostname", FieldType::kString,
                         "The host name this input gives in the handshake. Unset: the "
                         "machine's host name.")
      .OptionalNoDefault("users", FieldType::kStringMap,
                         "User authentication on top of shared_key: { name = \"password\", ... }. "
                         "A sender must give one of these users and its password.")
      .Optional("max_frame_bytes", FieldType::kSize, "\"64MiB\"",
                "The largest Forward frame accepted; a larger one closes its connection.")
      .Range(1024, INT64_MAX)
      .Optional("max_decompressed_bytes", FieldType::kSize, "\"256MiB\"",
                "The most bytes one compressed frame may decompress to (a compression bomb "
                "closes its connection).")
      .Range(1024, INT64_MAX)
      .Optional("idle_timeout", FieldType::kDuration, "\"60s\"",
                "A connection that sends nothing for this long is closed; 0 never closes.")
      .Range(0, INT64_MAX)
      .Optional("max_connections", FieldType::kInt, "1024",
                "Connections open at once; one more is accepted and closed at once.")
      .Range(1, 1'000'000)
      .Optional("dedupe", FieldType::kBool, "true",
                "Remembers the chunk ids of accepted frames (kept under the data directory, so "
                "across restarts): a frame re-sent with one of them is acked without being "
                "stored again.")
      .Optional("dedupe_window", FieldType::kInt, "100000",
                "How many recently accepted chunk ids dedupe remembers; the oldest is "
                "forgotten first.")
      .Range(1, 100'000'000);
  net::AddTlsFields(s, net::TlsRole::kServer);
  return s;
}

Result<ForwardConfig> ParseForwardConfig(const ConfigNode& node, const std::string& hostname) {
  ForwardConfig c;
  RUNNEL_RETURN_IF_ERROR(net::ParseListenAddress(node, &c.host, &c.port));
  RUNNEL_ASSIGN_OR_RETURN(c.tag, net::NonEmptyString(node, "tag"));
  RUNNEL_ASSIGN_OR_RETURN(c.tag_key, net::NonEmptyString(node, "tag_key"));
  RUNNEL_ASSIGN_OR_RETURN(c.source_address_key, net::NonEmptyString(node, "source_address_key"));
  RUNNEL_ASSIGN_OR_RETURN(c.shared_key, net::NonEmptyString(node, "shared_key"));
  RUNNEL_ASSIGN_OR_RETURN(c.self_hostname, net::NonEmptyString(node, "self_hostname"));
  if (c.self_hostname.empty()) {
    c.self_hostname = hostname;
  }
  if (node.Has("users")) {
    if (c.shared_key.empty()) {
      return Err(node.Error("users", "needs shared_key (users authenticate in the handshake)"));
    }
    for (const auto& [name, password] : node.GetStringMap("users")) {
      c.users.push_back({name, password});
    }
    if (c.users.empty()) {
      return Err(node.Error("users", "must name at least one user"));
    }
  }
  c.limits.max_frame_bytes = node.GetSize("max_frame_bytes");
  c.limits.max_decompressed_bytes = node.GetSize("max_decompressed_bytes");
  c.idle_timeout = node.GetDuration("idle_timeout");
  c.max_connections = static_cast<size_t>(node.GetInt("max_connections"));
  c.dedupe = node.GetBool("dedupe");
  c.dedupe_window = static_cast<size_t>(node.GetInt("dedupe_window"));
  RUNNEL_ASSIGN_OR_RETURN(c.tls, net::ParseServerTls(node));
  return c;
}

}  // namespace runnel::plugins::forward_input

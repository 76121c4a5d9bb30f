#include "socket_config.h"

#include "runnel/net/listener_config.h"

namespace runnel::plugins::socket_input {

void AddSocketFields(Schema& s, const SocketFields& which, const std::string& default_port) {
  if (which.address) {
    net::AddListenAddressFields(s, default_port,
                                "Port to listen on; 0 picks a free port and logs it.");
  }
  if (which.unix_path) {
    s.OptionalNoDefault("path", FieldType::kString,
                        "The unix socket's path. A socket file already there (left by a process "
                        "that died) is removed at start; any other file there is an error and "
                        "is left alone. The file is removed at stop.")
        .OptionalNoDefault("permissions", FieldType::kString,
                           "The socket file's mode, in octal (\"0660\"), set after it is made. "
                           "Unset: what the umask gives.");
  }
  if (which.key) {
    s.Optional("key", FieldType::kString, "\"log\"", "The record field that holds the message.");
  }
  s.Optional("max_line_bytes", FieldType::kSize, "\"64KiB\"",
             "Longest message. A longer line or octet-counted frame is cut to this length and "
             "emitted (counted in socket_messages_truncated_total); the rest of it is skipped, "
             "up to its newline or its length. A longer datagram is cut the same way.")
      .Range(16, 64ll * 1024 * 1024)
      .Optional("batch_max_bytes", FieldType::kSize, "\"1MiB\"",
                "Largest batch (encoded). The messages of one read go out as one batch, split at "
                "this size.")
      .Range(1024, 256ll * 1024 * 1024)
      .OptionalNoDefault("source_address_key", FieldType::kString,
                         "Adds the sender's IP address to each record under this key (not for "
                         "unix sockets).")
      .OptionalNoDefault("source_port_key", FieldType::kString,
                         "Adds the sender's port (an integer) to each record under this key (not "
                         "for unix sockets).");
  if (which.streams) {
    s.Optional("max_connections", FieldType::kInt, "1024",
               "Stream connections open at once; one more is accepted and closed at once "
               "(counted in socket_connections_refused_total, logged).")
        .Range(1, 1'000'000)
        .Optional("idle_timeout", FieldType::kDuration, "\"0s\"",
                  "A stream connection that sends nothing for this long is closed; 0 never "
                  "closes (syslog senders keep quiet connections open).")
        .Range(0, INT64_MAX);
  }
  if (which.datagrams) {
    s.Optional("queue_max_bytes", FieldType::kSize, "\"8MiB\"",
               "Datagrams cannot be slowed down: those received while this many bytes wait for "
               "the pipeline are dropped (counted in socket_dropped_total{reason=\"queue_full\"}, "
               "logged).")
        .Range(1024, 4ll * 1024 * 1024 * 1024)
        .Optional("receive_buffer_bytes", FieldType::kSize, "0",
                  "The kernel receive buffer asked for (SO_RCVBUF, capped by "
                  "net.core.rmem_max); 0 keeps the system default.")
        .Range(0, 1ll << 30);
  }
  if (which.tls) {
    net::AddTlsFields(s, net::TlsRole::kServer);
  }
}

Result<mode_t> ParsePermissions(const std::string& text) {
  if (text.size() < 3 || text.size() > 4) {
    return Err(InvalidArgument("give 3 or 4 octal digits, e.g. \"0660\""));
  }
  mode_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') {
      return Err(InvalidArgument("give 3 or 4 octal digits, e.g. \"0660\""));
    }
    mode = mode * 8 + static_cast<mode_t>(c - '0');
  }
  if (mode > 07777) {
    return Err(InvalidArgument("give 3 or 4 octal digits, e.g. \"0660\""));
  }
  return mode;
}

Status ParseSocketFields(const ConfigNode& node, const SocketFields& which, SocketConfig* c) {
  if (which.address && !IsUnix(c->transport)) {
    RUNNEL_RETURN_IF_ERROR(net::ParseListenAddress(node, &c->host, &c->port));
  }
  if (which.unix_path) {
    if (IsUnix(c->transport)) {
      RUNNEL_ASSIGN_OR_RETURN(c->path, net::NonEmptyString(node, "path"));
      if (c->path.empty()) {
        return node.Error("path", "a unix socket needs a path");
      }
      if (node.Has("permissions")) {
        Result<mode_t> mode = ParsePermissions(node.GetString("permissions"));
        if (!mode) {
          return node.Error("permissions", mode.error().message());
        }
        c->permissions = *mode;
      }
    } else if (node.Has("path")) {
      return node.Error("path", "only for unix sockets");
    }
  }
  if (which.key) {
    c->key = node.GetString("key");
    if (c->key.empty()) {
      return node.Error("key", "must not be empty");
    }
  }
  c->max_line_bytes = node.GetSize("max_line_bytes");
  c->batch_max_bytes = node.GetSize("batch_max_bytes");
  RUNNEL_ASSIGN_OR_RETURN(c->peer_keys.address_key,
                          net::NonEmptyString(node, "source_address_key"));
  RUNNEL_ASSIGN_OR_RETURN(c->peer_keys.port_key, net::NonEmptyString(node, "source_port_key"));
  if (IsUnix(c->transport)) {
    for (const char* k : {"source_address_key", "source_port_key"}) {
      if (node.Has(k)) {
        return node.Error(k, "unix sockets have no address or port to add");
      }
    }
  }
  if (which.streams && IsStream(c->transport)) {
    c->max_connections = static_cast<size_t>(node.GetInt("max_connections"));
    c->idle_timeout = node.GetDuration("idle_timeout");
  }
  if (which.datagrams && !IsStream(c->transport)) {
    c->queue_max_bytes = node.GetSize("queue_max_bytes");
    c->receive_buffer_bytes = node.GetSize("receive_buffer_bytes");
  }
  if (which.tls) {
    RUNNEL_ASSIGN_OR_RETURN(net::TlsConfig tls, net::ParseTlsConfig(node, net::TlsRole::kServer));
    if (tls.enabled) {
      if (c->transport != Transport::kTcp) {
        return node.Error("tls.enabled", "TLS is for TCP only");
      }
      RUNNEL_ASSIGN_OR_RETURN(c->tls, net::TlsContext::Create(tls, net::TlsRole::kServer));
    }
  }
  return OkStatus();
}

}  // namespace runnel::plugins::socket_input

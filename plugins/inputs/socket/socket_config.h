#pragma once
// Configuration shared by the socket inputs (tcp, udp, unix, and syslog on top of them): the
// schema fields each declares, and the validated, immutable config the runtime is built from.
// Plain values; thread-compatible.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "message_encoder.h"
#include "runnel/config_node.h"
#include "runnel/net/tls.h"
#include "runnel/schema.h"
#include "runnel/status.h"
#include "stream_framer.h"

namespace runnel::plugins::socket_input {

enum class Transport { kTcp, kUdp, kUnixStream, kUnixDatagram };

inline bool IsStream(Transport t) { return t == Transport::kTcp || t == Transport::kUnixStream; }
inline bool IsUnix(Transport t) {
  return t == Transport::kUnixStream || t == Transport::kUnixDatagram;
}

struct SocketConfig {
  Transport transport = Transport::kTcp;
  std::string host = "0.0.0.0";  // tcp, udp
  uint16_t port = 0;             // 0: a free port, logged at start
  std::string path;              // unix
  mode_t permissions = 0;        // unix: 0 leaves the umask's
  Framing framing = Framing::kNewline;
  size_t max_line_bytes = 64u << 10;
  size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout{0};
  std::shared_ptr<const net::TlsContext> tls;  // tcp; null: plain
  std::string key = "log";
  PeerKeys peer_keys;
  size_t batch_max_bytes = 1u << 20;
  size_t queue_max_bytes = 8u << 20;  // datagrams
  size_t receive_buffer_bytes = 0;    // datagrams: SO_RCVBUF; 0 keeps the system's
};

// Which keys a plugin declares.
struct SocketFields {
  bool address = false;    // host, port (tcp, udp)
  bool unix_path = false;  // path, permissions
  bool tls = false;
  bool streams = false;    // max_connections, idle_timeout
  bool datagrams = false;  // queue_max_bytes, receive_buffer_bytes
  bool key = true;         // key (the record field of the message)
};

// Declares the fields `which` names (framing and mode are the plugin's own), with the defaults
// of SocketConfig; `default_port` "" makes port required.
void AddSocketFields(Schema& schema, const SocketFields& which, const std::string& default_port);

// Reads what AddSocketFields declared into `config` (transport and framing already set: they
// decide what is accepted). Builds the TLS context. Errors are InvalidArgument at the key.
Status ParseSocketFields(const ConfigNode& node, const SocketFields& which, SocketConfig* config);

// "0660" -> 0660. Errors: not 3 or 4 octal digits.
Result<mode_t> ParsePermissions(const std::string& text);

}  // namespace runnel::plugins::socket_input

#pragma once
// Configuration of the forward output: the replicas, how batches travel (compression, acks),
// failure detection and retries, the shared-key handshake and TLS.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/forward/compression.h"
#include "runnel/net/tls.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::forward_output {

inline constexpr uint16_t kDefaultPort = 24224;

// One entry of `servers`: "host", "host:port", "[v6]:port", each optionally followed by
// " weight=N". A host that resolves to several addresses is that many replicas.
struct ServerSpec {
  std::string host;
  uint16_t port = kDefaultPort;
  uint32_t weight = 1;
  std::string text;  // as configured, for logs

  friend bool operator==(const ServerSpec&, const ServerSpec&) = default;
};

// Parses one `servers` entry; InvalidArgument with what is wrong.
Result<ServerSpec> ParseServer(const std::string& text);

struct ForwardConfig {
  std::vector<ServerSpec> servers;
  forward::Compression compression = forward::Compression::kZstd;
  int compression_level = 0;  // 0: the library's default
  std::string tag;            // empty: each batch's own tag
  bool require_ack = true;
  std::chrono::milliseconds ack_timeout{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds keepalive_interval{5'000};
  std::chrono::milliseconds resolve_interval{30'000};
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{30'000};
  int64_t retry_limit = 0;  // send attempts per batch; 0: forever
  uint64_t max_in_flight_bytes = 16ull << 20;
  std::string shared_key;  // empty: no handshake
  std::string username;
  std::string password;
  std::string self_hostname;  // empty: the machine's host name
  net::TlsConfig tls;
};

Schema ForwardSchema();
Result<ForwardConfig> ParseForwardConfig(const ConfigNode& node);

}  // namespace runnel::plugins::forward_output

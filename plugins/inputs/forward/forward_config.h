#pragma once
// Configuration of the forward input: its schema (the reference docs) and the validated,
// immutable config the runtime is built from. Plain values; thread-compatible.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/forward/frame_decoder.h"
#include "runnel/forward/handshake.h"
#include "runnel/net/tls.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::forward_input {

struct ForwardConfig {
  std::string host = "0.0.0.0";
  uint16_t port = 24224;           // 0: a free port, logged at start
  std::string tag;                 // non-empty: replaces the sender's tag
  std::string tag_key;             // non-empty: each record gets the tag under this key
  std::string source_address_key;  // non-empty: each record gets the peer's address
  // Handshake: on when shared_key is not empty.
  std::string shared_key;
  std::string self_hostname;
  std::vector<forward::User> users;  // non-empty: user authentication as well
  forward::DecoderLimits limits;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  size_t max_connections = 1024;
  // null: plain TCP.
  std::shared_ptr<const net::TlsContext> tls;
  // Acks a chunk id accepted recently (one of the last dedupe_window) without storing it again.
  bool dedupe = true;
  size_t dedupe_window = 100'000;
};

Schema ForwardSchema();

// Reads a node validated against ForwardSchema(). `hostname` is the default self_hostname.
// Builds the TLS context, so unreadable or inconsistent certificate files fail here.
// Errors are InvalidArgument, positioned at the key.
Result<ForwardConfig> ParseForwardConfig(const ConfigNode& node, const std::string& hostname);

}  // namespace runnel::plugins::forward_input

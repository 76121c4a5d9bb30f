#pragma once
// The schemas (reference docs) of the tcp, udp and unix inputs and the parsers that turn a
// validated node into a SocketConfig. Errors are InvalidArgument, positioned at the key.
// Thread-safe (no state).

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"
#include "socket_config.h"

namespace runnel::plugins::socket_input {

Schema TcpSchema();
Schema UdpSchema();
Schema UnixSchema();

Result<SocketConfig> ParseTcpConfig(const ConfigNode& node);
Result<SocketConfig> ParseUdpConfig(const ConfigNode& node);
Result<SocketConfig> ParseUnixConfig(const ConfigNode& node);

}  // namespace runnel::plugins::socket_input

#pragma once
// "host:port" as configs write addresses: "127.0.0.1:2020", "name:24224", "[::1]:2020", or the
// host alone ("name", "[::1]") where a caller has a default port. Shared by every config key
// that names an address, so they accept and refuse the same forms with the same messages.
// Thread-safe (no state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::net {

struct HostPort {
  std::string host;              // without the brackets of an IPv6 address
  std::optional<uint16_t> port;  // absent when the text has none
};

// Splits `text`. The port, when present, is an integer from `min_port` to 65535.
// Errors (InvalidArgument, the message says what is wrong, without quoting `text`): no host,
// an IPv6 address without brackets ("an IPv6 address needs brackets: \"[::1]:<example_port>\"")
// or without its closing bracket, something other than ":port" after "]", an empty port, a port
// that is not an integer in range.
Result<HostPort> ParseHostPort(std::string_view text, uint16_t min_port, uint16_t example_port);

}  // namespace runnel::net

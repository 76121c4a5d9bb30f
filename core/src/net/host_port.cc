#include "runnel/net/host_port.h"

#include <charconv>

namespace runnel::net {

Result<HostPort> ParseHostPort(std::string_view text, uint16_t min_port, uint16_t example_port) {
  HostPort out;
  std::string_view port;
  bool has_port = false;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Err(InvalidArgument("an IPv6 address in [ ] has no closing ]"));
    }
    out.host = std::string(text.substr(1, close - 1));
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Err(InvalidArgument("expected :port after ]"));
      }
      port = after.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      return Err(InvalidArgument(
          "an IPv6 address needs brackets: \"[::1]:" + std::to_string(example_port) + "\""));
    }
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      has_port = true;
    }
  }
  if (has_port && port.empty()) {
    return Err(InvalidArgument("the port after : is empty"));
  }
  if (out.host.empty()) {
    return Err(InvalidArgument("no host"));
  }
  if (has_port) {
    uint32_t p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < min_port || p > 65535) {
      return Err(InvalidArgument("the port must be an integer from " + std::to_string(min_port) +
                                 " to 65535"));
    }
    out.port = static_cast<uint16_t>(p);
  }
  return out;
}

}  // namespace runnel::net

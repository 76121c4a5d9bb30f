#include "config/api_config.h"

#include "runnel/net/host_port.h"

namespace runnel::config {

Status SetApiAddress(const std::string& text, ApiConfig* api) {
  Result<net::HostPort> parsed = net::ParseHostPort(text, 0, 2020);
  const std::string prefix = "key 'api.address' has invalid address \"" + text + "\": ";
  if (!parsed.has_value()) {
    return InvalidArgument(prefix + parsed.error().message());
  }
  if (!parsed->port.has_value()) {
    return InvalidArgument(prefix + "no port");
  }
  api->enabled = true;
  api->address = text;
  api->host = parsed->host;
  api->port = *parsed->port;
  return OkStatus();
}

}  // namespace runnel::config

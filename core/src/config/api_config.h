#pragma once
// The [api] section of a config: where the HTTP admin API (/metrics, /health, /ready) listens.
// Its keys are global keys named "api.<key>" (loader.h); the API is off without api.address.

#include <chrono>
#include <cstdint>
#include <string>

#include "runnel/status.h"

namespace runnel::config {

struct ApiConfig {
  bool enabled = false;
  std::string address;  // as written, for messages: "127.0.0.1:2020"
  std::string host;     // "127.0.0.1", "::1", or a name
  uint16_t port = 0;    // 0: a free port, logged
  std::chrono::milliseconds health_window{60'000};

  // A reload restarts the server only when the address changed; new handlers suffice for the
  // window.
  friend bool operator==(const ApiConfig&, const ApiConfig&) = default;
};

// Sets enabled, address, host and port from `text`, "host:port" with the port given (0 picks a
// free one). InvalidArgument otherwise: "key 'api.address' has invalid address \"x\": no port"
// (or what else is wrong: see net::ParseHostPort).
Status SetApiAddress(const std::string& text, ApiConfig* api);

// The hint that goes with SetApiAddress's errors.
inline constexpr char kApiAddressHint[] =
    "e.g. address = \"127.0.0.1:2020\" under [api]; port 0 picks a free port";

}  // namespace runnel::config

#pragma once
// Loopback helpers for integration tests that run servers as real processes: a free port, a
// readiness probe, and the port a runnel input bound when it was given port 0.
// Thread-safe (no shared state).

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/testing/process.h"

namespace runnel::testing {

// 127.0.0.1:port, for bind and connect.
sockaddr_in LoopbackAddress(uint16_t port);

// A port free now on 127.0.0.1 (bound, read, released), for a server that must come back on the
// same port after a restart. Something else may take it in between: a server started once
// binds port 0 instead (see WaitForLoggedPort).
uint16_t FreeLoopbackPort();

// Whether something accepts connections on 127.0.0.1:port now.
bool AcceptsConnections(uint16_t port);

// The port that the input `component` (e.g. "inputs.fwd") of a runnel process logged to
// `log_path` with "[<component>] listening on 127.0.0.1:<port>" (it does so when given port 0),
// once it has. 0 when `process` exits or `timeout` passes first.
uint16_t WaitForLoggedPort(const std::string& log_path, std::string_view component,
                           Process& process,
                           std::chrono::milliseconds timeout = std::chrono::minutes(1));

}  // namespace runnel::testing

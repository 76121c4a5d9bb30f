#pragma once
// What every listening input (forward, http, socket, syslog) reads and reports the same way: its
// optional string keys, its host and port, its server TLS, and a failure to listen. Each input
// keeps its own schema rows (defaults and help differ); these read the values back.
// Thread-safe (no state).

#include <cstdint>
#include <memory>
#include <string>

#include "runnel/config_node.h"
#include "runnel/net/tls.h"
#include "runnel/status.h"

namespace runnel::net {

// The string at `key`: "" when the key is unset. Set to "" is an InvalidArgument at the key,
// "must not be empty".
Result<std::string> NonEmptyString(const ConfigNode& node, const std::string& key);

// Reads `host` (a string key; "" is an InvalidArgument at "host", "must not be empty") and
// `port` (an int key the schema ranges to 0..65535) into *host and *port. On failure neither is
// written.
Status ParseListenAddress(const ConfigNode& node, std::string* host, uint16_t* port);

// Reads the tls.* keys AddTlsFields(kServer) declared and, when tls.enabled, builds the context:
// nullptr when TLS is off. Errors are those of ParseTlsConfig and TlsContext::Create.
Result<std::shared_ptr<const TlsContext>> ParseServerTls(const ConfigNode& node);

// The status of a listener that failed to start, for component `component`: the error's code,
// and its message after "<component>: ", a "listen on ..." message reading "cannot listen on ...".
Status ListenFailure(const std::string& component, const Status& error);

}  // namespace runnel::net

#pragma once
// What every listening input (forward, http, socket, syslog) declares, reads and reports the same
// way: its host and port keys, its optional string keys, its server TLS, and a failure to listen.
// Each input keeps its other schema rows (their defaults and help differ).
// Thread-safe (no state).

#include <cstdint>
#include <memory>
#include <string>

#include "runnel/config_node.h"
#include "runnel/net/tls.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::net {

// Declares `host` (a string, default "0.0.0.0") and `port` (an int in 0..65535 described by
// `port_help`; default `default_port`, or required when `default_port` is ""). Call it inside
// the plugin's schema builder, where these rows should appear.
void AddListenAddressFields(Schema& schema, const std::string& default_port,
                            const std::string& port_help);

// The string at `key`: "" when the key is unset. Set to "" is an InvalidArgument at the key,
// "must not be empty".
Result<std::string> NonEmptyString(const ConfigNode& node, const std::string& key);

// Reads the `host` and `port` AddListenAddressFields declared into *host and *port. A `host` of
// "" is an InvalidArgument at "host", "must not be empty"; on failure neither is written.
Status ParseListenAddress(const ConfigNode& node, std::string* host, uint16_t* port);

// Reads the tls.* keys AddTlsFields(kServer) declared and, when tls.enabled, builds the context:
// nullptr when TLS is off. Errors are those of ParseTlsConfig and TlsContext::Create.
Result<std::shared_ptr<const TlsContext>> ParseServerTls(const ConfigNode& node);

// The status of a listener that failed to start, for component `component`: the error's code,
// and its message after "<component>: ", a "listen on ..." message reading "cannot listen on ...".
Status ListenFailure(const std::string& component, const Status& error);

}  // namespace runnel::net

#pragma once
// The connection settings the kafka input and output share, and the librdkafka configuration
// built from them.
//
// Keys (declared by AddConnectionFields, read by ParseConnection):
//   brokers            the bootstrap servers ("host:port"), required, at least one
//   client_id          librdkafka's client.id (default "runnel")
//   tls.enabled, tls.ca_file, tls.cert_file, tls.key_file, tls.key_password, tls.verify_hostname
//   sasl.mechanism ("PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512"), sasl.username, sasl.password
//   librdkafka         { "property" = "value" }: any other librdkafka property, applied last
// Each becomes one librdkafka property (tls.* and sasl.* choose security.protocol: ssl,
// sasl_ssl or sasl_plaintext). Every property is applied to a scratch configuration while the
// config is parsed, so `--validate` reports a property librdkafka refuses, naming the key:
//   "key 'librdkafka': \"linger.mss\": No such configuration property: \"linger.mss\"".
// Functions are thread-safe.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// One librdkafka property and the config key it came from (for error messages).
struct Property {
  std::string name;   // "bootstrap.servers"
  std::string value;  // "10.0.0.1:9092,10.0.0.2:9092"
  std::string key;    // "brokers"
  friend bool operator==(const Property&, const Property&) = default;
};

// The properties of the connection keys, in the order they are applied: the plugin's own
// defaults go before these (so `librdkafka` can override them).
struct Connection {
  std::vector<std::string> brokers;
  std::vector<Property> properties;
};

void AddConnectionFields(Schema& schema);
// InvalidArgument naming the key: no broker, an empty broker, tls.cert_file without
// tls.key_file, sasl.username without sasl.mechanism, a librdkafka property refused.
Result<Connection> ParseConnection(const ConfigNode& node);

// Applies `properties` to `conf` in order. InvalidArgument naming the property and its key
// ("key 'librdkafka': \"x\": No such configuration property: \"x\"") on the first refused one;
// with `node` the message carries its location.
Status ApplyProperties(rd_kafka_conf_t* conf, const std::vector<Property>& properties,
                       const ConfigNode* node = nullptr);

// Sends librdkafka's own log lines to runnel's log instead of stderr, under the client's name
// ("kafka runnel#producer-1"): errors, warnings, notices as info.
void RouteLogs(rd_kafka_conf_t* conf);

// A new configuration with `properties` applied (see ApplyProperties).
Result<ConfPtr> BuildConf(const std::vector<Property>& properties);

}  // namespace runnel::plugins::kafka

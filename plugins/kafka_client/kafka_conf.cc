#include "plugins/kafka_client/kafka_conf.h"

#include "runnel/logging.h"

namespace runnel::plugins::kafka {

void AddConnectionFields(Schema& s) {
  s.Required("brokers", FieldType::kStringList,
             "The bootstrap brokers, each \"host:port\" (librdkafka's bootstrap.servers); the "
             "rest of the cluster is learnt from them.")
      .Optional("client_id", FieldType::kString, "\"runnel\"",
                "The client.id the brokers see (logs, quotas).")
      .Optional("tls.enabled", FieldType::kBool, "false",
                "Connect with TLS (security.protocol ssl, or sasl_ssl with sasl.mechanism).")
      .OptionalNoDefault("tls.ca_file", FieldType::kString,
                         "PEM file of the CAs that sign the brokers' certificates "
                         "(ssl.ca.location); the system's by default.")
      .OptionalNoDefault("tls.cert_file", FieldType::kString,
                         "PEM client certificate, for brokers that require one "
                         "(ssl.certificate.location); needs tls.key_file.")
      .OptionalNoDefault("tls.key_file", FieldType::kString,
                         "PEM private key of tls.cert_file (ssl.key.location).")
      .OptionalNoDefault("tls.key_password", FieldType::kString,
                         "Password of tls.key_file (ssl.key.password).")
      .Optional("tls.verify_hostname", FieldType::kBool, "true",
                "Check that a broker's certificate names the host connected to "
                "(ssl.endpoint.identification.algorithm https).")
      .EnumNoDefault("sasl.mechanism", {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"},
                     "Authenticate with SASL (sasl.mechanisms); security.protocol becomes "
                     "sasl_ssl with tls.enabled, else sasl_plaintext.")
      .OptionalNoDefault("sasl.username", FieldType::kString, "The SASL user name.")
      .OptionalNoDefault("sasl.password", FieldType::kString, "The SASL password.")
      .OptionalNoDefault("librdkafka", FieldType::kStringMap,
                         "Any other librdkafka property, e.g. { \"socket.keepalive.enable\" = "
                         "\"true\" }, applied after runnel's own settings (so it overrides "
                         "them). A property librdkafka refuses is a config error.");
}

namespace {

std::string Joined(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) {
    if (!out.empty()) {
      out.push_back(',');
    }
    out.append(s);
  }
  return out;
}

}  // namespace

Result<Connection> ParseConnection(const ConfigNode& node) {
  Connection c;
  c.brokers = node.GetStringList("brokers");
  if (c.brokers.empty()) {
    return Err(node.Error("brokers", "lists no broker; give at least one \"host:port\""));
  }
  for (const std::string& b : c.brokers) {
    if (b.empty() || b.find(',') != std::string::npos || b.find(' ') != std::string::npos) {
      return Err(node.Error("brokers", "\"" + b + "\" is not one \"host:port\""));
    }
  }
  auto add = [&](std::string name, std::string value, std::string key) {
    c.properties.push_back({std::move(name), std::move(value), std::move(key)});
  };
  add("bootstrap.servers", Joined(c.brokers), "brokers");
  add("client.id", node.GetString("client_id"), "client_id");
  const bool tls = node.GetBool("tls.enabled");
  const bool sasl = node.Has("sasl.mechanism");
  if (!tls) {
    for (const char* key : {"tls.ca_file", "tls.cert_file", "tls.key_file", "tls.key_password"}) {
      if (node.Has(key)) {
        return Err(node.Error(key, "needs tls.enabled = true"));
      }
    }
  }
  if (node.Has("tls.cert_file") != node.Has("tls.key_file")) {
    return Err(node.Error(node.Has("tls.cert_file") ? "tls.cert_file" : "tls.key_file",
                          "tls.cert_file and tls.key_file go together"));
  }
  if (!sasl) {
    for (const char* key : {"sasl.username", "sasl.password"}) {
      if (node.Has(key)) {
        return Err(node.Error(key, "needs sasl.mechanism"));
      }
    }
  }
  add("security.protocol",
      tls ? (sasl ? "sasl_ssl" : "ssl") : (sasl ? "sasl_plaintext" : "plaintext"),
      tls    ? "tls.enabled"
      : sasl ? "sasl.mechanism"
             : "tls.enabled");
  if (tls) {
    const std::pair<const char*, const char*> files[] = {
        {"tls.ca_file", "ssl.ca.location"},
        {"tls.cert_file", "ssl.certificate.location"},
        {"tls.key_file", "ssl.key.location"},
        {"tls.key_password", "ssl.key.password"}};
    for (const auto& [key, name] : files) {
      if (node.Has(key)) {
        add(name, node.GetString(key), key);
      }
    }
    add("ssl.endpoint.identification.algorithm",
        node.GetBool("tls.verify_hostname") ? "https" : "none", "tls.verify_hostname");
  }
  if (sasl) {
    add("sasl.mechanisms", node.GetString("sasl.mechanism"), "sasl.mechanism");
    if (node.Has("sasl.username")) {
      add("sasl.username", node.GetString("sasl.username"), "sasl.username");
    }
    if (node.Has("sasl.password")) {
      add("sasl.password", node.GetString("sasl.password"), "sasl.password");
    }
  }
  if (node.Has("librdkafka")) {
    for (const auto& [name, value] : node.GetStringMap("librdkafka")) {
      add(name, value, "librdkafka");
    }
  }
  // Validated now, so a refused property is a config error and not a start-up failure.
  ConfPtr scratch(rd_kafka_conf_new());
  RUNNEL_RETURN_IF_ERROR(ApplyProperties(scratch.get(), c.properties, &node));
  return c;
}

Status ApplyProperties(rd_kafka_conf_t* conf, const std::vector<Property>& properties,
                       const ConfigNode* node) {
  char err[512];
  for (const Property& p : properties) {
    if (rd_kafka_conf_set(conf, p.name.c_str(), p.value.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      std::string message = "\"" + p.name + "\": " + err;
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();  // librdkafka ends some messages with a newline
      }
      if (node != nullptr) {
        return node->Error(p.key, message);
      }
      return InvalidArgument("key '" + p.key + "': " + message);
    }
  }
  return OkStatus();
}

namespace {

// librdkafka's syslog levels: 0..3 errors, 4 warnings, 5..6 notices and info, 7 debug.
void LogLine(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const std::string c = std::string("kafka ") + rd_kafka_name(rk);
  if (level <= 3) {
    RUNNEL_LOG(kError, c) << "librdkafka " << facility << ": " << text;
  } else if (level == 4) {
    RUNNEL_LOG(kWarn, c) << "librdkafka " << facility << ": " << text;
  } else if (level <= 6) {
    RUNNEL_LOG(kInfo, c) << "librdkafka " << facility << ": " << text;
  } else {
    RUNNEL_LOG(kDebug, c) << "librdkafka " << facility << ": " << text;
  }
}

}  // namespace

void RouteLogs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, &LogLine); }

Result<ConfPtr> BuildConf(const std::vector<Property>& properties) {
  ConfPtr conf(rd_kafka_conf_new());
  RUNNEL_RETURN_IF_ERROR(ApplyProperties(conf.get(), properties));
  return conf;
}

}  // namespace runnel::plugins::kafka

#include "runnel/net/listener_config.h"

namespace runnel::net {

void AddListenAddressFields(Schema& schema, const std::string& default_port,
                            const std::string& port_help) {
  schema.Optional("host", FieldType::kString, "\"0.0.0.0\"",
                  "Address to listen on (\"0.0.0.0\", \"::\", \"127.0.0.1\").");
  if (default_port.empty()) {
    schema.Required("port", FieldType::kInt, port_help);
  } else {
    schema.Optional("port", FieldType::kInt, default_port, port_help);
  }
  schema.Range(0, 65535);
}

Result<std::string> NonEmptyString(const ConfigNode& node, const std::string& key) {
  if (!node.Has(key)) {
    return std::string();
  }
  const std::string& v = node.GetString(key);
  if (v.empty()) {
    return Err(node.Error(key, "must not be empty"));
  }
  return v;
}

Status ParseListenAddress(const ConfigNode& node, std::string* host, uint16_t* port) {
  const std::string& h = node.GetString("host");
  if (h.empty()) {
    return node.Error("host", "must not be empty");
  }
  *host = h;
  *port = static_cast<uint16_t>(node.GetInt("port"));
  return OkStatus();
}

Result<std::shared_ptr<const TlsContext>> ParseServerTls(const ConfigNode& node) {
  RUNNEL_ASSIGN_OR_RETURN(TlsConfig tls, ParseTlsConfig(node, TlsRole::kServer));
  if (!tls.enabled) {
    return std::shared_ptr<const TlsContext>();
  }
  return TlsContext::Create(tls, TlsRole::kServer);
}

Status ListenFailure(const std::string& component, const Status& error) {
  const std::string& m = error.message();
  return Status(error.code(), component + ": " + (m.starts_with("listen on") ? "cannot " + m : m));
}

}  // namespace runnel::net

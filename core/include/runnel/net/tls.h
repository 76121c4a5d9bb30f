#pragma once
// TLS configuration for every network input and output, and the OpenSSL context built from it.
//
// A plugin declares the same `tls.*` keys as every other network plugin with AddTlsFields(), reads
// them back with ParseTlsConfig(), and builds a TlsContext once at creation: every mistake (a
// missing or unreadable file, a file without PEM data, a key that does not belong to the
// certificate, an inconsistent combination of options) is reported there, naming the key and
// the file, before anything listens or connects.
//
// TOML, for an input (server):            for an output (client):
//   tls.enabled = true                       tls.enabled = true
//   tls.cert_file = "/etc/runnel/srv.pem"    tls.ca_file = "/etc/runnel/ca.pem"
//   tls.key_file = "/etc/runnel/srv.key"     tls.cert_file = "/etc/runnel/agent.pem"  # mTLS
//   tls.ca_file = "/etc/runnel/ca.pem"       tls.key_file = "/etc/runnel/agent.key"
//   tls.verify_peer = true   # mTLS          tls.server_name = "aggregators.internal"
//
// Asio and OpenSSL stay out of this header; core/src/net uses the native context.

#include <memory>
#include <string>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::net {

// Which end of a connection a TLS context is for: it decides the defaults and the checks.
enum class TlsRole { kServer, kClient };

enum class TlsVersion { kTls12, kTls13 };

// Plain value; thread-compatible.
struct TlsConfig {
  bool enabled = false;
  // PEM files. Server: cert_file and key_file are required. Client: both or neither (the client
  // certificate for mTLS). cert_file may hold a chain (leaf first).
  std::string cert_file;
  std::string key_file;
  // PEM bundle of trusted CAs. Server: verifies client certificates. Client: verifies the server;
  // empty means the system's default trust store.
  std::string ca_file;
  // Server: require and verify a client certificate signed by ca_file (mTLS; needs ca_file).
  // Client: verify the server's certificate chain (off only for tests and labs).
  bool verify_peer = true;
  // Client only: the server certificate must name the host connected to (or server_name).
  // Needs verify_peer.
  bool verify_hostname = true;
  // Client only: the name sent as SNI and checked against the certificate; empty means the host
  // name the connection was made to (see ConnectOptions::server_name).
  std::string server_name;
  TlsVersion min_version = TlsVersion::kTls12;

  // The defaults for a role: a server does not require client certificates unless asked to.
  static TlsConfig Defaults(TlsRole role);
};

// Declares tls.enabled, tls.cert_file, tls.key_file, tls.ca_file, tls.verify_peer,
// tls.min_version ("1.2" | "1.3") and, for clients, tls.verify_hostname and tls.server_name, with
// the role's defaults and descriptions. Call it inside the plugin's schema builder.
void AddTlsFields(Schema& schema, TlsRole role);

// Reads the fields AddTlsFields declared. Checks only what needs no file system access (e.g. a
// server with TLS but no cert_file); files are checked by TlsContext::Create. Errors are
// InvalidArgument, positioned at the key.
Result<TlsConfig> ParseTlsConfig(const ConfigNode& node, TlsRole role);

// An OpenSSL SSL_CTX with certificates, key, trust store, verification mode and minimum version
// loaded. Immutable after Create; share it (shared_ptr) between every connection of a component.
// Thread-safe.
class TlsContext {
 public:
  // Loads and checks everything `config` names. `config.enabled` must be true.
  // Errors (InvalidArgument) name the key and the file: "tls.key_file '/etc/k.pem': does not
  // match the certificate in tls.cert_file '/etc/c.pem'".
  static Result<std::shared_ptr<const TlsContext>> Create(const TlsConfig& config, TlsRole role);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  TlsRole role() const;
  const TlsConfig& config() const;

  struct Impl;  // core/src/net: holds the asio::ssl::context
  Impl& impl() const { return *impl_; }

 private:
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::net

#include "runnel/net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "net/tls_internal.h"

namespace runnel::net {

std::string TakeOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) {
      out += "; ";
    }
    out += buf;
  }
  return out;
}

namespace {

// "tls.cert_file '/x'"
std::string Named(std::string_view key, const std::string& path) {
  return std::string(key) + " '" + path + "'";
}

// A readable regular file, or an InvalidArgument naming the key and the file.
Status CheckReadable(std::string_view key, const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return InvalidArgument(Named(key, path) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(Named(key, path) + ": not a regular file");
  }
  if (access(path.c_str(), R_OK) != 0) {
    return InvalidArgument(Named(key, path) + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Status OpenSslError(std::string_view key, const std::string& path, std::string_view what) {
  std::string detail = TakeOpenSslErrors();
  return InvalidArgument(Named(key, path) + ": " + std::string(what) +
                         (detail.empty() ? "" : " (" + detail + ")"));
}

Status Configure(const TlsConfig& c, TlsRole role, SSL_CTX* ctx) {
  ERR_clear_error();
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  int min = c.min_version == TlsVersion::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1) {
    return Internal("cannot set the minimum TLS version: " + TakeOpenSslErrors());
  }
  if (!c.cert_file.empty()) {
    RUNNEL_RETURN_IF_ERROR(CheckReadable("tls.cert_file", c.cert_file));
    RUNNEL_RETURN_IF_ERROR(CheckReadable("tls.key_file", c.key_file));
    if (SSL_CTX_use_certificate_chain_file(ctx, c.cert_file.c_str()) != 1) {
      return OpenSslError("tls.cert_file", c.cert_file, "not a PEM certificate (chain)");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, c.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      std::string detail = TakeOpenSslErrors();
      // OpenSSL checks the key against the certificate while loading it.
      if (detail.find("values mismatch") != std::string::npos ||
          detail.find("key values mismatch") != std::string::npos) {
        return InvalidArgument(Named("tls.key_file", c.key_file) +
                               ": does not match the certificate in " +
                               Named("tls.cert_file", c.cert_file));
      }
      return InvalidArgument(Named("tls.key_file", c.key_file) +
                             ": not a PEM private key (unencrypted keys only) (" + detail + ")");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      TakeOpenSslErrors();
      return InvalidArgument(Named("tls.key_file", c.key_file) +
                             ": does not match the certificate in " +
                             Named("tls.cert_file", c.cert_file));
    }
  }
  if (!c.ca_file.empty()) {
    RUNNEL_RETURN_IF_ERROR(CheckReadable("tls.ca_file", c.ca_file));
    if (SSL_CTX_load_verify_locations(ctx, c.ca_file.c_str(), nullptr) != 1) {
      return OpenSslError("tls.ca_file", c.ca_file, "no PEM CA certificate could be loaded");
    }
  } else if (role == TlsRole::kClient && c.verify_peer) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Internal("cannot load the system's trusted CAs: " + TakeOpenSslErrors());
    }
  }
  int mode = SSL_VERIFY_NONE;
  if (c.verify_peer) {
    mode = SSL_VERIFY_PEER;
    if (role == TlsRole::kServer) {
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return OkStatus();
}

Status CheckConsistent(const TlsConfig& c, TlsRole role) {
  if (c.cert_file.empty() != c.key_file.empty()) {
    return InvalidArgument(c.cert_file.empty() ? "tls.key_file is set but tls.cert_file is not"
                                               : "tls.cert_file is set but tls.key_file is not");
  }
  if (role == TlsRole::kServer) {
    if (c.cert_file.empty()) {
      return InvalidArgument("a TLS server needs tls.cert_file and tls.key_file");
    }
    if (c.verify_peer && c.ca_file.empty()) {
      return InvalidArgument(
          "tls.verify_peer (client certificates required) needs tls.ca_file, the CA that signs "
          "them");
    }
  } else if (c.verify_hostname && !c.verify_peer) {
    return InvalidArgument("tls.verify_hostname needs tls.verify_peer = true");
  }
  return OkStatus();
}

}  // namespace

TlsConfig TlsConfig::Defaults(TlsRole role) {
  TlsConfig c;
  c.verify_peer = role == TlsRole::kClient;
  c.verify_hostname = role == TlsRole::kClient;
  return c;
}

void AddTlsFields(Schema& schema, TlsRole role) {
  const bool server = role == TlsRole::kServer;
  schema
      .Optional("tls.enabled", FieldType::kBool, "false",
                server ? "Accept TLS connections only." : "Connect with TLS.")
      .Optional("tls.cert_file", FieldType::kString, "\"\"",
                server ? "PEM certificate (chain, leaf first) this server presents. Required with "
                         "TLS."
                       : "PEM client certificate presented to servers that require one (mTLS); "
                         "set with tls.key_file.")
      .Optional("tls.key_file", FieldType::kString, "\"\"",
                "PEM private key (unencrypted) of tls.cert_file.")
      .Optional("tls.ca_file", FieldType::kString, "\"\"",
                server ? "PEM bundle of the CAs that sign client certificates (mTLS)."
                       : "PEM bundle of the CAs trusted to sign server certificates; \"\" uses "
                         "the system's trust store.")
      .Optional("tls.verify_peer", FieldType::kBool, server ? "false" : "true",
                server ? "Require a client certificate signed by tls.ca_file (mTLS)."
                       : "Verify the server's certificate chain. Turn off only in a lab.")
      .Enum("tls.min_version", {"1.2", "1.3"}, "\"1.2\"",
            "Oldest TLS version accepted; older ones are refused in the handshake.");
  if (!server) {
    schema
        .Optional("tls.verify_hostname", FieldType::kBool, "true",
                  "The server's certificate must name the host connected to (or "
                  "tls.server_name).")
        .Optional("tls.server_name", FieldType::kString, "\"\"",
                  "Name sent as SNI and checked against the server's certificate; \"\" uses the "
                  "host of each server address.");
  }
}

Result<TlsConfig> ParseTlsConfig(const ConfigNode& node, TlsRole role) {
  TlsConfig c = TlsConfig::Defaults(role);
  c.enabled = node.GetBool("tls.enabled");
  c.cert_file = node.GetString("tls.cert_file");
  c.key_file = node.GetString("tls.key_file");
  c.ca_file = node.GetString("tls.ca_file");
  c.verify_peer = node.GetBool("tls.verify_peer");
  c.min_version =
      node.GetString("tls.min_version") == "1.3" ? TlsVersion::kTls13 : TlsVersion::kTls12;
  if (role == TlsRole::kClient) {
    c.verify_hostname = node.GetBool("tls.verify_hostname");
    c.server_name = node.GetString("tls.server_name");
  } else {
    c.verify_hostname = false;
  }
  if (c.enabled) {
    Status s = CheckConsistent(c, role);
    if (!s.ok()) {
      return Err(node.Error("tls.enabled", s.message()));
    }
  }
  return c;
}

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsContext::~TlsContext() = default;
TlsRole TlsContext::role() const { return impl_->role; }
const TlsConfig& TlsContext::config() const { return impl_->config; }

Result<std::shared_ptr<const TlsContext>> TlsContext::Create(const TlsConfig& config,
                                                             TlsRole role) {
  if (!config.enabled) {
    return Err(FailedPrecondition("TlsContext::Create with tls.enabled = false"));
  }
  RUNNEL_RETURN_IF_ERROR(CheckConsistent(config, role));
  auto impl = std::make_unique<Impl>(
      config, role,
      role == TlsRole::kServer ? asio::ssl::context::tls_server : asio::ssl::context::tls_client);
  RUNNEL_RETURN_IF_ERROR(Configure(config, role, impl->context.native_handle()));
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(impl)));
}

}  // namespace runnel::net

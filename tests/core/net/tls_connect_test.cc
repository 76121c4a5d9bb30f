// TLS and mTLS connections over real sockets on 127.0.0.1, with certificates made at test time.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "runnel/net/tcp_client.h"
#include "runnel/net/tcp_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace runnel::net {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) {
      return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

class TlsConnectTest : public ::testing::Test {
 protected:
  // Starts an echo server with TLS; `mtls` requires client certificates.
  void StartServer(bool mtls, TlsVersion min_version = TlsVersion::kTls12) {
    TlsConfig c = TlsConfig::Defaults(TlsRole::kServer);
    c.enabled = true;
    c.cert_file = files_.server_cert;
    c.key_file = files_.server_key;
    c.ca_file = files_.ca_cert;
    c.verify_peer = mtls;
    c.min_version = min_version;
    auto ctx = TlsContext::Create(c, TlsRole::kServer);
    ASSERT_TRUE(ctx.has_value()) << ctx.error().ToString();
    TcpServerOptions options;
    options.host = "127.0.0.1";
    options.tls = *ctx;
    options.handshake_timeout = 5s;
    auto server = TcpServer::Start(options, [this](const std::shared_ptr<Connection>& conn) {
      {
        std::lock_guard l(mu_);
        subjects_.push_back(conn->peer_certificate_subject());
      }
      std::weak_ptr<Connection> weak = conn;
      return ConnectionCallbacks{.on_data = [weak](std::string_view d) {
        if (auto c = weak.lock()) {
          (void)c->Write(std::string(d));
        }
      }};
    });
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server);
  }

  std::shared_ptr<const TlsContext> Client(const std::string& ca, const std::string& cert = "",
                                           const std::string& key = "") {
    TlsConfig c = TlsConfig::Defaults(TlsRole::kClient);
    c.enabled = true;
    c.ca_file = ca;
    c.cert_file = cert;
    c.key_file = key;
    auto ctx = TlsContext::Create(c, TlsRole::kClient);
    EXPECT_TRUE(ctx.has_value()) << ctx.error().ToString();
    return ctx.value_or(nullptr);
  }

  Endpoint endpoint() const { return {.address = "127.0.0.1", .port = server_->port()}; }

  // Connects, writes `text` and waits for its echo; the error of whatever failed.
  Status EchoOnce(std::shared_ptr<const TlsContext> tls, const std::string& server_name,
                  const std::string& text = "hello over tls") {
    ConnectOptions options;
    options.tls = std::move(tls);
    options.server_name = server_name;
    auto conn = Connect(loop_, endpoint(), options);
    if (!conn) {
      return conn.error();
    }
    auto got = std::make_shared<std::string>();
    auto mu = std::make_shared<std::mutex>();
    auto closed = std::make_shared<std::atomic<bool>>(false);
    auto reason = std::make_shared<Status>();
    (*conn)->Start({.on_data =
                        [got, mu](std::string_view d) {
                          std::lock_guard l(*mu);
                          got->append(d);
                        },
                    .on_close =
                        [closed, reason, mu](const Status& s) {
                          std::lock_guard l(*mu);
                          *reason = s;
                          *closed = true;
                        }});
    RUNNEL_RETURN_IF_ERROR((*conn)->Write(text));
    bool ok = WaitFor([&] {
      std::lock_guard l(*mu);
      return *got == text || *closed;
    });
    std::lock_guard l(*mu);
    if (*got == text) {
      return OkStatus();
    }
    if (!ok) {
      return DeadlineExceeded("no echo");
    }
    return reason->ok() ? Unavailable("closed by the server") : *reason;
  }

  testing::TempDir dir_;
  testing::TlsTestFiles files_ = testing::MakeTlsTestFiles(dir_.path());
  IoLoop loop_{"tls-test"};
  std::mutex mu_;
  std::vector<std::string> subjects_;
  std::unique_ptr<TcpServer> server_;
};

TEST_F(TlsConnectTest, EchoWithHostnameVerification) {
  StartServer(false);
  EXPECT_TRUE(EchoOnce(Client(files_.ca_cert), "localhost").ok());
  // The certificate also names 127.0.0.1; an empty server_name checks the address.
  EXPECT_TRUE(EchoOnce(Client(files_.ca_cert), "").ok());
}

TEST_F(TlsConnectTest, HostnameMismatchFails) {
  StartServer(false);
  Status s = EchoOnce(Client(files_.ca_cert), "aggregators.example.com");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("TLS handshake"));
  EXPECT_THAT(s.message(), HasSubstr("hostname mismatch"));
}

TEST_F(TlsConnectTest, WrongCaFails) {
  StartServer(false);
  Status s = EchoOnce(Client(files_.other_ca_cert), "localhost");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("certificate verify failed"));
}

TEST_F(TlsConnectTest, PlainClientToTlsServerGetsNothing) {
  StartServer(false);
  Status s = EchoOnce(nullptr, "");
  EXPECT_FALSE(s.ok());
}

TEST_F(TlsConnectTest, MutualTls) {
  StartServer(true);
  EXPECT_TRUE(
      EchoOnce(Client(files_.ca_cert, files_.client_cert, files_.client_key), "localhost").ok());
  {
    std::lock_guard l(mu_);
    ASSERT_EQ(subjects_.size(), 1u);
    EXPECT_THAT(subjects_[0], HasSubstr("CN=test-client"));
  }
  // Without a client certificate: refused (in TLS 1.3 the client learns it on its first read).
  Status no_cert = EchoOnce(Client(files_.ca_cert), "localhost");
  EXPECT_FALSE(no_cert.ok());
  // With a certificate from another CA: refused too.
  Status intruder = EchoOnce(
      Client(files_.ca_cert, files_.other_client_cert, files_.other_client_key), "localhost");
  EXPECT_FALSE(intruder.ok());
  std::lock_guard l(mu_);
  EXPECT_EQ(subjects_.size(), 1u);  // the handler never saw the refused ones
}

// A raw OpenSSL client limited to one protocol version; true when its handshake completes.
bool HandshakeWithVersion(uint16_t port, int version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  // TLS 1.0/1.1 need security level 0 in OpenSSL 3 (SHA-1 signatures).
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ok = SSL_connect(ssl) == 1;
    SSL_free(ssl);
  }
  ERR_clear_error();
  close(fd);
  SSL_CTX_free(ctx);
  return ok;
}

TEST_F(TlsConnectTest, OldProtocolVersionsRefused) {
  StartServer(false);
  EXPECT_TRUE(HandshakeWithVersion(server_->port(), TLS1_2_VERSION));  // the raw client works
  EXPECT_FALSE(HandshakeWithVersion(server_->port(), TLS1_1_VERSION));
  EXPECT_FALSE(HandshakeWithVersion(server_->port(), TLS1_VERSION));
}

TEST_F(TlsConnectTest, MinimumTls13RefusesTls12) {
  StartServer(false, TlsVersion::kTls13);
  EXPECT_FALSE(HandshakeWithVersion(server_->port(), TLS1_2_VERSION));
  EXPECT_TRUE(HandshakeWithVersion(server_->port(), TLS1_3_VERSION));
  EXPECT_TRUE(EchoOnce(Client(files_.ca_cert), "localhost").ok());
}

TEST_F(TlsConnectTest, HandshakeTimeoutClosesSilentClient) {
  StartServer(false);
  server_->Stop();
  server_.reset();
  // A server with a short handshake deadline; a plain TCP client that never speaks TLS.
  TlsConfig c = TlsConfig::Defaults(TlsRole::kServer);
  c.enabled = true;
  c.cert_file = files_.server_cert;
  c.key_file = files_.server_key;
  TcpServerOptions options;
  options.host = "127.0.0.1";
  options.tls = *TlsContext::Create(c, TlsRole::kServer);
  options.handshake_timeout = 200ms;
  auto server = TcpServer::Start(options, [](const std::shared_ptr<Connection>&) {
    return ConnectionCallbacks{.on_data = [](std::string_view) {}};
  });
  ASSERT_TRUE(server.has_value());
  auto conn = Connect(loop_, {.address = "127.0.0.1", .port = (*server)->port()}, {});
  ASSERT_TRUE(conn.has_value());
  std::atomic<bool> closed{false};
  (*conn)->Start(
      {.on_data = [](std::string_view) {}, .on_close = [&](const Status&) { closed = true; }});
  ASSERT_TRUE(WaitFor([&] { return closed.load(); }));
  // The server forgets the connection just after closing its socket.
  EXPECT_TRUE(WaitFor([&] { return (*server)->connection_count() == 0; }));
}

}  // namespace
}  // namespace runnel::net

// The tcp input with TLS and mutual TLS (the forward input's tls.* keys): a client with a
// certificate from the configured CA delivers; one from another CA, or a plain-TCP client,
// delivers nothing.
#include <gtest/gtest.h>

#include "runnel/net/tcp_client.h"
#include "tests/plugins/inputs/socket_test_util.h"
#include "tests/testing/tls_certs.h"

namespace runnel {
namespace {

using testing::PollUntil;

class SocketTlsTest : public ::testing::Test, public testing::SocketInputHarness {
 protected:
  void TearDown() override {
    if (input_ != nullptr) {
      input_->Stop();
    }
    loop_.Stop();
  }
  std::shared_ptr<const net::TlsContext> ClientTls(const std::string& cert,
                                                   const std::string& key) {
    net::TlsConfig c = net::TlsConfig::Defaults(net::TlsRole::kClient);
    c.enabled = true;
    c.ca_file = files_.ca_cert;
    c.cert_file = cert;
    c.key_file = key;
    auto ctx = net::TlsContext::Create(c, net::TlsRole::kClient);
    EXPECT_TRUE(ctx.has_value()) << ctx.error().ToString();
    return ctx.value_or(nullptr);
  }
  Result<std::shared_ptr<net::Connection>> Connect(std::shared_ptr<const net::TlsContext> tls) {
    net::ConnectOptions opts;
    opts.tls = std::move(tls);
    opts.server_name = "localhost";
    return net::Connect(loop_, {.address = "127.0.0.1", .port = port_, .is_v6 = false}, opts);
  }
  void StartInput(bool mutual) {
    files_ = testing::MakeTlsTestFiles(dir_.path());
    SocketInputHarness::StartInput(
        "tcp", "host = \"127.0.0.1\"\nport = 0\ntls.enabled = true\ntls.cert_file = \"" +
                   files_.server_cert + "\"\ntls.key_file = \"" + files_.server_key +
                   "\"\ntls.ca_file = \"" + files_.ca_cert +
                   "\"\ntls.verify_peer = " + (mutual ? "true" : "false") + "\n");
  }

  testing::TlsTestFiles files_;
  net::IoLoop loop_{"tls-client"};
};

TEST_F(SocketTlsTest, TlsLinesArrive) {
  StartInput(/*mutual=*/false);
  auto conn = Connect(ClientTls("", ""));
  ASSERT_TRUE(conn.has_value()) << conn.error().ToString();
  (*conn)->Start({.on_data = [](std::string_view) {}, .on_close = nullptr});
  ASSERT_TRUE((*conn)->Write(std::string("over tls\n5 octet\n")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"over tls", "5 octet"}));
  // A plain-TCP client fails the handshake and delivers nothing.
  testing::Fd plain = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(plain, "plain text\n"));
  EXPECT_TRUE(testing::WaitPeerClosed(plain));
  EXPECT_EQ(emitter_.event_count(), 2u);
}

TEST_F(SocketTlsTest, MutualTlsRefusesAnotherCasClient) {
  StartInput(/*mutual=*/true);
  auto conn = Connect(ClientTls(files_.client_cert, files_.client_key));
  ASSERT_TRUE(conn.has_value()) << conn.error().ToString();
  (*conn)->Start({.on_data = [](std::string_view) {}, .on_close = nullptr});
  ASSERT_TRUE((*conn)->Write(std::string("trusted\n")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));

  auto intruder = Connect(ClientTls(files_.other_client_cert, files_.other_client_key));
  if (intruder.has_value()) {  // TLS 1.3: the server refuses after the client finished
    std::atomic<bool> closed{false};
    (*intruder)->Start({.on_data = [](std::string_view) {},
                        .on_close = [&closed](const Status&) { closed = true; }});
    (void)(*intruder)->Write(std::string("intruder\n"));
    EXPECT_TRUE(PollUntil([&] { return closed.load(); }));
  }
  ASSERT_TRUE((*conn)->Write(std::string("trusted again\n")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"trusted", "trusted again"}));
}

}  // namespace
}  // namespace runnel

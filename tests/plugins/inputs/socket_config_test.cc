// The tcp, udp and unix inputs' configs: defaults, and every error with its exact message.
#include <gtest/gtest.h>

#include "plugins/inputs/socket/plugin_configs.h"
#include "tests/testing/load_config.h"

namespace runnel {
namespace {

using plugins::socket_input::Framing;
using plugins::socket_input::SocketConfig;
using plugins::socket_input::Transport;

class SocketConfigTest : public ::testing::Test {
 protected:
  Result<SocketConfig> Load(const std::string& type, const std::string& body) {
    auto cfg = testing::LoadToml(dir_, "[inputs.in]\ntype = \"" + type + "\"\n" + body +
                                           "[outputs.o]\ntype = \"null\"\ninputs = [\"in\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    const ConfigNode& node = cfg->inputs.at(0);
    if (type == "tcp") {
      return plugins::socket_input::ParseTcpConfig(node);
    }
    if (type == "udp") {
      return plugins::socket_input::ParseUdpConfig(node);
    }
    return plugins::socket_input::ParseUnixConfig(node);
  }
  // The error's text after the "file:line:col: " position.
  std::string Error(const std::string& type, const std::string& body) {
    auto c = Load(type, body);
    if (c.has_value()) {
      return "(no error)";
    }
    const std::string& m = c.error().message();
    size_t at = m.find("inputs.in");
    return at == std::string::npos ? m : m.substr(at);
  }
  testing::TempDir dir_;
};

TEST_F(SocketConfigTest, Defaults) {
  auto tcp = Load("tcp", "port = 5170\n");
  ASSERT_TRUE(tcp.has_value()) << tcp.error().ToString();
  EXPECT_EQ(tcp->transport, Transport::kTcp);
  EXPECT_EQ(tcp->host, "0.0.0.0");
  EXPECT_EQ(tcp->port, 5170);
  EXPECT_EQ(tcp->framing, Framing::kNewline);
  EXPECT_EQ(tcp->key, "log");
  EXPECT_EQ(tcp->max_line_bytes, 64u << 10);
  EXPECT_EQ(tcp->max_connections, 1024u);
  EXPECT_EQ(tcp->idle_timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(tcp->tls, nullptr);
  auto udp = Load("udp", "port = 5170\n");
  ASSERT_TRUE(udp.has_value());
  EXPECT_EQ(udp->framing, Framing::kNone);
  EXPECT_EQ(udp->queue_max_bytes, 8u << 20);
  auto unix_stream = Load("unix", "path = \"/run/x.sock\"\npermissions = \"0660\"\n");
  ASSERT_TRUE(unix_stream.has_value());
  EXPECT_EQ(unix_stream->transport, Transport::kUnixStream);
  EXPECT_EQ(unix_stream->framing, Framing::kNewline);
  EXPECT_EQ(unix_stream->permissions, 0660u);
  auto unix_dgram = Load("unix", "path = \"/run/x.sock\"\nmode = \"datagram\"\n");
  ASSERT_TRUE(unix_dgram.has_value());
  EXPECT_EQ(unix_dgram->transport, Transport::kUnixDatagram);
  EXPECT_EQ(unix_dgram->framing, Framing::kNone);
}

TEST_F(SocketConfigTest, Errors) {
  EXPECT_NE(Error("tcp", "").find("'port'"), std::string::npos) << Error("tcp", "");
  EXPECT_EQ(Error("unix", ""), "inputs.in (unix): key 'path': a unix socket needs a path");
  EXPECT_EQ(Error("unix", "path = \"/x\"\npermissions = \"rw\"\n"),
            "inputs.in (unix): key 'permissions': give 3 or 4 octal digits, e.g. \"0660\"");
  EXPECT_EQ(Error("unix", "path = \"/x\"\nframing = \"none\"\n"),
            "inputs.in (unix): key 'framing': \"none\" is for mode = \"datagram\"; a stream "
            "needs \"newline\" or \"octet_counting\"");
  EXPECT_EQ(Error("unix", "path = \"/x\"\nmode = \"datagram\"\nframing = \"octet_counting\"\n"),
            "inputs.in (unix): key 'framing': \"octet_counting\" is for mode = \"stream\"; a "
            "datagram takes \"none\" or \"newline\"");
  EXPECT_EQ(Error("unix", "path = \"/x\"\nsource_address_key = \"ip\"\n"),
            "inputs.in (unix): key 'source_address_key': unix sockets have no address or port "
            "to add");
  EXPECT_EQ(Error("tcp", "port = 1\nkey = \"\"\n"),
            "inputs.in (tcp): key 'key': must not be empty");
  EXPECT_EQ(Error("tcp", "port = 1\ntls.enabled = true\n"),
            "inputs.in (tcp): key 'tls.enabled': a TLS server needs tls.cert_file and "
            "tls.key_file");
}

}  // namespace
}  // namespace runnel

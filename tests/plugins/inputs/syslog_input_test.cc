// The syslog input: its config (defaults, errors) and its records on real sockets: RFC 5424 and
// RFC 3164 fields, auto framing mixing octet-counted and newline messages on one connection,
// unparsable messages kept whole and counted, raw_key, peer fields.
#include <gtest/gtest.h>

#include "plugins/inputs/syslog/syslog_config.h"
#include "tests/plugins/inputs/socket_test_util.h"

namespace runnel {
namespace {

using plugins::socket_input::Framing;
using plugins::socket_input::Transport;
using plugins::syslog_input::SyslogFormat;
using testing::Fd;

class SyslogInputTest : public ::testing::Test, public testing::SocketInputHarness {
 protected:
  Result<plugins::syslog_input::SyslogConfig> Load(const std::string& body) {
    auto cfg = testing::LoadToml(dir_, "[inputs.in]\ntype = \"syslog\"\n" + body +
                                           "[outputs.o]\ntype = \"null\"\ninputs = [\"in\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    return plugins::syslog_input::ParseSyslogConfig(cfg->inputs.at(0));
  }
  std::string Error(const std::string& body) {
    auto c = Load(body);
    if (c.has_value()) {
      return "(no error)";
    }
    const std::string& m = c.error().message();
    return m.substr(std::min(m.size(), m.find("inputs.in")));
  }
  void StartInput(const std::string& body) { StartOn("syslog", body, emitter_, &input_, &port_); }
  void TearDown() override {
    if (input_ != nullptr) {
      input_->Stop();
    }
  }
  // The fields of event `i` as "key=value" (non-strings as "<type>").
  std::vector<std::string> Fields(size_t i) {
    std::vector<std::string> out;
    const std::vector<testing::CapturedEvent> events = emitter_.events();
    for (const auto& [k, v] : events.at(i).fields) {
      out.push_back(k + "=" + v);
    }
    return out;
  }
  testing::CaptureEmitter emitter_;
  std::unique_ptr<Input> input_;
  uint16_t port_ = 0;
};

TEST_F(SyslogInputTest, Defaults) {
  auto udp = Load("");
  ASSERT_TRUE(udp.has_value()) << udp.error().ToString();
  EXPECT_EQ(udp->socket.transport, Transport::kUdp);
  EXPECT_EQ(udp->socket.port, 5140);
  EXPECT_EQ(udp->socket.framing, Framing::kNone);
  EXPECT_EQ(udp->format, SyslogFormat::kAuto);
  EXPECT_EQ(udp->utc_offset_seconds, 0);
  auto tcp = Load("mode = \"tcp\"\nutc_offset = \"-05:30\"\n");
  ASSERT_TRUE(tcp.has_value());
  EXPECT_EQ(tcp->socket.transport, Transport::kTcp);
  EXPECT_EQ(tcp->socket.framing, Framing::kAuto);
  EXPECT_EQ(tcp->utc_offset_seconds, -(5 * 3600 + 30 * 60));
  auto dev_log = Load("mode = \"unix_datagram\"\npath = \"/dev/log\"\n");
  ASSERT_TRUE(dev_log.has_value());
  EXPECT_EQ(dev_log->socket.path, "/dev/log");
}

TEST_F(SyslogInputTest, Errors) {
  EXPECT_EQ(Error("mode = \"tcp\"\nframing = \"none\"\n"),
            "inputs.in (syslog): key 'framing': \"none\" is for datagrams; a stream takes "
            "\"auto\", \"newline\" or \"octet_counting\"");
  EXPECT_EQ(Error("framing = \"auto\"\n"),
            "inputs.in (syslog): key 'framing': a datagram takes \"none\" or \"newline\"");
  EXPECT_EQ(Error("raw_key = \"message\"\n"),
            "inputs.in (syslog): key 'raw_key': 'message' is a syslog field; pick another");
  EXPECT_EQ(Error("utc_offset = \"CET\"\n"),
            "inputs.in (syslog): key 'utc_offset': give \"Z\" or \"+HH:MM\" / \"-HH:MM\", e.g. "
            "\"+02:00\"");
  EXPECT_EQ(Error("mode = \"unix_stream\"\n"),
            "inputs.in (syslog): key 'path': a unix socket needs a path");
  EXPECT_EQ(Error("mode = \"udp\"\ntls.enabled = true\ntls.cert_file = \"/c\"\n"
                  "tls.key_file = \"/k\"\n"),
            "inputs.in (syslog): key 'tls.enabled': TLS is for TCP only");
}

TEST_F(SyslogInputTest, TcpAutoFramingMixesOctetCountingAndLines) {
  StartInput(
      "mode = \"tcp\"\nhost = \"127.0.0.1\"\nport = 0\nraw_key = \"raw\"\n"
      "source_address_key = \"ip\"\n");
  const std::string a =
      "<165>1 2003-10-11T22:14:15.003Z host1 app1 42 ID7 "
      "[ex@1 k=\"v\"] counted message";
  const std::string b = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed";
  Fd c = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(c, std::to_string(a.size()) + " " + a + b + "\nnot syslog\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  EXPECT_EQ(Fields(0),
            (std::vector<std::string>{"pri=<int>", "facility=local4", "severity=notice",
                                      "version=<int>", "hostname=host1", "appname=app1",
                                      "procid=42", "msgid=ID7", "structured_data=<map>",
                                      "message=counted message", "raw=" + a, "ip=127.0.0.1"}));
  EXPECT_EQ(emitter_.events()[0].time.sec, 1065910455u);  // 2003-10-11T22:14:15Z
  EXPECT_EQ(emitter_.events()[0].time.nsec, 3'000'000u);
  EXPECT_EQ(Fields(1), (std::vector<std::string>{
                           "pri=<int>", "facility=auth", "severity=crit", "hostname=mymachine",
                           "appname=su", "message='su root' failed", "raw=" + b, "ip=127.0.0.1"}));
  EXPECT_EQ(Fields(2),
            (std::vector<std::string>{"message=not syslog", "raw=not syslog", "ip=127.0.0.1"}));
  EXPECT_EQ(Count("syslog_unparsed_total"), 1u);
  EXPECT_EQ(emitter_.batches().front().tag, "in");
}

TEST_F(SyslogInputTest, UdpRfc5424Only) {
  StartInput("mode = \"udp\"\nhost = \"127.0.0.1\"\nport = 0\nformat = \"rfc5424\"\n");
  Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(testing::SendUdp(s, port_, "<13>1 - - - - - - five"));
  ASSERT_TRUE(testing::SendUdp(s, port_, "<13>Oct 11 22:14:15 host app: bsd"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(Fields(0), (std::vector<std::string>{"pri=<int>", "facility=user", "severity=notice",
                                                 "version=<int>", "message=five"}));
  EXPECT_EQ(Fields(1), (std::vector<std::string>{"message=<13>Oct 11 22:14:15 host app: bsd"}));
  EXPECT_EQ(Count("syslog_unparsed_total"), 1u);
}

TEST_F(SyslogInputTest, TruncatedAndCutMessagesAreKept) {
  StartInput("mode = \"udp\"\nhost = \"127.0.0.1\"\nport = 0\nmax_line_bytes = 32\n");
  Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  // Cut short by the sender inside the header, and cut by max_line_bytes inside the header.
  ASSERT_TRUE(testing::SendUdp(s, port_, "<13>1 2003-10-11T22:14"));
  ASSERT_TRUE(testing::SendUdp(s, port_, "<13>1 2003-10-11T22:14:15Z averyveryverylonghostname"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(Fields(0), (std::vector<std::string>{"message=<13>1 2003-10-11T22:14"}));
  EXPECT_EQ(Fields(1), (std::vector<std::string>{"message=<13>1 2003-10-11T22:14:15Z avery"}));
  EXPECT_EQ(Count("syslog_unparsed_total"), 2u);
  EXPECT_EQ(Count("socket_messages_truncated_total"), 1u);
}

}  // namespace
}  // namespace runnel

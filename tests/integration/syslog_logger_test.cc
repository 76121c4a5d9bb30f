// util-linux `logger` (Debian bsdutils) sends to runnel-agent's syslog inputs over TCP (newline
// and octet-counted framing), UDP and unix sockets (datagram and stream), RFC 5424 with
// structured data and RFC 3164, with a fixed tag, pid and message; every record is checked field
// by field. Then bad input of every kind, each counted, the agent still serving a good client.
#include <optional>

#include "tests/integration/syslog_support.h"
#include "tests/testing/http_client.h"
#include "tests/testing/socket_clients.h"

namespace runnel::testing {
namespace {

constexpr char kSd[] = R"("structured_data":{"timeQuality":{"tzKnown":"1","isSynced":"0"},)"
                       R"("test@32473":{"eventSource":"App","level":"3"}})";

std::vector<std::string> Rfc5424Args(const std::string& message) {
  return {"--rfc5424",  "--tag",       "myapp",      "--id=4242",     "--msgid",
          "ID47",       "--sd-id",     "test@32473", "--sd-param",    "eventSource=\"App\"",
          "--sd-param", "level=\"3\"", "-p",         "local3.notice", message};
}

std::vector<std::string> Rfc3164Args(const std::string& message) {
  return {"--rfc3164", "--tag", "myapp", "--id=4242", "-p", "user.err", message};
}

std::string Expected5424(const std::string& message) {
  return R"({"time":T,"pri":157,"facility":"local3","severity":"notice","version":1,"hostname":")" +
         HostName(false) + R"(","appname":"myapp","procid":"4242","msgid":"ID47",)" + kSd +
         R"(,"message":")" + message + "\"}";
}

std::string Expected3164(const std::string& message) {
  return R"({"time":T,"pri":11,"facility":"user","severity":"err","hostname":")" + HostName(true) +
         R"(","appname":"myapp","procid":"4242","message":")" + message + "\"}";
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(SyslogLoggerTest, EveryTransportAndFormatFieldByField) {
  if (!HaveLogger()) {
    GTEST_SKIP() << kLoggerMissing;
  }
  TempDir dir;
  const std::string dgram = dir.Path("dgram.sock");
  const std::string stream = dir.Path("stream.sock");
  SyslogAgent agent;
  agent.Start(dir,
              "[inputs.stcp]\ntype = \"syslog\"\nmode = \"tcp\"\nhost = \"127.0.0.1\"\nport = 0\n"
              "[inputs.sudp]\ntype = \"syslog\"\nmode = \"udp\"\nhost = \"127.0.0.1\"\nport = 0\n"
              "[inputs.sdgram]\ntype = \"syslog\"\nmode = \"unix_datagram\"\npath = \"" +
                  dgram +
                  "\"\n"
                  "[inputs.sstream]\ntype = \"syslog\"\nmode = \"unix_stream\"\npath = \"" +
                  stream + "\"\n",
              "\"stcp\", \"sudp\", \"sdgram\", \"sstream\"");
  const uint16_t tcp = agent.Port("inputs.stcp");
  const uint16_t udp = agent.Port("inputs.sudp");
  ASSERT_NE(tcp, 0) << agent.log();
  ASSERT_NE(udp, 0) << agent.log();
  ASSERT_TRUE(PollUntil([&] { return access(stream.c_str(), F_OK) == 0; }));
  const std::vector<std::string> to_tcp = {"--tcp", "-n", "127.0.0.1", "-P", std::to_string(tcp)};
  const std::vector<std::string> to_udp = {"--udp", "-n", "127.0.0.1", "-P", std::to_string(udp)};

  // One at a time, so the output's order is known.
  std::vector<std::string> expected;
  auto send = [&](std::vector<std::string> args, std::string line) {
    RunLogger(dir, std::move(args));
    expected.push_back(std::move(line));
    std::vector<std::string> lines = agent.WaitLines(expected.size());
    ASSERT_EQ(lines.size(), expected.size());
    EXPECT_EQ(WithoutTime(lines.back()), expected.back());
  };
  send(Concat(to_tcp, Rfc5424Args("tcp 5424 newline")), Expected5424("tcp 5424 newline"));
  send(Concat(Concat(to_tcp, {"--octet-count"}), Rfc5424Args("tcp 5424 octet")),
       Expected5424("tcp 5424 octet"));
  send(Concat(to_tcp, Rfc3164Args("tcp 3164")), Expected3164("tcp 3164"));
  send(Concat(to_udp, Rfc5424Args("udp 5424")), Expected5424("udp 5424"));
  send(Concat(to_udp, Rfc3164Args("udp 3164")), Expected3164("udp 3164"));
  send(Concat({"--socket", dgram, "--socket-errors=on"}, Rfc3164Args("unix datagram")),
       Expected3164("unix datagram"));
  send(Concat({"--socket", stream, "--socket-errors=on"}, Rfc5424Args("unix stream")),
       Expected5424("unix stream"));
  agent.Stop();
}

TEST(SyslogLoggerTest, BadInputIsCountedAndTheNextClientIsServed) {
  if (!HaveLogger()) {
    GTEST_SKIP() << kLoggerMissing;
  }
  TempDir dir;
  const uint16_t api = FreeLoopbackPort();
  SyslogAgent agent;
  agent.Start(dir,
              "api.address = \"127.0.0.1:" + std::to_string(api) +
                  "\"\n"
                  "[inputs.stcp]\ntype = \"syslog\"\nmode = \"tcp\"\nhost = \"127.0.0.1\"\n"
                  "port = 0\nmax_line_bytes = 256\nmax_connections = 4\n",
              "\"stcp\"");
  const uint16_t tcp = agent.Port("inputs.stcp");
  ASSERT_NE(tcp, 0) << agent.log();
  auto metric = [&](const std::string& series) -> double {
    std::optional<double> v = SampleValue(HttpGet(api, "/metrics").body, series);
    return v.value_or(-1);
  };
  const std::string c = "{component=\"inputs.stcp\"}";

  // A broken octet count: that connection is closed; what came before it is kept.
  {
    Fd bad = ConnectTcp(tcp);
    ASSERT_TRUE(SendAll(bad, "17 <13>1 - - - - - -5x <13>1"));
    EXPECT_TRUE(WaitPeerClosed(bad));
  }
  // Not syslog: kept whole in `message`, counted.
  {
    Fd fd = ConnectTcp(tcp);
    ASSERT_TRUE(SendAll(fd, "no header at all\n<999>broken pri\n"));
  }
  // Over max_line_bytes: cut to 256 bytes (still a valid RFC 3164 message), counted.
  {
    Fd fd = ConnectTcp(tcp);
    ASSERT_TRUE(
        SendAll(fd, "<13>Oct 11 22:14:15 host app: " + std::string(400, 'L') + "\nafter\n"));
  }
  std::vector<std::string> lines = agent.WaitLines(5);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(WithoutTime(lines[0]),
            R"({"time":T,"pri":13,"facility":"user","severity":"notice","version":1})");
  EXPECT_EQ(WithoutTime(lines[1]), R"({"time":T,"message":"no header at all"})");
  EXPECT_EQ(WithoutTime(lines[2]), R"({"time":T,"message":"<999>broken pri"})");
  EXPECT_EQ(WithoutTime(lines[3]),
            R"({"time":T,"pri":13,"facility":"user","severity":"notice","hostname":"host",)"
            R"("appname":"app","message":")" +
                std::string(256 - 30, 'L') + "\"}");
  EXPECT_EQ(WithoutTime(lines[4]), R"({"time":T,"message":"after"})");
  EXPECT_EQ(metric("runnel_socket_bad_octet_counts_total" + c), 1);
  EXPECT_EQ(metric("runnel_syslog_unparsed_total" + c), 3);
  EXPECT_EQ(metric("runnel_socket_messages_truncated_total" + c), 1);

  // A flood over max_connections: 4 held open, 6 more closed at once.
  std::vector<Fd> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(ConnectTcp(tcp));
    ASSERT_TRUE(SendAll(held.back(), "<13>1 - - - - - - held " + std::to_string(i) + "\n"));
  }
  ASSERT_EQ(agent.WaitLines(9).size(), 9u);  // the 4 are accepted and read
  for (int i = 0; i < 6; ++i) {
    Fd over = ConnectTcp(tcp);
    EXPECT_TRUE(WaitPeerClosed(over));
  }
  EXPECT_EQ(metric("runnel_socket_connections_refused_total" + c), 6);
  held.clear();
  ASSERT_TRUE(PollUntil([&] { return metric("runnel_socket_connections_open" + c) == 0; }));
  // The next good client is served.
  RunLogger(dir, Concat({"--tcp", "-n", "127.0.0.1", "-P", std::to_string(tcp)},
                        Rfc3164Args("served after the flood")));
  lines = agent.WaitLines(10);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(WithoutTime(lines[9]), Expected3164("served after the flood"));
  EXPECT_TRUE(agent.running());
  agent.Stop();
}

}  // namespace
}  // namespace runnel::testing

// A real rsyslogd (Debian rsyslog, run as a child with a config of the test's own: imtcp in,
// omfwd out to runnel with RFC 6587 octet counting and RSYSLOG_SyslogProtocol23Format) forwards
// the messages logger sent it to runnel-agent's syslog input: each arrives exactly once, with
// its content.
#include <set>

#include "tests/integration/syslog_support.h"

namespace runnel::testing {
namespace {

constexpr char kRsyslogd[] = "/usr/sbin/rsyslogd";
constexpr int kMessages = 1000;

TEST(SyslogRsyslogTest, EveryMessageForwardedArrivesExactlyOnce) {
  if (!HaveLogger()) {
    GTEST_SKIP() << kLoggerMissing;
  }
  if (access(kRsyslogd, X_OK) != 0) {
    GTEST_SKIP() << kRsyslogd << " not found (Debian package rsyslog; packaging/deps installs it)";
  }
  TempDir dir;
  SyslogAgent agent;
  agent.Start(dir,
              "[inputs.fromrsyslog]\ntype = \"syslog\"\nmode = \"tcp\"\nhost = \"127.0.0.1\"\n"
              "port = 0\n",
              "\"fromrsyslog\"");
  const uint16_t runnel_port = agent.Port("inputs.fromrsyslog");
  ASSERT_NE(runnel_port, 0) << agent.log();

  const uint16_t rsyslog_port = FreeLoopbackPort();
  const std::string work = dir.Path("rsyslog");
  ASSERT_EQ(mkdir(work.c_str(), 0700), 0);
  const std::string conf = dir.Path("rsyslog.conf");
  ASSERT_TRUE(
      WriteFile(conf, "global(workDirectory=\"" + work +
                          "\")\n"
                          "module(load=\"imtcp\")\n"
                          "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" +
                          std::to_string(rsyslog_port) +
                          "\" ruleset=\"fwd\")\n"
                          "ruleset(name=\"fwd\") {\n"
                          "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
                          std::to_string(runnel_port) +
                          "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\"\n"
                          "         template=\"RSYSLOG_SyslogProtocol23Format\"\n"
                          "         action.resumeRetryCount=\"-1\" queue.type=\"LinkedList\")\n"
                          "}\n"));
  Result<Process> rsyslog =
      Process::Spawn({{kRsyslogd, "-n", "-f", conf, "-i", dir.Path("rsyslog.pid")},
                      dir.Path("rsyslog.out"),
                      dir.Path("rsyslog.err"),
                      ""});
  ASSERT_TRUE(rsyslog.has_value()) << rsyslog.error().ToString();
  ASSERT_TRUE(PollUntil([&] { return AcceptsConnections(rsyslog_port) || !rsyslog->running(); },
                        std::chrono::seconds(30)));
  ASSERT_TRUE(rsyslog->running()) << ReadFileOrEmpty(dir.Path("rsyslog.err"));

  // logger -f sends each line of the file as one message, over one TCP connection.
  std::string text;
  for (int i = 0; i < kMessages; ++i) {
    text += "message " + std::to_string(i) + " of the batch\n";
  }
  const std::string file = dir.Path("messages.txt");
  ASSERT_TRUE(WriteFile(file, text));
  RunLogger(dir, {"--tcp", "-n", "127.0.0.1", "-P", std::to_string(rsyslog_port), "--rfc5424",
                  "--tag", "batchapp", "--id=777", "-p", "daemon.info", "-f", file});

  std::vector<std::string> lines = agent.WaitLines(kMessages);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kMessages))
      << ReadFileOrEmpty(dir.Path("rsyslog.err"));
  std::set<std::string> seen;
  const std::string host = HostName(false);
  for (const std::string& line : lines) {
    // rsyslog re-renders the message: its own hostname field, the original app and pid.
    std::string message;
    ASSERT_TRUE(JsonField(line, "message", &message)) << line;
    EXPECT_TRUE(seen.insert(message).second) << "twice: " << line;
    std::string appname, procid, severity, facility;
    ASSERT_TRUE(JsonField(line, "appname", &appname)) << line;
    ASSERT_TRUE(JsonField(line, "procid", &procid)) << line;
    ASSERT_TRUE(JsonField(line, "severity", &severity)) << line;
    ASSERT_TRUE(JsonField(line, "facility", &facility)) << line;
    EXPECT_EQ(appname, "batchapp");
    EXPECT_EQ(procid, "777");
    EXPECT_EQ(severity, "info");
    EXPECT_EQ(facility, "daemon");
  }
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_TRUE(seen.contains("message " + std::to_string(i) + " of the batch")) << i;
  }
  ASSERT_TRUE(rsyslog->Signal(SIGTERM).ok());
  (void)rsyslog->Wait(std::chrono::seconds(30));
  agent.Stop();
}

}  // namespace
}  // namespace runnel::testing

// The syslog scanners on what real clients send over UDP to a socket of this test on loopback:
// util-linux's logger(1) (bsdutils) in its RFC 5424 and RFC 3164 modes, and rsyslogd forwarding
// the lines of a file with its RSYSLOG_ForwardFormat (RFC 3164 with an RFC 3339 time) and
// RSYSLOG_SyslogProtocol23Format (RFC 5424) templates.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "plugins/formats/syslog.h"
#include "tests/plugins/formats/format_test_util.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::formats {
namespace {

constexpr const char* kLogger = "/usr/bin/logger";
constexpr const char* kRsyslogd = "/usr/sbin/rsyslogd";

// A UDP socket on 127.0.0.1 and a wait for the next datagram.
class UdpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_in addr = runnel::testing::LoopbackAddress(0);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    char host[256] = {};
    ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
    hostname_ = host;
    setenv("TZ", "UTC", 1);  // the clients write BSD times in local time
  }
  void TearDown() override {
    if (fd_ >= 0) {
      close(fd_);
    }
  }

  // The next datagram, or "" after `timeout_ms`.
  std::string Receive(int timeout_ms) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) != 1) {
      return "";
    }
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::string hostname_;
  runnel::testing::TempDir dir_;
};

class LoggerTest : public UdpTest {
 protected:
  void SetUp() override {
    if (access(kLogger, X_OK) != 0) {
      GTEST_SKIP() << kLogger << " is missing (Debian package bsdutils)";
    }
    UdpTest::SetUp();
  }

  // Runs logger with `args` and returns the one datagram it sent ("" on failure).
  std::string Send(std::vector<std::string> args, pid_t* pid) {
    std::vector<std::string> argv = {kLogger, "-d", "-n", "127.0.0.1", "-P", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    runnel::testing::Process::Options options;
    options.argv = argv;
    options.stderr_path = dir_.path() + "/logger.err";
    Result<runnel::testing::Process> p = runnel::testing::Process::Spawn(options);
    EXPECT_TRUE(p.has_value());
    if (!p.has_value()) {
      return "";
    }
    *pid = p->pid();
    Result<runnel::testing::ExitStatus> status = p->Wait(std::chrono::seconds(30));
    EXPECT_TRUE(status.has_value() && status->exited && status->code == 0)
        << runnel::testing::ReadFileOrEmpty(options.stderr_path);
    const std::string line = Receive(30000);
    EXPECT_FALSE(line.empty()) << "no datagram from logger";
    return line;
  }
};

TEST_F(LoggerTest, Rfc5424WithStructuredData) {
  pid_t pid = 0;
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const std::string line = Send(
      {"--rfc5424=notq", "-i", "-t", "myapp", "-p", "local4.notice", "--msgid", "ID47", "--sd-id",
       "ex@32473", "--sd-param", "iut=\"3\"", "--sd-param", "src=\"a\\\"b\"", "hello world"},
      &pid);
  ASSERT_FALSE(line.empty());
  const Scanned s = Scan("syslog", line);
  EXPECT_EQ(s.error, "") << line;
  EXPECT_EQ(s.fields, "pri=165 facility=\"local4\" severity=\"notice\" version=1 hostname=\"" +
                          hostname_ + "\" appname=\"myapp\" procid=\"" + std::to_string(pid) +
                          "\" msgid=\"ID47\" structured_data={\"ex@32473\":{\"iut\":\"3\","
                          "\"src\":\"a\\\"b\"}} message=\"hello world\"")
      << line;
  EXPECT_GE(int64_t{s.time.sec}, before - 1);
  EXPECT_LE(int64_t{s.time.sec}, static_cast<int64_t>(std::time(nullptr)) + 1);
  EXPECT_NE(s.time.nsec, 2u);  // set from the line's microseconds
}

TEST_F(LoggerTest, Rfc3164) {
  pid_t pid = 0;
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const std::string line =
      Send({"--rfc3164", "-i", "-t", "cron", "-p", "user.err", "job 7 failed: exit 2"}, &pid);
  ASSERT_FALSE(line.empty());
  const Scanned s = Scan("syslog", line);
  EXPECT_EQ(s.error, "") << line;
  EXPECT_EQ(s.fields, "pri=11 facility=\"user\" severity=\"err\" hostname=\"" + hostname_ +
                          "\" appname=\"cron\" procid=\"" + std::to_string(pid) +
                          "\" message=\"job 7 failed: exit 2\"")
      << line;
  // BSD time: whole seconds, UTC (TZ=UTC above), this year.
  EXPECT_GE(int64_t{s.time.sec}, before - 1);
  EXPECT_LE(int64_t{s.time.sec}, static_cast<int64_t>(std::time(nullptr)) + 1);
  EXPECT_EQ(s.time.nsec, 0u);
}

// rsyslogd -n with imfile on a file of this test and two omfwd actions to the test's socket.
class RsyslogTest : public UdpTest {
 protected:
  void SetUp() override {
    if (access(kRsyslogd, X_OK) != 0) {
      GTEST_SKIP() << kRsyslogd << " is missing (Debian package rsyslog)";
    }
    UdpTest::SetUp();
  }

  // Starts rsyslogd forwarding each line appended to in.log with `template_name`.
  void Start(const std::string& template_name) {
    std::ofstream(dir_.Path("in.log")).flush();
    std::ofstream conf(dir_.Path("rsyslog.conf"));
    conf << "global(workDirectory=\"" << dir_.path() << "\" localHostname=\"relay-1\")\n"
         << "module(load=\"imfile\" mode=\"inotify\")\n"
         << "input(type=\"imfile\" file=\"" << dir_.Path("in.log")
         << "\" tag=\"billing:\" facility=\"local3\" severity=\"warning\" "
            "ruleset=\"fwd\")\n"
         << "ruleset(name=\"fwd\") { action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" << port_
         << "\" protocol=\"udp\" template=\"" << template_name << "\") }\n";
    conf.close();
    runnel::testing::Process::Options options;
    options.argv = {kRsyslogd, "-n", "-f", dir_.Path("rsyslog.conf"), "-i", dir_.Path("pid")};
    options.stdout_path = dir_.Path("rsyslog.out");
    options.stderr_path = dir_.Path("rsyslog.err");
    Result<runnel::testing::Process> p = runnel::testing::Process::Spawn(options);
    ASSERT_TRUE(p.has_value());
    rsyslog_ = std::move(*p);
  }

  // Appends `text` and a newline to in.log until a datagram comes back (imfile may start
  // watching after the first append), at most for 30 s.
  std::string AppendUntilForwarded(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && rsyslog_.running()) {
      std::ofstream(dir_.Path("in.log"), std::ios::app) << text << "\n";
      const std::string line = Receive(1000);
      if (!line.empty()) {
        return line;
      }
    }
    ADD_FAILURE() << "rsyslogd forwarded nothing: "
                  << runnel::testing::ReadFileOrEmpty(dir_.Path("rsyslog.err"));
    return "";
  }

  runnel::testing::Process rsyslog_;
};

TEST_F(RsyslogTest, ForwardFormat) {
  ASSERT_NO_FATAL_FAILURE(Start("RSYSLOG_ForwardFormat"));
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const std::string line = AppendUntilForwarded("invoice 42 paid");
  ASSERT_FALSE(line.empty());
  // "<PRI>" then an RFC 3339 time, not a BSD one.
  EXPECT_TRUE(line.starts_with("<156>2")) << line;
  const Scanned s = Scan("syslog", line);
  EXPECT_EQ(s.error, "") << line;
  // local3.warning: 19 * 8 + 4.
  EXPECT_EQ(s.fields,
            "pri=156 facility=\"local3\" severity=\"warning\" hostname=\"relay-1\" "
            "appname=\"billing\" message=\"invoice 42 paid\"")
      << line;
  EXPECT_GE(int64_t{s.time.sec}, before - 1);
  EXPECT_LE(int64_t{s.time.sec}, static_cast<int64_t>(std::time(nullptr)) + 1);
}

TEST_F(RsyslogTest, SyslogProtocol23Format) {
  ASSERT_NO_FATAL_FAILURE(Start("RSYSLOG_SyslogProtocol23Format"));
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const std::string line = AppendUntilForwarded("invoice 43 paid");
  ASSERT_FALSE(line.empty());
  EXPECT_TRUE(line.starts_with("<156>1 2")) << line;
  const Scanned s = Scan("syslog", line);
  EXPECT_EQ(s.error, "") << line;
  EXPECT_EQ(s.fields,
            "pri=156 facility=\"local3\" severity=\"warning\" version=1 "
            "hostname=\"relay-1\" appname=\"billing\" message=\"invoice 43 paid\"")
      << line;
  EXPECT_GE(int64_t{s.time.sec}, before - 1);
  EXPECT_LE(int64_t{s.time.sec}, static_cast<int64_t>(std::time(nullptr)) + 1);
}

}  // namespace
}  // namespace runnel::formats

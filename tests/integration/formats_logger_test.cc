// The syslog scanners on what a real client sends: util-linux's logger(1) (bsdutils), in its
// RFC 5424 and RFC 3164 modes, over UDP to a socket of this test on loopback.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
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

class LoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kLogger, X_OK) != 0) {
      GTEST_SKIP() << kLogger << " is missing (Debian package bsdutils)";
    }
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
    setenv("TZ", "UTC", 1);  // logger writes BSD times in local time
  }
  void TearDown() override {
    if (fd_ >= 0) {
      close(fd_);
    }
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
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, 30000) != 1) {
      ADD_FAILURE() << "no datagram from logger";
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

}  // namespace
}  // namespace runnel::formats

#include "app/notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>

#include "tests/testing/notify_socket.h"
#include "tests/testing/temp_dir.h"

namespace runnel::app {
namespace {

using std::chrono::milliseconds;
using testing::NotifySocket;

TEST(NotifierTest, SendsEachStateAsOneDatagramToThePath) {
  testing::TempDir dir;
  NotifySocket manager(dir.path() + "/notify");
  ASSERT_TRUE(manager.ok());
  Notifier n(manager.path(), std::nullopt);
  ASSERT_TRUE(n.enabled());
  ASSERT_TRUE(n.Send("READY=1\nSTATUS=running").ok());
  ASSERT_TRUE(n.Send("STOPPING=1").ok());
  EXPECT_EQ(manager.Receive(milliseconds(5000)), "READY=1\nSTATUS=running");
  EXPECT_EQ(manager.Receive(milliseconds(5000)), "STOPPING=1");
  EXPECT_EQ(manager.Receive(milliseconds(0)), std::nullopt);
}

TEST(NotifierTest, AbstractSocketName) {
  const std::string name = "@runnel-notify-test-" + std::to_string(getpid());
  // Bind the abstract name by hand: NotifySocket binds paths only.
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data() + 1, name.size() - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())),
            0);
  Notifier n(name, std::nullopt);
  ASSERT_TRUE(n.Send("READY=1").ok());
  char buf[64];
  ssize_t got = recv(fd, buf, sizeof(buf), 0);
  close(fd);
  EXPECT_EQ(std::string(buf, got > 0 ? static_cast<size_t>(got) : 0), "READY=1");
}

TEST(NotifierTest, WithoutASocketNothingIsSent) {
  Notifier n("", std::nullopt);
  EXPECT_FALSE(n.enabled());
  EXPECT_TRUE(n.Send("READY=1").ok());
}

TEST(NotifierTest, ErrorsNameTheSocket) {
  testing::TempDir dir;
  Notifier n(dir.path() + "/nobody-listens", std::nullopt);
  Status s = n.Send("READY=1");
  EXPECT_EQ(s.message(), "sending to NOTIFY_SOCKET " + dir.path() +
                             "/nobody-listens: No such file or directory");
  Notifier relative("notify.sock", std::nullopt);
  EXPECT_EQ(relative.Send("READY=1").message(),
            "NOTIFY_SOCKET 'notify.sock' is not a socket path");
}

TEST(NotifierTest, WatchdogIntervalFromTheEnvironmentOnlyForThisProcess) {
  setenv("NOTIFY_SOCKET", "/run/test.sock", 1);
  setenv("WATCHDOG_USEC", "3000000", 1);
  unsetenv("WATCHDOG_PID");
  EXPECT_EQ(Notifier::FromEnvironment().watchdog_interval(), std::chrono::microseconds(3'000'000));
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(Notifier::FromEnvironment().watchdog_interval(), std::chrono::microseconds(3'000'000));
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_EQ(Notifier::FromEnvironment().watchdog_interval(), std::nullopt);
  setenv("WATCHDOG_USEC", "soon", 1);
  unsetenv("WATCHDOG_PID");
  EXPECT_EQ(Notifier::FromEnvironment().watchdog_interval(), std::nullopt);
  unsetenv("WATCHDOG_USEC");
  unsetenv("NOTIFY_SOCKET");
}

TEST(WatchdogTest, PingsWhileLiveAndStopsWhenWedgedAndResumes) {
  testing::TempDir dir;
  NotifySocket manager(dir.path() + "/notify");
  ASSERT_TRUE(manager.ok());
  Notifier n(manager.path(), std::chrono::microseconds(100'000));  // pings every 50 ms
  std::atomic<bool> live{true};
  Watchdog w(&n, [&] { return live ? OkStatus() : FailedPrecondition("outputs.x: stuck"); });
  EXPECT_EQ(manager.Receive(milliseconds(5000)), "WATCHDOG=1");
  EXPECT_EQ(manager.Receive(milliseconds(5000)), "WATCHDOG=1");
  live = false;
  // Pings already sent may still be queued; then the wedge is reported once, and nothing more.
  std::vector<std::string> got = manager.WaitFor("STATUS=wedged: outputs.x: stuck", milliseconds(5000));
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(manager.Receive(milliseconds(300)), std::nullopt);  // six intervals without a ping
  live = true;
  EXPECT_EQ(manager.Receive(milliseconds(5000)), "WATCHDOG=1");
}

TEST(WatchdogTest, NoIntervalNoThread) {
  testing::TempDir dir;
  NotifySocket manager(dir.path() + "/notify");
  Notifier n(manager.path(), std::nullopt);
  int calls = 0;
  {
    Watchdog w(&n, [&] {
      ++calls;
      return OkStatus();
    });
  }
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(manager.Receive(milliseconds(0)), std::nullopt);
}

}  // namespace
}  // namespace runnel::app

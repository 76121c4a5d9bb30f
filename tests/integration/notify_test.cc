// The service manager's view of runnel-agent and runnel-aggregator (issue 8, part 2), through a
// real $NOTIFY_SOCKET: READY=1 only once the inputs listen, RELOADING=1/READY=1 around a SIGHUP,
// STOPPING=1 at the drain, and WATCHDOG=1 pings that stop when an output is wedged (a file
// output writing into a FIFO nobody reads: its write(2) never returns).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/integration/crash_support.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/http_client.h"
#include "tests/testing/loopback.h"
#include "tests/testing/notify_socket.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Notify : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override { ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound; }

  // Starts the binary on `config` with NOTIFY_SOCKET (and WATCHDOG_USEC when given) set.
  Process Start(const std::string& config, const std::string& watchdog_usec = "") {
    setenv("NOTIFY_SOCKET", manager_.path().c_str(), 1);
    if (!watchdog_usec.empty()) {
      setenv("WATCHDOG_USEC", watchdog_usec.c_str(), 1);
    }
    auto p = Process::Spawn({{RunnelBinaryPath(GetParam()), "-c", config}, "", Log(), ""});
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    EXPECT_TRUE(p.has_value()) << p.error().message();
    return p.has_value() ? std::move(*p) : Process();
  }
  std::string Log() const { return tmp_.Path("runnel.log"); }
  std::string Config(const std::string& body) {
    const std::string path = tmp_.Path("runnel.toml");
    EXPECT_TRUE(WriteFile(path, "data_dir = \"" + tmp_.Path("data") + "\"\n" + body));
    return path;
  }

  TempDir tmp_;
  NotifySocket manager_{tmp_.Path("notify")};
};

INSTANTIATE_TEST_SUITE_P(Binaries, Notify, ::testing::ValuesIn(kRunnelBinaries),
                         [](const auto& info) { return BinaryTestName(info.param); });

TEST_P(Notify, ReadyOnceListeningThenReloadingAndStopping) {
  ASSERT_TRUE(manager_.ok());
  const std::string forward =
      "[inputs.fwd]\ntype = \"forward\"\nhost = \"127.0.0.1\"\nport = 0\n"
      "[outputs.out]\ntype = \"file\"\ninputs = [\"fwd\"]\npath = \"" +
      tmp_.Path("out.jsonl") + "\"\n";
  Process p = Start(Config(forward));
  std::vector<std::string> got = manager_.WaitFor("READY=1", milliseconds(20'000));
  ASSERT_EQ(got, (std::vector<std::string>{"READY=1\nSTATUS=running"})) << LogTail(Log());
  // READY=1 came after the input listened: the port it logged accepts connections now.
  const uint16_t port = WaitForLoggedPort(Log(), "inputs.fwd", p, milliseconds(0));
  ASSERT_NE(port, 0) << LogTail(Log());
  EXPECT_TRUE(AcceptsConnections(port));

  // A valid change: an output added.
  Config(forward + "[outputs.copy]\ntype = \"null\"\ninputs = [\"fwd\"]\n");
  ASSERT_TRUE(p.Signal(SIGHUP).ok());
  got = manager_.WaitFor("READY=1", milliseconds(20'000));
  EXPECT_EQ(got, (std::vector<std::string>{"RELOADING=1\nSTATUS=reloading the configuration",
                                           "READY=1\nSTATUS=running"}))
      << LogTail(Log());
  EXPECT_NE(ReadFileOrEmpty(Log()).find("added outputs.copy; rerouted inputs.fwd; 1 unchanged"), std::string::npos)
      << LogTail(Log());
  EXPECT_EQ(WaitForLoggedPort(Log(), "inputs.fwd", p, milliseconds(0)), port);  // kept listening

  // An invalid one: nothing changes, the status says so.
  Config(forward + "[outputs.copy]\ntype = \"nul\"\ninputs = [\"fwd\"]\n");
  ASSERT_TRUE(p.Signal(SIGHUP).ok());
  got = manager_.WaitFor("READY=1", milliseconds(20'000));
  EXPECT_EQ(got, (std::vector<std::string>{
                     "RELOADING=1\nSTATUS=reloading the configuration",
                     "READY=1\nSTATUS=running; the last reload failed (see the log)"}));
  EXPECT_TRUE(AcceptsConnections(port));

  ASSERT_TRUE(p.Signal(SIGTERM).ok());
  got = manager_.WaitFor("STOPPING=1", milliseconds(20'000));
  EXPECT_EQ(got, (std::vector<std::string>{"STOPPING=1\nSTATUS=draining"}));
  auto status = p.Wait(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->ToString(), "exit 0") << LogTail(Log());
}

// The admin API follows a reload: a new address moves it, an address taken fails the reload and
// keeps it where it was.
TEST_P(Notify, ReloadMovesTheAdminApi) {
  ASSERT_TRUE(manager_.ok());
  const std::string pipeline =
      "[inputs.gen]\ntype = \"generate\"\nrate = 100\n"
      "[outputs.out]\ntype = \"null\"\ninputs = [\"gen\"]\n";
  Process p = Start(Config("[api]\naddress = \"127.0.0.1:0\"\n" + pipeline));
  ASSERT_FALSE(manager_.WaitFor("READY=1", milliseconds(20'000)).empty()) << LogTail(Log());
  const uint16_t first = WaitForLoggedPort(Log(), "api", p, milliseconds(0));
  ASSERT_NE(first, 0);
  EXPECT_EQ(HttpGet(first, "/ready").status, 200);

  const uint16_t second = FreeLoopbackPort();
  Config("[api]\naddress = \"127.0.0.1:" + std::to_string(second) + "\"\n" + pipeline);
  ASSERT_TRUE(p.Signal(SIGHUP).ok());
  std::vector<std::string> got = manager_.WaitFor("READY=1", milliseconds(20'000));
  ASSERT_EQ(got.back(), "READY=1\nSTATUS=running") << LogTail(Log());
  EXPECT_EQ(HttpGet(second, "/ready").status, 200);
  EXPECT_FALSE(AcceptsConnections(first));

  // A port in use: the reload fails in that part, the API stays on `second`.
  const int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in any = LoopbackAddress(0);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t len = sizeof(any);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&any), &len), 0);
  const uint16_t taken = ntohs(any.sin_port);
  Config("[api]\naddress = \"127.0.0.1:" + std::to_string(taken) + "\"\n" + pipeline);
  ASSERT_TRUE(p.Signal(SIGHUP).ok());
  got = manager_.WaitFor("READY=1", milliseconds(20'000));
  EXPECT_EQ(got.back(), "READY=1\nSTATUS=running; the last reload failed (see the log)");
  const HttpReply scrape = HttpGet(second, "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(SampleValue(scrape.body, "runnel_config_reloads_total"), 1);
  EXPECT_EQ(SampleValue(scrape.body, "runnel_config_reload_failures_total"), 1);
  EXPECT_EQ(SampleValue(scrape.body, "runnel_config_last_reload_successful"), 0);
  close(holder);
  EXPECT_NE(ReadFileOrEmpty(Log()).find("ERROR reload: api.address \"127.0.0.1:" +
                                        std::to_string(taken) + "\": listen on 127.0.0.1:" +
                                        std::to_string(taken) +
                                        ": Address already in use; the admin API is unchanged"),
            std::string::npos)
      << LogTail(Log());
}

TEST_P(Notify, StartupFailureIsAStatusNotReady) {
  ASSERT_TRUE(manager_.ok());
  ASSERT_EQ(mkdir(tmp_.Path("taken").c_str(), 0755), 0);
  // The output's path is a directory: it cannot be opened, the start fails.
  Process p = Start(Config("[inputs.gen]\ntype = \"generate\"\ncount = 1\n"
                           "[outputs.out]\ntype = \"file\"\ninputs = [\"gen\"]\npath = \"" +
                           tmp_.Path("taken") + "\"\n"));
  auto status = p.Wait(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->ToString(), "exit 1");
  std::optional<std::string> m = manager_.Receive(milliseconds(1000));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->rfind("STATUS=start-up failed: outputs.out: cannot open '" + tmp_.Path("taken") +
                         "' for appending: ",
                     0),
            0u)
      << *m;
  EXPECT_EQ(manager_.Receive(milliseconds(0)), std::nullopt);  // never READY=1
}

TEST_P(Notify, WatchdogPingsStopWhenAnOutputIsWedged) {
  ASSERT_TRUE(manager_.ok());
  ASSERT_EQ(mkfifo(tmp_.Path("fifo").c_str(), 0600), 0);
  Process p = Start(Config("[inputs.gen]\ntype = \"generate\"\nrate = 0\n"
                           "[outputs.fifo]\ntype = \"file\"\ninputs = [\"gen\"]\npath = \"" +
                           tmp_.Path("fifo") + "\"\n"),
                    "1000000");  // WatchdogSec=1s: a ping every 0.5 s while live
  ASSERT_FALSE(manager_.WaitFor("READY=1", milliseconds(20'000)).empty()) << LogTail(Log());
  // The FIFO's 64 KiB fill at once, then write(2) blocks: pings stop within about a second.
  std::vector<std::string> got =
      manager_.WaitFor("STATUS=wedged: outputs.fifo: a write has not returned for 1s",
                       milliseconds(20'000));
  ASSERT_FALSE(got.empty()) << LogTail(Log());
  EXPECT_EQ(got.front(), "WATCHDOG=1");  // it pinged while the write was young
  EXPECT_EQ(manager_.Receive(milliseconds(2000)), std::nullopt);  // four intervals, no ping
  EXPECT_NE(ReadFileOrEmpty(Log()).find(
                "ERROR watchdog: outputs.fifo: a write has not returned for 1s; no longer telling "
                "the service manager that runnel is alive, so that it restarts it"),
            std::string::npos)
      << LogTail(Log());
  p.Kill();  // what systemd does after WatchdogSec (SIGABRT, then SIGKILL)
}

}  // namespace
}  // namespace runnel::testing

// Issue 4: outputs down, memory buffers only, inputs pushing as hard as they can. runnel-agent
// runs with memory_limit = 64MiB and two forward outputs that never complete a batch: one to a
// peer that accepts and reads but never acknowledges (the output holds max_in_flight_bytes of
// frames), one to a port where nothing listens. A generate input (rate 0) feeds the first; a
// tail input over a 256 MB file of JSON lines, parsed, feeds the second; a third input feeds
// only a live file output. Once the inputs have filled the dead buffers (the agent's RSS grew by
// most of what they may hold, so the bound is really tested), and for 6 s more while they keep
// pushing, its peak RSS (VmRSS sampled every 50 ms, and VmHWM) stays under memory_limit plus the
// overhead documented in docs/architecture.md ("Memory"). Then SIGTERM stops it within
// shutdown_timeout, exit 0. Two scenarios:
//   - Shares: each dead buffer may hold 7/16 of the limit, so together they leave the live
//     output room in the budget: it must keep receiving its input's lines (isolation).
//   - Budget: each dead buffer may hold the whole limit; only the shared budget keeps the two
//     under it (the live output may then starve, as documented, and is not checked).
// The same pipeline with nothing queued gives the baseline, printed with the peak.
//
// RUNNEL_MEMORY_TEST_LIMIT_MIB=1024 sets memory_limit (and the caps that follow it) in the
// agent's config only; the bound stays that of 64MiB, so the test must fail: it shows the bound
// catches an agent whose memory is not held to the limit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "runnel/log_generator.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kMemoryLimitMiB = 64;
// What docs/architecture.md ("Memory") promises on top of memory_limit for an agent like this
// one (a few inputs, one of them filtered, a few outputs, batches of at most 1 MiB): 40 MiB and
// 2% of memory_limit.
constexpr uint64_t kDocumentedOverheadMiB = 40;
constexpr uint64_t kDocumentedSlackPercent = 2;
constexpr uint64_t kDataBytes = 256 * kMiB;
constexpr auto kPressure = seconds(6);  // once the dead buffers are full
constexpr auto kShutdownTimeout = seconds(2);

// memory_limit in the agent's config.
uint64_t ConfiguredLimitMiB() {
  const char* v = std::getenv("RUNNEL_MEMORY_TEST_LIMIT_MIB");
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : kMemoryLimitMiB;
}

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"); 0 when the process is gone.
uint64_t StatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field + ":")) {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return 0;
}

size_t CountNewlines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return static_cast<size_t>(
      std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

uint16_t BoundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  return ntohs(a.sin_port);
}

// A port bound on 127.0.0.1 without a listener: a connection there is refused (RST), and no
// other process can take the port while the socket is held.
class RefusingPort {
 public:
  RefusingPort() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a = LoopbackAddress(0);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    port_ = BoundPort(fd_);
  }
  ~RefusingPort() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_ = 0;
};

// A peer that accepts connections and reads everything sent to it, and never answers: a
// forward output keeps every frame it sent there, waiting for acks. Counts what it read.
class SilentPeer {
 public:
  SilentPeer() : listen_fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a = LoopbackAddress(0);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    port_ = BoundPort(listen_fd_);
    thread_ = std::thread([this] { Run(); });
  }
  ~SilentPeer() {
    stop_.store(true);
    thread_.join();
    close(listen_fd_);
  }
  uint16_t port() const { return port_; }
  uint64_t bytes_read() const { return bytes_.load(); }
  uint64_t connections() const { return connections_.load(); }

 private:
  void Run() {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    std::vector<char> buf(1 << 16);
    while (!stop_.load()) {
      if (poll(fds.data(), fds.size(), 50) <= 0) {
        continue;
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
          continue;
        }
        ssize_t n = read(fds[i].fd, buf.data(), buf.size());
        if (n > 0) {
          bytes_.fetch_add(static_cast<uint64_t>(n));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          close(fds[i].fd);
          fds[i].fd = -1;  // poll ignores it
        }
      }
      if ((fds[0].revents & POLLIN) != 0) {
        int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c >= 0) {
          connections_.fetch_add(1);
          fds.push_back({c, POLLIN, 0});
        }
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].fd >= 0) {
        close(fds[i].fd);
      }
    }
  }

  int listen_fd_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> connections_{0};
  std::thread thread_;
};

// Writes `bytes` (at least) of deterministic JSON log lines to `path`.
bool WriteJsonLines(const std::string& path, uint64_t bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  LogGenerator gen(LogGenerator::Format::kJson, 1);
  std::string chunk;
  uint64_t written = 0;
  bool ok = true;
  while (ok && written < bytes) {
    chunk.clear();
    while (chunk.size() < (4 << 20)) {
      gen.NextLine(&chunk);
      chunk.push_back('\n');
    }
    ok = write(fd, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size());
    written += chunk.size();
  }
  return close(fd) == 0 && ok;
}

struct Scenario {
  const char* name;
  uint64_t cap_sixteenths;  // each dead buffer's buffer.max_bytes, in 16ths of memory_limit
  bool check_live;          // the live output must keep flowing
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

class MemoryLimit : public ::testing::TestWithParam<Scenario> {
 protected:
  static void SetUpTestSuite() {
    suite_dir_ = new TempDir();
    data_ok_ = WriteJsonLines(suite_dir_->Path("app.log"), kDataBytes) &&
               WriteFile(suite_dir_->Path("empty.log"), "");
  }
  static void TearDownTestSuite() {
    delete suite_dir_;
    suite_dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(RunnelBinaryPath("runnel-agent")))
        << "runnel-agent not found at \"" << RunnelBinaryPath("runnel-agent")
        << "\" (run through ctest, which sets RUNNEL_BINARY_DIR)";
    ASSERT_TRUE(data_ok_) << "could not write the input file under " << suite_dir_->path();
  }

  uint64_t CapMiB() const { return ConfiguredLimitMiB() * GetParam().cap_sixteenths / 16; }

  // The pipeline. `pressure` false: the same components with nothing to queue (the pushing
  // inputs idle), for the baseline.
  std::string WriteConfig(const std::string& name, bool pressure, uint16_t silent_port,
                          uint16_t refused_port) {
    const std::string dead =
        "type = \"forward\"\n"
        "compression = \"none\"\n"  // frames as large as the batches: the most to hold
        "max_in_flight_bytes = \"16MiB\"\n"
        "ack_timeout = \"10m\"\n"  // the silent peer is never given up on
        "buffer.type = \"memory\"\n"
        "buffer.max_bytes = \"" +
        std::to_string(CapMiB()) + "MiB\"\n";
    const std::string limit = std::to_string(ConfiguredLimitMiB()) + "MiB";
    const std::string stop = std::to_string(seconds(kShutdownTimeout).count()) + "s";
    std::string config = "data_dir = \"" + tmp_.Path(name + "-data") + "\"\n";
    config += "memory_limit = \"" + limit + "\"\n";
    config += "shutdown_timeout = \"" + stop + "\"\n";
    config += "[inputs.gen]\ntype = \"generate\"\n";
    config += pressure ? "rate = 0\n" : "rate = 1\n";
    config += "[inputs.app]\ntype = \"tail\"\n";
    config += "paths = [\"" + suite_dir_->Path(pressure ? "app.log" : "empty.log") + "\"]\n";
    config += "[filters.json]\ntype = \"parse\"\ninputs = [\"app\"]\nformat = \"json\"\n";
    config += "[inputs.side]\ntype = \"generate\"\nrate = 2000\n";
    config += "[outputs.silent]\ninputs = [\"gen\"]\n";
    config += "servers = [\"127.0.0.1:" + std::to_string(silent_port) + "\"]\n" + dead;
    config += "[outputs.refused]\ninputs = [\"json\"]\n";
    config += "servers = [\"127.0.0.1:" + std::to_string(refused_port) + "\"]\n" + dead;
    config += "[outputs.live]\ntype = \"file\"\ninputs = [\"side\"]\n";
    config += "path = \"" + tmp_.Path(name + "-live.jsonl") + "\"\n";
    const std::string path = tmp_.Path(name + ".toml");
    EXPECT_TRUE(WriteFile(path, config));
    return path;
  }

  Process Start(const std::string& config, const std::string& name) {
    Result<Process> p = Process::Spawn({{RunnelBinaryPath("runnel-agent"), "-c", config},
                                        "",
                                        tmp_.Path(name + ".stderr"),
                                        tmp_.path()});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p.has_value() ? std::move(*p) : Process();
  }
  std::string Stderr(const std::string& name) const {
    return ReadFileOrEmpty(tmp_.Path(name + ".stderr"));
  }

  // The peak RSS of the pipeline with nothing queued, over a second once it runs.
  uint64_t BaselineKiB(uint16_t silent_port, uint16_t refused_port) {
    Process p = Start(WriteConfig("baseline", false, silent_port, refused_port), "baseline");
    const std::string live = tmp_.Path("baseline-live.jsonl");
    const auto deadline = steady_clock::now() + seconds(30);
    while (CountNewlines(live) < 200 && steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_GE(CountNewlines(live), 200u) << Stderr("baseline");
    uint64_t peak = 0;
    for (int i = 0; i < 20; ++i) {
      peak = std::max(peak, StatusKiB(p.pid(), "VmRSS"));
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_TRUE(p.Signal(SIGTERM).ok());
    Result<ExitStatus> st = p.Wait(kShutdownTimeout + seconds(10));
    EXPECT_TRUE(st.has_value()) << Stderr("baseline");
    if (st.has_value()) {
      EXPECT_EQ(st->ToString(), "exit 0") << Stderr("baseline");
    }
    return peak;
  }

  static TempDir* suite_dir_;  // the input file, written once
  static bool data_ok_;
  TempDir tmp_;
};

TempDir* MemoryLimit::suite_dir_ = nullptr;
bool MemoryLimit::data_ok_ = false;

TEST_P(MemoryLimit, PeakRssStaysUnderTheLimitPlusTheDocumentedOverhead) {
  SilentPeer silent;
  RefusingPort refused;
  const uint64_t baseline_kib = BaselineKiB(silent.port(), refused.port());
  ASSERT_FALSE(HasFailure());

  Process p = Start(WriteConfig("pressure", true, silent.port(), refused.port()), "pressure");
  const std::string live = tmp_.Path("pressure-live.jsonl");
  const uint64_t bound_kib = kMemoryLimitMiB * 1024 * (100 + kDocumentedSlackPercent) / 100 +
                             kDocumentedOverheadMiB * 1024;
  // What the two dead buffers may hold, within the budget.
  const uint64_t dead_kib = std::min(2 * CapMiB(), ConfiguredLimitMiB()) * 1024;
  uint64_t peak_kib = 0;
  // Samples VmRSS into peak_kib; false once the agent is gone.
  auto sample = [&] {
    const uint64_t rss = StatusKiB(p.pid(), "VmRSS");
    peak_kib = std::max(peak_kib, rss);
    return rss != 0;
  };

  // The inputs fill the dead buffers: the process comes to hold most of what they may hold.
  const auto start = steady_clock::now();
  uint64_t rss_kib = 0;
  while (rss_kib < baseline_kib + dead_kib * 3 / 4 && steady_clock::now() - start < seconds(60)) {
    ASSERT_TRUE(sample()) << "runnel-agent exited: " << Stderr("pressure");
    rss_kib = StatusKiB(p.pid(), "VmRSS");
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_GE(rss_kib, baseline_kib + dead_kib * 3 / 4)
      << "the inputs did not fill the dead buffers in 60 s: " << Stderr("pressure");
  const auto filled_after = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);

  // Then they keep pushing, and the live output's input keeps making lines.
  const size_t live_before = CountNewlines(live);
  const auto window = steady_clock::now();
  while (steady_clock::now() - window < kPressure) {
    ASSERT_TRUE(sample()) << "runnel-agent exited: " << Stderr("pressure");
    std::this_thread::sleep_for(milliseconds(50));
  }
  const size_t live_after = CountNewlines(live);
  const uint64_t hwm_kib = StatusKiB(p.pid(), "VmHWM");
  const std::string err = Stderr("pressure");
  std::printf(
      "%s: memory_limit %llu MiB, dead buffers %llu MiB each: baseline RSS %.1f MiB; filled "
      "after %lld ms, then %lld s of pressure: peak VmRSS %.1f MiB, VmHWM %.1f MiB (bound %.1f "
      "MiB); live output %zu -> %zu lines; the silent peer read %.1f MiB\n",
      GetParam().name, static_cast<unsigned long long>(ConfiguredLimitMiB()),
      static_cast<unsigned long long>(CapMiB()), baseline_kib / 1024.0,
      static_cast<long long>(filled_after.count()),
      static_cast<long long>(seconds(kPressure).count()), peak_kib / 1024.0, hwm_kib / 1024.0,
      bound_kib / 1024.0, live_before, live_after, silent.bytes_read() / 1048576.0);

  // The silent peer was sent (and keeps unacknowledged) several batches' worth of frames.
  EXPECT_GE(silent.bytes_read(), 4 * kMiB) << err;
  if (!kUnderAsan) {  // ASan's shadow memory and quarantine are not the agent's
    EXPECT_LE(peak_kib, bound_kib) << err;
    EXPECT_LE(hwm_kib, bound_kib) << err;
  }
  if (GetParam().check_live) {
    // Isolation: the live output kept delivering while the dead ones were full. Its input makes
    // 2000 lines a second; a tenth of that shows it flows.
    EXPECT_GE(live_after, live_before + 2000 * seconds(kPressure).count() / 10) << err;
  }

  // SIGTERM: the drain gives up on the dead outputs at shutdown_timeout and exits 0.
  const auto stop = steady_clock::now();
  ASSERT_TRUE(p.Signal(SIGTERM).ok());
  Result<ExitStatus> st = p.Wait(kShutdownTimeout + seconds(10));
  ASSERT_TRUE(st.has_value()) << "no exit within shutdown_timeout + 10 s: " << Stderr("pressure");
  std::printf("%s: SIGTERM to exit %lld ms (shutdown_timeout %lld ms)\n", GetParam().name,
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(steady_clock::now() - stop).count()),
              static_cast<long long>(milliseconds(kShutdownTimeout).count()));
  EXPECT_EQ(st->ToString(), "exit 0") << Stderr("pressure");
  EXPECT_NE(Stderr("pressure").find("stopped"), std::string::npos) << Stderr("pressure");
}

INSTANTIATE_TEST_SUITE_P(Agent, MemoryLimit,
                         ::testing::Values(Scenario{"Shares", 7, true},
                                           Scenario{"Budget", 16, false}),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace runnel::testing

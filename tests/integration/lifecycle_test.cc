// runnel-agent and runnel-aggregator as an operator runs them: --help and --list-plugins, a
// generate -> file pipeline stopped with SIGTERM (drains, exit 0), a second SIGTERM during a
// drain that cannot finish (exit 130 at once), and a one-shot run that ends by itself. The two
// binaries share their command line and lifecycle, so every test runs against both.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::seconds;

struct BinaryCase {
  std::string_view name;
  std::string_view default_config;
  std::string_view role;  // a word its --help description must contain
};

void PrintTo(const BinaryCase& c, std::ostream* os) { *os << c.name; }

constexpr BinaryCase kCases[] = {
    {"runnel-agent", "/etc/runnel/agent.toml", "collects logs"},
    {"runnel-aggregator", "/etc/runnel/aggregator.toml", "agents over the Forward protocol"},
};

// Polls `done` every 10 ms until it holds or `timeout` passes; returns its last value.
template <typename F>
bool PollFor(F done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

size_t CountLines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class Lifecycle : public ::testing::TestWithParam<BinaryCase> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(RunnelBinaryPath(GetParam().name)))
        << GetParam().name << " not found at \"" << RunnelBinaryPath(GetParam().name)
        << "\" (run through ctest, which sets RUNNEL_BINARY_DIR)";
  }
  std::string Binary() const { return RunnelBinaryPath(GetParam().name); }
  std::string Name() const { return std::string(GetParam().name); }

  // A generate -> `output` pipeline (the output's keys); `count` 0 runs until stopped. `globals`
  // go before the first table.
  std::string WriteConfig(const std::string& output, int count, const std::string& globals = "") {
    const std::string config = tmp_.Path("pipeline.toml");
    EXPECT_TRUE(WriteFile(config, "data_dir = \"" + tmp_.Path("data") + "\"\n" + globals +
                                      "[inputs.gen]\ntype = \"generate\"\nrate = 0\n"
                                      "batch_max_events = 100\ncount = " +
                                      std::to_string(count) +
                                      "\n[outputs.out]\ninputs = [\"gen\"]\n" + output));
    return config;
  }
  static std::string FileOutput(const std::string& path) {
    return "type = \"file\"\npath = \"" + path + "\"\n";
  }
  Process Start(const std::string& config, const std::string& stdout_path = "") {
    Result<Process> p =
        Process::Spawn({{Binary(), "-c", config}, stdout_path, tmp_.Path("stderr"), tmp_.path()});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p.has_value() ? std::move(*p) : Process();
  }
  std::string Stderr() const { return ReadFileOrEmpty(tmp_.Path("stderr")); }

  TempDir tmp_;
};

TEST_P(Lifecycle, HelpNamesTheBinaryItsRoleAndItsDefaultConfig) {
  CommandResult r = RunToExit({Binary(), "--help"}, "", tmp_);
  EXPECT_EQ(r.status.ToString(), "exit 0");
  EXPECT_TRUE(r.out.starts_with(Name() + ": ")) << r.out;
  EXPECT_NE(r.out.find(GetParam().role), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Usage: " + Name() + " [OPTIONS]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-c,--config TEXT=" + std::string(GetParam().default_config)),
            std::string::npos)
      << r.out;
  for (const char* flag : {"--validate", "--list-plugins", "--describe", "--log-level"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(r.err, "");
}

TEST_P(Lifecycle, WithoutConfigItReadsTheDefaultPath) {
  // No -c: the default path is tried (and is absent here, or differs in content: both fail or
  // pass the same way, so only the name in the message is checked).
  CommandResult r = RunToExit({Binary(), "--validate"}, "", tmp_);
  if (r.status.ToString() == "exit 1") {
    EXPECT_TRUE(r.err.starts_with(std::string(GetParam().default_config) + ":")) << r.err;
  } else {
    EXPECT_TRUE(r.out.starts_with(std::string(GetParam().default_config) + ": valid")) << r.out;
  }
}

TEST_P(Lifecycle, ListsEveryBuiltinPlugin) {
  CommandResult r = RunToExit({Binary(), "--list-plugins"}, "", tmp_);
  EXPECT_EQ(r.status.ToString(), "exit 0");
  EXPECT_TRUE(r.out.starts_with("INPUTS\n")) << r.out;
  for (const char* plugin : {"\n  generate ", "\n  tail ", "\n  grep ", "\n  modify ", "\n  parse ",
                             "\n  file ", "\n  null ", "\n  stdout "}) {
    EXPECT_NE(r.out.find(plugin), std::string::npos) << plugin;
  }
  // Same registry in both binaries: the same list.
  CommandResult agent = RunToExit({RunnelBinaryPath("runnel-agent"), "--list-plugins"}, "", tmp_);
  EXPECT_EQ(r.out, agent.out);
}

TEST_P(Lifecycle, SigtermDrainsAndExitsZero) {
  const std::string out = tmp_.Path("out.jsonl");
  Process p = Start(WriteConfig(FileOutput(out), 0));
  ASSERT_TRUE(PollFor([&] { return CountLines(ReadFileOrEmpty(out)) >= 1000; }, seconds(30)))
      << Stderr();
  ASSERT_TRUE(p.Signal(SIGTERM).ok()) << Stderr();
  Result<ExitStatus> st = p.Wait(seconds(30));
  ASSERT_TRUE(st.has_value()) << Stderr();
  EXPECT_EQ(st->ToString(), "exit 0") << Stderr();
  const std::string err = Stderr();
  EXPECT_NE(err.find("runnel started"), std::string::npos) << err;
  EXPECT_NE(err.find("received Terminated, draining (send it again to exit at once)"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("stopped"), std::string::npos) << err;
  // Every line written is whole: the drain finishes the batch in hand.
  const std::string lines = ReadFileOrEmpty(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), '\n');
  size_t start = 0;
  for (size_t nl = lines.find('\n'); nl != std::string::npos; nl = lines.find('\n', start)) {
    std::string_view line(lines.data() + start, nl - start);
    ASSERT_TRUE(line.starts_with("{") && line.ends_with("}")) << line;
    start = nl + 1;
  }
}

TEST_P(Lifecycle, SecondSigtermDuringADrainExitsAtOnce) {
  // stdout is a pipe nobody reads: once it is full the output blocks in write(2), so the drain
  // would last the whole shutdown_timeout.
  const std::string fifo = tmp_.Path("stdout.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // never read
  ASSERT_GE(reader, 0);
  Process p = Start(WriteConfig("type = \"stdout\"\n", 0, "shutdown_timeout = \"5m\"\n"), fifo);
  // Full: a blocked writer leaves less than one atomic write (PIPE_BUF) free.
  const int capacity = fcntl(reader, F_GETPIPE_SZ);
  ASSERT_GT(capacity, PIPE_BUF);
  ASSERT_TRUE(PollFor(
      [&] {
        int queued = 0;
        return ioctl(reader, FIONREAD, &queued) == 0 && queued > capacity - PIPE_BUF;
      },
      seconds(30)))
      << Stderr();
  ASSERT_TRUE(p.Signal(SIGTERM).ok()) << Stderr();
  ASSERT_TRUE(PollFor([&] { return Stderr().find("draining") != std::string::npos; }, seconds(30)))
      << Stderr();
  ASSERT_TRUE(p.Signal(SIGTERM).ok()) << Stderr();
  Result<ExitStatus> st = p.Wait(seconds(30));
  ASSERT_TRUE(st.has_value()) << Stderr();
  EXPECT_EQ(st->ToString(), "exit 130") << Stderr();
  EXPECT_NE(Stderr().find("second Terminated: exiting without finishing the drain"),
            std::string::npos)
      << Stderr();
  close(reader);
}

TEST_P(Lifecycle, OneShotRunEndsByItselfWithEverythingDelivered) {
  const std::string out = tmp_.Path("out.jsonl");
  Process p = Start(WriteConfig(FileOutput(out), 2500));
  Result<ExitStatus> st = p.Wait(seconds(60));
  ASSERT_TRUE(st.has_value()) << Stderr();
  EXPECT_EQ(st->ToString(), "exit 0") << Stderr();
  EXPECT_EQ(CountLines(ReadFileOrEmpty(out)), 2500u);
}

INSTANTIATE_TEST_SUITE_P(Binaries, Lifecycle, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string name(info.param.name);
  std::erase(name, '-');
  return name;
});

}  // namespace
}  // namespace runnel::testing

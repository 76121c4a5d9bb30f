// runnel-agent reads a journal directory (files written by systemd-journal-remote while it
// runs) into a file output; it is stopped with SIGTERM, or killed with SIGKILL, mid-stream,
// more entries are written while it is down, and it is started again. After SIGTERM every entry
// comes out exactly once; after SIGKILL every entry comes out, and only entries of the batches in
// flight at the kill (not yet acknowledged) may come out twice. The last test reads the machine's
// own journal, where a journald runs.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/journal_files.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

constexpr int kBatch = 200;         // batch_max_events
constexpr int kKillTotal = 100000;  // entries of the SIGKILL test

std::vector<ExportEntry> Numbered(int from, int to) {
  std::vector<ExportEntry> out;
  for (int i = from; i <= to; ++i) {
    out.push_back(ExportEntry{
        .realtime_usec = 1'700'000'000'000'000 + static_cast<uint64_t>(i),
        .fields = {{"MESSAGE", "entry-" + std::to_string(i)}, {"_SYSTEMD_UNIT", "app.service"}}});
  }
  return out;
}

class JournaldRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!JournalRemoteFound()) {
      GTEST_SKIP() << kJournalRemote
                   << " is missing (Debian package systemd-journal-remote, installed by "
                      "packaging/deps)";
    }
    agent_ = AgentBinary();
    AssertAgentFound(agent_);
    if (HasFatalFailure()) {
      return;
    }
    ASSERT_EQ(mkdir(dir_.Path("journal").c_str(), 0755), 0);
    journal_ = dir_.Path("journal/remote.journal");
    out_ = dir_.Path("out.jsonl");
    config_ = dir_.Path("agent.toml");
    ASSERT_TRUE(WriteFile(
        config_, "data_dir = \"" + dir_.Path("data") +
                     "\"\n[inputs.j]\ntype = \"journald\"\ndirectory = \"" + dir_.Path("journal") +
                     "\"\npoll_interval = \"20ms\"\nbatch_max_events = " + std::to_string(kBatch) +
                     "\n[outputs.o]\ntype = \"file\"\ninputs = [\"j\"]\n"
                     "path = \"" +
                     out_ + "\"\n"));
  }
  Process Start() { return SpawnAgent(agent_, config_, dir_.Path("agent.stderr")); }
  // Waits until the output has at least `n` lines, the deadline passes, or `p` exits.
  size_t WaitForOutput(OutputFollower& follower, size_t n, Process& p) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (follower.Poll() < n && std::chrono::steady_clock::now() < deadline && p.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return follower.size();
  }
  // How many times each entry number came out.
  std::map<int, int> Counts(const OutputFollower& follower) {
    std::map<int, int> counts;
    for (const std::string& line : follower.lines()) {
      std::string message;
      EXPECT_TRUE(JsonField(line, "MESSAGE", &message)) << line;
      counts[std::stoi(message.substr(6))]++;
    }
    return counts;
  }
  TempDir dir_;
  std::string agent_, journal_, out_, config_;
};

TEST_F(JournaldRestartTest, SigtermThenRestartLosesAndRepeatsNothing) {
  ASSERT_TRUE(AppendToJournal(journal_, Numbered(1, 1000)).ok());
  Process first = Start();
  OutputFollower follower(out_);
  ASSERT_EQ(WaitForOutput(follower, 1000, first), 1000u)
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  ASSERT_TRUE(AppendToJournal(journal_, Numbered(1001, 1500)).ok());
  ASSERT_TRUE(first.Signal(SIGTERM).ok());
  Result<ExitStatus> exit = first.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->ToString(), "exit 0") << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  ASSERT_TRUE(AppendToJournal(journal_, Numbered(1501, 2000)).ok());  // while it is down
  Process second = Start();
  ASSERT_EQ(WaitForOutput(follower, 2000, second), 2000u)
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  ASSERT_TRUE(second.Signal(SIGTERM).ok());
  ASSERT_TRUE(second.Wait(std::chrono::seconds(60)).has_value());
  follower.Poll();
  std::map<int, int> counts = Counts(follower);
  ASSERT_EQ(counts.size(), 2000u);
  EXPECT_EQ(counts.begin()->first, 1);
  EXPECT_EQ(counts.rbegin()->first, 2000);
  for (const auto& [n, times] : counts) {
    ASSERT_EQ(times, 1) << "entry-" << n;
  }
}

TEST_F(JournaldRestartTest, SigkillMidStreamThenRestartLosesNothing) {
  ASSERT_TRUE(AppendToJournal(journal_, Numbered(1, kKillTotal - 10000)).ok());
  Process first = Start();
  OutputFollower follower(out_);
  WaitForOutput(follower, 10000, first);
  first.Kill();  // mid-stream: batches are being written and acknowledged
  const size_t at_kill = follower.Poll();
  ASSERT_GE(at_kill, 10000u) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  RecordProperty("lines_at_kill", std::to_string(at_kill));
  ASSERT_TRUE(
      AppendToJournal(journal_, Numbered(kKillTotal - 9999, kKillTotal)).ok());  // while down
  Process second = Start();
  std::map<int, int> counts;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    follower.Poll();
    counts = Counts(follower);
    if (counts.size() == static_cast<size_t>(kKillTotal)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(counts.size(), static_cast<size_t>(kKillTotal))
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  // Repeats: only what was written but not yet acknowledged when the process died, at most the
  // batches the pipeline had in flight.
  size_t repeated = 0;
  for (const auto& [n, times] : counts) {
    ASSERT_LE(times, 2) << "entry-" << n;
    repeated += times - 1;
  }
  EXPECT_EQ(follower.size(), kKillTotal + repeated);
  RecordProperty("repeated", std::to_string(repeated));
  EXPECT_LE(repeated, static_cast<size_t>(8 * kBatch));
}

TEST(JournaldMachineJournalTest, ReadsAnEntryLoggedToTheMachinesJournal) {
  struct stat st;
  if (stat("/run/systemd/journal/socket", &st) != 0) {
    GTEST_SKIP() << "no systemd-journald runs on this machine (/run/systemd/journal/socket is "
                    "missing); the journal-file tests cover the input";
  }
  if (access("/usr/bin/systemd-cat", X_OK) != 0) {
    GTEST_SKIP() << "/usr/bin/systemd-cat is missing (Debian package systemd)";
  }
  TempDir dir;
  const std::string id = "runnel-test-" + std::to_string(getpid());
  const std::string out = dir.Path("out.jsonl");
  ASSERT_TRUE(WriteFile(dir.Path("agent.toml"),
                        "data_dir = \"" + dir.Path("data") +
                            "\"\n[inputs.j]\ntype = \"journald\"\nmatches = "
                            "[\"SYSLOG_IDENTIFIER=" +
                            id +
                            "\"]\npoll_interval = \"20ms\"\n[outputs.o]\ntype = \"file\"\n"
                            "inputs = [\"j\"]\npath = \"" +
                            out + "\"\n"));
  ASSERT_TRUE(WriteFile(dir.Path("msg"), "hello from the machine journal\n"));
  Result<Process> cat = Process::Spawn(
      {{"/bin/sh", "-c", "/usr/bin/systemd-cat -t " + id + " < " + dir.Path("msg")}, "", "", ""});
  ASSERT_TRUE(cat.has_value());
  ASSERT_TRUE(cat->Wait(std::chrono::seconds(30)).has_value());
  Result<Process> agent = Process::Spawn(
      {{AgentBinary(), "-c", dir.Path("agent.toml")}, "", dir.Path("agent.stderr"), ""});
  ASSERT_TRUE(agent.has_value());
  OutputFollower follower(out);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (follower.Poll() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(follower.size(), 1u) << ReadFileOrEmpty(dir.Path("agent.stderr"));
  std::string message;
  ASSERT_TRUE(JsonField(follower.lines()[0], "MESSAGE", &message));
  EXPECT_EQ(message, "hello from the machine journal");
}

}  // namespace
}  // namespace runnel::testing

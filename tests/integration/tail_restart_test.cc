// runnel-agent is stopped with SIGTERM while it tails a file being written, more lines are
// appended (or the file is rotated away) while it is down, and it is started again: every line
// comes out exactly once.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

constexpr int kFiles = 2;
constexpr int kLines = 150000;  // per file: a third while down

class TailRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = AgentBinary();
    AssertAgentFound(agent_);
    if (HasFatalFailure()) {
      return;
    }
    logs_ = dir_.Path("logs");
    ASSERT_EQ(mkdir(logs_.c_str(), 0755), 0);
    out_ = dir_.Path("out.jsonl");
    config_ = dir_.Path("agent.toml");
    ASSERT_TRUE(WriteFile(config_, "data_dir = \"" + dir_.Path("data") +
                                       "\"\n"
                                       "[inputs.logs]\n"
                                       "type = \"tail\"\n"
                                       "paths = [\"" +
                                       logs_ +
                                       "/*.log\"]\n"
                                       "refresh_interval = \"100ms\"\n"
                                       "poll_interval = \"20ms\"\n"
                                       "checkpoint_interval = \"100ms\"\n"
                                       "batch_max_events = 500\n"
                                       "[outputs.o]\n"
                                       "type = \"file\"\n"
                                       "inputs = [\"logs\"]\n"
                                       "path = \"" +
                                       out_ + "\"\n"));
  }
  Process Start() { return SpawnAgent(agent_, config_, dir_.Path("agent.stderr")); }
  void Term(Process& p) {
    ASSERT_TRUE(p.Signal(SIGTERM).ok()) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
    Result<ExitStatus> exit = p.Wait(std::chrono::seconds(60));
    ASSERT_TRUE(exit.has_value()) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n"
                                                 << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  }
  // Appends lines [from, to] of every file, 100 lines per write.
  void Append(int from, int to) {
    for (int f = 0; f < kFiles; ++f) {
      std::string chunk;
      for (int seq = from; seq <= to; ++seq) {
        chunk += WriterLine(f, seq);
        if (seq % 100 == 0 || seq == to) {
          ASSERT_TRUE(AppendFile(logs_ + "/f" + std::to_string(f) + ".log", chunk));
          chunk.clear();
        }
      }
    }
  }
  // Waits until the output has at least `n` lines (or the deadline passes, or `p` exits).
  size_t WaitForOutput(OutputFollower& follower, size_t n, Process& p,
                       std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (follower.Poll() < n && std::chrono::steady_clock::now() < deadline && p.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return follower.size();
  }
  TempDir dir_;
  std::string agent_, logs_, out_, config_;
};

TEST_F(TailRestartTest, SigtermMidStreamThenRestartLosesAndRepeatsNothing) {
  for (int f = 0; f < kFiles; ++f) {
    ASSERT_TRUE(WriteFile(logs_ + "/f" + std::to_string(f) + ".log", ""));
  }
  Process first = Start();
  OutputFollower follower(out_);
  ASSERT_TRUE(WriteFile(logs_ + "/ready.log", "ready\n"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (follower.Poll() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(follower.size(), 1u) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  // A writer keeps appending while the agent is stopped under it.
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int seq = 1; seq <= 2 * kLines / 3; seq += 1000) {
      Append(seq, seq + 999);
      written = seq + 999;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a pace, not a sync
    }
  });
  deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (follower.Poll() < static_cast<size_t>(kLines / 3) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int written_at_term = written;
  size_t read_at_term = follower.size();
  Term(first);
  writer.join();
  size_t after_first = follower.Poll();
  EXPECT_LT(after_first, static_cast<size_t>(kFiles * 2 * kLines / 3 + 1))
      << "the stop was not mid-stream: SIGTERM after " << read_at_term << " lines out, "
      << written_at_term << " written per file";
  Append(2 * kLines / 3 + 1, kLines);  // while it is down

  Process second = Start();
  deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (follower.Poll() < static_cast<size_t>(kFiles * kLines + 1) &&
         std::chrono::steady_clock::now() < deadline && second.running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Term(second);
  follower.Poll();

  std::vector<std::vector<int>> seen(kFiles, std::vector<int>(kLines + 1, 0));
  std::vector<int> last(kFiles, 0);
  int out_of_order = 0;
  for (const OutputRecord& r : follower.records()) {
    if (r.path == logs_ + "/ready.log") {
      continue;
    }
    int f = -1;
    int seq = 0;
    ASSERT_TRUE(ParseWriterLine(r.log, &f, &seq) && f >= 0 && f < kFiles && seq >= 1 &&
                seq <= kLines)
        << r.log;
    EXPECT_EQ(r.path, logs_ + "/f" + std::to_string(f) + ".log");
    ++seen[f][seq];
    out_of_order += seq <= last[f];
    last[f] = seq;
  }
  EXPECT_EQ(out_of_order, 0);
  for (int f = 0; f < kFiles; ++f) {
    int missing = 0;
    int repeated = 0;
    for (int seq = 1; seq <= kLines; ++seq) {
      missing += seen[f][seq] == 0;
      repeated += seen[f][seq] > 1;
    }
    EXPECT_EQ(missing, 0) << "file " << f;
    EXPECT_EQ(repeated, 0) << "file " << f;
  }
  EXPECT_EQ(follower.size(), static_cast<size_t>(kFiles * kLines + 1));
}

// app.log is rotated to app.log.1 (not matched by the globs) while the agent is down, after a
// SIGTERM in the middle of it: after the restart the rest of app.log.1 is read from the
// checkpoint, and the new app.log from its start.
TEST_F(TailRestartTest, RotatedWhileDownIsReadToItsEnd) {
  constexpr int kOld = 60000;  // written to app.log while the agent runs and is stopped
  constexpr int kLate = 1000;  // appended to app.log.1 after the rotation, before reopening
  constexpr int kNew = 5000;   // the new app.log
  const std::string app = logs_ + "/app.log";
  ASSERT_TRUE(WriteFile(app, ""));
  Process first = Start();
  OutputFollower follower(out_);
  ASSERT_TRUE(WriteFile(logs_ + "/ready.log", "ready\n"));
  ASSERT_EQ(WaitForOutput(follower, 1, first, std::chrono::seconds(60)), 1u)
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int seq = 1; seq <= kOld; seq += 1000) {
      std::string chunk;
      for (int i = seq; i < seq + 1000; ++i) {
        chunk += WriterLine(0, i);
      }
      ASSERT_TRUE(AppendFile(app, chunk));
      written = seq + 999;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a pace, not a sync
    }
  });
  WaitForOutput(follower, kOld / 3, first, std::chrono::minutes(2));
  int written_at_term = written;
  size_t read_at_term = follower.size();
  Term(first);
  writer.join();
  size_t after_first = follower.Poll();
  ASSERT_LT(after_first, static_cast<size_t>(kOld + 1))
      << "the stop was not mid-file: SIGTERM after " << read_at_term << " lines out, "
      << written_at_term << " written";

  // While the agent is down: rotated, written on through the old descriptor, replaced.
  ASSERT_EQ(rename(app.c_str(), (app + ".1").c_str()), 0);
  std::string chunk;
  for (int seq = kOld + 1; seq <= kOld + kLate; ++seq) {
    chunk += WriterLine(0, seq);
  }
  ASSERT_TRUE(AppendFile(app + ".1", chunk));
  chunk.clear();
  for (int seq = 1; seq <= kNew; ++seq) {
    chunk += WriterLine(1, seq);
  }
  ASSERT_TRUE(WriteFile(app, chunk));

  Process second = Start();
  const size_t want = 1 + kOld + kLate + kNew;
  WaitForOutput(follower, want, second, std::chrono::minutes(3));
  Term(second);
  follower.Poll();

  std::vector<std::vector<int>> seen = {std::vector<int>(kOld + kLate + 1, 0),
                                        std::vector<int>(kNew + 1, 0)};
  std::vector<int> last = {0, 0};
  int out_of_order = 0;
  for (const OutputRecord& r : follower.records()) {
    if (r.path == logs_ + "/ready.log") {
      continue;
    }
    int w = -1;
    int seq = 0;
    ASSERT_TRUE(ParseWriterLine(r.log, &w, &seq) && w >= 0 && w <= 1 && seq >= 1 &&
                static_cast<size_t>(seq) < seen[w].size())
        << r.log;
    EXPECT_EQ(r.path, app);  // the rotated file's lines carry the path it was read under
    ++seen[w][seq];
    out_of_order += seq <= last[w];
    last[w] = seq;
  }
  EXPECT_EQ(out_of_order, 0);
  for (int w = 0; w <= 1; ++w) {
    int missing = 0;
    int repeated = 0;
    for (size_t seq = 1; seq < seen[w].size(); ++seq) {
      missing += seen[w][seq] == 0;
      repeated += seen[w][seq] > 1;
    }
    EXPECT_EQ(missing, 0) << "writer " << w;
    EXPECT_EQ(repeated, 0) << "writer " << w;
  }
  EXPECT_EQ(follower.size(), want) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
}

}  // namespace
}  // namespace runnel::testing

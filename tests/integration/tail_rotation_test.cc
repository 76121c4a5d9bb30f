// runnel-agent tails three files written by concurrent writers while one is rotated by rename
// and one by copytruncate (its copy matched by the globs too); every line must come out exactly
// once, in order per file.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
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

constexpr int kWriters = 3;
constexpr int kLines = 200000;
constexpr int kChunk = 100;  // lines per write(2)

// Writes kLines lines to `path` in chunks. Writer 0 renames its file away halfway and goes on
// writing to the renamed file for a while before reopening (as a daemon does until SIGHUP);
// writer 1 copies and truncates its file halfway (logrotate's copytruncate).
void Write(int writer, const std::string& dir) {
  std::string path = dir + "/f" + std::to_string(writer) + ".log";
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  std::string chunk;
  for (int seq = 1; seq <= kLines; ++seq) {
    chunk += WriterLine(writer, seq);
    if (seq % kChunk != 0 && seq != kLines) {
      continue;
    }
    ASSERT_EQ(write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    chunk.clear();
    if (seq % (20 * kChunk) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a pace, not a sync
    }
    if (seq == kLines / 2) {
      if (writer == 0) {
        ASSERT_EQ(rename(path.c_str(), (dir + "/f0.log.old").c_str()), 0);
      } else if (writer == 1) {
        std::string all = ReadFileOrEmpty(path);
        ASSERT_TRUE(WriteFile(dir + "/f1.log.1", all));
        ASSERT_EQ(ftruncate(fd, 0), 0);
      }
    }
    if (writer == 0 && seq == kLines / 2 + 5000) {
      close(fd);
      fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      ASSERT_GE(fd, 0);
    }
  }
  close(fd);
}

TEST(TailRotationTest, EveryLineOnceInOrderThroughRotations) {
  std::string agent = AgentBinary();
  struct stat st;
  if (agent.empty() || stat(agent.c_str(), &st) != 0) {
    FAIL() << "runnel-agent not found at \"" << agent
           << "\" (run through ctest, which sets RUNNEL_BINARY_DIR)";
  }
  TempDir dir;
  std::string logs = dir.Path("logs");
  ASSERT_EQ(mkdir(logs.c_str(), 0755), 0);
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_TRUE(WriteFile(logs + "/f" + std::to_string(w) + ".log", ""));
  }
  std::string out = dir.Path("out.jsonl");
  std::string config = dir.Path("agent.toml");
  ASSERT_TRUE(WriteFile(config, "data_dir = \"" + dir.Path("data") +
                                    "\"\n"
                                    "[inputs.logs]\n"
                                    "type = \"tail\"\n"
                                    "paths = [\"" +
                                    logs + "/*.log\", \"" + logs +
                                    "/*.log.1\"]\n"
                                    "refresh_interval = \"100ms\"\n"
                                    "poll_interval = \"20ms\"\n"
                                    "rotate_wait = \"2s\"\n"
                                    "[outputs.o]\n"
                                    "type = \"file\"\n"
                                    "inputs = [\"logs\"]\n"
                                    "path = \"" +
                                    out + "\"\n"));
  std::string stderr_path = dir.Path("agent.stderr");
  Result<Process> p = Process::Spawn({{agent, "-c", config}, "", stderr_path, ""});
  ASSERT_TRUE(p.has_value()) << p.error().ToString();

  // Writers start once the agent is reading.
  OutputFollower follower(out);
  ASSERT_TRUE(WriteFile(logs + "/ready.log", "ready\n"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (follower.Poll() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(follower.size(), 1u) << ReadFileOrEmpty(stderr_path);

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back(Write, w, logs);
  }
  for (std::thread& t : writers) {
    t.join();
  }
  deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
  while (follower.Poll() < static_cast<size_t>(kWriters * kLines + 1) &&
         std::chrono::steady_clock::now() < deadline && p->running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(p->Signal(SIGTERM).ok()) << ReadFileOrEmpty(stderr_path);
  Result<ExitStatus> exit = p->Wait(std::chrono::seconds(60));
  ASSERT_TRUE(exit.has_value()) << ReadFileOrEmpty(stderr_path);
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n"
                                               << ReadFileOrEmpty(stderr_path);
  follower.Poll();

  // seen[writer][seq]: how often; last[(writer, path)]: the order per file.
  std::vector<std::vector<int>> seen(kWriters, std::vector<int>(kLines + 1, 0));
  std::map<std::pair<int, std::string>, int> last;
  int foreign = 0;
  int out_of_order = 0;
  for (const OutputRecord& r : follower.records()) {
    if (r.path == logs + "/ready.log") {
      continue;
    }
    int w = -1;
    int seq = 0;
    if (!ParseWriterLine(r.log, &w, &seq) || w < 0 || w >= kWriters || seq < 1 || seq > kLines) {
      ++foreign;
      continue;
    }
    ++seen[w][seq];
    int& prev = last[{w, r.path}];
    if (seq <= prev) {
      ++out_of_order;
    }
    prev = seq;
  }
  EXPECT_EQ(foreign, 0);
  EXPECT_EQ(out_of_order, 0);
  for (int w = 0; w < kWriters; ++w) {
    int missing = 0;
    int repeated = 0;
    int first_bad = 0;
    for (int seq = 1; seq <= kLines; ++seq) {
      if (seen[w][seq] != 1 && first_bad == 0) {
        first_bad = seq;
      }
      missing += seen[w][seq] == 0;
      repeated += seen[w][seq] > 1;
    }
    EXPECT_EQ(missing, 0) << "writer " << w << ", first at " << first_bad;
    EXPECT_EQ(repeated, 0) << "writer " << w << ", first at " << first_bad;
  }
  EXPECT_EQ(follower.size(), static_cast<size_t>(kWriters * kLines + 1))
      << ReadFileOrEmpty(stderr_path);
}

}  // namespace
}  // namespace runnel::testing

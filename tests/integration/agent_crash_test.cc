// Issue 4, "never loses a record it has read", for the agent: runnel-agent tails app.log while a
// writer appends 50,000 numbered lines a second and rotates it by rename (app.log.1, .2, ...,
// all kept and all matched by the glob), and ships them over forward to a runnel-aggregator
// (file output). The agent is killed with SIGKILL at random moments, 20 times (100 with
// RUNNEL_LONG_TESTS=1), and started again on the same data_dir each time. In half of its lives
// the aggregator stalls (SIGSTOP) before the kill, so the agent dies holding lines it has read
// and not had acknowledged (its forward window is small: most wait in its queue). In the end
// every line written is in the aggregator's output, every output line is exactly a written line,
// and the agent's checkpoint is at the end of every file. Lines read again after a kill arrive
// twice: at most what the agent had sent and not had acknowledged when it died (its forward
// window, DuplicateBoundPerKill), since every acknowledged offset is journalled at once.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/crash_support.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Sanitized binaries are several times slower: less load, longer lives, the same kills.
constexpr int kLinesPerSecond = kUnderAsan ? 10'000 : 50'000;
constexpr int kMinLifeMs = kUnderAsan ? 200 : 100;
constexpr int kMaxLifeMs = kUnderAsan ? 1200 : 600;

TEST(AgentCrashTest, KilledAtRandomMomentsLosesNoLine) {
  const std::string agent = RunnelBinaryPath("runnel-agent");
  const std::string aggregator = RunnelBinaryPath("runnel-aggregator");
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  const uint64_t seed = CrashSeed();
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int kills = CrashKills(20, 100);

  TempDir dir;
  const std::string logs = dir.Path("logs");
  ASSERT_EQ(mkdir(logs.c_str(), 0755), 0);
  const std::string out = dir.Path("out.jsonl");
  const std::string agg_log = dir.Path("aggregator.stderr");
  const std::string agent_log = dir.Path("agent.stderr");
  // The aggregator runs throughout: port 0, the port it logs.
  ASSERT_TRUE(
      WriteFile(dir.Path("aggregator.toml"), AggregatorConfig(dir.Path("aggregator"), 0, out)));
  Result<Process> agg =
      Process::Spawn({{aggregator, "-c", dir.Path("aggregator.toml")}, "", agg_log, ""});
  ASSERT_TRUE(agg.has_value()) << agg.error().ToString();
  const uint16_t port = WaitForLoggedPort(agg_log, "inputs.fwd", *agg);
  ASSERT_NE(port, 0) << LogTail(agg_log);

  const std::string agent_config = dir.Path("agent.toml");
  ASSERT_TRUE(WriteFile(agent_config, AgentConfig(dir.Path("agent"), logs + "/app.log*", port)));
  auto start_agent = [&] {
    Result<Process> p = Process::Spawn({{agent, "-c", agent_config}, "", agent_log, ""});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p.has_value() ? std::move(*p) : Process();
  };
  Process live = start_agent();
  PacedLineWriter writer({.path = logs + "/app.log",
                          .lines_per_second = kLinesPerSecond,
                          .rotate_min_lines = kLinesPerSecond / 5,
                          .rotate_max_lines = kLinesPerSecond * 4 / 5,
                          .seed = rng()});
  writer.Start();
  int stalls = 0;
  for (int k = 1; k <= kills; ++k) {
    // A random moment. In half the lives the aggregator stalls (SIGSTOP) from a random point on,
    // so the agent dies holding lines it has read and not had acknowledged: in its queue, or sent.
    const milliseconds life = RandomMillis(rng, kMinLifeMs, kMaxLifeMs);
    const bool stall = rng() % 2 == 0;
    const milliseconds stall_at =
        stall ? RandomMillis(rng, 0, static_cast<int>(life.count())) : life;
    std::this_thread::sleep_for(stall_at);
    if (stall) {
      ASSERT_TRUE(agg->Signal(SIGSTOP).ok()) << LogTail(agg_log);
      ++stalls;
    }
    std::this_thread::sleep_for(life - stall_at);
    ASSERT_TRUE(live.running()) << "runnel-agent exited on its own before kill " << k << "\n"
                                << LogTail(agent_log);
    live.Kill();
    if (stall) {
      ASSERT_TRUE(agg->Signal(SIGCONT).ok()) << LogTail(agg_log);
    }
    ASSERT_TRUE(AppendFile(agent_log, "----- test: SIGKILL " + std::to_string(k) + " -----\n"));
    live = start_agent();
  }
  const int written = writer.Stop();
  ASSERT_EQ(writer.error(), "");
  ASSERT_GT(written, 0);

  // The last agent runs until every line is in the output.
  OutputFollower follower(out);
  DeliveryTally tally(logs + "/app.log");
  auto follow = [&] { follower.Follow([&](std::string_view line) { tally.Add(line); }); };
  ASSERT_TRUE(PollUntil(
      [&] {
        follow();
        return tally.distinct() >= static_cast<uint64_t>(written) || !live.running();
      },
      minutes(3)))
      << tally.Missing(written) << " of " << written << " lines missing after 3 minutes; "
      << tally.DescribeMissing(written) << "\n"
      << LogTail(agent_log);
  EXPECT_TRUE(live.running()) << LogTail(agent_log);
  // Everything is acknowledged, so the checkpoint reaches the end of every file.
  const std::string checkpoint = dir.Path("agent/inputs.app/checkpoint");
  std::string lag;
  EXPECT_TRUE(
      PollUntil([&] { return (lag = CheckpointLag(checkpoint, logs)).empty(); }, seconds(30)))
      << lag;
  for (Process* p : {&live, &*agg}) {
    ASSERT_TRUE(p->Signal(SIGTERM).ok());
    Result<ExitStatus> exit = p->Wait(minutes(1));
    ASSERT_TRUE(exit.has_value()) << LogTail(p == &live ? agent_log : agg_log);
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n"
                                                 << LogTail(p == &live ? agent_log : agg_log);
  }
  EXPECT_EQ(CheckpointLag(checkpoint, logs), "");
  follow();

  EXPECT_EQ(tally.Missing(written), 0u) << tally.DescribeMissing(written);
  EXPECT_EQ(tally.corrupt(), 0u) << "output lines that are not lines written:\n"
                                 << tally.DescribeCorrupt();
  RecordProperty("duplicates", std::to_string(tally.duplicates()));
  // The shortest path makes the smallest events, the most per buffer byte.
  const AgentWindow window{.buffer_max_bytes = kDefaultMemoryBufferBytes,
                           .max_in_flight_bytes = kCrashAgentInFlightBytes,
                           .batch_max_events = kCrashAgentBatchEvents,
                           .entry_bytes = CrashEntryBytes(logs + "/app.log")};
  const uint64_t bound = DuplicateBoundPerKill(window);
  std::printf(
      "lines written: %d (%d rotations), SIGKILLs: %d (%d with the aggregator stalled), output "
      "lines: %llu, duplicates: %llu in %llu runs, the largest %llu, corrupt: %llu; bound per "
      "kill: %s\n",
      written, writer.rotations(), kills, stalls, static_cast<unsigned long long>(tally.lines()),
      static_cast<unsigned long long>(tally.duplicates()),
      static_cast<unsigned long long>(tally.duplicate_runs()),
      static_cast<unsigned long long>(tally.largest_duplicate_run()),
      static_cast<unsigned long long>(tally.corrupt()), DescribeDuplicateBound(window).c_str());
  EXPECT_LE(tally.largest_duplicate_run(), bound);
  EXPECT_LE(tally.duplicates(), static_cast<uint64_t>(kills) * bound);
}

}  // namespace
}  // namespace runnel::testing

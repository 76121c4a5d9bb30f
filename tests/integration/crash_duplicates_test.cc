// Issue 8, "bounded duplicates after a crash": runnel-agent configured as a new user does (a
// tail input and a forward output, every other option at its default) tails app.log, written at
// 20,000 numbered lines a second, and ships it to a runnel-aggregator (file output). The agent is
// killed with SIGKILL 10 times (50 with RUNNEL_LONG_TESTS=1), each time 0.3–1.5 s after it was
// started, and started again on the same data_dir. Nothing may be lost, and what arrives twice
// is bounded by what the agent had sent and not had acknowledged: per kill at most
// DuplicateBoundPerKill of its window, and 10,000 lines for the whole run. Before the checkpoint
// journal an agent killed within checkpoint_interval (5 s) of its start had saved nothing and
// read the whole file again: over a million duplicates.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_config.h"
#include "plugins/outputs/forward/forward_config.h"
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
constexpr int kLinesPerSecond = kUnderAsan ? 5'000 : 20'000;
constexpr int kMinLifeMs = kUnderAsan ? 600 : 300;
constexpr int kMaxLifeMs = kUnderAsan ? 3000 : 1500;
// The target for the whole run.
constexpr uint64_t kMaxDuplicates = 10'000;

TEST(CrashDuplicatesTest, KilledSoonAfterEachStartRepeatsOnlyWhatWasInFlight) {
  const std::string agent = RunnelBinaryPath("runnel-agent");
  const std::string aggregator = RunnelBinaryPath("runnel-aggregator");
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  const uint64_t seed = CrashSeed();
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int kills = CrashKills(10, 50);

  TempDir dir;
  const std::string logs = dir.Path("logs");
  ASSERT_EQ(mkdir(logs.c_str(), 0755), 0);
  const std::string out = dir.Path("out.jsonl");
  const std::string agg_log = dir.Path("aggregator.stderr");
  const std::string agent_log = dir.Path("agent.stderr");
  ASSERT_TRUE(
      WriteFile(dir.Path("aggregator.toml"), AggregatorConfig(dir.Path("aggregator"), 0, out)));
  Result<Process> agg =
      Process::Spawn({{aggregator, "-c", dir.Path("aggregator.toml")}, "", agg_log, ""});
  ASSERT_TRUE(agg.has_value()) << agg.error().ToString();
  const uint16_t port = WaitForLoggedPort(agg_log, "inputs.fwd", *agg);
  ASSERT_NE(port, 0) << LogTail(agg_log);

  const std::string app_log = logs + "/app.log";
  const std::string agent_config = dir.Path("agent.toml");
  ASSERT_TRUE(WriteFile(agent_config, DefaultAgentConfig(dir.Path("agent"), app_log, port)));
  const AgentWindow window{
      .buffer_max_bytes = kDefaultMemoryBufferBytes,
      .max_in_flight_bytes = plugins::forward_output::ForwardConfig{}.max_in_flight_bytes,
      .batch_max_events = plugins::tail::TailConfig{}.batch_max_events,
      .entry_bytes = CrashEntryBytes(app_log)};
  const uint64_t bound = DuplicateBoundPerKill(window);

  auto start_agent = [&] {
    Result<Process> p = Process::Spawn({{agent, "-c", agent_config}, "", agent_log, ""});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p.has_value() ? std::move(*p) : Process();
  };
  PacedLineWriter writer({.path = app_log, .lines_per_second = kLinesPerSecond, .seed = rng()});
  writer.Start();
  Process live = start_agent();
  for (int k = 1; k <= kills; ++k) {
    std::this_thread::sleep_for(RandomMillis(rng, kMinLifeMs, kMaxLifeMs));  // a moment, no sync
    ASSERT_TRUE(live.running()) << "runnel-agent exited on its own before kill " << k << "\n"
                                << LogTail(agent_log);
    live.Kill();
    ASSERT_TRUE(AppendFile(agent_log, "----- test: SIGKILL " + std::to_string(k) + " -----\n"));
    live = start_agent();
  }
  const int written = writer.Stop();
  ASSERT_EQ(writer.error(), "");
  ASSERT_GT(written, 0);

  OutputFollower follower(out);
  DeliveryTally tally(app_log);
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
  const std::string checkpoint = dir.Path("agent/inputs.app/checkpoint");
  std::string lag;
  EXPECT_TRUE(
      PollUntil([&] { return (lag = CheckpointLag(checkpoint, logs)).empty(); }, seconds(30)))
      << lag;
  for (Process* p : {&live, &*agg}) {
    const std::string& log = p == &live ? agent_log : agg_log;
    ASSERT_TRUE(p->Signal(SIGTERM).ok()) << LogTail(log);
    Result<ExitStatus> exit = p->Wait(minutes(1));
    ASSERT_TRUE(exit.has_value()) << LogTail(log);
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n" << LogTail(log);
  }
  EXPECT_EQ(CheckpointLag(checkpoint, logs), "");
  follow();

  RecordProperty("duplicates", std::to_string(tally.duplicates()));
  std::printf(
      "lines written: %d, SIGKILLs: %d, output lines: %llu, duplicates: %llu in %llu runs, the "
      "largest %llu; bound per kill: %s\n",
      written, kills, static_cast<unsigned long long>(tally.lines()),
      static_cast<unsigned long long>(tally.duplicates()),
      static_cast<unsigned long long>(tally.duplicate_runs()),
      static_cast<unsigned long long>(tally.largest_duplicate_run()),
      DescribeDuplicateBound(window).c_str());
  std::fflush(stdout);
  EXPECT_EQ(tally.Missing(written), 0u) << tally.DescribeMissing(written);
  EXPECT_EQ(tally.corrupt(), 0u) << "output lines that are not lines written:\n"
                                 << tally.DescribeCorrupt();
  EXPECT_LE(tally.largest_duplicate_run(), bound);
  EXPECT_LE(tally.duplicates(), static_cast<uint64_t>(kills) * bound);
  EXPECT_LE(tally.duplicates(), kMaxDuplicates);
}

}  // namespace
}  // namespace runnel::testing

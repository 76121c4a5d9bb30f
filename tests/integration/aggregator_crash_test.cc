// Issue 4, "never loses a record it has read", for the aggregator: runnel-agent tails app.log,
// written at 50,000 numbered lines a second, and ships it over forward (require_ack, the
// default) to a runnel-aggregator (file output). The aggregator is killed with SIGKILL under
// load, 10 times (50 with RUNNEL_LONG_TESTS=1), half the time after a stall (SIGSTOP) that lets
// unread frames pile up, and started again on the same port and data_dir; the agent reconnects
// by itself. The agent commits only acknowledged batches, so once its checkpoint is at the end
// of the file every line was acknowledged, and every one must be in the aggregator's output,
// exactly as written. What arrives twice is at most kAggregatorDuplicateBatchesPerKill batches
// per kill: a batch the aggregator had stored and journalled in its dedupe window before dying
// is acknowledged when the agent sends it again, not stored twice.
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

using std::chrono::minutes;

// Sanitized binaries are several times slower: less load, longer lives, the same kills.
constexpr int kLinesPerSecond = kUnderAsan ? 10'000 : 50'000;
constexpr int kMinLifeMs = kUnderAsan ? 400 : 200;
constexpr int kMaxLifeMs = kUnderAsan ? 2000 : 1000;
constexpr int kMaxStallMs = 200;  // how long an aggregator stalls before some kills, at most
constexpr int kMaxDownMs = 300;   // how long an aggregator stays dead, at most

TEST(AggregatorCrashTest, KilledUnderLoadLosesNothingAcknowledged) {
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
  // The aggregator comes back on the same port each time.
  const uint16_t port = FreeLoopbackPort();
  ASSERT_NE(port, 0);
  const std::string agg_config = dir.Path("aggregator.toml");
  ASSERT_TRUE(WriteFile(agg_config, AggregatorConfig(dir.Path("aggregator"), port, out)));
  Process agg;
  auto start_aggregator = [&] {
    Result<Process> p = Process::Spawn({{aggregator, "-c", agg_config}, "", agg_log, ""});
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    agg = std::move(*p);
    ASSERT_TRUE(PollUntil([&] { return AcceptsConnections(port) || !agg.running(); }, minutes(1)))
        << LogTail(agg_log);
    ASSERT_TRUE(agg.running()) << LogTail(agg_log);
  };
  ASSERT_NO_FATAL_FAILURE(start_aggregator());

  const std::string agent_config = dir.Path("agent.toml");
  ASSERT_TRUE(WriteFile(agent_config, AgentConfig(dir.Path("agent"), logs + "/app.log", port)));
  Result<Process> live = Process::Spawn({{agent, "-c", agent_config}, "", agent_log, ""});
  ASSERT_TRUE(live.has_value()) << live.error().ToString();
  PacedLineWriter writer(
      {.path = logs + "/app.log", .lines_per_second = kLinesPerSecond, .seed = rng()});
  writer.Start();
  int stalls = 0;
  for (int k = 1; k <= kills; ++k) {
    std::this_thread::sleep_for(RandomMillis(rng, kMinLifeMs, kMaxLifeMs));  // a random moment
    ASSERT_TRUE(agg.running()) << "runnel-aggregator exited on its own before kill " << k << "\n"
                               << LogTail(agg_log);
    // Half the time it stalls first (SIGSTOP) wherever it is, while the agent goes on sending: it
    // dies with frames received and not yet stored or acknowledged.
    if (rng() % 2 == 0) {
      ASSERT_TRUE(agg.Signal(SIGSTOP).ok());
      std::this_thread::sleep_for(RandomMillis(rng, 10, kMaxStallMs));  // a stall, not a sync
      ++stalls;
    }
    agg.Kill();
    std::this_thread::sleep_for(RandomMillis(rng, 0, kMaxDownMs));  // an outage, not a sync
    ASSERT_TRUE(AppendFile(agg_log, "----- test: SIGKILL " + std::to_string(k) + " -----\n"));
    ASSERT_NO_FATAL_FAILURE(start_aggregator());
    ASSERT_TRUE(live->running()) << LogTail(agent_log);
  }
  const int written = writer.Stop();
  ASSERT_EQ(writer.error(), "");
  ASSERT_GT(written, 0);

  // The agent commits only what the aggregator acknowledged: once its checkpoint is at the end of
  // the file, every line written was acknowledged.
  const std::string checkpoint = dir.Path("agent/inputs.app/checkpoint");
  std::string lag;
  ASSERT_TRUE(
      PollUntil([&] { return (lag = CheckpointLag(checkpoint, logs)).empty(); }, minutes(3)))
      << "the agent's checkpoint is not at the end of the file after 3 minutes:\n"
      << lag << LogTail(agent_log) << "\n"
      << LogTail(agg_log);
  // Read from its start: each restart cut the torn tail a kill left, so what an earlier reader saw
  // may be gone. The last aggregator has done so already (its output opens before it listens).
  OutputFollower follower(out);
  DeliveryTally tally(logs + "/app.log");
  auto follow = [&] { follower.Follow([&](std::string_view line) { tally.Add(line); }); };
  // Acknowledged may mean buffered: the output file can lag behind the acks for a while.
  EXPECT_TRUE(PollUntil(
      [&] {
        follow();
        return tally.distinct() >= static_cast<uint64_t>(written);
      },
      minutes(1)))
      << tally.Missing(written) << " of " << written << " acknowledged lines missing; "
      << tally.DescribeMissing(written) << "\n"
      << LogTail(agg_log);
  ASSERT_NO_FATAL_FAILURE(StopCleanly(*live, agent_log));
  ASSERT_NO_FATAL_FAILURE(StopCleanly(agg, agg_log));
  EXPECT_EQ(CheckpointLag(checkpoint, logs), "");
  follow();

  EXPECT_EQ(tally.Missing(written), 0u) << tally.DescribeMissing(written);
  EXPECT_EQ(tally.corrupt(), 0u) << "output lines that are not lines written:\n"
                                 << tally.DescribeCorrupt();
  RecordProperty("duplicates", std::to_string(tally.duplicates()));
  // How often a kill cut a write short (each restart logs the torn line it removed).
  const std::string agg_text = ReadFileOrEmpty(agg_log);
  int torn = 0;
  for (size_t at = 0;
       (at = agg_text.find("ended with an incomplete line", at)) != std::string::npos; ++at) {
    ++torn;
  }
  const uint64_t bound = kAggregatorDuplicateBatchesPerKill * kCrashAgentBatchEvents;
  std::printf(
      "lines written: %d, aggregator SIGKILLs: %d (%d after a stall), %s, torn tails cut: %d; "
      "bound per kill: %llu batches of at most %llu lines = %llu lines\n",
      written, kills, stalls, DescribeDeliveries(tally).c_str(), torn,
      static_cast<unsigned long long>(kAggregatorDuplicateBatchesPerKill),
      static_cast<unsigned long long>(kCrashAgentBatchEvents),
      static_cast<unsigned long long>(bound));
  EXPECT_LE(tally.largest_duplicate_run(), kCrashAgentBatchEvents);
  EXPECT_LE(tally.duplicates(), static_cast<uint64_t>(kills) * bound);
}

}  // namespace
}  // namespace runnel::testing

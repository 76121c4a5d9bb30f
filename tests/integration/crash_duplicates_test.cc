// Issue 8, "bounded duplicates after a crash": runnel-agent configured as a new user does (a
// tail input and a forward output, every other option at its default) tails app.log, written at
// 20,000 numbered lines a second, and ships it to a runnel-aggregator (file output). The agent is
// killed with SIGKILL 10 times (50 with RUNNEL_LONG_TESTS=1), each time 0.3–1.5 s after it was
// started, and started again on the same data_dir. Nothing may be lost, and what arrives twice
// is bounded by what the agent had sent and not had acknowledged: per kill at most
// DuplicateBoundPerKill of its window, and 10,000 lines for the whole run. Before the checkpoint
// journal an agent killed within checkpoint_interval (5 s) of its start had saved nothing and
// read the whole file again: about a million duplicates.
#include <string>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_config.h"
#include "plugins/outputs/forward/forward_config.h"
#include "tests/integration/crash_support.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

// The target for the whole run.
constexpr uint64_t kMaxDuplicates = 10'000;

TEST(CrashDuplicatesTest, KilledSoonAfterEachStartRepeatsOnlyWhatWasInFlight) {
  const uint64_t seed = CrashSeed();
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  // Sanitized binaries are several times slower: less load, longer lives, the same kills.
  const AgentKillScenario scenario{.agent_config = DefaultAgentConfig,
                                   .lines_per_second = kUnderAsan ? 5'000 : 20'000,
                                   .kills = CrashKills(10, 50),
                                   .min_life_ms = kUnderAsan ? 600 : 300,
                                   .max_life_ms = kUnderAsan ? 3000 : 1500};
  TempDir dir;
  AgentKillOutcome outcome;
  ASSERT_NO_FATAL_FAILURE(RunAgentKills(scenario, dir.path(), rng, &outcome));
  RecordProperty("duplicates", std::to_string(outcome.tally->duplicates()));
  ExpectBoundedDuplicates(
      scenario, outcome,
      {.buffer_max_bytes = kDefaultMemoryBufferBytes,
       .max_in_flight_bytes = plugins::forward_output::ForwardConfig{}.max_in_flight_bytes,
       .batch_max_events = plugins::tail::TailConfig{}.batch_max_events,
       .entry_bytes = CrashEntryBytes(outcome.logs + "/app.log")});
  EXPECT_LE(outcome.tally->duplicates(), kMaxDuplicates);
}

}  // namespace
}  // namespace runnel::testing

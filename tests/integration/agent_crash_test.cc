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
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/crash_support.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

// Sanitized binaries are several times slower: less load, longer lives, the same kills.
constexpr int kLinesPerSecond = kUnderAsan ? 10'000 : 50'000;

TEST(AgentCrashTest, KilledAtRandomMomentsLosesNoLine) {
  const uint64_t seed = CrashSeed();
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const AgentKillScenario scenario{.agent_config = AgentConfig,
                                   .lines_per_second = kLinesPerSecond,
                                   .rotate_min_lines = kLinesPerSecond / 5,
                                   .rotate_max_lines = kLinesPerSecond * 4 / 5,
                                   .kills = CrashKills(20, 100),
                                   .min_life_ms = kUnderAsan ? 200 : 100,
                                   .max_life_ms = kUnderAsan ? 1200 : 600,
                                   .stall_half = true};
  TempDir dir;
  AgentKillOutcome outcome;
  ASSERT_NO_FATAL_FAILURE(RunAgentKills(scenario, dir.path(), rng, &outcome));
  RecordProperty("duplicates", std::to_string(outcome.tally->duplicates()));
  // The shortest path makes the smallest events, the most per buffer byte.
  ExpectBoundedDuplicates(scenario, outcome,
                          {.buffer_max_bytes = kDefaultMemoryBufferBytes,
                           .max_in_flight_bytes = kCrashAgentInFlightBytes,
                           .batch_max_events = kCrashAgentBatchEvents,
                           .entry_bytes = CrashEntryBytes(outcome.logs + "/app.log")});
}

}  // namespace
}  // namespace runnel::testing

// /health and /ready as functions of the outputs' activity and an injected time: no waiting for
// the window.
#include "api/health.h"

#include <gtest/gtest.h>

namespace runnel::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime(seconds(1000));

OutputActivity Output(const std::string& id, uint64_t pending, SteadyTime progress,
                      std::optional<SteadyTime> delivered) {
  return OutputActivity{id, pending, progress, delivered};
}

TEST(HealthTest, NothingToDeliverIsHealthyHoweverLongAgoTheLastDeliveryWas) {
  Probe p = EvaluateHealth({Output("outputs.idle", 0, kT0, kT0 - seconds(3600))},
                           kT0 + seconds(7200), seconds(60));
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.json, R"({"status":"ok","outputs":{"outputs.idle":{"pending_batches":0,)"
                    R"("last_delivery_seconds_ago":10800}}})");
}

TEST(HealthTest, BatchesWaitingWithProgressInsideTheWindowIsHealthy) {
  Probe p =
      EvaluateHealth({Output("outputs.es", 12, kT0, kT0)}, kT0 + milliseconds(59'999), seconds(60));
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.json, R"({"status":"ok","outputs":{"outputs.es":{"pending_batches":12,)"
                    R"("last_delivery_seconds_ago":59}}})");
}

TEST(HealthTest, BatchesWaitingWithoutProgressForTheWindowIsUnhealthy) {
  Probe p = EvaluateHealth({Output("outputs.es", 12, kT0, kT0 - seconds(7)),
                            Output("outputs.archive", 0, kT0 + seconds(73), kT0 + seconds(70))},
                           kT0 + seconds(73), seconds(60));
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.json,
            R"({"status":"unhealthy","outputs":{"outputs.es":{"reason":"nothing delivered for )"
            R"(73s with 12 batches waiting","pending_batches":12,"stalled_seconds":73,)"
            R"("last_delivery_seconds_ago":80},"outputs.archive":{"pending_batches":0,)"
            R"("last_delivery_seconds_ago":3}}})");
}

TEST(HealthTest, TheWindowIsInclusiveAndANeverDeliveringOutputSaysNull) {
  Probe p = EvaluateHealth({Output("outputs.\"q\"", 1, kT0, std::nullopt)}, kT0 + seconds(60),
                           seconds(60));
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.json,
            R"({"status":"unhealthy","outputs":{"outputs.\"q\"":{"reason":"nothing delivered )"
            R"(for 60s with 1 batch waiting","pending_batches":1,"stalled_seconds":60,)"
            R"("last_delivery_seconds_ago":null}}})");
}

TEST(HealthTest, NoOutputsIsHealthy) {
  Probe p = EvaluateHealth({}, kT0, seconds(60));
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.json, R"({"status":"ok","outputs":{}})");
}

TEST(HealthTest, Readiness) {
  EXPECT_TRUE(EvaluateReadiness(Readiness::kReady).ok);
  EXPECT_EQ(EvaluateReadiness(Readiness::kReady).json, R"({"status":"ready"})");
  EXPECT_FALSE(EvaluateReadiness(Readiness::kStarting).ok);
  EXPECT_EQ(EvaluateReadiness(Readiness::kStarting).json, R"({"status":"starting"})");
  EXPECT_FALSE(EvaluateReadiness(Readiness::kDraining).ok);
  EXPECT_EQ(EvaluateReadiness(Readiness::kDraining).json, R"({"status":"draining"})");
}

}  // namespace
}  // namespace runnel::api

// What a running pipeline tells /health, /ready and the scrape-time gauges: each output's
// pending batches, last progress and last delivery on an injected clock (so the health window
// passes without waiting), readiness through start and stop.
#include <gtest/gtest.h>

#include <atomic>

#include "api/health.h"
#include "tests/core/runtime/pipeline_fixture.h"
#include "tests/testing/capture_emitter.h"  // PollUntil

namespace runnel::runtime {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

class ActivityTest : public PipelineTest {
 protected:
  PipelineSpec Spec(ConfigNode output) {
    PipelineSpec spec;
    spec.shutdown_timeout = std::chrono::milliseconds(500);
    spec.inputs = {Node("inputs", "in", "script")};
    spec.outputs = {std::move(output)};
    spec.clock = [this] { return steady_clock::time_point(steady_clock::duration(now_.load())); };
    return spec;
  }
  steady_clock::time_point T(seconds s) const { return steady_clock::time_point(kT0 + s); }
  void Advance(seconds s) { now_.store((kT0 + s).count()); }
  api::OutputActivity Activity(const Pipeline& p) {
    std::vector<api::OutputActivity> all = p.Activity();
    EXPECT_EQ(all.size(), 1u);
    return all.at(0);
  }

  static constexpr steady_clock::duration kT0 = std::chrono::hours(1000);
  std::atomic<steady_clock::rep> now_{kT0.count()};
};

TEST_F(ActivityTest, AnOutputHoldingItsBatchStallsAfterTheWindowAndADeliveryHealsIt) {
  auto p = Make(Spec(Node("outputs", "out", "capture", {"in"})));
  api::OutputActivity idle = Activity(*p);
  EXPECT_EQ(idle.id, "outputs.out");
  EXPECT_EQ(idle.pending_batches, 0u);
  EXPECT_EQ(idle.progress_at, T(seconds(0)));
  EXPECT_FALSE(idle.last_delivery.has_value());

  plugins_.Hold("out");
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  Advance(seconds(70));
  api::OutputActivity stuck = Activity(*p);
  EXPECT_EQ(stuck.pending_batches, 2u);  // one being written, one queued
  EXPECT_EQ(stuck.progress_at, T(seconds(0)));
  api::Probe health = api::EvaluateHealth(p->Activity(), T(seconds(70)), seconds(60));
  EXPECT_FALSE(health.ok);
  EXPECT_EQ(health.json,
            R"({"status":"unhealthy","outputs":{"outputs.out":{"reason":"nothing delivered for )"
            R"(70s with 2 batches waiting","pending_batches":2,"stalled_seconds":70,)"
            R"("last_delivery_seconds_ago":null}}})");

  plugins_.Release("out");
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 2, kWait));
  ASSERT_TRUE(testing::PollUntil([&] { return Activity(*p).pending_batches == 0; }));
  api::OutputActivity healed = Activity(*p);
  EXPECT_EQ(healed.progress_at, T(seconds(70)));
  EXPECT_EQ(healed.last_delivery, T(seconds(70)));
  EXPECT_TRUE(api::EvaluateHealth(p->Activity(), T(seconds(70)), seconds(60)).ok);
}

TEST_F(ActivityTest, InFlightBatchesOfAnOutputThatCompletesLaterArePending) {
  auto p = Make(Spec(Node("outputs", "out", "remote", {"in"})));
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("out", 1, kWait));
  // The worker finds its buffer empty again and again meanwhile: with a batch in flight that
  // is not "nothing to deliver".
  Advance(seconds(61));
  ASSERT_TRUE(testing::PollUntil([&] { return Activity(*p).pending_batches == 1; }));
  // A negative check, so it waits: over a few of the worker's 200 ms rounds, the batch in flight
  // keeps its last progress where it was.
  EXPECT_FALSE(testing::PollUntil([&] { return Activity(*p).progress_at != T(seconds(0)); },
                                  std::chrono::milliseconds(700)));
  EXPECT_FALSE(api::EvaluateHealth(p->Activity(), T(seconds(61)), seconds(60)).ok);
  plugins_.AckRemote("out", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(Activity(*p).pending_batches, 0u);
  EXPECT_EQ(Activity(*p).last_delivery, T(seconds(61)));
}

TEST_F(ActivityTest, ARejectedBatchIsProgressButNotADelivery) {
  auto p = Make(Spec(Node("outputs", "out", "capture", {"in"})));
  Advance(seconds(5));
  plugins_.RejectNext("out", 1);
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  api::OutputActivity a = Activity(*p);
  EXPECT_EQ(a.progress_at, T(seconds(5)));
  EXPECT_FALSE(a.last_delivery.has_value());
}

TEST_F(ActivityTest, ADiskBufferCountsWhatItStoredAndHasNotDelivered) {
  ConfigNode out = Node("outputs", "out", "capture", {"in"});
  out.Set("buffer.type", ConfigValue{std::string("disk"), {}});
  auto p = Make(Spec(std::move(out)));
  plugins_.Hold("out");
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"c"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 3, kWait));  // stored
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  EXPECT_EQ(Activity(*p).pending_batches, 3u);
  plugins_.Release("out");
  ASSERT_TRUE(testing::PollUntil([&] { return Activity(*p).pending_batches == 0; }));
}

TEST_F(ActivityTest, ReadinessFollowsStartAndStop) {
  PipelineSpec spec = Spec(Node("outputs", "out", "capture", {"in"}));
  spec.data_dir = dir_.path() + "/data";
  auto p = Pipeline::Create(std::move(spec), registry_, &metrics_);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ((*p)->readiness(), api::Readiness::kStarting);
  ASSERT_TRUE((*p)->Start().ok());
  EXPECT_EQ((*p)->readiness(), api::Readiness::kReady);
  (*p)->RequestStop();
  EXPECT_EQ((*p)->readiness(), api::Readiness::kDraining);
  (*p)->Shutdown();
  EXPECT_EQ((*p)->readiness(), api::Readiness::kDraining);
}

TEST_F(ActivityTest, ScrapeTimeGaugesAreSetByRefreshMetrics) {
  PipelineSpec spec = Spec(Node("outputs", "out", "capture", {"in"}));
  spec.memory_limit = 64ull << 20;
  auto p = Make(std::move(spec));
  plugins_.Hold("out");
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b", "c"}).ok());
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  p->RefreshMetrics();
  const int64_t used = metrics_.GetGauge("memory_budget_used_bytes", "", "")->value();
  EXPECT_GT(used, 0);
  EXPECT_EQ(static_cast<uint64_t>(used), p->memory_in_use());
  EXPECT_EQ(metrics_.GetGauge("memory_budget_limit_bytes", "", "")->value(), 64 << 20);
  EXPECT_EQ(metrics_.GetGauge("buffer_batches", "outputs.out", "")->value(), 2);
  EXPECT_EQ(metrics_.GetGauge("buffer_bytes", "outputs.out", "")->value(), used);
  plugins_.Release("out");
}

}  // namespace
}  // namespace runnel::runtime

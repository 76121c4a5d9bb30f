// Pipeline::Reload: what is kept, replaced, drained and restarted, and that nothing emitted is
// lost or delivered twice on the way.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "runtime/pipeline.h"
#include "tests/core/runtime/pipeline_fixture.h"
#include "tests/testing/capture_emitter.h"

namespace runnel::runtime {
namespace {

using testing::PollUntil;

class ReloadTest : public PipelineTest {
 protected:
  Result<ReloadSummary> Reload(Pipeline& p, PipelineSpec spec) {
    spec.data_dir = dir_.path() + "/data";
    return p.Reload(std::move(spec), registry_);
  }

  static ConfigNode Capture(const std::string& name, std::vector<std::string> inputs,
                            const std::string& prefix = "") {
    ConfigNode n = Node("outputs", name, "capture", std::move(inputs));
    if (!prefix.empty()) {
      n.Set("prefix", ConfigValue{prefix, {}});
    }
    return n;
  }

  // in → tag(k=v) → out
  static PipelineSpec Basic(const std::string& tag_value) {
    PipelineSpec spec;
    spec.inputs = {Node("inputs", "in", "script")};
    spec.filters = {Tag("tag", {"in"}, "k", tag_value)};
    spec.outputs = {Capture("out", {"tag"})};
    return spec;
  }

  static std::string Line(const std::string& log, const std::string& k) {
    return R"({"log":")" + log + R"(","k":")" + k + R"("})";
  }
};

TEST_F(ReloadTest, UnchangedConfigKeepsEverythingRunning) {
  auto p = Make(Basic("1"));
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  auto r = Reload(*p, Basic("1"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->ToString(), "3 unchanged");
  EXPECT_EQ(r->kept, (std::vector<std::string>{"inputs.in", "filters.tag", "outputs.out"}));
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Line("a", "1"), Line("b", "1")}));
  EXPECT_EQ(plugins_.Created("in"), 1);
  EXPECT_EQ(plugins_.Created("out"), 1);
  EXPECT_EQ(plugins_.Stopped("out"), 0);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, ChangedFilterReroutesTheInputWithoutRestartingIt) {
  PipelineSpec spec = Basic("old");
  spec.filter_workers = 3;
  auto p = Make(spec);
  std::vector<std::string> want;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(plugins_.Emit("in", {"x" + std::to_string(i)}).ok());
    want.push_back(Line("x" + std::to_string(i), "old"));
  }
  PipelineSpec next = Basic("new");
  next.filter_workers = 3;
  auto r = Reload(*p, next);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->ToString(), "restarted filters.tag; rerouted inputs.in; 1 unchanged");
  for (int i = 50; i < 100; ++i) {
    ASSERT_TRUE(plugins_.Emit("in", {"x" + std::to_string(i)}).ok());
    want.push_back(Line("x" + std::to_string(i), "new"));
  }
  ASSERT_TRUE(plugins_.WaitForAcks("in", 100, kWait));
  // Every batch exactly once, in emission order, each through the filter it was emitted under.
  EXPECT_EQ(plugins_.Delivered("out"), want);
  EXPECT_EQ(plugins_.Created("in"), 1);
  EXPECT_EQ(plugins_.Stopped("in"), 0);
  EXPECT_EQ(plugins_.Created("out"), 1);
  EXPECT_EQ(p->Shutdown(), 0u);
}

// The new routing takes over only once the old one has handed its batches to the outputs, even
// while an output holds them up: each output still sees the input's batches in order.
TEST_F(ReloadTest, RerouteKeepsEmissionOrderWhileTheOldRoutingWaitsForAnOutput) {
  PipelineSpec spec = Basic("old");
  spec.filter_workers = 2;
  spec.outputs[0].Set("buffer.max_bytes", ConfigValue{uint64_t{1} << 20, {}});
  auto p = Make(spec);
  ASSERT_EQ(plugins_.Created("tag"), 2);
  plugins_.Hold("out");
  const std::string big(300'000, 'x');  // three of these fill the output's 1 MiB buffer
  std::thread emitter([&] {
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(plugins_.Emit("in", {std::to_string(i) + big}).ok());
    }
  });
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  std::thread release([&] {
    // Once the reload has built its routing it waits for the old one: let the output go.
    ASSERT_TRUE(PollUntil([&] { return plugins_.Created("tag") == 4; }, kWait));
    plugins_.Release("out");
  });
  PipelineSpec next = Basic("new");
  next.filter_workers = 2;
  next.outputs = spec.outputs;
  auto r = Reload(*p, next);
  release.join();
  emitter.join();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(plugins_.WaitForAcks("in", 20, kWait));
  std::vector<std::string> got = plugins_.Delivered("out");
  ASSERT_EQ(got.size(), 20u);
  bool switched = false;
  for (int i = 0; i < 20; ++i) {
    std::string k;
    ASSERT_TRUE(got[i].starts_with(R"({"log":")" + std::to_string(i) + "x")) << "batch " << i;
    const bool is_new = got[i].ends_with(R"(","k":"new"})");
    ASSERT_TRUE(is_new || got[i].ends_with(R"(","k":"old"})")) << "batch " << i;
    ASSERT_FALSE(switched && !is_new) << "batch " << i << " went through the old filter after a "
                                         "later batch went through the new one";
    switched = switched || is_new;
  }
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, AddedOutputReceivesWhatIsEmittedAfterTheReload) {
  auto p = Make(Basic("1"));
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  PipelineSpec next = Basic("1");
  next.outputs.push_back(Capture("extra", {"in"}));
  auto r = Reload(*p, next);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->added, (std::vector<std::string>{"outputs.extra"}));
  EXPECT_EQ(r->rerouted, (std::vector<std::string>{"inputs.in"}));
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Line("a", "1"), Line("b", "1")}));
  EXPECT_EQ(plugins_.Delivered("extra"), (std::vector<std::string>{R"({"log":"b"})"}));
  EXPECT_EQ(plugins_.Created("out"), 1);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, RemovedOutputDeliversWhatItHoldsThenStops) {
  PipelineSpec spec = Basic("1");
  spec.outputs.push_back(Capture("extra", {"in"}));
  auto p = Make(spec);
  plugins_.Hold("extra");
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForWriteCalls("extra", 1, kWait));
  std::thread release([this] {
    // The reload waits for the removed output to drain: let it go once it is waiting.
    ASSERT_TRUE(plugins_.WaitForWriteCalls("extra", 1, kWait));
    plugins_.Release("extra");
  });
  auto r = Reload(*p, Basic("1"));
  release.join();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->removed, (std::vector<std::string>{"outputs.extra"}));
  EXPECT_EQ(plugins_.Delivered("extra"),
            (std::vector<std::string>{R"({"log":"a"})", R"({"log":"b"})"}));
  EXPECT_EQ(plugins_.Stopped("extra"), 1);
  ASSERT_TRUE(plugins_.Emit("in", {"c"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 3, kWait));
  EXPECT_EQ(plugins_.Delivered("extra").size(), 2u);
  EXPECT_EQ(plugins_.Delivered("out"),
            (std::vector<std::string>{Line("a", "1"), Line("b", "1"), Line("c", "1")}));
  EXPECT_EQ(plugins_.Acks("in"), (std::vector<AckOutcome>(3, AckOutcome::kDelivered)));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, ChangedOutputIsReplacedBehindItsBufferWithNothingLostOrRepeated) {
  PipelineSpec spec = Basic("1");
  spec.outputs[0].Set("fail", ConfigValue{true, {}});  // every write asks to be retried
  auto p = Make(spec);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(plugins_.Emit("in", {"q" + std::to_string(i)}).ok());
  }
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 2, kWait));  // retrying the first batch
  PipelineSpec next = Basic("1");
  next.outputs = {Capture("out", {"tag"}, "new:")};
  auto r = Reload(*p, next);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->restarted, (std::vector<std::string>{"outputs.out"}));
  EXPECT_TRUE(r->rerouted.empty());  // the same buffer: producers were not touched
  ASSERT_TRUE(plugins_.WaitForAcks("in", 5, kWait));
  // The batch being retried and those queued behind it, each once, in order, by the new output.
  std::vector<std::string> want;
  for (int i = 0; i < 5; ++i) {
    want.push_back("new:" + Line("q" + std::to_string(i), "1"));
  }
  EXPECT_EQ(plugins_.Delivered("out"), want);
  EXPECT_EQ(plugins_.Acks("in"), (std::vector<AckOutcome>(5, AckOutcome::kDelivered)));
  EXPECT_EQ(plugins_.Created("out"), 2);
  EXPECT_EQ(plugins_.Stopped("out"), 1);
  EXPECT_EQ(plugins_.Created("in"), 1);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, ChangedInputRestartsAfterWhatItEmittedIsAcknowledged) {
  auto p = Make(Basic("1"));
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  PipelineSpec next = Basic("1");
  next.inputs[0].Set("label", ConfigValue{std::string("changed"), {}});
  auto r = Reload(*p, next);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->restarted, (std::vector<std::string>{"inputs.in"}));
  // The old instance stopped only after its batch was acknowledged.
  EXPECT_EQ(plugins_.Acks("in"), (std::vector<AckOutcome>{AckOutcome::kDelivered}));
  EXPECT_EQ(plugins_.Created("in"), 2);
  EXPECT_EQ(plugins_.Stopped("in"), 1);
  EXPECT_EQ(plugins_.Started("in"), 2);
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());  // from the new instance
  ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Line("a", "1"), Line("b", "1")}));
  EXPECT_EQ(plugins_.Created("out"), 1);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, ComponentThatCannotBeCreatedLeavesThePipelineAsItWas) {
  auto p = Make(Basic("1"));
  PipelineSpec next = Basic("2");
  next.outputs.push_back(Node("outputs", "bad", "no_such_plugin", {"in"}));
  auto r = Reload(*p, next);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "outputs.bad: unknown output type 'no_such_plugin'");
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Line("a", "1")}));  // old filter
  EXPECT_EQ(plugins_.Created("out"), 1);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, OutputThatDoesNotStopInTimeLeavesThePipelineAsItWas) {
  PipelineSpec spec = Basic("1");
  spec.shutdown_timeout = milliseconds(200);
  auto p = Make(spec);
  plugins_.Hold("out");  // the output is inside a Write that does not return
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  PipelineSpec next = Basic("1");
  next.shutdown_timeout = milliseconds(200);
  next.outputs = {Capture("out", {"tag"}, "new:")};
  next.outputs.push_back(Capture("extra", {"in"}));
  auto r = Reload(*p, next);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(),
            "outputs.out: the output did not finish its current write in time; its previous "
            "configuration stays");
  EXPECT_EQ(plugins_.Stopped("extra"), 1);  // the added output was started, then stopped again
  plugins_.Release("out");
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Line("a", "1")}));
  EXPECT_EQ(plugins_.Created("out"), 2);  // created, never started
  EXPECT_EQ(plugins_.Started("out"), 1);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, DataDirCannotChange) {
  auto p = Make(Basic("1"));
  PipelineSpec next = Basic("1");
  next.data_dir = dir_.path() + "/elsewhere";
  auto r = p->Reload(std::move(next), registry_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "data_dir changed from '" + dir_.path() + "/data' to '" +
                                     dir_.path() +
                                     "/elsewhere': a reload cannot move the state directory; "
                                     "restart runnel to apply it (nothing was changed)");
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, BufferTypeChangeDrainsTheOldBufferIntoTheNewOutput) {
  auto p = Make(Basic("1"));
  plugins_.Hold("out");
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(plugins_.Emit("in", {"m" + std::to_string(i)}).ok());
  }
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  PipelineSpec next = Basic("1");
  next.outputs[0].Set("buffer.type", ConfigValue{std::string("disk"), {}});
  std::thread release([this] {
    ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
    plugins_.Release("out");
  });
  auto r = Reload(*p, next);
  release.join();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->restarted, (std::vector<std::string>{"outputs.out"}));
  EXPECT_EQ(r->rerouted, (std::vector<std::string>{"inputs.in"}));
  ASSERT_TRUE(plugins_.Emit("in", {"m4"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 5, kWait));
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 5, kWait));
  std::vector<std::string> want;
  for (int i = 0; i < 5; ++i) {
    want.push_back(Line("m" + std::to_string(i), "1"));
  }
  EXPECT_EQ(plugins_.Delivered("out"), want);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/data/outputs.out/buffer"));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(ReloadTest, RemovedInputStopsAndItsBatchesAreAcknowledged) {
  PipelineSpec spec = Basic("1");
  spec.inputs.push_back(Node("inputs", "other", "script"));
  spec.outputs.push_back(Capture("side", {"other"}));
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.Emit("other", {"o"}).ok());
  auto r = Reload(*p, Basic("1"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->removed, (std::vector<std::string>{"inputs.other", "outputs.side"}));
  EXPECT_EQ(plugins_.Acks("other"), (std::vector<AckOutcome>{AckOutcome::kDelivered}));
  EXPECT_EQ(plugins_.Stopped("other"), 1);
  EXPECT_EQ(plugins_.Delivered("side"), (std::vector<std::string>{R"({"log":"o"})"}));
  EXPECT_EQ(p->Shutdown(), 0u);
}

}  // namespace
}  // namespace runnel::runtime

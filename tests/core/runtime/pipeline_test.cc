#include "runtime/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "tests/core/runtime/pipeline_fixture.h"

namespace runnel::runtime {
namespace {

TEST_F(PipelineTest, InputToOutputAcksEveryBatchAfterDelivery) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "out", "capture", {"in"})};
  auto p = Make(std::move(spec));
  ASSERT_TRUE(plugins_.Emit("in", {"a", "b"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"c"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
  EXPECT_EQ(plugins_.Delivered("out"),
            (std::vector<std::string>{R"({"log":"a"})", R"({"log":"b"})", R"({"log":"c"})"}));
  EXPECT_EQ(plugins_.Acks("in"),
            (std::vector<AckOutcome>{AckOutcome::kDelivered, AckOutcome::kDelivered}));
  EXPECT_EQ(p->Shutdown(), 0u);
  EXPECT_EQ(Counter("events_out_total", "inputs.in"), 3u);
  EXPECT_EQ(Counter("events_out_total", "outputs.out"), 3u);
}

TEST_F(PipelineTest, ChainOfFiltersThenFanOutToTwoOutputs) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.filters = {Tag("one", {"in"}, "a", "1"), Tag("two", {"one"}, "b", "2")};
  spec.outputs = {Node("outputs", "raw", "capture", {"in"}),
                  Node("outputs", "cooked", "capture", {"t*"})};  // glob: matches "two"
  auto p = Make(std::move(spec));
  ASSERT_TRUE(plugins_.Emit("in", {"x", "drop me", "y"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("raw"),
            (std::vector<std::string>{R"({"log":"x"})", R"({"log":"drop me"})", R"({"log":"y"})"}));
  EXPECT_EQ(plugins_.Delivered("cooked"),
            (std::vector<std::string>{R"({"log":"x","a":"1","b":"2"})",
                                      R"({"log":"y","a":"1","b":"2"})"}));
  EXPECT_EQ(Counter("events_dropped_total", "filters.one"), 1u);
  EXPECT_EQ(Counter("events_in_total", "filters.two"), 2u);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(PipelineTest, ParallelFilterWorkersKeepEmissionOrder) {
  PipelineSpec spec;
  spec.filter_workers = 4;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.filters = {Tag("one", {"in"}, "a", "1")};
  spec.outputs = {Node("outputs", "out", "capture", {"one"})};
  auto p = Make(std::move(spec));
  std::vector<std::string> want;
  for (int b = 0; b < 300; ++b) {
    std::vector<std::string> lines;
    for (int i = 0; i < 1 + b % 7; ++i) {
      lines.push_back(std::to_string(b) + "." + std::to_string(i));
      want.push_back(R"({"log":")" + lines.back() + R"(","a":"1"})");
    }
    ASSERT_TRUE(plugins_.Emit("in", lines).ok());
  }
  ASSERT_TRUE(plugins_.WaitForAcks("in", 300, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), want);
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(PipelineTest, ShutdownProcessesWhatWasHandedToWorkers) {
  PipelineSpec spec;
  spec.filter_workers = 2;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.filters = {Tag("one", {"in"}, "a", "1")};
  spec.outputs = {Node("outputs", "out", "capture", {"one"})};
  auto p = Make(std::move(spec));
  for (int b = 0; b < 50; ++b) {
    ASSERT_TRUE(plugins_.Emit("in", {"x" + std::to_string(b)}).ok());
  }
  EXPECT_EQ(p->Shutdown(), 0u);  // no waiting first: the drain must carry all 50 through
  EXPECT_EQ(plugins_.Delivered("out").size(), 50u);
  auto acks = plugins_.Acks("in");
  EXPECT_EQ(std::count(acks.begin(), acks.end(), AckOutcome::kDelivered), 50);
}

TEST_F(PipelineTest, EverythingFilteredOutIsAcknowledged) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.filters = {Tag("one", {"in"}, "a", "1")};
  spec.outputs = {Node("outputs", "out", "capture", {"one"})};
  auto p = Make(std::move(spec));
  ASSERT_TRUE(plugins_.Emit("in", {"drop me"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Acks("in"), std::vector<AckOutcome>{AckOutcome::kDelivered});
  EXPECT_TRUE(plugins_.Delivered("out").empty());
  EXPECT_EQ(plugins_.WriteCalls("out"), 0);
}

TEST_F(PipelineTest, RetriesUntilDelivered) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "out", "capture", {"in"})};
  auto p = Make(std::move(spec));
  plugins_.FailNext("out", 3);
  ASSERT_TRUE(plugins_.Emit("in", {"once"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), std::vector<std::string>{R"({"log":"once"})"});
  EXPECT_EQ(plugins_.WriteCalls("out"), 4);
  EXPECT_EQ(Counter("retries_total", "outputs.out"), 3u);
}

TEST_F(PipelineTest, FullQueueBlocksTheProducerUntilTheOutputMovesAgain) {
  PipelineSpec spec;
  spec.memory_limit = 1;  // every batch exceeds it: one batch in flight at a time
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "out", "capture", {"in"})};
  auto p = Make(std::move(spec));
  plugins_.Hold("out");
  ASSERT_TRUE(plugins_.Emit("in", {"first"}).ok());  // taken by the worker, which is held
  std::atomic<int> emitted{0};
  std::thread producer([&] {
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(plugins_.Emit("in", {"more" + std::to_string(i)}).ok());
      emitted.fetch_add(1);
    }
  });
  // The worker is inside the held write of "first", which holds the whole budget: no other
  // batch can be queued until it is released, so the producer cannot have emitted anything.
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 1, kWait));
  EXPECT_TRUE(plugins_.Delivered("out").empty());
  EXPECT_EQ(emitted.load(), 0);
  plugins_.Release("out");
  producer.join();
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 4, kWait));
  EXPECT_EQ(plugins_.Delivered("out"),
            (std::vector<std::string>{R"({"log":"first"})", R"({"log":"more0"})",
                                      R"({"log":"more1"})", R"({"log":"more2"})"}));
}

TEST_F(PipelineTest, ShutdownDeadlineCancelsWhatADeadOutputHolds) {
  PipelineSpec spec;
  spec.shutdown_timeout = milliseconds(200);
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "dead", "capture", {"in"}),
                  Node("outputs", "live", "capture", {"in"})};
  auto p = Make(std::move(spec));
  plugins_.FailNext("dead", 1'000'000);
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForDelivered("live", 2, kWait));
  EXPECT_EQ(p->Shutdown(), 2u);
  // Delivered to one output only: not committed, so the source sends it again next time.
  EXPECT_EQ(plugins_.Acks("in"),
            (std::vector<AckOutcome>{AckOutcome::kCancelled, AckOutcome::kCancelled}));
}

// An output that completes later keeps batches in flight; their sources learn the outcome when
// the remote end answers, and a full output holds back the worker.
TEST_F(PipelineTest, OutputThatCompletesLaterAcksWhenTheRemoteEndDoes) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "r", "remote", {"in"})};
  auto p = Make(std::move(spec));
  for (const char* line : {"a", "b", "c"}) {
    ASSERT_TRUE(plugins_.Emit("in", {line}).ok());
  }
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 2, kWait));  // its bound; "c" waits in the queue
  EXPECT_TRUE(plugins_.Acks("in").empty());
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 2, kWait));  // "c" went in
  plugins_.AckRemote("r", 1, AckOutcome::kRejected);
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 3, kWait));
  EXPECT_EQ(plugins_.Acks("in"),
            (std::vector<AckOutcome>{AckOutcome::kDelivered, AckOutcome::kRejected,
                                     AckOutcome::kDelivered}));
  EXPECT_EQ(p->Shutdown(), 0u);
}

// At shutdown the worker waits for what is in flight, up to the deadline; the rest is cancelled.
TEST_F(PipelineTest, ShutdownCancelsWhatAnOutputThatCompletesLaterStillHolds) {
  PipelineSpec spec;
  spec.shutdown_timeout = milliseconds(300);
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "r", "remote", {"in"})};
  auto p = Make(std::move(spec));
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 2, kWait));
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  EXPECT_EQ(p->Shutdown(), 1u);
  EXPECT_EQ(plugins_.Acks("in"),
            (std::vector<AckOutcome>{AckOutcome::kDelivered, AckOutcome::kCancelled}));
}

TEST_F(PipelineTest, ShutdownWaitsForAcksThatArriveWhileDraining) {
  PipelineSpec spec;
  spec.shutdown_timeout = milliseconds(kWait);
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Node("outputs", "r", "remote", {"in"})};
  auto p = Make(std::move(spec));
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"b"}).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 2, kWait));
  std::thread remote([&] { plugins_.AckRemote("r", 2, AckOutcome::kDelivered); });
  EXPECT_EQ(p->Shutdown(), 0u);
  remote.join();
  EXPECT_EQ(plugins_.Acks("in"),
            (std::vector<AckOutcome>{AckOutcome::kDelivered, AckOutcome::kDelivered}));
}

TEST_F(PipelineTest, FinishingEveryInputEndsWait) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "a", "script"), Node("inputs", "b", "script")};
  spec.outputs = {Node("outputs", "out", "capture", {"a", "b"})};
  auto p = Make(std::move(spec));
  plugins_.Finish("a");
  EXPECT_FALSE(p->finished());
  plugins_.Finish("b");
  p->Wait();  // returns: both finished
  EXPECT_TRUE(p->finished());
}

TEST_F(PipelineTest, UnknownPluginTypesAreReportedTogether) {
  PipelineSpec spec;
  spec.data_dir = dir_.path();
  spec.inputs = {Node("inputs", "in", "nope")};
  spec.outputs = {Node("outputs", "out", "nada", {"in"})};
  auto p = Pipeline::Create(std::move(spec), registry_, &metrics_);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message(),
            "outputs.out: unknown output type 'nada'\ninputs.in: unknown input type 'nope'");
}

}  // namespace
}  // namespace runnel::runtime

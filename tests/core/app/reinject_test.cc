// Reinject (core/src/app/reinject.h) with test plugins: delivered letters are deleted in order,
// a letter rejected again is kept with the new reason, retries are bounded and stop the run,
// outputs that complete later are waited for, damaged files are kept, a dry run sends nothing.
#include "app/reinject.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "runnel/buffer/dead_letter.h"
#include "runnel/files/atomic_file.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_plugins.h"

namespace runnel::app {
namespace {

using std::chrono::milliseconds;
using testing::TestPlugins;
constexpr milliseconds kWait{10'000};

// Rejects a batch whose tag is "bad", delivers (and keeps the tags of) the others.
class PickyOutput : public Output {
 public:
  explicit PickyOutput(std::vector<std::string>* tags) : tags_(tags) {}
  WriteResult Write(const Batch& batch) override {
    if (batch.tag == "bad") {
      return WriteResult::Rejected("field 'x' is not a string");
    }
    tags_->push_back(batch.tag);
    return WriteResult::Delivered();
  }

 private:
  std::vector<std::string>* tags_;
};

ConfigNode Node(const std::string& name, const std::string& type) {
  ConfigNode n("outputs", name, type, SourceLocation{"test.toml", 1, 1});
  n.SetInputs({"in"});
  return n;
}

Batch MakeBatch(const std::string& tag, const std::vector<std::string>& lines, uint64_t id) {
  Batch b;
  b.tag = tag;
  b.id = BatchId{0, id};
  BatchBuilder builder(&b);
  for (const std::string& line : lines) {
    builder.BeginEntry(EventTime{1, 0}, 1);
    builder.writer().Str("log");
    builder.writer().Str(line);
  }
  return b;
}

class ReinjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins_.Register(registry_);
    PluginInfo picky;
    picky.name = "picky";
    picky.kind = PluginKind::kOutput;
    picky.create_output = [this](const ConfigNode&,
                                 PluginContext&) -> Result<std::unique_ptr<Output>> {
      return std::make_unique<PickyOutput>(&picky_tags_);
    };
    ASSERT_TRUE(registry_.Register(std::move(picky)).ok());
  }
  ReinjectOptions Options(const std::string& name) {
    ReinjectOptions o;
    o.data_dir = tmp_.Path("data");
    o.dir = buffer::DeadLetterDir(o.data_dir, name);
    o.attempts = 3;
    o.backoff_base = milliseconds(1);
    o.backoff_cap = milliseconds(2);
    return o;
  }
  // Dead letters of output `name`: batches with tags `tags` (one event "<tag> <i>" each...),
  // rejected 1 ms apart, oldest first. Returns their paths in that order.
  std::vector<std::string> PutLetters(const std::string& name,
                                      const std::vector<std::string>& tags) {
    buffer::DeadLetterStoreOptions o;
    o.dir = buffer::DeadLetterDir(tmp_.Path("data"), name);
    o.output_id = "outputs." + name;
    o.wall_clock_ns = [this] { return now_ns_ += 1'000'000; };
    buffer::DeadLetterStore store(std::move(o));
    for (size_t i = 0; i < tags.size(); ++i) {
      Batch b = MakeBatch(tags[i], {tags[i] + " a", tags[i] + " b"}, i + 1);
      EXPECT_TRUE(store.Put(b, "first rejection").ok());
    }
    return Paths(name);
  }
  std::vector<std::string> Paths(const std::string& name) {
    std::vector<std::string> out;
    Result<std::vector<buffer::DeadLetterInfo>> list =
        buffer::ListDeadLetters(buffer::DeadLetterDir(tmp_.Path("data"), name));
    EXPECT_TRUE(list.has_value());
    for (const buffer::DeadLetterInfo& i : list.value_or(std::vector<buffer::DeadLetterInfo>{})) {
      out.push_back(i.path);
    }
    return out;
  }
  ReinjectReport Run(const std::string& name, const std::string& type,
                     const ReinjectOptions& options) {
    Result<ReinjectReport> r = Reinject(Node(name, type), registry_, options);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.value_or(ReinjectReport{});
  }
  static std::vector<std::string> Whys(const ReinjectReport& r) {
    std::vector<std::string> out;
    for (const ReinjectReport::Kept& k : r.kept) {
      out.push_back(k.path + ": " + k.why);
    }
    return out;
  }

  testing::TempDir tmp_;
  PluginRegistry registry_;
  TestPlugins plugins_;
  std::vector<std::string> picky_tags_;
  int64_t now_ns_ = 1'700'000'000'000'000'000;
};

TEST_F(ReinjectTest, DeliversOldestFirstAndDeletesEachFile) {
  PutLetters("c", {"t1", "t2", "t3"});
  ReinjectReport r = Run("c", "capture", Options("c"));
  EXPECT_EQ(r.batches, 3u);
  EXPECT_EQ(r.events, 6u);
  EXPECT_EQ(Whys(r), std::vector<std::string>{});
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.left, 0u);
  EXPECT_EQ(
      plugins_.Delivered("c"),
      (std::vector<std::string>{R"({"log":"t1 a"})", R"({"log":"t1 b"})", R"({"log":"t2 a"})",
                                R"({"log":"t2 b"})", R"({"log":"t3 a"})", R"({"log":"t3 b"})"}));
  EXPECT_EQ(Paths("c"), std::vector<std::string>{});
}

TEST_F(ReinjectTest, ALetterRejectedAgainIsKeptWithTheNewReasonAndTheOthersGo) {
  std::vector<std::string> paths = PutLetters("p", {"one", "bad", "three"});
  ReinjectReport r = Run("p", "picky", Options("p"));
  EXPECT_EQ(r.batches, 2u);
  EXPECT_EQ(r.events, 4u);
  EXPECT_EQ(Whys(r),
            std::vector<std::string>{paths[1] + ": rejected again: field 'x' is not a string"});
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.left, 1u);
  EXPECT_EQ(picky_tags_, (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(Paths("p"), std::vector<std::string>{paths[1]});
  // The file is as it was: its original reason.
  Result<buffer::DeadLetter> kept = buffer::ReadDeadLetter(paths[1]);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->reason, "first rejection");
}

TEST_F(ReinjectTest, RetriesAreBoundedAndStopTheRun) {
  std::vector<std::string> paths = PutLetters("c", {"t1", "t2"});
  plugins_.FailNext("c", 100);
  ReinjectReport r = Run("c", "capture", Options("c"));
  EXPECT_EQ(plugins_.WriteCalls("c"), 3);  // three attempts at the first, none at the second
  EXPECT_EQ(r.batches, 0u);
  EXPECT_EQ(Whys(r),
            std::vector<std::string>{paths[0] + ": still failing after 3 attempts: told to fail"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.left, 2u);
  EXPECT_EQ(Paths("c"), paths);
}

TEST_F(ReinjectTest, ARetryThatSucceedsWithinTheAttemptsDelivers) {
  PutLetters("c", {"t1"});
  plugins_.FailNext("c", 2);
  ReinjectReport r = Run("c", "capture", Options("c"));
  EXPECT_EQ(plugins_.WriteCalls("c"), 3);
  EXPECT_EQ(r.batches, 1u);
  EXPECT_EQ(r.left, 0u);
}

TEST_F(ReinjectTest, AnOutputThatCompletesLaterIsWaitedForPerBatch) {
  std::vector<std::string> paths = PutLetters("r", {"t1", "t2", "t3"});
  auto run = std::async(std::launch::async, [&] { return Run("r", "remote", Options("r")); });
  // One batch at a time: each is flushed before the next is submitted.
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 1, kWait));
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 1, kWait));
  plugins_.AckRemote("r", 1, AckOutcome::kRejected);
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 1, kWait));
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  ReinjectReport r = run.get();
  EXPECT_EQ(r.batches, 2u);
  EXPECT_EQ(r.events, 4u);
  EXPECT_EQ(
      Whys(r),
      std::vector<std::string>{
          paths[1] + ": rejected again: outputs.r acknowledged it as rejected (no reason given)"});
  EXPECT_EQ(r.left, 1u);
  EXPECT_EQ(Paths("r"), std::vector<std::string>{paths[1]});
}

TEST_F(ReinjectTest, NoAcknowledgementWithinTheTimeoutStopsTheRun) {
  std::vector<std::string> paths = PutLetters("r", {"t1", "t2"});
  ReinjectOptions o = Options("r");
  o.ack_timeout = milliseconds(50);
  ReinjectReport r = Run("r", "remote", o);  // nobody acknowledges
  EXPECT_EQ(r.batches, 0u);
  EXPECT_EQ(Whys(r),
            std::vector<std::string>{paths[0] + ": not acknowledged by outputs.r within 50 ms"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.left, 2u);
  EXPECT_EQ(plugins_.InFlight("r"), 0u);  // Stop released what it held
}

TEST_F(ReinjectTest, ADamagedFileIsKeptAndReported) {
  std::vector<std::string> paths = PutLetters("c", {"t1", "t2"});
  Result<std::string> bytes = files::ReadWholeFile(paths[0]);
  ASSERT_TRUE(bytes.has_value());
  ASSERT_TRUE(testing::WriteFile(paths[0], bytes->substr(0, bytes->size() - 2)));
  ReinjectReport r = Run("c", "capture", Options("c"));
  EXPECT_EQ(r.batches, 1u);
  EXPECT_EQ(Whys(r),
            std::vector<std::string>{paths[0] + ": damaged: dead letter " + paths[0] +
                                     ": truncated: " + std::to_string(bytes->size() - 2) +
                                     " bytes, its header says " + std::to_string(bytes->size())});
  EXPECT_EQ(r.left, 1u);
  EXPECT_EQ(plugins_.Delivered("c"),
            (std::vector<std::string>{R"({"log":"t2 a"})", R"({"log":"t2 b"})"}));
}

TEST_F(ReinjectTest, ADryRunSendsNothingAndKeepsEverything) {
  std::vector<std::string> paths = PutLetters("c", {"t1", "t2"});
  ReinjectOptions o = Options("c");
  o.dry_run = true;
  ReinjectReport r = Run("c", "capture", o);
  EXPECT_EQ(r.batches, 2u);
  EXPECT_EQ(r.events, 4u);
  EXPECT_EQ(r.left, 2u);
  EXPECT_EQ(plugins_.WriteCalls("c"), 0);
  EXPECT_EQ(Paths("c"), paths);
}

TEST_F(ReinjectTest, NoDeadLettersIsNothingToDo) {
  ReinjectReport r = Run("c", "capture", Options("c"));
  EXPECT_EQ(r.batches, 0u);
  EXPECT_EQ(r.left, 0u);
  EXPECT_EQ(plugins_.WriteCalls("c"), 0);
}

TEST_F(ReinjectTest, AnUnknownPluginIsAnError) {
  Result<ReinjectReport> r = Reinject(Node("x", "nope"), registry_, Options("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "outputs.x: unknown output type 'nope'");
}

}  // namespace
}  // namespace runnel::app

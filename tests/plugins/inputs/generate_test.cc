// The generate input, configured through the real loader, emitting into a capturing emitter.
#include <gtest/gtest.h>

#include "runnel/log_generator.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/load_config.h"

namespace runnel {
namespace {

using testing::CaptureEmitter;
using testing::LoadToml;
using testing::TempDir;

class GenerateTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Input>> Make(const std::string& body) {
    auto cfg = LoadToml(dir_, "[inputs.g]\ntype = \"generate\"\n" + body +
                                  "[outputs.o]\ntype = \"null\"\ninputs = [\"g\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    PluginContext ctx = testing::TestContext(dir_, &metrics_, "inputs.g");
    return testing::BuiltinRegistry()
        .Find(PluginKind::kInput, "generate")
        ->create_input(cfg->inputs.at(0), ctx);
  }
  TempDir dir_;
  MetricsRegistry metrics_;
};

TEST_F(GenerateTest, EmitsCountLinesOfTheGeneratorThenFinishes) {
  auto in = Make(
      "format = \"apache\"\ncount = 2500\nrate = 0\nseed = 7\nkey = \"line\"\n"
      "batch_max_events = 1000\n");
  ASSERT_TRUE(in.has_value()) << in.error().ToString();
  CaptureEmitter emitter;
  ASSERT_TRUE((*in)->Start(emitter).ok());
  ASSERT_TRUE(testing::PollUntil([&] { return emitter.finished(); }));
  (*in)->Stop();
  std::vector<std::string> got = emitter.Values("line");
  ASSERT_EQ(got.size(), 2500u);
  LogGenerator gen(LogGenerator::Format::kApache, 7);
  for (size_t i = 0; i < got.size(); ++i) {
    std::string want;
    gen.NextLine(&want);
    ASSERT_EQ(got[i], want) << i;
  }
  std::vector<testing::CapturedBatch> batches = emitter.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].events.size(), 1000u);
  EXPECT_EQ(batches[2].events.size(), 500u);
  EXPECT_EQ(batches[0].tag, "g");
}

TEST_F(GenerateTest, StopsWhenThePipelineStops) {
  auto in = Make("rate = 0\n");  // without end
  ASSERT_TRUE(in.has_value());
  CaptureEmitter emitter;
  ASSERT_TRUE((*in)->Start(emitter).ok());
  ASSERT_TRUE(emitter.WaitForEvents(5000));
  emitter.set_stopping(true);
  (*in)->Stop();  // returns: the thread saw stopping
  EXPECT_FALSE(emitter.finished());
}

TEST_F(GenerateTest, WithoutExitOnCountItIdlesAfterTheCountUntilStopped) {
  auto in = Make("count = 1500\nrate = 0\nexit_on_count = false\n");
  ASSERT_TRUE(in.has_value()) << in.error().ToString();
  CaptureEmitter emitter;
  ASSERT_TRUE((*in)->Start(emitter).ok());
  ASSERT_TRUE(emitter.WaitForEvents(1500));
  // Idle, not finished (a negative check, so it waits a little): Stop, the pipeline's shutdown,
  // is what ends it.
  EXPECT_FALSE(
      testing::PollUntil([&] { return emitter.finished(); }, std::chrono::milliseconds(300)));
  (*in)->Stop();
  EXPECT_FALSE(emitter.finished());
  EXPECT_EQ(emitter.Values("log").size(), 1500u);
}

TEST_F(GenerateTest, ConfigErrors) {
  auto fmt = Make("format = \"xml\"\n");
  ASSERT_FALSE(fmt.has_value());
  EXPECT_NE(fmt.error().message().find(
                "config.toml:3:10: inputs.g (generate): key 'format' has invalid value \"xml\""),
            std::string::npos)
      << fmt.error().message();
  auto key = Make("key = \"\"\n");
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().message(),
            dir_.Path("config.toml") + ":3:7: inputs.g (generate): key 'key': must not be empty");
}

}  // namespace
}  // namespace runnel

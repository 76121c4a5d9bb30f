// parse, modify and grep as a user writes them: a TOML file through the real config loader, then
// a running pipeline with parallel filter workers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "runtime/pipeline.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_plugins.h"

namespace runnel::plugins {
void RegisterGrepFilter(PluginRegistry& registry);
void RegisterModifyFilter(PluginRegistry& registry);
void RegisterParseFilter(PluginRegistry& registry);
}  // namespace runnel::plugins

namespace runnel {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kWait{10'000};

class FiltersPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins_.Register(registry_);
    plugins::RegisterGrepFilter(registry_);
    plugins::RegisterModifyFilter(registry_);
    plugins::RegisterParseFilter(registry_);
  }

  config::ConfigLoadResult Load(const std::string& toml) {
    const std::string path = dir_.Path("agent.toml");
    std::ofstream(path) << toml;
    return config::LoadConfig(path, registry_, config::Environment::FromMap({{"DC", "eu-1"}}));
  }

  Result<std::unique_ptr<runtime::Pipeline>> Create(const config::PipelineConfig& config) {
    runtime::PipelineSpec spec;
    spec.data_dir = dir_.Path("data");
    spec.filter_workers = 3;
    spec.inputs = config.inputs;
    spec.filters = config.filters;
    spec.outputs = config.outputs;
    return runtime::Pipeline::Create(std::move(spec), registry_, &metrics_);
  }

  testing::TempDir dir_;
  PluginRegistry registry_;
  MetricsRegistry metrics_;
  testing::TestPlugins plugins_;
};

std::string Hostname() {
  char buf[256] = {};
  EXPECT_EQ(gethostname(buf, sizeof(buf) - 1), 0);
  return buf;
}

TEST_F(FiltersPipelineTest, ParseModifyGrepFromToml) {
  setenv("RUNNEL_FILTERS_TEST_ZONE", "z9", 1);
  config::ConfigLoadResult loaded = Load(R"toml(
[inputs.in]
type = "script"

[filters.json]
type = "parse"
inputs = ["in"]
time_key = "ts"

[filters.tidy]
type = "modify"
inputs = ["json"]
rename = { msg = "message" }
remove = ["secret"]
set = { host = "%{hostname}", where = "${DC}/%{env.RUNNEL_FILTERS_TEST_ZONE}" }

[filters.errors]
type = "grep"
inputs = ["tidy"]
include = { level = '^(error|warn)$' }
exclude = { message = 'ignore' }

[outputs.out]
type = "capture"
inputs = ["errors"]
)toml");
  ASSERT_TRUE(loaded.ok()) << loaded.ErrorText();
  auto pipeline = Create(loaded.config);
  ASSERT_TRUE(pipeline.has_value()) << pipeline.error().message();
  ASSERT_TRUE((*pipeline)->Start().ok());

  std::vector<std::string> lines;
  std::vector<std::string> expected;
  const std::string host = Hostname();
  for (int i = 0; i < 200; ++i) {
    const std::string level = i % 3 == 0 ? "error" : (i % 3 == 1 ? "info" : "warn");
    const std::string msg = i % 10 == 2 ? "please ignore" : "m" + std::to_string(i);
    lines.push_back(R"({"ts":"2023-11-14T22:13:20Z","level":")" + level + R"(","msg":")" + msg +
                    R"(","secret":"s","n":)" + std::to_string(i) + "}");
    if (level != "info" && msg.find("ignore") == std::string::npos) {
      expected.push_back(R"({"ts":"2023-11-14T22:13:20Z","level":")" + level + R"(","n":)" +
                         std::to_string(i) + R"(,"message":")" + msg + R"(","host":")" + host +
                         R"(","where":"eu-1/z9"})");
    }
  }
  lines.push_back("not json");  // kept by parse, dropped by grep: no level
  for (size_t i = 0; i < lines.size(); i += 20) {
    const size_t end = std::min(lines.size(), i + 20);
    ASSERT_TRUE(
        plugins_.Emit("in", std::vector<std::string>(lines.begin() + i, lines.begin() + end)).ok());
  }
  ASSERT_TRUE(plugins_.WaitForDelivered("out", expected.size(), kWait));
  EXPECT_EQ((*pipeline)->Shutdown(), 0u);
  EXPECT_EQ(plugins_.Delivered("out"), expected);
  EXPECT_EQ(metrics_.GetCounter("parse_errors_total", "filters.json", "")->value(), 1u);
  EXPECT_EQ(metrics_.GetCounter("events_dropped_total", "filters.errors", "")->value(),
            lines.size() - expected.size());
}

TEST_F(FiltersPipelineTest, FactoryErrorsArePositionedInTheFile) {
  config::ConfigLoadResult loaded = Load(R"toml(
[inputs.in]
type = "script"

[filters.p]
type = "parse"
inputs = ["in"]
format = "regex"
regex = '(\d+)'

[outputs.out]
type = "capture"
inputs = ["p"]
)toml");
  ASSERT_TRUE(loaded.ok()) << loaded.ErrorText();
  auto pipeline = Create(loaded.config);
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_NE(pipeline.error().message().find(
                dir_.Path("agent.toml") +
                ":9:9: filters.p (parse): key 'regex': has no named group; name what to extract "
                "as (?P<name>...)"),
            std::string::npos)
      << pipeline.error().message();
}

}  // namespace
}  // namespace runnel

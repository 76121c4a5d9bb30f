#pragma once
// What the runtime tests share: ConfigNodes built by hand and a fixture with the test plugins
// (tests/testing/test_plugins.h) registered.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "runtime/pipeline.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_plugins.h"

namespace runnel::runtime {

using std::chrono::milliseconds;
using testing::TestPlugins;
inline constexpr milliseconds kWait{10'000};

inline ConfigNode Node(const std::string& kind, const std::string& name, const std::string& type,
                       std::vector<std::string> inputs = {}) {
  ConfigNode n(kind, name, type, SourceLocation{"test.toml", 1, 1});
  n.SetInputs(std::move(inputs));
  return n;
}

inline ConfigNode Tag(const std::string& name, std::vector<std::string> inputs,
                      const std::string& key, const std::string& value) {
  ConfigNode n = Node("filters", name, "tag", std::move(inputs));
  n.Set("key", ConfigValue{key, {}});
  n.Set("value", ConfigValue{value, {}});
  return n;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { plugins_.Register(registry_); }

  std::unique_ptr<Pipeline> Make(PipelineSpec spec) {
    spec.data_dir = dir_.path() + "/data";
    auto p = Pipeline::Create(std::move(spec), registry_, &metrics_);
    EXPECT_TRUE(p.has_value()) << p.error().message();
    EXPECT_TRUE((*p)->Start().ok());
    return std::move(*p);
  }

  uint64_t Counter(const std::string& name, const std::string& component) {
    return metrics_.GetCounter(name, component, "")->value();
  }

  testing::TempDir dir_;
  PluginRegistry registry_;
  MetricsRegistry metrics_;
  TestPlugins plugins_;
};

}  // namespace runnel::runtime

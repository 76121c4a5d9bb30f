// LoadConfig on many mutated configs (a fixed seed, so every run is the same): it never crashes,
// and its result is consistent: either valid with inputs and outputs, or with positioned errors.

#include <gtest/gtest.h>

#include <random>

#include "config/loader.h"
#include "tests/core/config/config_test_util.h"

namespace runnel::config::testing {
namespace {

constexpr const char* kSeedConfig = R"(data_dir = "${DIR:-/tmp/x}"
log_level = "debug"
include = ["part*.toml"]
[inputs.app]
type = "tail"
paths = ["/a", "${LOG}/b"]
workers = 4
labels = { zone = "eu" }
[filters.p]
type = "parse"
inputs = ["app", "ap*"]
format = "json"
[filters.g]
type = "grep"
inputs = ["p"]
pattern = "x"
[outputs.out]
type = "file"
inputs = ["g", "p"]
path = "/o"
flush_interval = "5s"
)";

TEST_F(ConfigTest, MutatedConfigsNeverCrashAndAlwaysExplainThemselves) {
  Write("part1.toml", "[inputs.extra]\ntype = \"stdin\"\n");
  std::mt19937 rng(20261123);
  const std::string alphabet = "[]{}=\"',.$:-_*?# \n\tabcxyz019";
  int valid = 0;
  int invalid = 0;
  for (int round = 0; round < 600; ++round) {
    std::string text = kSeedConfig;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[pos] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(pos, 1 + rng() % 8);
          break;
        default:
          text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
      if (text.empty()) {
        text = "x";
      }
    }
    Write("main.toml", text);
    ConfigLoadResult result = Load("main.toml", {{"LOG", "/logs"}});
    if (result.ok()) {
      ++valid;
      EXPECT_FALSE(result.config.inputs.empty()) << text;
      EXPECT_FALSE(result.config.outputs.empty()) << text;
      for (const ConfigNode& node : result.config.filters) {
        EXPECT_FALSE(node.inputs().empty()) << text;
      }
    } else {
      ++invalid;
      for (const Diagnostic& d : result.errors) {
        EXPECT_EQ(d.location.file.rfind(dir_ + "/", 0), 0u) << d.ToString();
        EXPECT_FALSE(d.message.empty()) << text;
      }
    }
  }
  // Both outcomes are exercised.
  EXPECT_GT(valid, 10);
  EXPECT_GT(invalid, 100);
}

}  // namespace
}  // namespace runnel::config::testing

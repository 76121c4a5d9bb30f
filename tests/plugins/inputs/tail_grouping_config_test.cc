// The tail input's multiline, format, metadata and preset keys through the real loader: what
// they parse to, and every error a user can make, with its exact message.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_config.h"
#include "tests/testing/load_config.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::tail {
namespace {

class TailGroupingConfigTest : public ::testing::Test {
 protected:
  Result<TailConfig> Parse(const std::string& body) {
    auto cfg = testing::LoadToml(dir_, "data_dir = \"" + dir_.Path("data") +
                                           "\"\n[inputs.app]\ntype = \"tail\"\n" + body +
                                           "[outputs.o]\ntype = \"null\"\ninputs = [\"app\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    return ParseTailConfig(cfg->inputs.at(0));
  }
  // The error of a config that must fail, without the file's directory.
  std::string Error(const std::string& body) {
    Result<TailConfig> c = Parse(body);
    if (c.has_value()) {
      return "(accepted)";
    }
    std::string m = c.error().message();
    const std::string prefix = dir_.Path("config.toml");
    size_t at = m.find(prefix);
    if (at != std::string::npos) {
      m.replace(at, prefix.size(), "config.toml");
    }
    return m;
  }
  testing::TempDir dir_;
};

TEST_F(TailGroupingConfigTest, DefaultsAreTextWithoutGrouping) {
  Result<TailConfig> c = Parse("paths = [\"/var/log/a.log\"]\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->format, LineFormat::kText);
  EXPECT_FALSE(c->kubernetes_metadata);
  EXPECT_EQ(c->multiline, nullptr);
  EXPECT_EQ(c->max_joined_bytes, 1024u * 1024);
}

TEST_F(TailGroupingConfigTest, MultilineKeysAsDottedKeysOrATable) {
  Result<TailConfig> c = Parse(
      "paths = [\"/var/log/a.log\"]\n"
      "multiline.parser = \"regex\"\n"
      "multiline.start = '^\\d{4}-'\n"
      "multiline.mode = \"not_start\"\n"
      "multiline.flush_timeout = \"250ms\"\n"
      "multiline.max_lines = 50\n"
      "multiline.max_bytes = \"64KiB\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  ASSERT_NE(c->multiline, nullptr);
  const MultilineOptions& o = c->multiline->options();
  EXPECT_EQ(o.parser, MultilineParser::kRegex);
  EXPECT_EQ(o.start, "^\\d{4}-");
  EXPECT_EQ(o.mode, MultilineMode::kNotStart);
  EXPECT_EQ(o.flush_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o.max_lines, 50u);
  EXPECT_EQ(o.max_bytes, 64u * 1024);

  c = Parse("paths = [\"/var/log/a.log\"]\n[inputs.app.multiline]\nparser = \"python\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  ASSERT_NE(c->multiline, nullptr);
  EXPECT_EQ(c->multiline->options().parser, MultilineParser::kPython);
}

TEST_F(TailGroupingConfigTest, MultilineErrors) {
  const std::string paths = "paths = [\"/var/log/a.log\"]\n";
  EXPECT_EQ(Error(paths + "multiline.max_lines = 5\n"),
            "config.toml:5:23: inputs.app (tail): key 'multiline.max_lines': is only used with "
            "multiline.parser");
  EXPECT_EQ(Error(paths + "multiline.parser = \"java\"\nmultiline.start = \"^x\"\n"),
            "config.toml:6:19: inputs.app (tail): key 'multiline.start': is only used with "
            "multiline.parser = \"regex\" (multiline.parser is \"java\")");
  EXPECT_EQ(Error(paths + "multiline.parser = \"regex\"\n"),
            "config.toml:5:20: inputs.app (tail): key 'multiline.parser': multiline.continue "
            "is required when multiline.parser = \"regex\" and multiline.mode = \"continue\"");
  EXPECT_EQ(Error(paths + "multiline.parser = \"regex\"\nmultiline.continue = \"(\"\n"),
            "config.toml:6:22: inputs.app (tail): key 'multiline.continue': does not compile: "
            "missing ): (");
  EXPECT_EQ(Error(paths + "multiline.parser = \"regex\"\nmultiline.mode = \"not_start\"\n"
                          "multiline.start = \"^a\"\nmultiline.continue = \"^b\"\n"),
            "config.toml:8:22: inputs.app (tail): key 'multiline.continue': is not used with "
            "multiline.mode = \"not_start\" (lines not matching multiline.start are appended)");
}

TEST_F(TailGroupingConfigTest, KubernetesPreset) {
  Result<TailConfig> c =
      Parse("preset = \"kubernetes\"\npaths = [\"/var/log/containers/*.log\"]\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->paths, std::vector<std::string>{"/var/log/containers/*.log"});
  EXPECT_EQ(c->format, LineFormat::kContainer);
  EXPECT_TRUE(c->kubernetes_metadata);
  // Keys set explicitly win.
  c = Parse(
      "preset = \"kubernetes\"\npaths = [\"/k/*.log\"]\nformat = \"cri\"\n"
      "kubernetes_metadata = false\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->paths, std::vector<std::string>{"/k/*.log"});
  EXPECT_EQ(c->format, LineFormat::kCri);
  EXPECT_FALSE(c->kubernetes_metadata);
}

TEST_F(TailGroupingConfigTest, FormatAndMetadataErrors) {
  EXPECT_EQ(Error("paths = [\"/a.log\"]\nmax_joined_bytes = \"2MiB\"\n"),
            "config.toml:5:20: inputs.app (tail): key 'max_joined_bytes': is only used with a "
            "container format (format = \"cri\", \"docker\" or \"container\")");
  EXPECT_EQ(Error("paths = [\"/a.log\"]\nformat = \"cri\"\nkey = \"stream\"\n"),
            "config.toml:6:7: inputs.app (tail): key 'key': 'stream' is a field the format "
            "adds; choose another name");
  EXPECT_EQ(Error("paths = [\"/a.log\"]\nkubernetes_metadata = true\npath_key = \"pod\"\n"),
            "config.toml:6:12: inputs.app (tail): key 'path_key': 'pod' is a field the "
            "kubernetes metadata adds; choose another name");
}

}  // namespace
}  // namespace runnel::plugins::tail

// `--validate` as a user runs it, for runnel-agent and runnel-aggregator alike (they share the
// command line): every config shipped in conf/ is valid, and each broken config in
// tests/data/config/broken/ gets exactly the messages in its .expected file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() { return std::getenv("RUNNEL_SOURCE_DIR"); }

// Parametrised by the binary's name.
class Validate : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(RunnelBinaryPath(GetParam())))
        << GetParam() << " not found at \"" << RunnelBinaryPath(GetParam())
        << "\" (run through ctest, which sets RUNNEL_BINARY_DIR)";
  }
  std::string Name() const { return std::string(GetParam()); }
  CommandResult Run(const std::string& config, const std::string& cwd) {
    return RunToExit({RunnelBinaryPath(GetParam()), "--validate", "-c", config}, cwd, tmp_);
  }
  TempDir tmp_;
};

std::vector<fs::path> Find(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_P(Validate, EveryShippedConfigIsValid) {
  std::vector<fs::path> configs = Find(SourceDir() + "/conf", ".toml");
  ASSERT_GE(configs.size(), 5u);
  for (const fs::path& c : configs) {
    if (c.parent_path().filename() == "conf.d") {
      continue;  // fragments are validated with the file they belong to
    }
    CommandResult r = Run(c.string(), SourceDir());
    EXPECT_EQ(r.status.ToString(), "exit 0") << c << "\n" << r.err;
    EXPECT_EQ(r.out, c.string() + ": valid (" + r.out.substr(r.out.find('(') + 1));
    EXPECT_EQ(r.err, "") << c;
  }
}

TEST_P(Validate, BrokenConfigsPrintTheExpectedErrors) {
  const fs::path dir = SourceDir() + "/tests/data/config/broken";
  std::vector<fs::path> expected = Find(dir, ".expected");
  ASSERT_GE(expected.size(), 10u);
  for (const fs::path& e : expected) {
    fs::path config = e;
    config.replace_extension(".toml");
    CommandResult r = Run(config.filename().string(), dir.string());
    EXPECT_EQ(r.status.ToString(), "exit 1") << config;
    const std::string want = ReadFileOrEmpty(e.string());
    // The binary adds one summary line after the messages.
    ASSERT_GE(r.err.size(), want.size()) << config << "\n" << r.err;
    EXPECT_EQ(r.err.substr(0, want.size()), want) << config;
    const std::string summary = r.err.substr(want.size());
    EXPECT_TRUE(summary.starts_with(config.filename().string() + ": ")) << summary;
    EXPECT_TRUE(summary.ends_with(" error\n") || summary.ends_with(" errors\n")) << summary;
    EXPECT_EQ(r.out, "") << config;
  }
}

TEST_P(Validate, ErrorsFoundWhenCreatingPluginsAreReported) {
  const std::string config = tmp_.Path("regex.toml");
  FILE* f = fopen(config.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("data_dir = \"", f);
  fputs(tmp_.Path("data").c_str(), f);
  fputs(
      "\"\n[inputs.gen]\ntype = \"generate\"\n"
      "[filters.p]\ntype = \"parse\"\ninputs = [\"gen\"]\nformat = \"regex\"\n"
      "regex = \"(?P<a>[a-\"\n"
      "[outputs.n]\ntype = \"null\"\ninputs = [\"p\"]\n",
      f);
  fclose(f);
  CommandResult r = Run(config, tmp_.path());
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, config +
                       ":8:9: filters.p (parse): key 'regex': does not compile: "
                       "missing ]: [a-\n");
  EXPECT_FALSE(fs::exists(tmp_.Path("data")));  // validation touches nothing
}

TEST_P(Validate, ExitCodesOfTheOtherCommands) {
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), RunnelBinaryPath(GetParam()));
    return RunToExit(std::move(args), "", tmp_);
  };
  CommandResult r = run({"--version"});
  EXPECT_EQ(r.status.ToString(), "exit 0");
  EXPECT_EQ(r.out, Name() + " 0.1.0\n");
  r = run({"--describe", "nope"});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err,
            "--describe: no plugin is named 'nope'; " + Name() + " --list-plugins lists them\n");
  r = run({"--describe", "tail"});
  EXPECT_EQ(r.status.ToString(), "exit 0");
  EXPECT_TRUE(r.out.starts_with("tail (input plugin, ")) << r.out;
  const std::string missing = tmp_.Path("missing.toml");
  r = run({"-c", missing, "--validate"});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, missing + ": cannot read config file: No such file or directory\n" + missing +
                       ": 1 error\n");
  EXPECT_EQ(r.out, "");
  r = run({"-c", SourceDir() + "/conf/examples/generate.toml", "--log-level", "loud"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err, "--log-level: 'loud' is not one of trace, debug, info, warn, error\n");
  EXPECT_EQ(run({"--no-such-flag"}).status.ToString(), "exit 109");
}

INSTANTIATE_TEST_SUITE_P(Binaries, Validate, ::testing::ValuesIn(kRunnelBinaries),
                         [](const auto& info) { return BinaryTestName(info.param); });

}  // namespace
}  // namespace runnel::testing

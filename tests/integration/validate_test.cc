// `runnel-agent --validate` as a user runs it: every config shipped in conf/ is valid, and each
// broken config in tests/data/config/broken/ gets exactly the messages in its .expected file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string SourceDir() { return std::getenv("RUNNEL_SOURCE_DIR"); }
std::string Agent() { return std::string(std::getenv("RUNNEL_BINARY_DIR")) + "/agent/runnel-agent"; }

struct AgentRun {
  ExitStatus status;
  std::string out, err;
};

AgentRun Validate(const std::string& config, const std::string& cwd, const TempDir& tmp) {
  Process::Options o;
  o.argv = {Agent(), "--validate", "-c", config};
  o.stdout_path = tmp.Path("out");
  o.stderr_path = tmp.Path("err");
  o.cwd = cwd;
  fs::remove(o.stdout_path);  // the child appends
  fs::remove(o.stderr_path);
  auto p = Process::Spawn(o);
  EXPECT_TRUE(p.has_value()) << p.error().ToString();
  auto st = p->Wait(seconds(30));
  EXPECT_TRUE(st.has_value());
  return AgentRun{*st, ReadFileOrEmpty(o.stdout_path), ReadFileOrEmpty(o.stderr_path)};
}

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

TEST(Validate, EveryShippedConfigIsValid) {
  TempDir tmp;
  std::vector<fs::path> configs = Find(SourceDir() + "/conf", ".toml");
  ASSERT_GE(configs.size(), 5u);
  for (const fs::path& c : configs) {
    if (c.parent_path().filename() == "conf.d") {
      continue;  // fragments are validated with the file they belong to
    }
    AgentRun r = Validate(c.string(), SourceDir(), tmp);
    EXPECT_EQ(r.status.ToString(), "exit 0") << c << "\n" << r.err;
    EXPECT_EQ(r.out, c.string() + ": valid (" + r.out.substr(r.out.find('(') + 1));
    EXPECT_EQ(r.err, "") << c;
  }
}

TEST(Validate, BrokenConfigsPrintTheExpectedErrors) {
  TempDir tmp;
  const fs::path dir = SourceDir() + "/tests/data/config/broken";
  std::vector<fs::path> expected = Find(dir, ".expected");
  ASSERT_GE(expected.size(), 10u);
  for (const fs::path& e : expected) {
    fs::path config = e;
    config.replace_extension(".toml");
    AgentRun r = Validate(config.filename().string(), dir.string(), tmp);
    EXPECT_EQ(r.status.ToString(), "exit 1") << config;
    const std::string want = ReadFileOrEmpty(e.string());
    // The agent adds one summary line after the messages.
    ASSERT_GE(r.err.size(), want.size()) << config << "\n" << r.err;
    EXPECT_EQ(r.err.substr(0, want.size()), want) << config;
    const std::string summary = r.err.substr(want.size());
    EXPECT_TRUE(summary.starts_with(config.filename().string() + ": ")) << summary;
    EXPECT_TRUE(summary.ends_with(" error\n") || summary.ends_with(" errors\n")) << summary;
    EXPECT_EQ(r.out, "") << config;
  }
}

TEST(Validate, ExitCodesOfTheOtherCommands) {
  TempDir tmp;
  Process::Options o;
  o.stdout_path = tmp.Path("out");
  o.stderr_path = tmp.Path("err");
  auto run = [&](std::vector<std::string> args) {
    o.argv = std::move(args);
    o.argv.insert(o.argv.begin(), Agent());
    fs::remove(o.stdout_path);
    fs::remove(o.stderr_path);
    auto p = Process::Spawn(o);
    EXPECT_TRUE(p.has_value());
    return p->Wait(seconds(30))->ToString();
  };
  EXPECT_EQ(run({"--version"}), "exit 0");
  EXPECT_EQ(ReadFileOrEmpty(o.stdout_path), "runnel-agent 0.1.0\n");
  EXPECT_EQ(run({"--describe", "nope"}), "exit 1");
  EXPECT_EQ(ReadFileOrEmpty(o.stderr_path),
            "--describe: no plugin is named 'nope'; runnel-agent --list-plugins lists them\n");
  EXPECT_EQ(run({"--describe", "tail"}), "exit 0");
  EXPECT_TRUE(ReadFileOrEmpty(o.stdout_path).starts_with("tail (input plugin, "));
  EXPECT_EQ(run({"-c", tmp.Path("missing.toml"), "--validate"}), "exit 1");
  EXPECT_EQ(run({"--no-such-flag"}), "exit 109");
}

}  // namespace
}  // namespace runnel::testing

// tests/data/config/broken: every NAME.toml, loaded with the built-in plugins, gives exactly
// NAME.expected (see the README there). The same pairs back the `runnel-agent --validate`
// integration test.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "runnel/registry.h"

namespace runnel::config {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string StripPrefix(std::string text, const std::string& prefix) {
  for (size_t pos = text.find(prefix); pos != std::string::npos; pos = text.find(prefix, pos)) {
    text.erase(pos, prefix.size());
  }
  return text;
}

TEST(BrokenConfigsTest, EachGivesItsExpectedErrors) {
  const fs::path dir = fs::path(RUNNEL_SOURCE_DIR) / "tests/data/config/broken";
  std::vector<fs::path> cases;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") {
      cases.push_back(entry.path());
    }
  }
  std::sort(cases.begin(), cases.end());
  ASSERT_GE(cases.size(), 16u);

  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  for (const fs::path& toml : cases) {
    SCOPED_TRACE(toml.filename().string());
    fs::path expected_path = toml;
    expected_path.replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected_path)) << expected_path;
    const std::string expected = ReadFile(expected_path);
    ConfigLoadResult result = LoadConfig(toml.string(), registry, Environment::FromMap({}));
    EXPECT_FALSE(result.ok());
    EXPECT_NE(expected, "");
    EXPECT_EQ(StripPrefix(result.ErrorText(), dir.string() + "/"), expected);
    EXPECT_EQ(result.WarningText(), "");
  }
}

}  // namespace
}  // namespace runnel::config

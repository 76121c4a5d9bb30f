// The systemd units the package installs, as CMake generates them from
// packaging/systemd/runnel.service.in: `systemd-analyze verify` finds nothing to say,
// `systemd-analyze security --offline=yes` rates each at most 2.0 and at the score
// docs/operations.md gives, and the directives the binaries and the shipped configs rely on are
// there. verify checks that ExecStart= exists, so it runs on copies that start this build's
// binaries (the package test verifies the installed units). Skipped where systemd-analyze is not
// installed.
#include <gtest/gtest.h>

#include <charconv>
#include <iostream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/packaging/package_support.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

struct UnitCase {
  std::string_view binary;  // runnel-agent
  std::string_view role;    // agent: its config is /etc/runnel/agent.toml
};

void PrintTo(const UnitCase& c, std::ostream* os) { *os << c.binary; }

constexpr UnitCase kUnits[] = {{"runnel-agent", "agent"}, {"runnel-aggregator", "aggregator"}};

std::string SourceDir() { return std::getenv("RUNNEL_SOURCE_DIR"); }

// The values of each key of a unit file's [section], in order ("" resets are kept).
std::map<std::string, std::vector<std::string>> Section(const std::string& unit,
                                                        const std::string& section) {
  std::map<std::string, std::vector<std::string>> keys;
  std::istringstream in(unit);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("[")) {
      inside = line == "[" + section + "]";
    } else if (inside && !line.empty() && !line.starts_with("#")) {
      const size_t eq = line.find('=');
      keys[line.substr(0, eq)].push_back(eq == std::string::npos ? "" : line.substr(eq + 1));
    }
  }
  return keys;
}

// The quoted value of the first `key = "..."` line of a TOML file ("" if there is none).
std::string TomlString(const std::string& toml, const std::string& key) {
  std::istringstream in(toml);
  const std::string prefix = key + " = \"";
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) {
      return line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size());
    }
  }
  return "";
}

class Units : public ::testing::TestWithParam<UnitCase> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
    text_ = ReadFileOrEmpty(GeneratedUnitPath(Unit()));
    ASSERT_FALSE(text_.empty()) << GeneratedUnitPath(Unit()) << " is missing or empty";
    analyze_ = FindProgram("systemd-analyze");
  }
  std::string Unit() const { return std::string(GetParam().binary) + ".service"; }

  // A copy of the unit in tmp_ whose ExecStart= runs this build's binary.
  std::string CopyStartingTheBuildBinary() {
    const std::string installed = "ExecStart=/usr/bin/" + std::string(GetParam().binary) + " ";
    std::string copy = text_;
    const size_t at = copy.find(installed);
    EXPECT_NE(at, std::string::npos) << text_;
    if (at != std::string::npos) {
      copy.replace(at, installed.size(), "ExecStart=" + RunnelBinaryPath(GetParam().binary) + " ");
    }
    const std::string path = tmp_.Path(Unit());
    EXPECT_TRUE(WriteFile(path, copy));
    return path;
  }

  TempDir tmp_;
  std::string text_;
  std::string analyze_;
};

TEST_P(Units, VerifyFindsNothing) {
  if (analyze_.empty()) {
    GTEST_SKIP() << "systemd-analyze not found: systemd is not installed here";
  }
  CommandResult r = RunToExit({analyze_, "verify", CopyStartingTheBuildBinary()}, "", tmp_);
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_P(Units, SecurityExposureIsAtMostTwoAndAsDocumented) {
  if (analyze_.empty()) {
    GTEST_SKIP() << "systemd-analyze not found: systemd is not installed here";
  }
  CommandResult r =
      RunToExit({analyze_, "security", "--offline=yes", "--no-pager", CopyStartingTheBuildBinary()},
                "", tmp_);
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  const std::string prefix = "Overall exposure level for " + Unit() + ": ";
  const size_t at = r.out.find(prefix);
  ASSERT_NE(at, std::string::npos) << r.out;
  const size_t start = at + prefix.size();
  const std::string score = r.out.substr(start, r.out.find(' ', start) - start);  // "1.5"
  double exposure = 99;
  std::from_chars(score.data(), score.data() + score.size(), exposure);
  EXPECT_LE(exposure, 2.0) << r.out;
  std::cout << Unit() << ": exposure " << score << "\n";
  const std::string docs = ReadFileOrEmpty(SourceDir() + "/docs/operations.md");
  EXPECT_NE(docs.find("| `" + Unit() + "` | " + score + " |"), std::string::npos)
      << "docs/operations.md does not give the measured exposure " << score << " of " << Unit();
}

// What the notify protocol, the drain and the shipped configs count on: if one of these changes,
// the binaries or conf/ must change with it.
TEST_P(Units, DirectivesTheBinariesAndConfigsRelyOn) {
  auto service = Section(text_, "Service");
  using Values = std::vector<std::string>;
  const std::string role(GetParam().role);
  EXPECT_EQ(service["Type"], Values{"notify"});
  EXPECT_EQ(service["NotifyAccess"], Values{"main"});
  EXPECT_EQ(service["WatchdogSec"], Values{"30s"});
  EXPECT_EQ(service["ExecStart"], Values{"/usr/bin/" + std::string(GetParam().binary) +
                                         " -c /etc/runnel/" + role + ".toml"});
  EXPECT_EQ(service["ExecReload"], Values{"/bin/kill -HUP $MAINPID"});
  EXPECT_EQ(service["Restart"], Values{"on-failure"});
  // Longer than the default shutdown_timeout (30s), so a drain is not cut by SIGKILL.
  EXPECT_EQ(service["TimeoutStopSec"], Values{"45s"});
  EXPECT_EQ(service["User"], Values{"runnel"});
  EXPECT_EQ(service["Group"], Values{"runnel"});
  EXPECT_EQ(service["SupplementaryGroups"], Values{"adm systemd-journal"});
  EXPECT_EQ(service["ProtectSystem"], Values{"strict"});
  EXPECT_EQ(service["NoNewPrivileges"], Values{"yes"});
  EXPECT_EQ(service["CapabilityBoundingSet"], Values{"CAP_NET_BIND_SERVICE"});
  EXPECT_EQ(service["SystemCallFilter"], (Values{"@system-service", "~@privileged @resources"}));
  EXPECT_EQ(service["StateDirectory"], Values{"runnel/" + role});
  EXPECT_EQ(service["LogsDirectory"], Values{"runnel"});

  // The shipped config keeps its state in the unit's StateDirectory and writes its files in the
  // LogsDirectory: with ProtectSystem=strict nothing else is writable.
  const std::string config = ReadFileOrEmpty(SourceDir() + "/conf/" + role + ".toml");
  EXPECT_EQ(TomlString(config, "data_dir"), "/var/lib/runnel/" + role);
  EXPECT_TRUE(TomlString(config, "path").starts_with("/var/log/runnel/"))
      << TomlString(config, "path");
}

INSTANTIATE_TEST_SUITE_P(Binaries, Units, ::testing::ValuesIn(kUnits),
                         [](const auto& info) { return BinaryTestName(info.param.binary); });

}  // namespace
}  // namespace runnel::testing

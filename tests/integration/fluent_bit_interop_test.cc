// A real Fluent Bit (the peer build at ../shared/peers/fluent-bit, or $FLUENT_BIT) tails a file
// and sends every line to runnel-agent twice: with its `http` output (json_lines) to the http
// input, and with its `syslog` output (RFC 5424 over TCP) to the syslog input. Every line
// arrives exactly once on each path, with its text intact. Skipped, saying so, when the peer is
// not there or cannot run on this machine.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/syslog_support.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

constexpr int kLines = 2000;

std::string FluentBitPath() {
  if (const char* env = std::getenv("FLUENT_BIT"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* source = std::getenv("RUNNEL_SOURCE_DIR");
  return std::string(source != nullptr ? source : ".") + "/../shared/peers/fluent-bit";
}

// Why the peer cannot be used here, or "" when it can.
std::string FluentBitUnusable(const std::string& path, const TempDir& dir) {
  if (access(path.c_str(), X_OK) != 0) {
    return "no Fluent Bit peer at " + path + " (set FLUENT_BIT to run this interop test)";
  }
  Result<Process> p = Process::Spawn(
      {{path, "--version"}, dir.Path("fb-version.out"), dir.Path("fb-version.err"), ""});
  if (!p) {
    return "cannot run " + path + ": " + p.error().ToString();
  }
  Result<ExitStatus> exit = p->Wait(std::chrono::seconds(30));
  if (!exit || !exit->exited || exit->code != 0) {
    return path + " --version failed (missing libyaml-0-2 or libsqlite3-0?): " +
           ReadFileOrEmpty(dir.Path("fb-version.err"));
  }
  return "";
}

TEST(FluentBitInterop, HttpAndSyslogOutputsDeliverEveryLineOnce) {
  TempDir dir;
  const std::string fluent_bit = FluentBitPath();
  if (std::string why = FluentBitUnusable(fluent_bit, dir); !why.empty()) {
    GTEST_SKIP() << why;
  }
  SyslogAgent agent;
  ASSERT_NO_FATAL_FAILURE(agent.Start(
      dir,
      "[inputs.web]\ntype = \"http\"\nhost = \"127.0.0.1\"\nport = 0\n"
      "[inputs.sys]\ntype = \"syslog\"\nmode = \"tcp\"\nhost = \"127.0.0.1\"\nport = 0\n",
      "\"web\", \"sys\""));
  const uint16_t http_port = agent.Port("inputs.web");
  const uint16_t syslog_port = agent.Port("inputs.sys");
  ASSERT_NE(http_port, 0) << agent.log();
  ASSERT_NE(syslog_port, 0) << agent.log();

  std::string text;
  for (int i = 1; i <= kLines; ++i) {
    text += "line " + std::to_string(i) + " with \\\"quotes\\\", tabs\tand \xc3\xbc\n";
  }
  const std::string input = dir.Path("app.log");
  ASSERT_TRUE(WriteFile(input, text));
  const std::string config = dir.Path("fluent-bit.conf");
  ASSERT_TRUE(WriteFile(config,
                        "[SERVICE]\n    Flush 1\n    Log_Level warn\n"
                        "[INPUT]\n    Name tail\n    Path " +
                            input +
                            "\n    Read_from_Head On\n    Tag app.log\n"
                            "[OUTPUT]\n    Name http\n    Match *\n    Host 127.0.0.1\n"
                            "    Port " +
                            std::to_string(http_port) +
                            "\n    URI /fb.app\n    Format json_lines\n"
                            "[OUTPUT]\n    Name syslog\n    Match *\n    Host 127.0.0.1\n"
                            "    Port " +
                            std::to_string(syslog_port) +
                            "\n    Mode tcp\n    Syslog_Format rfc5424\n"
                            "    Syslog_Message_Key log\n    Syslog_Appname_Preset fbapp\n"
                            "    Syslog_Hostname_Preset fbhost\n"));
  Result<Process> fb =
      Process::Spawn({{fluent_bit, "-c", config}, dir.Path("fb.out"), dir.Path("fb.err"), ""});
  ASSERT_TRUE(fb.has_value()) << fb.error().ToString();

  std::vector<std::string> lines = agent.WaitLines(2 * kLines);
  ASSERT_EQ(lines.size(), static_cast<size_t>(2 * kLines)) << ReadFileOrEmpty(dir.Path("fb.err"));
  std::map<std::string, int> via_http;
  std::map<std::string, int> via_syslog;
  for (const std::string& line : lines) {
    std::string value;
    if (JsonField(line, "log", &value)) {  // http: Fluent Bit's record, {"date", "log"}
      via_http[value]++;
      continue;
    }
    ASSERT_TRUE(JsonField(line, "message", &value)) << line;
    via_syslog[value]++;
    std::string appname, hostname, severity;
    ASSERT_TRUE(JsonField(line, "appname", &appname)) << line;
    ASSERT_TRUE(JsonField(line, "hostname", &hostname)) << line;
    ASSERT_TRUE(JsonField(line, "severity", &severity)) << line;
    EXPECT_EQ(appname, "fbapp");
    EXPECT_EQ(hostname, "fbhost");
    EXPECT_EQ(severity, "info");
  }
  ASSERT_EQ(via_http.size(), static_cast<size_t>(kLines));
  ASSERT_EQ(via_syslog.size(), static_cast<size_t>(kLines));
  for (int i = 1; i <= kLines; ++i) {
    const std::string want =
        "line " + std::to_string(i) + " with \\\"quotes\\\", tabs\tand \xc3\xbc";
    EXPECT_EQ(via_http[want], 1) << want;
    EXPECT_EQ(via_syslog[want], 1) << want;
  }
  ASSERT_TRUE(fb->Signal(SIGTERM).ok());
  (void)fb->Wait(std::chrono::seconds(30));
  agent.Stop();
}

}  // namespace
}  // namespace runnel::testing

#pragma once
// Shared by the syslog integration tests: runnel-agent run with syslog inputs writing JSON lines,
// and util-linux `logger` (Debian bsdutils) run as a child process.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {

inline constexpr char kLogger[] = "/usr/bin/logger";
inline constexpr char kLoggerMissing[] =
    "/usr/bin/logger not found (Debian package bsdutils; packaging/deps installs it)";

inline bool HaveLogger() { return access(kLogger, X_OK) == 0; }

// Runs `logger` with `args`; the test fails when it does not exit 0 (its stderr is shown).
inline void RunLogger(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), kLogger);
  std::string shown;
  for (const std::string& a : args) {
    shown += a + " ";
  }
  const std::string err = dir.Path("logger.err");
  Result<Process> p = Process::Spawn({args, "", err, ""});
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  Result<ExitStatus> exit = p->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value()) << shown;
  ASSERT_TRUE(exit->exited && exit->code == 0) << shown << ": " << exit->ToString() << "\n"
                                               << ReadFileOrEmpty(err);
}

// The machine's host name, as logger writes it: whole for RFC 5424, up to its first dot for
// RFC 3164.
inline std::string HostName(bool short_name) {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  std::string h = buf;
  return short_name ? h.substr(0, h.find('.')) : h;
}

// `line` with the value of its leading "time" field replaced by T: {"time":T,...}.
inline std::string WithoutTime(const std::string& line) {
  const std::string prefix = "{\"time\":";
  if (line.rfind(prefix, 0) != 0) {
    return line;
  }
  size_t end = line.find(',', prefix.size());
  return prefix + "T" + line.substr(end);
}

// A runnel-agent with `inputs` (TOML) writing every event as JSON to out.jsonl.
class SyslogAgent {
 public:
  void Start(const TempDir& dir, const std::string& inputs, const std::string& input_names) {
    const std::string agent = RunnelBinaryPath("runnel-agent");
    struct stat st;
    ASSERT_FALSE(agent.empty() || stat(agent.c_str(), &st) != 0)
        << "runnel-agent not found at \"" << agent << "\" (run through ctest)";
    out_ = dir.Path("out.jsonl");
    stderr_ = dir.Path("agent.stderr");
    const std::string config = dir.Path("agent.toml");
    ASSERT_TRUE(WriteFile(config, "data_dir = \"" + dir.Path("data") +
                                      "\"\nlog_level = \"info\"\n" + inputs +
                                      "[outputs.o]\ntype = \"file\"\ninputs = [" + input_names +
                                      "]\ntime_format = \"unix\"\npath = \"" + out_ + "\"\n"));
    Result<Process> proc = Process::Spawn({{agent, "-c", config}, "", stderr_, ""});
    ASSERT_TRUE(proc.has_value()) << proc.error().ToString();
    proc_ = std::move(*proc);
  }
  uint16_t Port(const std::string& component) {
    return WaitForLoggedPort(stderr_, component, proc_);
  }
  // Waits until the output holds `n` lines; returns them all.
  std::vector<std::string> WaitLines(size_t n) {
    OutputFollower follower(out_);
    EXPECT_TRUE(PollUntil([&] { return follower.Poll() >= n; }, std::chrono::seconds(60)))
        << follower.size() << " lines of " << n << "\n"
        << ReadFileOrEmpty(stderr_);
    std::vector<std::string> lines;
    const std::string text = ReadFileOrEmpty(out_);
    for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(text.substr(start, nl - start));
    }
    return lines;
  }
  // SIGTERM; the agent must exit 0.
  void Stop() {
    ASSERT_TRUE(proc_.Signal(SIGTERM).ok());
    Result<ExitStatus> exit = proc_.Wait(std::chrono::seconds(30));
    ASSERT_TRUE(exit.has_value());
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString();
  }
  bool running() { return proc_.running(); }
  std::string log() const { return ReadFileOrEmpty(stderr_); }

 private:
  Process proc_;
  std::string out_;
  std::string stderr_;
};

}  // namespace runnel::testing

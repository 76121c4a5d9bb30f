// A real Fluent client: python3-fluent-logger's FluentSender sends to runnel-aggregator's forward
// input (EventTime with nanosecond_precision, integer times from a second sender, tags, mixed
// field types); the file output must hold every event exactly, with its tag, time and fields.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
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
namespace {

constexpr int kEvents = 500;  // per sender

constexpr char kSender[] = R"(import struct, sys
import msgpack
from fluent import sender

port, n = int(sys.argv[1]), int(sys.argv[2])
precise = sender.FluentSender('app', host='127.0.0.1', port=port, nanosecond_precision=True)
for i in range(n):
    t = msgpack.ExtType(0, struct.pack('>II', 1700000000 + i, i * 1000 + 7))
    label = 'web' if i % 2 == 0 else 'db'
    if not precise.emit_with_time(label, t, {'msg': 'event %d' % i, 'seq': i, 'ok': i % 3 == 0}):
        sys.exit('precise: %s' % precise.last_error)
precise.close()
legacy = sender.FluentSender('legacy', host='127.0.0.1', port=port)
for i in range(n):
    if not legacy.emit_with_time(None, 1600000000 + i, {'msg': 'legacy "%d"' % i}):
        sys.exit('legacy: %s' % legacy.last_error)
legacy.close()
)";

std::string PreciseLine(int i) {
  char buf[256];
  snprintf(buf, sizeof(buf), R"({"time":%d.%09d,"msg":"event %d","seq":%d,"ok":%s,"tag":"app.%s"})",
           1700000000 + i, i * 1000 + 7, i, i, i % 3 == 0 ? "true" : "false",
           i % 2 == 0 ? "web" : "db");
  return buf;
}

std::string LegacyLine(int i) {
  char buf[256];
  snprintf(buf, sizeof(buf), R"({"time":%d.000000000,"msg":"legacy \"%d\"","tag":"legacy"})",
           1600000000 + i, i);
  return buf;
}

TEST(ForwardFluentLoggerTest, EveryEventArrivesExactly) {
  const std::string agent = RunnelBinaryPath("runnel-aggregator");
  struct stat st;
  ASSERT_FALSE(agent.empty() || stat(agent.c_str(), &st) != 0)
      << "runnel-aggregator not found at \"" << agent << "\" (run through ctest)";
  TempDir dir;
  const std::string out = dir.Path("out.jsonl");
  const std::string config = dir.Path("agent.toml");
  const std::string stderr_path = dir.Path("agent.stderr");
  ASSERT_TRUE(WriteFile(config, "data_dir = \"" + dir.Path("data") +
                                    "\"\nlog_level = \"info\"\n"
                                    "[inputs.fwd]\ntype = \"forward\"\nhost = \"127.0.0.1\"\n"
                                    "port = 0\ntag_key = \"tag\"\n"
                                    "[outputs.o]\ntype = \"file\"\ninputs = [\"fwd\"]\n"
                                    "time_format = \"unix\"\npath = \"" +
                                    out + "\"\n"));
  Result<Process> proc = Process::Spawn({{agent, "-c", config}, "", stderr_path, ""});
  ASSERT_TRUE(proc.has_value()) << proc.error().ToString();

  // port = 0: the input logs the port it bound.
  const uint16_t bound = WaitForLoggedPort(stderr_path, "inputs.fwd", *proc);
  ASSERT_NE(bound, 0) << ReadFileOrEmpty(stderr_path);
  const std::string port = std::to_string(bound);

  const std::string script = dir.Path("send.py");
  ASSERT_TRUE(WriteFile(script, kSender));
  Result<Process> py = Process::Spawn(
      {{"/usr/bin/python3", script, port, std::to_string(kEvents)}, "", dir.Path("py.err"), ""});
  ASSERT_TRUE(py.has_value()) << py.error().ToString();
  Result<ExitStatus> py_exit = py->Wait(std::chrono::seconds(60));
  ASSERT_TRUE(py_exit.has_value());
  ASSERT_TRUE(py_exit->exited && py_exit->code == 0)
      << py_exit->ToString() << "\n"
      << ReadFileOrEmpty(dir.Path("py.err"))
      << "\n(python3-fluent-logger is installed by packaging/deps)";

  OutputFollower follower(out);
  ASSERT_TRUE(PollUntil([&] { return follower.Poll() >= 2 * kEvents; }, std::chrono::seconds(30)))
      << follower.size() << " lines\n"
      << ReadFileOrEmpty(stderr_path);
  ASSERT_TRUE(proc->Signal(SIGTERM).ok());
  Result<ExitStatus> exit = proc->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString();

  std::vector<std::string> lines;
  const std::string text = ReadFileOrEmpty(out);
  for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  ASSERT_EQ(lines.size(), static_cast<size_t>(2 * kEvents));
  // Each sender's events in its order (the two connections may interleave).
  std::vector<std::string> precise, legacy;
  for (const std::string& line : lines) {
    (line.find(R"("tag":"legacy")") != std::string::npos ? legacy : precise).push_back(line);
  }
  ASSERT_EQ(precise.size(), static_cast<size_t>(kEvents));
  ASSERT_EQ(legacy.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_EQ(precise[i], PreciseLine(i));
    ASSERT_EQ(legacy[i], LegacyLine(i));
  }
}

}  // namespace
}  // namespace runnel::testing

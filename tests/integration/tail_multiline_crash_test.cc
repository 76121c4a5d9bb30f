// runnel-agent tails a Java service's log with multiline.parser = "java" and a long
// flush_timeout, and is killed with SIGKILL while half a stack trace is pending (read, not
// emitted). Its checkpoint is at the start of the trace, not inside it. Started again on the same
// data_dir, it reads the trace again from its start; the rest of the trace is written, and the
// trace arrives exactly once and whole, as do the lines around it. The same for a container's
// CRI log (preset-like settings: format = "cri", kubernetes_metadata) killed while a long line's
// first 16 KiB piece is pending.
#include <signal.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runnel/files/checkpoint_store.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

const std::string kFirst = "2026-12-03 19:00:00 INFO orders service started\n";
const std::string kTraceHead =
    "2026-12-03 19:00:07 ERROR order 1841 failed\n"
    "java.lang.IllegalStateException: inventory reservation expired\n"
    "\tat com.acme.orders.Reservations.confirm(Reservations.java:211)\n"
    "\tat com.acme.orders.OrderService.place(OrderService.java:97)\n";
const std::string kTraceRest =
    "Caused by: java.util.concurrent.TimeoutException: no answer in 5000 ms\n"
    "\tat com.acme.inventory.Client.reserve(Client.java:64)\n"
    "\t... 14 more\n";
const std::string kLast = "2026-12-03 19:00:09 INFO order 1842 placed\n";

std::string Chomp(const std::string& s) { return s.substr(0, s.size() - 1); }

class TailMultilineCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = AgentBinary();
    AssertAgentFound(agent_);
    if (HasFatalFailure()) {
      return;
    }
    logs_ = dir_.Path("logs");
    ASSERT_EQ(mkdir(logs_.c_str(), 0755), 0);
    out_ = dir_.Path("out.jsonl");
    config_ = dir_.Path("agent.toml");
    WriteConfig("multiline.parser = \"java\"\nmultiline.flush_timeout = \"1h\"\n");
  }
  // The agent's config: a tail input "app" of logs/*.log with `keys`, a file output to out_.
  void WriteConfig(const std::string& keys) {
    ASSERT_TRUE(WriteFile(config_, "data_dir = \"" + dir_.Path("data") +
                                       "\"\n"
                                       "[inputs.app]\n"
                                       "type = \"tail\"\n"
                                       "paths = [\"" +
                                       logs_ +
                                       "/*.log\"]\n"
                                       "poll_interval = \"20ms\"\n" +
                                       keys +
                                       "[outputs.o]\n"
                                       "type = \"file\"\n"
                                       "inputs = [\"app\"]\n"
                                       "path = \"" +
                                       out_ + "\"\n"));
  }
  Process Start() { return SpawnAgent(agent_, config_, dir_.Path("agent.stderr")); }
  uint64_t CheckpointOffset() {
    Result<std::vector<files::CheckpointEntry>> c =
        files::LoadCheckpoint(dir_.Path("data") + "/inputs.app/checkpoint");
    return c && c->size() == 1 ? (*c)[0].offset : ~uint64_t{0};
  }
  std::string Stderr() { return ReadFileOrEmpty(dir_.Path("agent.stderr")); }

  TempDir dir_;
  std::string agent_, logs_, out_, config_;
};

TEST_F(TailMultilineCrashTest, APendingTraceSurvivesSigkillWholeAndOnce) {
  const std::string log = logs_ + "/orders.log";
  // The first line is emitted when the next one shows it is no trace's message; the trace is
  // then pending, all of it read in the same pass (the file is one read block).
  ASSERT_TRUE(WriteFile(log, kFirst + kTraceHead));
  OutputFollower out(out_);
  {
    Process agent = Start();
    ASSERT_TRUE(PollUntil([&] { return out.Poll() >= 1; }, std::chrono::seconds(30))) << Stderr();
    ASSERT_TRUE(PollUntil([&] { return CheckpointOffset() == kFirst.size(); })) << Stderr();
    agent.Kill();
  }
  ASSERT_EQ(out.Poll(), 1u);
  EXPECT_EQ(out.records()[0].log, Chomp(kFirst));
  EXPECT_EQ(CheckpointOffset(), kFirst.size());  // not inside the trace

  ASSERT_TRUE(AppendFile(log, kTraceRest + kLast));
  Process agent = Start();
  // The trace ends when the last line arrives; that line is pending until the stop emits it.
  ASSERT_TRUE(PollUntil([&] { return out.Poll() >= 2; }, std::chrono::seconds(30))) << Stderr();
  ASSERT_TRUE(agent.Signal(SIGTERM).ok());
  Result<ExitStatus> exit = agent.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(exit.has_value()) << Stderr();
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n" << Stderr();
  out.Poll();
  std::vector<std::string> logs;
  for (const OutputRecord& r : out.records()) {
    logs.push_back(r.log);
    EXPECT_EQ(r.path, log);
  }
  EXPECT_EQ(logs, (std::vector<std::string>{Chomp(kFirst), Chomp(kTraceHead + kTraceRest),
                                            Chomp(kLast)}));
  EXPECT_EQ(CheckpointOffset(),
            kFirst.size() + kTraceHead.size() + kTraceRest.size() + kLast.size());
}

TEST_F(TailMultilineCrashTest, APendingCriPartialLineSurvivesSigkillWholeAndOnce) {
  WriteConfig("format = \"cri\"\nkubernetes_metadata = true\npartial_line_timeout = \"1h\"\n");
  const std::string id = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
  const std::string log = logs_ + "/ingest-0_logging_worker-" + id + ".log";
  const std::string piece(16 * 1024, 'x');
  const std::string first = "2026-12-03T19:00:00.000000001Z stdout F worker up\n";
  const std::string part = "2026-12-03T19:00:01.000000002Z stdout P " + piece + "\n";
  const std::string last = "2026-12-03T19:00:01.000000003Z stdout F  and its end\n";
  ASSERT_TRUE(WriteFile(log, first + part));
  OutputFollower out(out_);
  {
    Process agent = Start();
    ASSERT_TRUE(PollUntil([&] { return out.Poll() >= 1; }, std::chrono::seconds(30))) << Stderr();
    ASSERT_TRUE(PollUntil([&] { return CheckpointOffset() == first.size(); })) << Stderr();
    agent.Kill();
  }
  ASSERT_EQ(out.Poll(), 1u);
  EXPECT_EQ(CheckpointOffset(), first.size());

  ASSERT_TRUE(AppendFile(log, last));
  Process agent = Start();
  ASSERT_TRUE(PollUntil([&] { return out.Poll() >= 2; }, std::chrono::seconds(30))) << Stderr();
  ASSERT_TRUE(PollUntil([&] {
    return CheckpointOffset() == first.size() + part.size() + last.size();
  })) << Stderr();
  ASSERT_TRUE(agent.Signal(SIGTERM).ok());
  Result<ExitStatus> exit = agent.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(exit.has_value()) << Stderr();
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n" << Stderr();
  ASSERT_EQ(out.Poll(), 2u);
  std::vector<OutputRecord> records = out.records();
  EXPECT_EQ(records[0].log, "worker up");
  EXPECT_EQ(records[1].log, piece + " and its end");
  std::string pod, ns, container, container_id, stream;
  // The file output's JSON line of the joined record.
  size_t n = 0;
  OutputFollower again(out_);
  again.Follow([&](std::string_view line) {
    if (++n == 2) {
      JsonField(line, "pod", &pod);
      JsonField(line, "namespace", &ns);
      JsonField(line, "container", &container);
      JsonField(line, "container_id", &container_id);
      JsonField(line, "stream", &stream);
    }
  });
  EXPECT_EQ(pod, "ingest-0");
  EXPECT_EQ(ns, "logging");
  EXPECT_EQ(container, "worker");
  EXPECT_EQ(container_id, id);
  EXPECT_EQ(stream, "stdout");
}

}  // namespace
}  // namespace runnel::testing

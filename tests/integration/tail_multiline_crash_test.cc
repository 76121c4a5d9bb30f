// runnel-agent tails a Java service's log with multiline.parser = "java" and a long
// flush_timeout, and is killed with SIGKILL while half a stack trace is pending (read, not
// emitted). Its checkpoint is at the start of the trace, not inside it. Started again on the same
// data_dir, it reads the trace again from its start; the rest of the trace is written, and the
// trace arrives exactly once and whole, as do the lines around it.
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
    struct stat st;
    if (agent_.empty() || stat(agent_.c_str(), &st) != 0) {
      FAIL() << "runnel-agent not found at \"" << agent_
             << "\" (run through ctest, which sets RUNNEL_BINARY_DIR)";
    }
    logs_ = dir_.Path("logs");
    ASSERT_EQ(mkdir(logs_.c_str(), 0755), 0);
    out_ = dir_.Path("out.jsonl");
    config_ = dir_.Path("agent.toml");
    ASSERT_TRUE(WriteFile(config_, "data_dir = \"" + dir_.Path("data") +
                                       "\"\n"
                                       "[inputs.app]\n"
                                       "type = \"tail\"\n"
                                       "paths = [\"" +
                                       logs_ +
                                       "/*.log\"]\n"
                                       "poll_interval = \"20ms\"\n"
                                       "multiline.parser = \"java\"\n"
                                       "multiline.flush_timeout = \"1h\"\n"
                                       "[outputs.o]\n"
                                       "type = \"file\"\n"
                                       "inputs = [\"app\"]\n"
                                       "path = \"" +
                                       out_ + "\"\n"));
  }
  Process Start() {
    Result<Process> p =
        Process::Spawn({{agent_, "-c", config_}, "", dir_.Path("agent.stderr"), ""});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p ? std::move(*p) : Process();
  }
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

}  // namespace
}  // namespace runnel::testing

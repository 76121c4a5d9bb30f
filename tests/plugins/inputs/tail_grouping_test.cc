// Runtime tests of the tail input's multiline grouping and Kubernetes metadata on real files:
// exact records and counts, a pending group holding the checkpoint at its start, groups emitted
// at stop, rotation and truncation, the split counter, metadata from the kubelet's file names.
#include <stdio.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_input.h"
#include "tests/plugins/inputs/tail_test_util.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::tail {
namespace {

using runnel::testing::AppendFile;
using runnel::testing::PollUntil;
using runnel::testing::WriteFile;
using std::chrono::milliseconds;

std::shared_ptr<const MultilineRules> Rules(MultilineParser parser,
                                            milliseconds flush_timeout = milliseconds(50),
                                            uint32_t max_lines = 1000) {
  MultilineOptions o;
  o.parser = parser;
  o.flush_timeout = flush_timeout;
  o.max_lines = max_lines;
  Result<std::shared_ptr<const MultilineRules>> r = MultilineRules::Compile(o);
  EXPECT_TRUE(r.has_value());
  return r.value_or(nullptr);
}

const char kGoHead[] =
    "panic: assignment to entry in nil map\n"
    "\n"
    "goroutine 1 [running]:\n";
const char kGoTail[] =
    "main.main()\n"
    "\t/src/app/main.go:8 +0x1d\n"
    "exit status 2\n";
const char kGoRecord[] =
    "panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nmain.main()\n"
    "\t/src/app/main.go:8 +0x1d\nexit status 2";

class TailGroupingTest : public TailFixture {
 protected:
  TailGroupingTest() : TailFixture("app") {}
};

TEST_F(TailGroupingTest, JavaTracesBecomeOneRecordEach) {
  config_.multiline = Rules(MultilineParser::kJava);
  const std::string text =
      "12:00:00 INFO start\n"
      "12:00:01 ERROR request failed\n"
      "java.lang.IllegalArgumentException: id must be positive\n"
      "\tat com.acme.Api.get(Api.java:31)\n"
      "\tat com.acme.Server.handle(Server.java:88)\n"
      "12:00:02 INFO next\n";
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 3));
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{"12:00:00 INFO start",
                                      "12:00:01 ERROR request failed\n"
                                      "java.lang.IllegalArgumentException: id must be positive\n"
                                      "\tat com.acme.Api.get(Api.java:31)\n"
                                      "\tat com.acme.Server.handle(Server.java:88)",
                                      "12:00:02 INFO next"}));
  EXPECT_EQ(emitter_.Values("path"), std::vector<std::string>(3, Log("app.log")));
  EXPECT_EQ(emitter_.event_count(), 3u);
  EXPECT_EQ(input_->metrics().split_records->value(), 0u);
}

// A real traceback: Debian's python3 (packaging/deps) raises a chained exception with its
// stderr going to the file tailed.
TEST_F(TailGroupingTest, ARealPythonTracebackIsOneRecord) {
  const std::string python = "/usr/bin/python3";
  struct stat st;
  if (stat(python.c_str(), &st) != 0) {
    GTEST_SKIP() << python << " is missing (packaging/deps installs python3)";
  }
  config_.multiline = Rules(MultilineParser::kPython);
  const std::string script =
      "import sys, json\n"
      "print('worker 3 starting', file=sys.stderr)\n"
      "print('loading the payload', file=sys.stderr)\n"
      "try:\n"
      "    json.loads('not json')\n"
      "except ValueError as e:\n"
      "    raise RuntimeError('bad payload') from e\n";
  Result<runnel::testing::Process> p =
      runnel::testing::Process::Spawn({{python, "-c", script}, "", Log("worker.log"), ""});
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  Result<runnel::testing::ExitStatus> exit = p->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value());
  ASSERT_TRUE(exit->exited && exit->code == 1) << exit->ToString();
  const std::string text = runnel::testing::ReadFileOrEmpty(Log("worker.log"));
  ASSERT_TRUE(text.starts_with("worker 3 starting\nloading the payload\nTraceback ")) << text;
  ASSERT_NE(text.find("The above exception was the direct cause of the following exception:"),
            std::string::npos)
      << text;
  ASSERT_TRUE(text.ends_with("RuntimeError: bad payload\n")) << text;
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_TRUE(WaitForOffset(text.size()));
  // The message line before the traceback joins it; both tracebacks are one record.
  const size_t second = text.find('\n') + 1;
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{"worker 3 starting",
                                      text.substr(second, text.size() - second - 1)}));
}

TEST_F(TailGroupingTest, APendingGroupHoldsTheCheckpointAtItsStart) {
  config_.multiline = Rules(MultilineParser::kGo, std::chrono::hours(1));
  const std::string before = "2026/12/03 19:00:00 serving\n";
  ASSERT_TRUE(WriteFile(Log("app.log"), before + kGoHead));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(WaitForOffset(before.size()));
  EXPECT_EQ(emitter_.Values(), std::vector<std::string>{"2026/12/03 19:00:00 serving"});
  // More lines join the group; the checkpoint stays at its start.
  ASSERT_TRUE(AppendFile(Log("app.log"), "main.main()\n"));
  ASSERT_TRUE(PollUntil([&] { return input_->metrics().unread_bytes->value() == 0; }));
  EXPECT_EQ(OnlyOffset(), before.size());
  ASSERT_TRUE(AppendFile(Log("app.log"), "\t/src/app/main.go:8 +0x1d\nexit status 2\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  const uint64_t size = before.size() + sizeof(kGoHead) - 1 + sizeof(kGoTail) - 1;
  ASSERT_TRUE(WaitForOffset(size));
  EXPECT_EQ(emitter_.Values()[1], kGoRecord);
  EXPECT_EQ(emitter_.event_count(), 2u);
}

TEST_F(TailGroupingTest, StopEmitsThePendingGroupWhenThePipelineTakesIt) {
  config_.multiline = Rules(MultilineParser::kGo, std::chrono::hours(1));
  ASSERT_TRUE(WriteFile(Log("app.log"), kGoHead));
  StartInput();
  ASSERT_TRUE(PollUntil([&] {
    return input_->metrics().unread_bytes->value() == 0 &&
           input_->metrics().files_watched->value() == 1;
  }));
  EXPECT_EQ(emitter_.event_count(), 0u);
  StopInput();
  EXPECT_EQ(emitter_.Values(),
            std::vector<std::string>{"panic: assignment to entry in nil map\n\ngoroutine 1 "
                                     "[running]:"});
  EXPECT_EQ(OnlyOffset(), sizeof(kGoHead) - 1);
}

TEST_F(TailGroupingTest, AGroupCancelledAtStopIsReadAgainWholeAfterARestart) {
  config_.multiline = Rules(MultilineParser::kGo, std::chrono::hours(1));
  const std::string before = "ready\n";
  ASSERT_TRUE(WriteFile(Log("app.log"), before + kGoHead));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(WaitForOffset(before.size()));
  emitter_.set_stopping(true);  // the pipeline is stopping: the pending group's Emit is cancelled
  StopInput();
  EXPECT_EQ(OnlyOffset(), before.size());
  EXPECT_EQ(emitter_.Values(), std::vector<std::string>{"ready"});

  ASSERT_TRUE(AppendFile(Log("app.log"), kGoTail));
  emitter_.set_stopping(false);
  emitter_.Clear();
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(WaitForOffset(before.size() + sizeof(kGoHead) - 1 + sizeof(kGoTail) - 1));
  EXPECT_EQ(emitter_.Values(), std::vector<std::string>{kGoRecord});
}

TEST_F(TailGroupingTest, ARotatedFilesPendingGroupIsEmittedBeforeItIsLetGo) {
  config_.multiline = Rules(MultilineParser::kGo, std::chrono::hours(1));
  ASSERT_TRUE(WriteFile(Log("app.log"), kGoHead));
  StartInput();
  ASSERT_TRUE(PollUntil([&] {
    return input_->metrics().unread_bytes->value() == 0 &&
           input_->metrics().files_watched->value() == 1;
  }));
  ASSERT_EQ(rename(Log("app.log").c_str(), dir_.Path("app.log.1").c_str()), 0);
  ASSERT_TRUE(WriteFile(Log("app.log"), "after rotation\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_TRUE(PollUntil(
      [&] { return input_->metrics().files_watched->value() == 1 && OnlyOffset() == 15; }));
  std::vector<std::string> got = emitter_.Values();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "after rotation",
                     "panic: assignment to entry in nil map\n\ngoroutine 1 [running]:"}));
}

TEST_F(TailGroupingTest, ATruncatedFilesPendingGroupIsEmitted) {
  config_.multiline = Rules(MultilineParser::kGo, std::chrono::hours(1));
  ASSERT_TRUE(WriteFile(Log("app.log"), kGoHead));
  StartInput();
  ASSERT_TRUE(PollUntil([&] {
    return input_->metrics().unread_bytes->value() == 0 &&
           input_->metrics().files_watched->value() == 1;
  }));
  ASSERT_TRUE(WriteFile(Log("app.log"), "new\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{
                "panic: assignment to entry in nil map\n\ngoroutine 1 [running]:", "new"}));
  EXPECT_TRUE(PollUntil([&] { return input_->metrics().truncations->value() == 1; }));
}

TEST_F(TailGroupingTest, ExitOnEofEmitsThePendingGroupAtTheEnd) {
  config_.multiline = Rules(MultilineParser::kGo, std::chrono::hours(1));
  config_.exit_on_eof = true;
  ASSERT_TRUE(WriteFile(Log("app.log"), std::string("before\n") + kGoHead));
  StartInput();
  ASSERT_TRUE(PollUntil([&] { return emitter_.finished(); }));
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{"before",
                                      "panic: assignment to entry in nil map\n\ngoroutine 1 "
                                      "[running]:"}));
  ASSERT_TRUE(WaitForOffset(7 + sizeof(kGoHead) - 1));
}

TEST_F(TailGroupingTest, MaxLinesSplitsAreCounted) {
  config_.multiline = Rules(MultilineParser::kRuby, milliseconds(50), /*max_lines=*/2);
  const std::string text =
      "app.rb:3:in 'run': boom (RuntimeError)\n"
      "\tfrom app.rb:9:in 'a'\n"
      "\tfrom app.rb:10:in 'b'\n"
      "\tfrom app.rb:11:in '<main>'\n";
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 2));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{
                                   "app.rb:3:in 'run': boom (RuntimeError)\n\tfrom app.rb:9:in 'a'",
                                   "\tfrom app.rb:10:in 'b'\n\tfrom app.rb:11:in '<main>'"}));
  EXPECT_EQ(input_->metrics().split_records->value(), 1u);
}

TEST_F(TailGroupingTest, AcknowledgementsOfAGroupCoverAllItsLines) {
  config_.multiline = Rules(MultilineParser::kDotnet, std::chrono::hours(1));
  emitter_.set_auto_ack(false);
  const std::string trace =
      "System.TimeoutException: The operation has timed out.\n"
      "   at Shop.Client.Send() in /src/Client.cs:line 20\n";
  ASSERT_TRUE(WriteFile(Log("app.log"), trace + "done\n"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_TRUE(PollUntil([&] { return OnlyOffset() == 0; }));
  ASSERT_EQ(emitter_.held(), 1u);  // one batch: the trace and the line after it
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  ASSERT_TRUE(WaitForOffset(trace.size() + 5));
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{trace.substr(0, trace.size() - 1), "done"}));
}

TEST_F(TailGroupingTest, KubernetesMetadataFromTheFileName) {
  config_.kubernetes_metadata = true;
  const std::string id = "3f1c2a9be0d4c5f67890abcdef1234567890abcdef1234567890abcdef123456";
  const std::string name = "checkout-7d9f8c6b5-x2kqz_shop.v2-prod_istio-proxy-" + id + ".log";
  // A pod name may have dots; the namespace here has none (a DNS label).
  const std::string pod_with_dots = "web.frontend-0_shop_nginx-" + id + ".log";
  ASSERT_TRUE(WriteFile(Log(name), "not kubelet's: the namespace has a dot\n"));
  ASSERT_TRUE(WriteFile(Log(pod_with_dots), "hello\n"));
  ASSERT_TRUE(WriteFile(Log("plain.log"), "plain\n"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  for (const auto& e : emitter_.events()) {
    if (e.Get("log") == "hello") {
      EXPECT_EQ(e.Get("namespace"), "shop");
      EXPECT_EQ(e.Get("pod"), "web.frontend-0");
      EXPECT_EQ(e.Get("container"), "nginx");
      EXPECT_EQ(e.Get("container_id"), id);
      EXPECT_EQ(e.fields.size(), 6u);
    } else {
      EXPECT_FALSE(e.Has("namespace")) << e.Get("log");
      EXPECT_EQ(e.fields.size(), 2u);
    }
  }
  EXPECT_EQ(input_->metrics().metadata_misses->value(), 2u);
}

}  // namespace
}  // namespace runnel::plugins::tail

// Runtime tests of the tail input on container runtime logs written the way the runtimes write
// them: CRI lines (containerd, CRI-O) with 16 KiB partial (P) pieces joined up to their full (F)
// line, Docker json-file lines cut at 16 KiB, per stream, with the runtime's time; lines in no
// format counted; the checkpoint never inside a joined line; multiline rules on the joined lines;
// the kubernetes preset's metadata.
#include <stdio.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_input.h"
#include "tests/plugins/inputs/tail_test_util.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::tail {
namespace {

using runnel::testing::AppendFile;
using runnel::testing::PollUntil;
using runnel::testing::WriteFile;
using std::chrono::milliseconds;

// 2026-12-03T19:00:00Z
constexpr int64_t kT0 = 1796324400;
// containerd's and Docker's piece size.
constexpr size_t kPiece = 16 * 1024;

// "2026-12-03T19:00:0<sec>.<nanos>Z <stream> <tag> <log>\n", as containerd writes it.
std::string Cri(int sec, int nanos, const std::string& stream, const std::string& tag,
                const std::string& log) {
  char ts[64];
  snprintf(ts, sizeof(ts), "2026-12-03T19:00:%02d.%09dZ", sec, nanos);
  return std::string(ts) + " " + stream + " " + tag + " " + log + "\n";
}
// {"log":"<log, JSON-escaped>","stream":"<stream>","time":"..."}\n, as Docker's json-file
// driver writes it (the log keeps the line's newline; a 16 KiB piece has none).
std::string Docker(int sec, const std::string& stream, const std::string& log) {
  std::string escaped;
  for (char c : log) {
    switch (c) {
      case '"':
        escaped += "\\\"";
        break;
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\t':
        escaped += "\\t";
        break;
      default:
        escaped += c;
    }
  }
  char ts[64];
  snprintf(ts, sizeof(ts), "2026-12-03T19:00:%02d.500000000Z", sec);
  return "{\"log\":\"" + escaped + "\",\"stream\":\"" + stream + "\",\"time\":\"" + ts + "\"}\n";
}
// A long line of `n` bytes: "0123456789..." repeated, different at each position mod 10.
std::string LongText(size_t n, char first = 'a') {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>(i % 37 == 0 ? first : '0' + i % 10);
  }
  return s;
}

class TailContainerTest : public TailFixture {
 protected:
  TailContainerTest() : TailFixture("pods") {}
  void SetUp() override {
    TailFixture::SetUp();
    config_.format = LineFormat::kCri;
  }
  uint64_t Rejected(const std::string& reason) {
    return registry_.GetCounter("tail_rejected_lines_total", ctx_.id, "", {{"reason", reason}})
        ->value();
  }
};

TEST_F(TailContainerTest, CriPartialLinesJoinPerStreamWithTheFirstPiecesTime) {
  ctx_.metrics = &registry_;
  const std::string long_line = LongText(2 * kPiece + 1000);
  const std::string text = Cri(1, 100, "stdout", "F", "starting") +
                           Cri(2, 200, "stdout", "P", long_line.substr(0, kPiece)) +
                           Cri(2, 300, "stderr", "F", "warning: slow disk") +
                           Cri(2, 400, "stdout", "P", long_line.substr(kPiece, kPiece)) +
                           Cri(3, 500, "stdout", "F", long_line.substr(2 * kPiece)) +
                           Cri(4, 0, "stdout", "F", "");
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 4));
  std::vector<runnel::testing::CapturedEvent> events = emitter_.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{"starting", "warning: slow disk", long_line, ""}));
  EXPECT_EQ(emitter_.Values("stream"),
            (std::vector<std::string>{"stdout", "stderr", "stdout", "stdout"}));
  EXPECT_EQ(events[0].time.ToNanos(), (kT0 + 1) * 1'000'000'000 + 100);
  EXPECT_EQ(events[1].time.ToNanos(), (kT0 + 2) * 1'000'000'000 + 300);
  EXPECT_EQ(events[2].time.ToNanos(), (kT0 + 2) * 1'000'000'000 + 200);  // its first piece's
  EXPECT_EQ(events[0].fields.size(), 3u);                                // log, path, stream
  EXPECT_EQ(events[0].Get("path"), Log("app.log"));
  EXPECT_EQ(Rejected("cri"), 0u);
}

TEST_F(TailContainerTest, APartialLineHoldsTheCheckpointAtItsFirstPiece) {
  const std::string first = Cri(1, 0, "stdout", "F", "ready");
  const std::string piece = Cri(2, 0, "stdout", "P", "first half, ");
  config_.partial_line_timeout = std::chrono::hours(1);
  ASSERT_TRUE(WriteFile(Log("app.log"), first + piece));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(WaitForOffset(first.size()));
  ASSERT_TRUE(PollUntil([&] { return input_->metrics().unread_bytes->value() == 0; }));
  EXPECT_EQ(OnlyOffset(), first.size());
  const std::string last = Cri(3, 0, "stdout", "F", "second half");
  ASSERT_TRUE(AppendFile(Log("app.log"), last));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_TRUE(WaitForOffset(first.size() + piece.size() + last.size()));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"ready", "first half, second half"}));
}

TEST_F(TailContainerTest, APartialLineWithoutItsEndIsEmittedAfterPartialLineTimeout) {
  ASSERT_TRUE(WriteFile(Log("app.log"), Cri(1, 0, "stderr", "P", "killed mid-li")));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  EXPECT_EQ(emitter_.Values(), std::vector<std::string>{"killed mid-li"});
  EXPECT_EQ(emitter_.Values("stream"), std::vector<std::string>{"stderr"});
}

TEST_F(TailContainerTest, DockerPiecesOfALongLineAreJoinedWithoutTheNewline) {
  config_.format = LineFormat::kDocker;
  const std::string long_line = "say \"hi\"\t" + LongText(kPiece + 5000);
  const std::string text = Docker(1, "stdout", long_line.substr(0, kPiece)) +
                           Docker(1, "stderr", "error: \\ backslash\n") +
                           Docker(2, "stdout", long_line.substr(kPiece) + "\n") +
                           Docker(3, "stdout", "short\n");
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 3));
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{"error: \\ backslash", long_line, "short"}));
  EXPECT_EQ(emitter_.Values("stream"), (std::vector<std::string>{"stderr", "stdout", "stdout"}));
  std::vector<runnel::testing::CapturedEvent> events = emitter_.events();
  EXPECT_EQ(events[1].time.ToNanos(), (kT0 + 1) * 1'000'000'000 + 500'000'000);
  EXPECT_EQ(emitter_.event_count(), 3u);
}

TEST_F(TailContainerTest, LinesInNoFormatAreCountedAndSkipped) {
  ctx_.metrics = &registry_;
  config_.format = LineFormat::kContainer;
  const std::string text = Cri(1, 0, "stdout", "F", "cri line") + "plain text, no runtime\n" +
                           Docker(2, "stdout", "docker line\n") + "{\"no_log\": 1}\n" +
                           Cri(3, 0, "stdin", "F", "no such stream") +
                           Cri(4, 0, "stdout", "F", "last");
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 3));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"cri line", "docker line", "last"}));
  EXPECT_EQ(Rejected("cri"), 2u);
  EXPECT_EQ(Rejected("docker"), 1u);
}

TEST_F(TailContainerTest, MaxJoinedBytesSplitsALongLine) {
  config_.max_joined_bytes = 1024;
  const std::string a(600, 'a'), b(600, 'b'), c(600, 'c');
  const std::string text =
      Cri(1, 0, "stdout", "P", a) + Cri(1, 1, "stdout", "P", b) + Cri(1, 2, "stdout", "F", c);
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 3));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(input_->metrics().split_records->value(), 2u);
}

TEST_F(TailContainerTest, MultilineRulesApplyToTheJoinedLinesPerStream) {
  MultilineOptions o;
  o.parser = MultilineParser::kJava;
  o.flush_timeout = milliseconds(50);
  config_.multiline = *MultilineRules::Compile(o);
  const std::string text = Cri(1, 0, "stderr", "F", "java.lang.IllegalStateException: no leader") +
                           Cri(1, 1, "stdout", "F", "GET /health 200") +
                           Cri(1, 2, "stderr", "P", "\tat com.acme.raft.Node.propose(") +
                           Cri(1, 3, "stderr", "F", "Node.java:77)") +
                           Cri(1, 4, "stdout", "F", "GET /health 200") +
                           Cri(1, 5, "stderr", "F", "\tat com.acme.Main.main(Main.java:9)");
  ASSERT_NO_FATAL_FAILURE(StartOnFile("app.log", text, 3));
  std::vector<runnel::testing::CapturedEvent> events = emitter_.events();
  ASSERT_EQ(events.size(), 3u);
  std::vector<std::string> stderr_logs, stdout_logs;
  for (const auto& e : events) {
    (e.Get("stream") == "stderr" ? stderr_logs : stdout_logs).push_back(e.Get("log"));
  }
  EXPECT_EQ(stderr_logs, std::vector<std::string>{"java.lang.IllegalStateException: no leader\n"
                                                  "\tat com.acme.raft.Node.propose(Node.java:77)\n"
                                                  "\tat com.acme.Main.main(Main.java:9)"});
  EXPECT_EQ(stdout_logs, (std::vector<std::string>{"GET /health 200", "GET /health 200"}));
}

TEST_F(TailContainerTest, KubernetesMetadataOnContainerLogs) {
  config_.format = LineFormat::kContainer;
  config_.kubernetes_metadata = true;
  const std::string id = "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f";
  const std::string name = "payments-api-6c9d7b8f4-qx7zp_payments_api-" + id + ".log";
  ASSERT_TRUE(WriteFile(Log(name), Cri(1, 0, "stdout", "F", "listening on :8443")));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  std::vector<runnel::testing::CapturedEvent> events = emitter_.events();
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0];
  EXPECT_EQ(e.Get("log"), "listening on :8443");
  EXPECT_EQ(e.Get("stream"), "stdout");
  EXPECT_EQ(e.Get("namespace"), "payments");
  EXPECT_EQ(e.Get("pod"), "payments-api-6c9d7b8f4-qx7zp");
  EXPECT_EQ(e.Get("container"), "api");
  EXPECT_EQ(e.Get("container_id"), id);
  EXPECT_EQ(e.Get("path"), Log(name));
  EXPECT_EQ(e.fields.size(), 7u);
  EXPECT_EQ(input_->metrics().metadata_misses->value(), 0u);
}

}  // namespace
}  // namespace runnel::plugins::tail

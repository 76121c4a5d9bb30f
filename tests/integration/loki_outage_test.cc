// Nothing lost when Loki is down for 30 s under load: runnel-aggregator (its loki output on the
// default disk buffer) tails two files written at a steady pace, one Loki stream per file
// (1,500 lines a second each),
// into the fake Loki (tests/testing/fake_loki.py: Loki is not packaged for Debian 12). The
// fake is killed (SIGKILL) for 30 s while the files keep growing, then started again on the
// same port with what it had stored. Afterwards it holds every line of both files exactly
// once, each stream in the order written and with non-decreasing timestamps.
// Duplicates cannot reach the store: a push the fake stored but could not answer before the
// kill is sent again, and the ordering rule makes Loki ignore those entries (they go to the
// dead letters, counted below), so the store keeps one copy.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/crash_support.h"
#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/fake_loki.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kLinesPerSecond = kUnderAsan ? 500 : 1'500;  // per file
constexpr auto kOutage = seconds(30);

// Two tail inputs, one per file: the files start with the same bytes (CrashLine(1)), which
// one tail input would take for a copy of the other (copytruncate detection).
std::string Config(const std::string& data_dir, const std::string& logs, const std::string& url) {
  std::string c = "data_dir = \"" + data_dir + "\"\n";
  for (const char* name : {"a", "b"}) {
    c += std::string("[inputs.") + name + "]\ntype = \"tail\"\npaths = [\"" + logs + "/" + name +
         ".log\"]\nrefresh_interval = \"100ms\"\npoll_interval = \"20ms\"\n";
  }
  return c +
         "[outputs.loki]\n"
         "type = \"loki\"\n"
         "inputs = [\"a\", \"b\"]\n"
         "url = \"" +
         url +
         "\"\n"
         "labels = { job = \"outage\", file = \"$path\" }\n"
         "line_field = \"log\"\n"
         "batch_timeout = \"200ms\"\n"
         "retry_initial = \"100ms\"\n"
         "retry_max = \"1s\"\n";
}

// How many entries are in the dead letters of `dir` (data_dir/dead-letter/outputs.loki), as
// files there; 0 when none was written.
size_t DeadLetterFiles(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    n += e.is_regular_file() ? 1 : 0;
  }
  return n;
}

TEST(LokiOutageTest, LokiDownFor30SecondsUnderLoadLosesNothing) {
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  if (std::string why = FakeLoki::WhyUnavailable(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  TempDir dir;
  const std::string logs = dir.Path("logs");
  const std::string loki_dir = dir.Path("loki");
  ASSERT_EQ(mkdir(logs.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(loki_dir.c_str(), 0755), 0);
  FakeLoki loki(loki_dir);
  Status started = loki.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();

  const std::string config = dir.Path("aggregator.toml");
  ASSERT_TRUE(WriteFile(config, Config(dir.Path("agg"), logs, loki.Url())));
  const std::string agg_log = dir.Path("aggregator.stderr");
  Result<Process> agg =
      Process::Spawn({{RunnelBinaryPath("runnel-aggregator"), "-c", config}, "", agg_log, ""});
  ASSERT_TRUE(agg.has_value()) << agg.error().ToString();

  PacedLineWriter a({.path = logs + "/a.log", .lines_per_second = kLinesPerSecond, .seed = 1});
  PacedLineWriter b({.path = logs + "/b.log", .lines_per_second = kLinesPerSecond, .seed = 2});
  a.Start();
  b.Start();
  // Loki is up and taking entries before it goes down.
  ASSERT_TRUE(
      PollUntil([&] { return loki.Entries().size() >= 1000 || !agg->running(); }, seconds(30)))
      << LogTail(agg_log);
  ASSERT_TRUE(agg->running()) << LogTail(agg_log);
  loki.Kill();
  const size_t before = loki.Entries().size();
  const int written_at_kill = a.written() + b.written();
  // The outage: 30 s of load with nowhere to deliver (a duration, not a synchronisation).
  const auto back = std::chrono::steady_clock::now() + kOutage;
  while (std::chrono::steady_clock::now() < back) {
    ASSERT_TRUE(agg->running()) << LogTail(agg_log);
    std::this_thread::sleep_for(milliseconds(100));
  }
  const int written_in_outage = a.written() + b.written() - written_at_kill;
  started = loki.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  // A little load after the restart too, then every line must arrive.
  ASSERT_TRUE(PollUntil([&] { return loki.Entries().size() > before + 100; }, seconds(30)))
      << LogTail(agg_log);
  const int lines_a = a.Stop();
  const int lines_b = b.Stop();
  ASSERT_EQ(a.error(), "");
  ASSERT_EQ(b.error(), "");
  const size_t total = static_cast<size_t>(lines_a + lines_b);
  ASSERT_TRUE(PollUntil([&] { return loki.Entries().size() >= total; }, seconds(60)))
      << loki.Entries().size() << " of " << total << " stored\n"
      << LogTail(agg_log);

  std::map<std::string, std::vector<const LokiEntry*>> streams;
  const std::vector<LokiEntry> entries = loki.Entries();
  EXPECT_EQ(entries.size(), total);
  for (const LokiEntry& e : entries) {
    streams[e.stream].push_back(&e);
  }
  ASSERT_EQ(streams.size(), 2u);
  const std::map<std::string, int> want = {
      {"{file=\"" + logs + "/a.log\", job=\"outage\"}", lines_a},
      {"{file=\"" + logs + "/b.log\", job=\"outage\"}", lines_b}};
  for (const auto& [stream, lines] : want) {
    SCOPED_TRACE(stream);
    ASSERT_TRUE(streams.contains(stream));
    const std::vector<const LokiEntry*>& got = streams[stream];
    std::map<std::string, int> copies;
    for (const LokiEntry* e : got) {
      ++copies[e->line];
    }
    size_t repeated = 0;
    for (const auto& [line, n] : copies) {
      repeated += n > 1 ? 1 : 0;
    }
    EXPECT_EQ(repeated, 0u);
    ASSERT_EQ(got.size(), static_cast<size_t>(lines));
    for (int seq = 1; seq <= lines; ++seq) {
      const LokiEntry& e = *got[seq - 1];
      ASSERT_EQ(e.line + "\n", CrashLine(seq)) << "entry " << seq;
      if (seq > 1) {
        ASSERT_LE(got[seq - 2]->ts, e.ts) << "entry " << seq;
      }
    }
  }
  const size_t dead = DeadLetterFiles(dir.Path("agg/dead-letter"));
  RecordProperty("written_in_outage", written_in_outage);
  RecordProperty("dead_letter_files", static_cast<int>(dead));
  EXPECT_GE(written_in_outage, kLinesPerSecond * 2 * 25);  // the load went on while down
  ASSERT_TRUE(agg->Signal(SIGTERM).ok());
  Result<ExitStatus> st = agg->Wait(seconds(30));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0") << LogTail(agg_log);
}

}  // namespace
}  // namespace runnel::testing

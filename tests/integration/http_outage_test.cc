// runnel-aggregator's http output (on its default disk buffer) while the HTTP server it posts
// to is killed for 30 s under load and started again on the same port: the server ends up with
// every event, checked line by line, and nothing goes to the dead letters. The server is the
// Python 3 http.server receiver (tests/testing/http_sink_server.py). About 45 s.
//
// The aggregator tails a file a PacedLineWriter appends numbered lines to (2,000 a second).
// Duplicates: a request the server recorded but whose response the kill cut off is sent again
// (HTTP cannot tell the client it arrived), so at most max_in_flight requests of
// batch_max_events lines each may arrive twice; they are counted and bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "tests/integration/crash_support.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/http_sink.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::seconds;
constexpr int kBatchMaxEvents = 500;
constexpr int kMaxInFlight = 4;

std::string Config(const std::string& data_dir, const std::string& log, const std::string& url) {
  return "data_dir = \"" + data_dir +
         "\"\n"
         "[inputs.app]\ntype = \"tail\"\npaths = [\"" +
         log +
         "\"]\ncheckpoint_interval = \"200ms\"\n"
         "[outputs.store]\ntype = \"http\"\ninputs = [\"app\"]\nurl = \"" +
         url +
         "\"\ntime_key = \"\"\ncompression = \"gzip\"\nbatch_timeout = \"200ms\"\n"
         "batch_max_events = " +
         std::to_string(kBatchMaxEvents) + "\nmax_in_flight = " + std::to_string(kMaxInFlight) +
         "\nretry_initial = \"100ms\"\nretry_max = \"1s\"\n";
}

// The events the sink answered 2xx to, one JSON line each, in arrival order.
std::vector<std::string> AcceptedLines(const HttpSink& sink) {
  std::vector<std::string> lines;
  for (const SinkRequest& r : sink.Requests()) {
    if (r.status / 100 != 2) {
      continue;
    }
    size_t start = 0;
    while (start < r.body.size()) {
      size_t end = r.body.find('\n', start);
      if (end == std::string::npos) {
        end = r.body.size();
      }
      lines.push_back(r.body.substr(start, end - start));
      start = end + 1;
    }
  }
  return lines;
}

TEST(HttpOutageTest, NothingLostWhileTheServerIsDownFor30s) {
  if (!RunnelBinariesFound()) {
    GTEST_SKIP() << kRunnelBinariesNotFound;
  }
  if (!HttpSink::Available()) {
    GTEST_SKIP() << "python3 or " << HttpSink::ScriptPath() << " not found";
  }
  TempDir dir;
  const std::string log = dir.Path("app.log");
  const std::string agg_log = dir.Path("aggregator.log");
  HttpSink sink(dir.path());
  ASSERT_TRUE(sink.Start({}).ok());
  const uint16_t port = sink.port();
  ASSERT_TRUE(WriteFile(dir.Path("agg.toml"), Config(dir.Path("data"), log, sink.Url("/ingest"))));
  ASSERT_TRUE(WriteFile(log, ""));
  Result<Process> agg = Process::Spawn(
      {{RunnelBinaryPath("runnel-aggregator"), "-c", dir.Path("agg.toml")}, "", agg_log, ""});
  ASSERT_TRUE(agg.has_value()) << agg.error().ToString();

  PacedLineWriter writer({log, 2'000, 0, 0, 1});
  writer.Start();
  // Under way: the server has events.
  ASSERT_TRUE(PollUntil([&] { return AcceptedLines(sink).size() >= 1'000; }, seconds(30)))
      << LogTail(agg_log);
  sink.Kill();
  const size_t before_outage = AcceptedLines(sink).size();
  // 30 s down while the writer goes on; the aggregator must stay up all along.
  EXPECT_FALSE(PollUntil([&] { return !agg->running(); }, seconds(30))) << LogTail(agg_log);
  ASSERT_TRUE(sink.Start({}, port).ok());
  const int written = writer.Stop();
  ASSERT_EQ(writer.error(), "");

  DeliveryTally tally(log);
  ASSERT_TRUE(PollUntil(
      [&] {
        DeliveryTally t(log);
        for (const std::string& line : AcceptedLines(sink)) {
          t.Add(line);
        }
        tally = t;
        return t.Missing(written) == 0;
      },
      seconds(60)))
      << tally.DescribeMissing(written) << "\n"
      << LogTail(agg_log);
  ASSERT_NO_FATAL_FAILURE(StopCleanly(*agg, agg_log));
  {
    DeliveryTally t(log);
    for (const std::string& line : AcceptedLines(sink)) {
      t.Add(line);
    }
    tally = t;
  }
  std::printf("written: %d, before the outage: %zu, %s\n", written, before_outage,
              DescribeDeliveries(tally).c_str());
  EXPECT_EQ(tally.Missing(written), 0u) << tally.DescribeMissing(written);
  EXPECT_EQ(tally.corrupt(), 0u) << tally.DescribeCorrupt();
  EXPECT_EQ(tally.distinct(), static_cast<uint64_t>(written));
  EXPECT_LE(tally.duplicates(), static_cast<uint64_t>(kBatchMaxEvents * kMaxInFlight));
  EXPECT_GT(written, 40'000);  // the writer ran on through the outage (2,000 lines a second)
  const std::string dead = dir.Path("data") + "/dead-letter/outputs.store";
  size_t dead_files = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dead, ec)) {
    (void)entry;
    ++dead_files;
  }
  EXPECT_EQ(dead_files, 0u);
}

}  // namespace
}  // namespace runnel::testing

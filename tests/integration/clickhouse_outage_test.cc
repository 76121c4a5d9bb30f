// runnel-aggregator with its default disk buffer, tailing a file that a writer appends to at a
// steady pace, into the clickhouse output and a real clickhouse-server (Debian's 18.16). The
// server is killed (SIGKILL) once rows arrive, stays down for 30 s while lines keep coming,
// and is started again on the same port and data. Afterwards the table holds every line:
// each of them at least once (checked by its sequence number and its exact text), and a line
// twice only where an insert was in flight at the kill (18.16 has no dedupe token): counted,
// printed and bounded by the output's in-flight window.
// Skipped where clickhouse-server is not installed.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tests/testing/clickhouse_server.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ClickHouseServer;
using testing::Process;
using testing::ReadFileOrEmpty;

constexpr int kLinesPerTick = 40;  // every 20 ms: 2,000 lines/s
constexpr milliseconds kTick{20};
constexpr int kBatchMaxEvents = 500;
constexpr int kMaxInFlight = 4;

std::string Line(int seq) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%08d the quick brown fox jumps over the lazy dog %d", seq,
                seq % 97);
  return buf;
}

std::string Config(const std::string& root, const std::string& log, const std::string& url) {
  return "data_dir = \"" + root +
         "/data\"\n"
         "[inputs.app]\ntype = \"tail\"\npaths = [\"" +
         log +
         "\"]\n"
         "refresh_interval = \"100ms\"\npoll_interval = \"20ms\"\n"
         "[outputs.ch]\ntype = \"clickhouse\"\ninputs = [\"app\"]\nurl = \"" +
         url +
         "\"\n"
         "table = \"lines\"\ncolumns = { message = \"log\" }\n"
         "batch_max_events = " +
         std::to_string(kBatchMaxEvents) +
         "\n"
         "max_in_flight = " +
         std::to_string(kMaxInFlight) +
         "\n"
         "batch_timeout = \"200ms\"\nretry_initial = \"100ms\"\nretry_max = \"2s\"\n"
         "timeout = \"5s\"\nconnect_timeout = \"1s\"\n";
}

// Appends kLinesPerTick lines every kTick until stopped; counts what it wrote.
class PacedWriter {
 public:
  explicit PacedWriter(std::string path) : path_(std::move(path)) {}
  ~PacedWriter() { Stop(); }
  void Start() {
    thread_ = std::thread([this] {
      std::ofstream out(path_, std::ios::app);
      auto next = Clock::now();
      while (!stop_.load()) {
        for (int i = 0; i < kLinesPerTick; ++i) {
          out << Line(written_.load()) << '\n';
          written_.fetch_add(1);
        }
        out.flush();
        next += kTick;
        std::this_thread::sleep_until(next);  // the writer's pace
      }
    });
  }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  int written() const { return written_.load(); }

 private:
  std::string path_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> written_{0};
};

int64_t Number(ClickHouseServer& server, const std::string& sql) {
  Result<std::string> r = server.Query(sql);
  return r.has_value() ? std::atoll(r->c_str()) : -1;
}

bool WaitUntil(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(50));  // polling interval
  }
  return done();
}

TEST(ClickHouseOutage, ServerDownFor30sUnderLoadLosesNothing) {
  if (!testing::ClickHouseInstalled()) {
    GTEST_SKIP() << testing::kClickHouseNotInstalled;
  }
  if (!testing::RunnelBinariesFound()) {
    GTEST_SKIP() << testing::kRunnelBinariesNotFound;
  }
  testing::TempDir root;
  ClickHouseServer server;
  ASSERT_TRUE(server.Start().ok()) << server.Logs();
  ASSERT_TRUE(server
                  .Query("CREATE TABLE default.lines (timestamp DateTime, message String) "
                         "ENGINE = MergeTree ORDER BY timestamp")
                  .has_value());
  const std::string log = root.Path("app.log");
  { std::ofstream touch(log); }
  const std::string config = root.Path("aggregator.toml");
  { std::ofstream(config) << Config(root.path(), log, server.url()); }
  const std::string agg_log = root.Path("aggregator.log");
  Result<Process> agg = Process::Spawn(
      {{testing::RunnelBinaryPath("runnel-aggregator"), "-c", config}, "", agg_log, ""});
  ASSERT_TRUE(agg.has_value()) << agg.error().message();

  PacedWriter writer(log);
  writer.Start();
  ASSERT_TRUE(WaitUntil([&] { return server.Count("default.lines") >= 2000; }, seconds(20)))
      << ReadFileOrEmpty(agg_log);
  server.Kill();
  const int at_kill = writer.written();
  const auto killed = Clock::now();
  std::this_thread::sleep_until(killed + seconds(30));  // the outage, under load
  const int at_restart = writer.written();
  ASSERT_TRUE(agg->running()) << ReadFileOrEmpty(agg_log);
  ASSERT_TRUE(server.Start().ok()) << server.Logs();
  std::this_thread::sleep_for(seconds(3));  // lines written after the restart too
  writer.Stop();
  const int total = writer.written();
  std::printf("lines: %d written, %d at the kill, %d during the 30 s outage\n", total, at_kill,
              at_restart - at_kill);

  auto distinct = [&] { return Number(server, "SELECT uniqExact(message) FROM default.lines"); };
  const bool all = WaitUntil([&] { return distinct() >= total; }, seconds(45));
  const auto caught_up = Clock::now();
  ASSERT_TRUE(all) << "distinct rows " << distinct() << " of " << total << "\n"
                   << ReadFileOrEmpty(agg_log);
  std::printf("every line in ClickHouse %.1f s after its restart\n",
              std::chrono::duration<double>(caught_up - killed - seconds(30)).count());

  ASSERT_EQ(agg->Signal(SIGTERM).ok(), true);
  Result<testing::ExitStatus> exit = agg->Wait(seconds(30));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->ToString(), "exit 0") << ReadFileOrEmpty(agg_log);

  // Every sequence number from 0 to total-1, each with its exact text.
  EXPECT_EQ(distinct(), total);
  EXPECT_EQ(Number(server,
                   "SELECT uniqExact(toUInt32(substring(message, 1, 8))) FROM "
                   "default.lines"),
            total);
  EXPECT_EQ(Number(server, "SELECT max(toUInt32(substring(message, 1, 8))) FROM default.lines"),
            total - 1);
  EXPECT_EQ(Number(server,
                   "SELECT countIf(message != concat(substring(message, 1, 8), ' the quick "
                   "brown fox jumps over the lazy dog ', toString(toUInt32(substring(message, "
                   "1, 8)) % 97))) FROM default.lines"),
            0);
  const int64_t rows = server.Count("default.lines");
  const int64_t duplicates = rows - total;
  std::printf("rows %lld, inserted twice: %lld (bound %d: the inserts in flight at the kill)\n",
              static_cast<long long>(rows), static_cast<long long>(duplicates),
              kMaxInFlight * kBatchMaxEvents);
  EXPECT_GE(duplicates, 0);
  EXPECT_LE(duplicates, kMaxInFlight * kBatchMaxEvents);
}

}  // namespace
}  // namespace runnel

// runnel-aggregator (tail → elasticsearch, with the aggregator's default disk buffer) feeding
// the fake Elasticsearch as a real process (runnel-fake-elasticsearch; no real Elasticsearch can
// be installed on Debian 12) that is killed with SIGKILL under load, kept down for 30 s, and
// started again on the same port with its data: afterwards the store holds every line exactly
// once. Requests the kill cut off after the fake stored them come back as 409 conflicts
// (counted, reported), never as second copies. About 40 s.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/tail_support.h"
#include "tests/testing/http_client.h"
#include "tests/testing/loopback.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::string FakeBinary() {
  const char* dir = std::getenv("RUNNEL_BINARY_DIR");
  return dir == nullptr ? "" : std::string(dir) + "/tests/runnel-fake-elasticsearch";
}

// Polls `done` every 20 ms until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(20));  // polling a condition with a deadline
  }
  return true;
}

// The value of a top-level integer field of a small JSON object, -1 when absent.
int64_t JsonInt(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  int64_t v = -1;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS ||
      doc[key].get_int64().get(v) != simdjson::SUCCESS) {
    return -1;
  }
  return v;
}

class ElasticsearchOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AssertAgentFound(RunnelBinaryPath("runnel-aggregator"));
    ASSERT_FALSE(HasFatalFailure());
    struct stat st;
    ASSERT_EQ(stat(FakeBinary().c_str(), &st), 0)
        << "runnel-fake-elasticsearch not found at " << FakeBinary();
    port_ = FreeLoopbackPort();
  }
  void StartFake() {
    const std::string out = dir_.Path("fake." + std::to_string(++fake_runs_) + ".out");
    Result<Process> p = Process::Spawn(
        {{FakeBinary(), "--port", std::to_string(port_), "--data-file", dir_.Path("es.ndjson")},
         out,
         dir_.Path("fake.err"),
         ""});
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    fake_ = std::move(*p);
    ASSERT_TRUE(
        WaitUntil([&] { return ReadFileOrEmpty(out).find("listening on") != std::string::npos; },
                  seconds(10)))
        << ReadFileOrEmpty(dir_.Path("fake.err"));
  }
  int64_t Stat(const char* key) { return JsonInt(HttpGet(port_, "/_fake/stats").body, key); }

  TempDir dir_;
  uint16_t port_ = 0;
  int fake_runs_ = 0;
  Process fake_;
};

TEST_F(ElasticsearchOutageTest, StoreKilledFor30sUnderLoadGetsEveryLineOnce) {
  StartFake();
  ASSERT_FALSE(HasFatalFailure());
  const std::string log = dir_.Path("app.log");
  const std::string config = dir_.Path("aggregator.toml");
  {
    FILE* f = std::fopen(config.c_str(), "w");
    std::fprintf(f,
                 "data_dir = \"%s\"\n[inputs.app]\ntype = \"tail\"\npaths = [\"%s\"]\n"
                 "[outputs.es]\ntype = \"elasticsearch\"\ninputs = [\"app\"]\n"
                 "url = \"http://127.0.0.1:%u\"\nindex = \"logs-%%Y.%%m.%%d\"\n"
                 "compression = \"gzip\"\nbatch_timeout = \"200ms\"\nretry_initial = \"100ms\"\n"
                 "retry_max = \"1s\"\ntimeout = \"5s\"\n",
                 dir_.Path("data").c_str(), log.c_str(), port_);
    std::fclose(f);
  }
  Process aggregator =
      SpawnAgent(RunnelBinaryPath("runnel-aggregator"), config, dir_.Path("aggregator.err"));

  // About 2,000 lines a second, from before the kill until after the restart.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    FILE* f = std::fopen(log.c_str(), "a");
    int seq = 0;
    while (!stop.load()) {
      for (int i = 0; i < 100; ++i) {
        std::fputs(WriterLine(0, seq++).c_str(), f);
      }
      std::fflush(f);
      written.store(seq);
      std::this_thread::sleep_for(milliseconds(50));  // pacing the load, not synchronising
    }
    std::fclose(f);
  });

  ASSERT_TRUE(WaitUntil([&] { return JsonInt(HttpGet(port_, "/_count").body, "count") >= 3000; },
                        seconds(20)))
      << ReadFileOrEmpty(dir_.Path("aggregator.err"));
  fake_.Kill();  // SIGKILL, requests in flight
  const int at_kill = written.load();
  std::this_thread::sleep_for(seconds(30));  // the outage itself
  ASSERT_TRUE(aggregator.running()) << ReadFileOrEmpty(dir_.Path("aggregator.err"));
  const int during = written.load() - at_kill;
  StartFake();
  ASSERT_FALSE(HasFatalFailure());
  std::this_thread::sleep_for(seconds(2));  // load goes on after the restart too
  stop.store(true);
  writer.join();
  const int total = written.load();

  const bool all = WaitUntil(
      [&] { return JsonInt(HttpGet(port_, "/_count").body, "count") >= total; }, seconds(30));
  const std::string stats = HttpGet(port_, "/_fake/stats").body;
  ASSERT_TRUE(all) << "indexed " << JsonInt(HttpGet(port_, "/_count").body, "count") << " of "
                   << total << "; " << stats << "\n"
                   << ReadFileOrEmpty(dir_.Path("aggregator.err"));

  // Every line exactly once, with its content.
  HttpReply search = HttpGet(port_, "/logs-*/_search");
  ASSERT_EQ(search.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(search.body).get(doc), simdjson::SUCCESS);
  std::vector<int> seen(total, 0);
  int foreign = 0;
  int wrong_content = 0;
  for (simdjson::dom::element hit : doc["hits"]["hits"].get_array()) {
    std::string_view line;
    int w = 0;
    int seq = 0;
    if (hit["_source"]["log"].get_string().get(line) != simdjson::SUCCESS ||
        !ParseWriterLine(line, &w, &seq) || seq < 0 || seq >= total) {
      ++foreign;
      continue;
    }
    ++seen[seq];
    if (std::string(line) + "\n" != WriterLine(0, seq)) {
      ++wrong_content;
    }
  }
  int missing = 0;
  int duplicates = 0;
  for (int n : seen) {
    missing += n == 0;
    duplicates += n > 1 ? n - 1 : 0;
  }
  EXPECT_EQ(foreign, 0);
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(wrong_content, 0);
  EXPECT_EQ(JsonInt(HttpGet(port_, "/_count").body, "count"), total);
  EXPECT_GT(during, 30'000);  // the load went on during the outage
  // The conflicts are documents whose request the kill cut off after the fake stored them,
  // sent again from the disk buffer: 409, delivered, not copied.
  RecordProperty("lines", total);
  RecordProperty("conflicts", static_cast<int>(Stat("conflicts")));
  std::printf(
      "lines %d (%d written while the store was down), conflicts (re-sent, not "
      "duplicated) %lld, stats %s\n",
      total, during, static_cast<long long>(Stat("conflicts")), stats.c_str());
  int dead_letters = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_.Path("data/dead-letter"), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    dead_letters += it->is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(dead_letters, 0);

  ASSERT_TRUE(aggregator.Signal(SIGTERM).ok());
  Result<ExitStatus> exit = aggregator.Wait(seconds(20));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->ToString(), "exit 0") << ReadFileOrEmpty(dir_.Path("aggregator.err"));
}

}  // namespace
}  // namespace runnel::testing

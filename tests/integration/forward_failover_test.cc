// runnel-agent ships a file to three runnel-aggregator processes on loopback (tail → forward →
// forward → file). Aggregators are killed with SIGKILL while it runs and started again; every
// line must arrive at least once, and lines arrive twice only if the killed aggregator had
// received them before it died (they were in flight, unacknowledged).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "tests/integration/tail_support.h"
#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Counts, per sequence number, the lines of writer 0 in an aggregator's JSON-lines output.
// Returns the number of lines read; a line that is not one of ours counts in `foreign`.
size_t CountLines(const std::string& path, std::vector<int>* seen, int* foreign) {
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string log;
    int w = -1;
    int seq = 0;
    if (!JsonField(line, "log", &log) || !ParseWriterLine(log, &w, &seq) || w != 0 || seq < 1 ||
        static_cast<size_t>(seq) >= seen->size()) {
      ++*foreign;
      continue;
    }
    ++(*seen)[seq];
  }
  return n;
}

size_t LineCount(const std::string& path) {
  std::ifstream in(path);
  return static_cast<size_t>(
      std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

class ForwardFailoverTest : public ::testing::Test {
 protected:
  static constexpr int kAggregators = 3;

  void SetUp() override {
    agent_ = RunnelBinaryPath("runnel-agent");
    aggregator_ = RunnelBinaryPath("runnel-aggregator");
    ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
    for (int i = 0; i < kAggregators; ++i) {
      ports_[i] = FreeLoopbackPort();
      ASSERT_NE(ports_[i], 0);
      std::string cfg = dir_.Path("agg" + std::to_string(i) + ".toml");
      ASSERT_TRUE(WriteFile(cfg, "data_dir = \"" + dir_.Path("agg" + std::to_string(i)) +
                                     "\"\n[inputs.fwd]\ntype = \"forward\"\nhost = "
                                     "\"127.0.0.1\"\nport = " +
                                     std::to_string(ports_[i]) +
                                     "\n[outputs.o]\ntype = \"file\"\ninputs = [\"fwd\"]\n"
                                     // In memory, so a batch is acknowledged once it is in
                                     // the file: a line can then arrive twice only if the
                                     // killed aggregator had written it (checked below).
                                     // aggregator_crash_test covers the default disk buffer.
                                     "buffer.type = \"memory\"\n"
                                     "fsync = \"never\"\npath = \"" +
                                     Out(i) + "\"\n"));
    }
  }

  std::string Out(int i) { return dir_.Path("agg" + std::to_string(i) + ".jsonl"); }

  // Writes `lines` lines of writer 0 to logs/app.log.
  void WriteInput(int lines) {
    ASSERT_EQ(mkdir(dir_.Path("logs").c_str(), 0755), 0);
    std::string all;
    all.reserve(static_cast<size_t>(lines) * 72);
    for (int seq = 1; seq <= lines; ++seq) {
      all += WriterLine(0, seq);
    }
    ASSERT_TRUE(WriteFile(dir_.Path("logs/app.log"), all));
  }

  void StartAggregator(int i) {
    std::string log = dir_.Path("agg" + std::to_string(i) + ".stderr");
    Result<Process> p = Process::Spawn(
        {{aggregator_, "-c", dir_.Path("agg" + std::to_string(i) + ".toml")}, "", log, ""});
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    aggs_[i] = std::move(*p);
    // Ready (signals handled, listening) before the test goes on, so a stop is a clean one.
    ASSERT_TRUE(PollUntil([&] { return AcceptsConnections(ports_[i]) || !aggs_[i]->running(); },
                          std::chrono::minutes(1)));
    ASSERT_TRUE(aggs_[i]->running()) << ReadFileOrEmpty(log);
  }

  Process StartAgent(bool exit_on_eof) {
    std::string servers;
    for (int i = 0; i < kAggregators; ++i) {
      servers += "\"127.0.0.1:" + std::to_string(ports_[i]) + "\", ";
    }
    std::string cfg = dir_.Path("agent.toml");
    EXPECT_TRUE(WriteFile(cfg, "data_dir = \"" + dir_.Path("agent") +
                                   "\"\n[inputs.app]\ntype = \"tail\"\npaths = [\"" +
                                   dir_.Path("logs/*.log") +
                                   "\"]\nexit_on_eof = " + (exit_on_eof ? "true" : "false") +
                                   "\n"
                                   "[outputs.aggregators]\ntype = \"forward\"\ninputs = "
                                   "[\"app\"]\nservers = [" +
                                   servers +
                                   "]\nretry_initial = \"50ms\"\nretry_max = \"500ms\"\n"
                                   "max_in_flight_bytes = \"8MiB\"\n"));
    Result<Process> p = Process::Spawn({{agent_, "-c", cfg}, "", dir_.Path("agent.stderr"), ""});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return std::move(*p);
  }

  void ExpectAgentExitsCleanly(Process& agent) {
    Result<ExitStatus> exit = agent.Wait(std::chrono::minutes(5));
    ASSERT_TRUE(exit.has_value()) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n"
                                                 << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  }

  void StopAggregators() {
    for (int i = 0; i < kAggregators; ++i) {
      if (aggs_[i].has_value() && aggs_[i]->running()) {
        ASSERT_TRUE(aggs_[i]->Signal(SIGTERM).ok());
        Result<ExitStatus> exit = aggs_[i]->Wait(seconds(60));
        ASSERT_TRUE(exit.has_value());
        EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString();
      }
    }
  }

  TempDir dir_;
  std::string agent_, aggregator_;
  std::array<uint16_t, kAggregators> ports_{};
  std::array<std::optional<Process>, kAggregators> aggs_;
};

TEST_F(ForwardFailoverTest, OneAggregatorKilledMidwayAndStartedAgain) {
  constexpr int kLines = 1'000'000;
  WriteInput(kLines);
  for (int i = 0; i < kAggregators; ++i) {
    StartAggregator(i);
  }
  Process agent = StartAgent(/*exit_on_eof=*/true);
  // Midway for aggregator 0: it has received a share of the lines.
  ASSERT_TRUE(PollUntil([&] { return LineCount(Out(0)) >= kLines / 10 || !agent.running(); },
                        std::chrono::minutes(2)))
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  aggs_[0]->Kill();
  // What it had received before it died: the only lines that may arrive twice.
  std::vector<int> first_life(kLines + 1, 0);
  // The kill may cut the file output's last write: one torn last line, which the aggregator cuts
  // off when it starts again. The final count below must have none.
  int torn = 0;
  size_t first_life_lines = CountLines(Out(0), &first_life, &torn);
  EXPECT_LE(torn, 1);
  int foreign = 0;
  ASSERT_TRUE(PollUntil(
      [&] { return LineCount(Out(1)) + LineCount(Out(2)) >= kLines / 2 || !agent.running(); },
      std::chrono::minutes(2)));
  StartAggregator(0);
  ExpectAgentExitsCleanly(agent);
  StopAggregators();

  std::vector<int> seen(kLines + 1, 0);
  for (int i = 0; i < kAggregators; ++i) {
    CountLines(Out(i), &seen, &foreign);
  }
  EXPECT_EQ(foreign, 0);
  int missing = 0;
  int duplicates = 0;
  int unexplained = 0;  // arrived twice without having reached the killed aggregator first
  for (int seq = 1; seq <= kLines; ++seq) {
    missing += seen[seq] == 0;
    if (seen[seq] > 1) {
      duplicates += seen[seq] - 1;
      unexplained += first_life[seq] == 0;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(unexplained, 0);
  EXPECT_LE(static_cast<size_t>(duplicates), first_life_lines);
  RecordProperty("duplicates", duplicates);
  std::printf("lines: %d, duplicates: %d (the killed aggregator had received %zu)\n", kLines,
              duplicates, first_life_lines);
}

// The file grows while the agent runs; all three aggregators are killed, stay down for 10 s while
// lines keep coming, and come back: every line arrives.
TEST_F(ForwardFailoverTest, AllAggregatorsDownForTenSecondsThenBack) {
  constexpr int kLines = 300'000;
  constexpr int kChunk = 1'000;
  ASSERT_EQ(mkdir(dir_.Path("logs").c_str(), 0755), 0);
  const std::string app = dir_.Path("logs/app.log");
  ASSERT_TRUE(WriteFile(app, ""));
  for (int i = 0; i < kAggregators; ++i) {
    StartAggregator(i);
  }
  Process agent = StartAgent(/*exit_on_eof=*/false);
  auto total = [&] { return LineCount(Out(0)) + LineCount(Out(1)) + LineCount(Out(2)); };
  auto append = [&](int from, int to) {
    for (int seq = from; seq <= to; seq += kChunk) {
      std::string chunk;
      for (int i = seq; i < seq + kChunk && i <= to; ++i) {
        chunk += WriterLine(0, i);
      }
      ASSERT_TRUE(AppendFile(app, chunk));
    }
  };
  append(1, kLines / 3);
  ASSERT_TRUE(PollUntil([&] { return total() >= kLines / 3; }, std::chrono::minutes(2)))
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  for (int i = 0; i < kAggregators; ++i) {
    aggs_[i]->Kill();
  }
  append(kLines / 3 + 1, kLines);            // written while no aggregator is up
  std::this_thread::sleep_for(seconds(10));  // the outage the scenario is about, not a sync
  ASSERT_TRUE(agent.running()) << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  for (int i = 0; i < kAggregators; ++i) {
    StartAggregator(i);
  }
  std::vector<int> seen;
  int foreign = 0;
  auto missing = [&] {
    seen.assign(kLines + 1, 0);
    foreign = 0;
    for (int i = 0; i < kAggregators; ++i) {
      CountLines(Out(i), &seen, &foreign);
    }
    return static_cast<int>(std::count(seen.begin() + 1, seen.end(), 0));
  };
  EXPECT_TRUE(
      PollUntil([&] { return total() >= kLines && missing() == 0; }, std::chrono::minutes(3)))
      << missing() << " lines missing\n"
      << ReadFileOrEmpty(dir_.Path("agent.stderr"));
  EXPECT_EQ(foreign, 0);
  ASSERT_TRUE(agent.Signal(SIGTERM).ok());
  ExpectAgentExitsCleanly(agent);
  StopAggregators();
}

// The agent and an aggregator with mutual TLS and the shared-key handshake: everything arrives.
// An agent with the wrong key, or without a client certificate, gets nothing through.
TEST_F(ForwardFailoverTest, MutualTlsAndSharedKey) {
  constexpr int kLines = 20'000;
  WriteInput(kLines);
  TlsTestFiles certs = MakeTlsTestFiles(dir_.path());
  ASSERT_TRUE(WriteFile(dir_.Path("agg0.toml"),
                        "data_dir = \"" + dir_.Path("agg0") +
                            "\"\n[inputs.fwd]\ntype = \"forward\"\nhost = \"127.0.0.1\"\nport = " +
                            std::to_string(ports_[0]) +
                            "\nshared_key = \"k3y\"\ntls.enabled = true\ntls.cert_file = \"" +
                            certs.server_cert + "\"\ntls.key_file = \"" + certs.server_key +
                            "\"\ntls.ca_file = \"" + certs.ca_cert +
                            "\"\ntls.verify_peer = true\n[outputs.o]\ntype = \"file\"\ninputs = "
                            "[\"fwd\"]\npath = \"" +
                            Out(0) + "\"\n"));
  StartAggregator(0);
  // A refused agent runs until stopped (exit_on_eof = false) and then gives up at once.
  auto agent_config = [&](const std::string& key, bool client_cert) {
    bool refused = key != "k3y" || !client_cert;
    std::string cfg = "data_dir = \"" + dir_.Path("agent-" + key) + "\"\nshutdown_timeout = \"" +
                      (refused ? "300ms" : "30s") +
                      "\"\n[inputs.app]\ntype = \"tail\"\npaths = [\"" + dir_.Path("logs/*.log") +
                      "\"]\nexit_on_eof = " + (refused ? "false" : "true") +
                      "\n[outputs.agg]\ntype = \"forward\"\ninputs = "
                      "[\"app\"]\nservers = [\"localhost:" +
                      std::to_string(ports_[0]) + "\"]\nshared_key = \"" + key +
                      "\"\nretry_initial = \"50ms\"\nretry_max = \"200ms\"\ntls.enabled = "
                      "true\ntls.ca_file = \"" +
                      certs.ca_cert + "\"\n";
    if (client_cert) {
      cfg += "tls.cert_file = \"" + certs.client_cert + "\"\ntls.key_file = \"" + certs.client_key +
             "\"\n";
    }
    std::string path = dir_.Path("agent-" + key + (client_cert ? "" : "-nocert") + ".toml");
    EXPECT_TRUE(WriteFile(path, cfg));
    return path;
  };
  // Refused: a wrong key, then no client certificate. Each keeps trying (nothing is lost, nothing
  // gets in) until it is stopped.
  for (auto [key, cert] : {std::pair<std::string, bool>{"wrong", true}, {"k3y", false}}) {
    std::string err = dir_.Path("refused-" + key + ".stderr");
    Result<Process> p = Process::Spawn({{agent_, "-c", agent_config(key, cert)}, "", err, ""});
    ASSERT_TRUE(p.has_value());
    std::string want = cert ? "shared_key mismatch" : "failed";
    ASSERT_TRUE(PollUntil([&] { return ReadFileOrEmpty(err).find(want) != std::string::npos; },
                          std::chrono::minutes(1)))
        << ReadFileOrEmpty(err);
    EXPECT_EQ(LineCount(Out(0)), 0u);
    ASSERT_TRUE(p->Signal(SIGTERM).ok());
    Result<ExitStatus> exit = p->Wait(seconds(60));
    ASSERT_TRUE(exit.has_value());
    EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << ReadFileOrEmpty(err);
  }
  Result<Process> agent = Process::Spawn(
      {{agent_, "-c", agent_config("k3y", true)}, "", dir_.Path("agent.stderr"), ""});
  ASSERT_TRUE(agent.has_value());
  ExpectAgentExitsCleanly(*agent);
  StopAggregators();
  std::vector<int> seen(kLines + 1, 0);
  int foreign = 0;
  EXPECT_EQ(CountLines(Out(0), &seen, &foreign), static_cast<size_t>(kLines));
  EXPECT_EQ(foreign, 0);
  EXPECT_EQ(std::count(seen.begin() + 1, seen.end(), 1), kLines);
}

}  // namespace
}  // namespace runnel::testing

// The kafka output end to end: runnel-agent (tail -> kafka) against librdkafka's mock cluster
// (a real broker was not run: none is packaged for Debian 12), read back with a librdkafka
// consumer. Every line arrives exactly once with its content; a broker down mid-run loses
// nothing; messages over message_max_bytes are exactly those in the dead letters.

#include <cstdlib>
#include <filesystem>
#include <set>

#include "gtest/gtest.h"
#include "runnel/buffer/dead_letter.h"
#include "runnel/record.h"
#include "tests/integration/kafka_support.h"
#include "tests/integration/tail_support.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class KafkaOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
    Result<std::unique_ptr<KafkaMock>> m = KafkaMock::Create(1);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    mock_ = std::move(*m);
    ASSERT_TRUE(mock_->CreateTopic("logs", 1).ok());
    log_ = tmp_.Path("app.log");
    ASSERT_TRUE(WriteFile(log_, ""));
  }

  // tail (exit_on_eof when `exit`) -> kafka; `extra` goes into the output's table.
  std::string Config(bool exit, const std::string& extra = "") {
    std::string c = "data_dir = \"" + tmp_.Path("data") + "\"\n" +
                    "[inputs.app]\ntype = \"tail\"\npaths = [\"" + log_ + "\"]\n" +
                    "poll_interval = \"20ms\"\nbatch_max_events = 500\n" +
                    (exit ? "exit_on_eof = true\n" : "") +
                    "[outputs.k]\ntype = \"kafka\"\ninputs = [\"app\"]\nbrokers = [\"" +
                    mock_->bootstraps() + "\"]\ntopic = \"logs\"\ntag_header = \"tag\"\n" +
                    "headers = { source = \"test\" }\n" + extra;
    std::string path = tmp_.Path("agent.toml");
    EXPECT_TRUE(WriteFile(path, c));
    return path;
  }

  // The "log" value of each JSON message, in offset order.
  std::vector<std::string> Logs(size_t expect, milliseconds timeout = milliseconds(30'000)) {
    std::vector<std::string> logs;
    for (const KafkaRecord& r : mock_->ReadTopic("logs", 1, expect, timeout)) {
      std::string log;
      EXPECT_TRUE(JsonField(r.value, "log", &log)) << r.value;
      logs.push_back(std::move(log));
    }
    return logs;
  }

  TempDir tmp_;
  std::unique_ptr<KafkaMock> mock_;
  std::string log_;
};

std::string Line(int i) { return WriterLine(1, i).substr(0, WriterLine(1, i).size() - 1); }

TEST_F(KafkaOutputTest, EveryLineOnceWithContentAndHeaders) {
  constexpr int kLines = 20'000;
  std::string text;
  for (int i = 0; i < kLines; ++i) {
    text += Line(i) + "\n";
  }
  ASSERT_TRUE(WriteFile(log_, text));
  CommandResult r =
      RunToExit({RunnelBinaryPath("runnel-agent"), "-c", Config(true)}, "", tmp_, seconds(60));
  ASSERT_EQ(r.status.ToString(), "exit 0") << r.err;
  std::vector<KafkaRecord> records = mock_->ReadTopic("logs", 1, kLines, milliseconds(30'000));
  ASSERT_EQ(records.size(), static_cast<size_t>(kLines));
  for (int i = 0; i < kLines; ++i) {
    std::string log;
    ASSERT_TRUE(JsonField(records[i].value, "log", &log)) << records[i].value;
    ASSERT_EQ(log, Line(i)) << "offset " << records[i].offset;
    ASSERT_TRUE(records[i].value.starts_with("{\"time\":\"")) << records[i].value;
    ASSERT_FALSE(records[i].has_key);
  }
  const std::vector<std::pair<std::string, std::string>> headers = {{"source", "test"},
                                                                    {"tag", "app"}};
  EXPECT_EQ(records.front().headers, headers);
  EXPECT_EQ(records.back().headers, headers);
}

TEST_F(KafkaOutputTest, BrokerDownMidRunLosesNothing) {
  constexpr int kHalf = 5'000;
  std::string first, second;
  for (int i = 0; i < kHalf; ++i) {
    first += Line(i) + "\n";
    second += Line(kHalf + i) + "\n";
  }
  ASSERT_TRUE(WriteFile(log_, first));
  const std::string err = tmp_.Path("agent.err");
  Result<Process> agent = SpawnRunnel("runnel-agent", Config(false), err);
  ASSERT_TRUE(agent.has_value()) << agent.error().ToString();
  ASSERT_EQ(Logs(kHalf).size(), static_cast<size_t>(kHalf)) << ReadFileOrEmpty(err);

  mock_->SetBrokerDown(1);
  ASSERT_TRUE(AppendFile(log_, second));
  // The agent notices the broker is gone (librdkafka reports the lost connection) ...
  ASSERT_TRUE(
      WaitFor([&] { return ReadFileOrEmpty(err).find("WARN  [outputs.k]") != std::string::npos; },
              milliseconds(20'000)))
      << ReadFileOrEmpty(err);
  // ... and the broker stays down for 3 s (the scenario, not a synchronisation) ...
  std::this_thread::sleep_for(seconds(3));
  mock_->SetBrokerUp(1);
  // ... then everything arrives, exactly once, in order.
  std::vector<std::string> logs = Logs(2 * kHalf, milliseconds(60'000));
  ASSERT_EQ(logs.size(), static_cast<size_t>(2 * kHalf)) << ReadFileOrEmpty(err);
  for (int i = 0; i < 2 * kHalf; ++i) {
    ASSERT_EQ(logs[i], Line(i));
  }
  // Nothing more comes (no duplicate from the idempotent producer).
  EXPECT_EQ(mock_->ReadTopic("logs", 1, 2 * kHalf + 1, milliseconds(2'000)).size(),
            static_cast<size_t>(2 * kHalf));
  ASSERT_TRUE(agent->Signal(SIGTERM).ok());
  Result<ExitStatus> st = agent->Wait(milliseconds(20'000));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0") << ReadFileOrEmpty(err);
}

TEST_F(KafkaOutputTest, TooLargeMessagesAreExactlyTheDeadLetters) {
  constexpr int kLines = 1'000;
  std::string text;
  std::set<std::string> big;
  for (int i = 0; i < kLines; ++i) {
    std::string line = Line(i);
    if (i % 97 == 5) {
      line += " " + std::string(1'500, 'x');  // over message_max_bytes
      big.insert(line);
    }
    text += line + "\n";
  }
  ASSERT_TRUE(WriteFile(log_, text));
  CommandResult r = RunToExit(
      {RunnelBinaryPath("runnel-agent"), "-c", Config(true, "message_max_bytes = 1000\n")}, "",
      tmp_, seconds(60));
  ASSERT_EQ(r.status.ToString(), "exit 0") << r.err;
  const size_t expect = kLines - big.size();
  std::vector<std::string> logs = Logs(expect);
  ASSERT_EQ(logs.size(), expect);
  for (const std::string& log : logs) {
    EXPECT_FALSE(big.contains(log)) << log;
  }
  EXPECT_EQ(mock_->ReadTopic("logs", 1, expect + 1, milliseconds(1'000)).size(), expect);

  Result<std::vector<buffer::DeadLetterInfo>> letters =
      buffer::ListDeadLetters(buffer::DeadLetterDir(tmp_.Path("data"), "k"));
  ASSERT_TRUE(letters.has_value()) << letters.error().ToString();
  std::set<std::string> dead;
  for (const buffer::DeadLetterInfo& info : *letters) {
    ASSERT_EQ(info.error, "");
    EXPECT_EQ(info.reason, "kafka: Broker: Message size too large") << info.reason;
    Result<buffer::DeadLetter> letter = buffer::ReadDeadLetter(info.path);
    ASSERT_TRUE(letter.has_value());
    EventBatch events;
    ASSERT_TRUE(events.Decode(letter->batch).ok());
    for (const Event& e : events) {
      const Value* log = e.Find("log");
      ASSERT_NE(log, nullptr);
      dead.insert(std::string(log->bytes));
    }
  }
  EXPECT_EQ(dead, big);
}

// `--validate` reports what librdkafka refuses and what the plugins check beyond the schema,
// naming the key and its position, for both binaries.
TEST(KafkaValidateTest, BadKafkaKeysAreConfigErrors) {
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  TempDir tmp;
  const std::string source = std::getenv("RUNNEL_SOURCE_DIR");
  for (std::string_view binary : kRunnelBinaries) {
    CommandResult r = RunToExit(
        {RunnelBinaryPath(binary), "--validate", "-c", "tests/data/kafka_bad.toml"}, source, tmp);
    EXPECT_EQ(r.status.ToString(), "exit 1") << binary;
    EXPECT_EQ(r.err,
              "tests/data/kafka_bad.toml:14:8: outputs.out (kafka): key 'acks': \"1\" needs "
              "idempotence = false (an idempotent producer waits for all in-sync replicas)\n"
              "tests/data/kafka_bad.toml:7:14: inputs.k (kafka): key 'librdkafka': "
              "\"fetch.wait.max.msec\": No such configuration property: "
              "\"fetch.wait.max.msec\"\n")
        << binary;
  }
}

// The broker refuses the second and third produce requests for good (their message sets,
// whichever lines they held): those lines are the dead letters, every other line is in the
// topic, none in both and none missing.
TEST_F(KafkaOutputTest, BrokerRefusalsAreExactlyTheDeadLetters) {
  constexpr int kLines = 3'000;
  std::string first, rest;
  for (int i = 0; i < kLines; ++i) {
    (i < 100 ? first : rest) += Line(i) + "\n";
  }
  ASSERT_TRUE(WriteFile(log_, first));
  const std::string err = tmp_.Path("agent.err");
  Result<Process> agent = SpawnRunnel("runnel-agent", Config(false, "batch_bytes = 4000\n"), err);
  ASSERT_TRUE(agent.has_value());
  ASSERT_EQ(Logs(100).size(), 100u) << ReadFileOrEmpty(err);
  rd_kafka_mock_push_request_errors(mock_->cluster(), 0 /* Produce */, 2,
                                    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                                    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  ASSERT_TRUE(AppendFile(log_, rest));
  const std::string dir = buffer::DeadLetterDir(tmp_.Path("data"), "k");
  std::set<std::string> dead;
  size_t in_topic = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        dead.clear();
        Result<std::vector<buffer::DeadLetterInfo>> letters = buffer::ListDeadLetters(dir);
        if (!letters.has_value()) {
          return false;
        }
        for (const buffer::DeadLetterInfo& info : *letters) {
          EXPECT_EQ(info.reason, "kafka: Broker: Message size too large");
          Result<buffer::DeadLetter> letter = buffer::ReadDeadLetter(info.path);
          EventBatch events;
          if (!letter.has_value() || !events.Decode(letter->batch).ok()) {
            return false;
          }
          for (const Event& e : events) {
            dead.insert(std::string(e.Find("log")->bytes));
          }
        }
        in_topic = mock_->ReadTopic("logs", 1, kLines - dead.size(), milliseconds(3000)).size();
        return !dead.empty() && in_topic + dead.size() == kLines;
      },
      milliseconds(60'000)))
      << dead.size() << " dead, " << in_topic << " in the topic\n"
      << ReadFileOrEmpty(err);
  std::vector<std::string> logs = Logs(kLines - dead.size());
  std::set<std::string> delivered(logs.begin(), logs.end());
  EXPECT_EQ(delivered.size(), logs.size()) << "a line twice in the topic";
  for (int i = 0; i < kLines; ++i) {
    EXPECT_NE(delivered.contains(Line(i)), dead.contains(Line(i))) << Line(i);
  }
  std::printf("%zu lines refused by the broker and dead-lettered, %zu delivered\n", dead.size(),
              delivered.size());
  ASSERT_TRUE(agent->Signal(SIGTERM).ok());
  Result<ExitStatus> st = agent->Wait(milliseconds(20'000));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0") << ReadFileOrEmpty(err);
}

}  // namespace
}  // namespace runnel::testing

// Through runnel-aggregator's default disk buffer: the aggregator generates lines into a kafka
// output while the store (librdkafka's mock broker; a real broker was not run) is down for 30 s
// under load; afterwards the topic holds exactly every line, once.

#include <set>

#include "gtest/gtest.h"
#include "runnel/log_generator.h"
#include "tests/integration/kafka_support.h"
#include "tests/integration/tail_support.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Three partitions keep each under the mock cluster's size cap (tests/testing/kafka_mock.h).
constexpr int kPartitions = 3;

TEST(KafkaOutageTest, StoreDownThirtySecondsUnderLoadLosesNothing) {
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  Result<std::unique_ptr<KafkaMock>> m = KafkaMock::Create(1);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  KafkaMock& mock = **m;
  ASSERT_TRUE(mock.CreateTopic("logs", kPartitions).ok());
  TempDir tmp;
  constexpr int kLines = 60'000;  // 40 s at 1500 lines/s: the outage is under load
  const std::string config = tmp.Path("agg.toml");
  ASSERT_TRUE(WriteFile(config, "data_dir = \"" + tmp.Path("data") + "\"\n" +
                                    "[inputs.gen]\ntype = \"generate\"\nformat = \"plain\"\n"
                                    "count = " +
                                    std::to_string(kLines) +
                                    "\nrate = 1500\nseed = 7\nexit_on_count = false\n"
                                    "[outputs.k]\ntype = \"kafka\"\ninputs = [\"gen\"]\n"
                                    "brokers = [\"" +
                                    mock.bootstraps() + "\"]\ntopic = \"logs\"\n"));
  const std::string err = tmp.Path("agg.err");
  Result<Process> agg = SpawnRunnel("runnel-aggregator", config, err);
  ASSERT_TRUE(agg.has_value());
  // Flowing first.
  ASSERT_EQ(mock.ReadTopic("logs", kPartitions, 1'000, milliseconds(20'000)).size(), 1'000u)
      << ReadFileOrEmpty(err);
  mock.SetBrokerDown(1);
  const auto down_at = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(seconds(30));  // the outage itself, not a synchronisation
  mock.SetBrokerUp(1);
  std::printf("the broker was down for %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(
                                         std::chrono::steady_clock::now() - down_at)
                                         .count()));
  std::vector<KafkaRecord> records =
      mock.ReadTopic("logs", kPartitions, kLines, milliseconds(60'000));
  ASSERT_EQ(records.size(), static_cast<size_t>(kLines)) << ReadFileOrEmpty(err);
  // Every line the generator made, each exactly once (the partitions interleave them).
  std::multiset<std::string> got;
  for (const KafkaRecord& r : records) {
    std::string log;
    ASSERT_TRUE(JsonField(r.value, "log", &log)) << r.value;
    got.insert(std::move(log));
  }
  LogGenerator gen(LogGenerator::Format::kPlain, 7);
  std::multiset<std::string> want;
  std::string line;
  for (int i = 0; i < kLines; ++i) {
    line.clear();
    gen.NextLine(&line);
    want.insert(line);
  }
  EXPECT_TRUE(got == want) << "the topic's lines differ from the generated ones";
  // And nothing twice.
  EXPECT_EQ(mock.ReadTopic("logs", kPartitions, kLines + 1, milliseconds(1'000)).size(),
            static_cast<size_t>(kLines));
  ASSERT_TRUE(agg->Signal(SIGTERM).ok());
  Result<ExitStatus> st = agg->Wait(milliseconds(30'000));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0") << ReadFileOrEmpty(err);
}

}  // namespace
}  // namespace runnel::testing

// The kafka input end to end: messages produced into librdkafka's mock cluster (a real broker
// was not run: none is packaged for Debian 12) and runnel-aggregator (kafka -> file) writing
// them. All exactly once; kill -9 mid-run and a restart: nothing lost, duplicates only from the
// uncommitted window (counted, bounded, printed); two aggregators in one group: rebalances
// when the second joins and leaves, every message delivered.

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "tests/integration/kafka_support.h"
#include "tests/integration/tail_support.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kPartitions = 3;
constexpr int kBatch = 500;
constexpr int kMaxUnacked = 4;

std::string Value(int i) {
  char buf[64];
  snprintf(buf, sizeof(buf), "m%07d", i);
  return std::string("{\"log\":\"") + buf + "\",\"n\":" + std::to_string(i) + "}";
}

std::string LogOf(int i) {
  char buf[64];
  snprintf(buf, sizeof(buf), "m%07d", i);
  return buf;
}

class KafkaInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
    Result<std::unique_ptr<KafkaMock>> m = KafkaMock::Create(1);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    mock_ = std::move(*m);
    ASSERT_TRUE(mock_->CreateTopic("in", kPartitions).ok());
  }

  Status Produce(int from, int to) {
    std::vector<std::string> values, keys;
    for (int i = from; i < to; ++i) {
      values.push_back(Value(i));
      keys.push_back("k" + std::to_string(i % 17));
    }
    return mock_->Produce("in", values, keys);
  }

  // An aggregator `name`: kafka (group "aggs") -> file name.jsonl.
  std::string Config(const std::string& name) {
    std::string c = "data_dir = \"" + tmp_.Path(name + "-data") + "\"\n" +
                    "[inputs.k]\ntype = \"kafka\"\nbrokers = [\"" + mock_->bootstraps() +
                    "\"]\ngroup_id = \"aggs\"\ntopics = [\"in\"]\npartition_field = \"p\"\n" +
                    "batch_max_events = " + std::to_string(kBatch) +
                    "\nbatch_timeout = \"50ms\"\n" +
                    "max_unacked_batches = " + std::to_string(kMaxUnacked) + "\n" +
                    "librdkafka = { \"session.timeout.ms\" = \"6000\", "
                    "\"heartbeat.interval.ms\" = \"500\" }\n"
                    "[outputs.f]\ntype = \"file\"\ninputs = [\"k\"]\npath = \"" +
                    tmp_.Path(name + ".jsonl") + "\"\n";
    std::string path = tmp_.Path(name + ".toml");
    EXPECT_TRUE(WriteFile(path, c));
    return path;
  }

  // Counts each "log" value of the files' lines into *seen; returns the lines read.
  static size_t Count(OutputFollower& f, std::map<std::string, int>* seen) {
    return f.Follow([&](std::string_view line) {
      std::string log;
      EXPECT_TRUE(JsonField(line, "log", &log)) << line;
      ++(*seen)[log];
    });
  }

  static void ExpectAll(const std::map<std::string, int>& seen, int n, int* duplicates) {
    ASSERT_EQ(seen.size(), static_cast<size_t>(n));
    *duplicates = 0;
    for (int i = 0; i < n; ++i) {
      auto it = seen.find(LogOf(i));
      ASSERT_NE(it, seen.end()) << LogOf(i) << " missing";
      *duplicates += it->second - 1;
    }
  }

  TempDir tmp_;
  std::unique_ptr<KafkaMock> mock_;
};

TEST_F(KafkaInputTest, EveryMessageExactlyOnceAndCommitted) {
  constexpr int kN = 9'000;
  ASSERT_TRUE(Produce(0, kN).ok());
  const std::string err = tmp_.Path("a.err");
  Result<Process> agg = SpawnRunnel("runnel-aggregator", Config("a"), err);
  ASSERT_TRUE(agg.has_value()) << agg.error().ToString();
  OutputFollower out(tmp_.Path("a.jsonl"));
  std::map<std::string, int> seen;
  size_t lines = 0;
  ASSERT_TRUE(WaitFor([&] { return (lines += Count(out, &seen)) >= kN; }, milliseconds(60'000)))
      << lines << " lines\n"
      << ReadFileOrEmpty(err);
  int dups = -1;
  ExpectAll(seen, kN, &dups);
  EXPECT_EQ(dups, 0);
  // The offsets committed are every partition's end.
  std::map<int32_t, int64_t> ends;
  for (const KafkaRecord& r : mock_->ReadTopic("in", kPartitions, kN, milliseconds(30'000))) {
    ends[r.partition] = std::max(ends[r.partition], r.offset + 1);
  }
  ASSERT_TRUE(WaitFor([&] { return mock_->Committed("aggs", "in", kPartitions) == ends; },
                      milliseconds(20'000)));
  ASSERT_TRUE(agg->Signal(SIGTERM).ok());
  Result<ExitStatus> st = agg->Wait(milliseconds(30'000));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0") << ReadFileOrEmpty(err);
  EXPECT_EQ(Count(out, &seen), 0u);  // nothing more
}

TEST_F(KafkaInputTest, KillNineAndRestartLosesNothing) {
  constexpr int kN = 40'000;
  ASSERT_TRUE(Produce(0, kN).ok());
  const std::string config = Config("a");
  const std::string err = tmp_.Path("a.err");
  OutputFollower out(tmp_.Path("a.jsonl"));
  std::map<std::string, int> seen;
  size_t lines = 0;
  {
    Result<Process> agg = SpawnRunnel("runnel-aggregator", config, err);
    ASSERT_TRUE(agg.has_value());
    ASSERT_TRUE(
        WaitFor([&] { return (lines += Count(out, &seen)) >= kN / 4; }, milliseconds(60'000)))
        << ReadFileOrEmpty(err);
    agg->Kill();  // SIGKILL
  }
  lines += Count(out, &seen);
  const size_t before = lines;
  Result<Process> again = SpawnRunnel("runnel-aggregator", config, tmp_.Path("a2.err"));
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE(WaitFor(
      [&] {
        lines += Count(out, &seen);
        return seen.size() >= static_cast<size_t>(kN);
      },
      milliseconds(90'000)))
      << seen.size() << " distinct\n"
      << ReadFileOrEmpty(tmp_.Path("a2.err"));
  int dups = -1;
  ExpectAll(seen, kN, &dups);
  // Duplicates come only from what was read and not committed at the kill: the batches
  // emitted and unacknowledged (at most max_unacked_batches + the one being built) and the
  // disk buffer's entries written to the file and not yet marked delivered.
  std::printf("kill -9 after %zu lines: %d duplicates of %d messages\n", before, dups, kN);
  EXPECT_LE(dups, 4 * (kMaxUnacked + 1) * kBatch);
}

TEST_F(KafkaInputTest, TwoAggregatorsShareTheGroupThroughRebalances) {
  constexpr int kPhase = 6'000;
  ASSERT_TRUE(Produce(0, kPhase).ok());
  OutputFollower out_a(tmp_.Path("a.jsonl"));
  OutputFollower out_b(tmp_.Path("b.jsonl"));
  std::map<std::string, int> seen;
  size_t from_a = 0;
  size_t from_b = 0;
  auto poll = [&] {
    from_a += Count(out_a, &seen);
    from_b += Count(out_b, &seen);
  };
  Result<Process> a = SpawnRunnel("runnel-aggregator", Config("a"), tmp_.Path("a.err"));
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(WaitFor(
      [&] {
        poll();
        return seen.size() >= kPhase;
      },
      milliseconds(60'000)));
  // The second joins: the partitions are shared out again.
  Result<Process> b = SpawnRunnel("runnel-aggregator", Config("b"), tmp_.Path("b.err"));
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE(WaitFor(
      [&] { return ReadFileOrEmpty(tmp_.Path("b.err")).find("assigned") != std::string::npos; },
      milliseconds(60'000)))
      << ReadFileOrEmpty(tmp_.Path("b.err"));
  ASSERT_TRUE(Produce(kPhase, 2 * kPhase).ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        poll();
        return seen.size() >= 2 * kPhase;
      },
      milliseconds(60'000)));
  EXPECT_GT(from_b, 0u) << "the second aggregator got no partition";
  // The second leaves (SIGTERM: it commits and leaves the group); the first takes all again.
  ASSERT_TRUE(b->Signal(SIGTERM).ok());
  Result<ExitStatus> st = b->Wait(milliseconds(30'000));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0");
  ASSERT_TRUE(Produce(2 * kPhase, 3 * kPhase).ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        poll();
        return seen.size() >= 3 * kPhase;
      },
      milliseconds(60'000)))
      << seen.size() << "\n"
      << ReadFileOrEmpty(tmp_.Path("a.err"));
  int dups = -1;
  ExpectAll(seen, 3 * kPhase, &dups);
  std::printf("two aggregators: %zu lines from a, %zu from b, %d duplicates of %d\n", from_a,
              from_b, dups, 3 * kPhase);
  // A rebalance repeats at most what was emitted and unacknowledged at the revoke.
  EXPECT_LE(dups, 2 * (kMaxUnacked + 1) * kBatch);
}

}  // namespace
}  // namespace runnel::testing

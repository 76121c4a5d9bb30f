// OffsetTracker: only the acknowledged prefix of each partition is committed, as its last
// offset + 1; cancelled batches hold it; revoked partitions ignore later acknowledgements.

#include "plugins/inputs/kafka/offset_tracker.h"

#include "gtest/gtest.h"

namespace runnel::plugins::kafka_input {
namespace {

const TopicPartition kP0{"logs", 0};
const TopicPartition kP1{"logs", 1};

TEST(OffsetTrackerTest, CommitsTheContiguousAcknowledgedPrefix) {
  OffsetTracker t;
  t.Assign(kP0);
  t.Assign(kP1);
  uint64_t a = t.Add({{kP0, 9}, {kP1, 4}}, 100);
  uint64_t b = t.Add({{kP0, 19}}, 50);
  uint64_t c = t.Add({{kP0, 29}, {kP1, 8}}, 70);
  EXPECT_EQ(t.unacked_batches(), 3u);
  EXPECT_EQ(t.unacked_bytes(), 220u);
  t.Ack(b, true);  // not contiguous yet
  EXPECT_EQ(t.TakeCommits(), OffsetTracker::Commits{});
  t.Ack(a, true);
  EXPECT_EQ(t.TakeCommits(), (OffsetTracker::Commits{{kP0, 20}, {kP1, 5}}));
  EXPECT_EQ(t.TakeCommits(), OffsetTracker::Commits{});  // taken once
  t.Ack(c, true);
  EXPECT_EQ(t.TakeCommits(), (OffsetTracker::Commits{{kP0, 30}, {kP1, 9}}));
  EXPECT_EQ(t.unacked_batches(), 0u);
  EXPECT_EQ(t.unacked_bytes(), 0u);
}

TEST(OffsetTrackerTest, CancelledBatchHoldsItsPartitions) {
  OffsetTracker t;
  t.Assign(kP0);
  uint64_t a = t.Add({{kP0, 9}}, 1);
  uint64_t b = t.Add({{kP0, 19}}, 1);
  t.Ack(a, false);
  t.Ack(b, true);
  EXPECT_EQ(t.TakeCommits(), OffsetTracker::Commits{});
  EXPECT_EQ(t.unacked_batches(), 0u);
  t.Ack(a, true);  // already acknowledged: ignored
  EXPECT_EQ(t.TakeCommits(), OffsetTracker::Commits{});
}

TEST(OffsetTrackerTest, RevokeGivesTheLastOffsetAndLaterAcksCommitNothing) {
  OffsetTracker t;
  t.Assign(kP0);
  uint64_t a = t.Add({{kP0, 9}}, 1);
  uint64_t b = t.Add({{kP0, 19}}, 1);
  t.Ack(a, true);
  EXPECT_EQ(t.Revoke(kP0), std::optional<int64_t>(10));
  EXPECT_FALSE(t.assigned(kP0));
  t.Assign(kP0);  // assigned again: a new epoch
  t.Ack(b, true);
  EXPECT_EQ(t.TakeCommits(), OffsetTracker::Commits{});
  uint64_t c = t.Add({{kP0, 39}}, 1);
  t.Ack(c, true);
  EXPECT_EQ(t.TakeCommits(), (OffsetTracker::Commits{{kP0, 40}}));
  EXPECT_EQ(t.Revoke(kP0), std::nullopt);  // nothing new since
}

}  // namespace
}  // namespace runnel::plugins::kafka_input

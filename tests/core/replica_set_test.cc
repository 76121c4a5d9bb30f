#include "runnel/replica_set.h"

#include <gtest/gtest.h>

#include <map>

namespace runnel {
namespace {

using std::chrono::milliseconds;
using Clock = ReplicaSet::Clock;
using State = ReplicaSet::State;

class ReplicaSetTest : public ::testing::Test {
 protected:
  // Lists a, b, c (weights 1) and brings them all up.
  std::vector<ReplicaId> ThreeUp() {
    EXPECT_TRUE(set_.SetReplicas({{"agg:24224", "10.0.0.1:24224", 1},
                                  {"agg:24224", "10.0.0.2:24224", 1},
                                  {"other:24224", "10.0.0.3:24224", 1}})
                    .empty());
    std::vector<ReplicaId> ids = set_.ids();
    EXPECT_EQ(set_.DueProbes(now_), ids);  // new replicas are due at once
    for (ReplicaId id : ids) {
      set_.Up(id);
    }
    return ids;
  }
  ReplicaSet set_{milliseconds(100), milliseconds(1'000), 1};
  Clock::time_point now_ = Clock::now();
};

TEST_F(ReplicaSetTest, NothingUpNothingPicked) {
  EXPECT_FALSE(set_.Pick().has_value());
  ASSERT_TRUE(set_.SetReplicas({{"a:1", "127.0.0.1:1", 1}}).empty());
  EXPECT_FALSE(set_.Pick().has_value());  // new, not connected yet
  EXPECT_FALSE(set_.AnyUp());
  EXPECT_EQ(set_.NextProbe(), Clock::time_point::min());
}

TEST_F(ReplicaSetTest, EqualReplicasShareEvenlyByLeastOutstanding) {
  std::vector<ReplicaId> ids = ThreeUp();
  std::map<ReplicaId, int> sent;
  for (uint64_t key = 0; key < 9; ++key) {
    std::optional<ReplicaId> id = set_.Pick();
    ASSERT_TRUE(id.has_value());
    set_.Assign(*id, key);
    ++sent[*id];
  }
  for (ReplicaId id : ids) {
    EXPECT_EQ(sent[id], 3);
    EXPECT_EQ(set_.outstanding(id), 3u);
  }
  // The first one acks two: it has the fewest outstanding now.
  ASSERT_TRUE(set_.Complete(ids[0], 0));
  ASSERT_TRUE(set_.Complete(ids[0], 3));
  EXPECT_FALSE(set_.Complete(ids[0], 3));  // not twice
  EXPECT_FALSE(set_.Complete(ids[1], 0));  // not outstanding there
  EXPECT_EQ(set_.Pick(), ids[0]);
}

TEST_F(ReplicaSetTest, WeightsSetTheShares) {
  ASSERT_TRUE(set_.SetReplicas({{"a", "a:1", 3}, {"b", "b:1", 1}}).empty());
  std::vector<ReplicaId> ids = set_.ids();
  set_.DueProbes(now_);
  set_.Up(ids[0]);
  set_.Up(ids[1]);
  std::map<ReplicaId, int> sent;
  for (uint64_t key = 0; key < 40; ++key) {
    ReplicaId id = *set_.Pick();
    set_.Assign(id, key);
    ++sent[id];
  }
  EXPECT_EQ(sent[ids[0]], 30);
  EXPECT_EQ(sent[ids[1]], 10);
}

TEST_F(ReplicaSetTest, FailureHandsBackOutstandingInOrderAndBacksOff) {
  std::vector<ReplicaId> ids = ThreeUp();
  set_.Assign(ids[1], 7);
  set_.Assign(ids[1], 3);
  set_.Assign(ids[1], 5);
  set_.Assign(ids[0], 1);
  EXPECT_EQ(set_.Fail(ids[1], now_), (std::vector<uint64_t>{7, 3, 5}));
  EXPECT_EQ(set_.state(ids[1]), State::kDown);
  EXPECT_EQ(set_.outstanding(ids[1]), 0u);
  EXPECT_FALSE(set_.Complete(ids[1], 3));  // a late ack after the failover
  for (int i = 0; i < 10; ++i) {
    EXPECT_NE(set_.Pick(), ids[1]);
  }
  // Probed after the first backoff: within [now, now + 100ms].
  Clock::time_point at = set_.probe_at(ids[1]);
  EXPECT_GE(at, now_);
  EXPECT_LE(at, now_ + milliseconds(100));
  EXPECT_EQ(set_.NextProbe(), at);
  EXPECT_EQ(set_.DueProbes(at), (std::vector<ReplicaId>{ids[1]}));
  EXPECT_EQ(set_.state(ids[1]), State::kProbing);
  EXPECT_TRUE(set_.DueProbes(at + milliseconds(5'000)).empty());  // being probed already
  // The probe fails: the backoff grows, capped at 1 s.
  Clock::time_point later = at + milliseconds(10);
  EXPECT_TRUE(set_.Fail(ids[1], later).empty());
  EXPECT_LE(set_.probe_at(ids[1]), later + milliseconds(200));
  // It comes back: picked again, backoff reset.
  set_.DueProbes(later + milliseconds(200));
  set_.Up(ids[1]);
  EXPECT_EQ(set_.Pick(), ids[1]);  // the fewest outstanding
  EXPECT_TRUE(set_.Fail(ids[1], now_).empty());
  EXPECT_LE(set_.probe_at(ids[1]), now_ + milliseconds(100));
}

TEST_F(ReplicaSetTest, BackoffIsCapped) {
  ASSERT_TRUE(set_.SetReplicas({{"a", "a:1", 1}}).empty());
  ReplicaId id = set_.ids()[0];
  for (int i = 0; i < 30; ++i) {
    set_.Fail(id, now_);
    EXPECT_LE(set_.probe_at(id), now_ + milliseconds(1'000));
  }
}

TEST_F(ReplicaSetTest, ReResolutionKeepsKnownAddressesAndHandsBackDropped) {
  std::vector<ReplicaId> ids = ThreeUp();
  set_.Assign(ids[0], 10);
  set_.Assign(ids[2], 30);
  set_.Assign(ids[2], 31);
  // The name now resolves to .1 and .4; .2 is gone; "other" (.3) is gone too.
  std::vector<uint64_t> orphans = set_.SetReplicas({{"agg:24224", "10.0.0.4:24224", 1},
                                                    {"agg:24224", "10.0.0.1:24224", 2},
                                                    {"agg:24224", "10.0.0.1:24224", 5}});
  EXPECT_EQ(orphans, (std::vector<uint64_t>{30, 31}));
  std::vector<ReplicaId> now_ids = set_.ids();
  ASSERT_EQ(now_ids.size(), 2u);
  EXPECT_EQ(now_ids[1], ids[0]);  // kept: same id, state, outstanding; the new weight
  EXPECT_EQ(set_.state(ids[0]), State::kUp);
  EXPECT_EQ(set_.outstanding(ids[0]), 1u);
  EXPECT_EQ(set_.spec(ids[0]).weight, 2u);
  EXPECT_FALSE(set_.listed(ids[2]));
  EXPECT_FALSE(set_.Complete(ids[2], 30));
  EXPECT_EQ(set_.state(now_ids[0]), State::kNew);
  EXPECT_EQ(set_.spec(now_ids[0]).address, "10.0.0.4:24224");
  EXPECT_EQ(set_.DueProbes(now_), (std::vector<ReplicaId>{now_ids[0]}));
}

}  // namespace
}  // namespace runnel

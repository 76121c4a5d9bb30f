#include "runnel/ack.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace runnel {
namespace {

struct Recorder : AckReceiver {
  std::vector<std::pair<uint64_t, AckOutcome>> acks;
  void OnAck(uint64_t cookie, AckOutcome outcome) override { acks.emplace_back(cookie, outcome); }
};

TEST(AckHandle, CompletesOnceAfterEveryPart) {
  Recorder r;
  AckHandle h = AckHandle::Create(&r, 7);
  AckHandle a = h.Split();
  AckHandle b = h.Split();
  h.Complete(AckOutcome::kDelivered);
  a.Complete(AckOutcome::kDelivered);
  EXPECT_TRUE(r.acks.empty());
  b.Complete(AckOutcome::kDelivered);
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_EQ(r.acks[0], std::make_pair(uint64_t{7}, AckOutcome::kDelivered));
  EXPECT_TRUE(b.empty());
  b.Complete(AckOutcome::kRejected);  // no-op on an empty handle
  EXPECT_EQ(r.acks.size(), 1u);
}

TEST(AckHandle, WorstOutcomeWins) {
  Recorder r;
  AckHandle h = AckHandle::Create(&r, 1);
  AckHandle a = h.Split();
  a.Complete(AckOutcome::kRejected);
  h.Complete(AckOutcome::kDelivered);
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_EQ(r.acks[0].second, AckOutcome::kRejected);
}

TEST(AckHandle, DestroyedWithoutCompleteIsCancelled) {
  Recorder r;
  {
    AckHandle h = AckHandle::Create(&r, 2);
    AckHandle moved = std::move(h);
    EXPECT_TRUE(h.empty());  // NOLINT(bugprone-use-after-move)
  }
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_EQ(r.acks[0], std::make_pair(uint64_t{2}, AckOutcome::kCancelled));
}

TEST(AckHandle, ConcurrentCompletionCallsReceiverOnce) {
  struct Counting : AckReceiver {
    std::atomic<int> calls{0};
    void OnAck(uint64_t, AckOutcome) override { calls.fetch_add(1); }
  } r;
  for (int round = 0; round < 200; ++round) {
    AckHandle h = AckHandle::Create(&r, round);
    std::vector<AckHandle> parts;
    for (int i = 0; i < 8; ++i) {
      parts.push_back(h.Split());
    }
    std::vector<std::thread> threads;
    for (auto& p : parts) {
      threads.emplace_back([&p] { p.Complete(AckOutcome::kDelivered); });
    }
    h.Complete(AckOutcome::kDelivered);
    for (auto& t : threads) {
      t.join();
    }
  }
  EXPECT_EQ(r.calls.load(), 200);
}

}  // namespace
}  // namespace runnel

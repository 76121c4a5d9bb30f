#include "runnel/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace runnel {
namespace {

using std::chrono::milliseconds;

// The n-th wait lies in [0, min(cap, base * 2^n)], and waits spread over that range.
TEST(BackoffTest, FullJitterWithinAnExponentialCeilingUpToTheCap) {
  Backoff b(milliseconds(100), milliseconds(1'000), 42);
  const int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t ceiling : ceilings) {
    milliseconds d = b.Next();
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), ceiling);
  }
  EXPECT_EQ(b.attempt(), 7u);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    seen.insert(b.Next().count());
  }
  EXPECT_GT(seen.size(), 100u);  // jittered, not a fixed wait
  EXPECT_LE(*seen.rbegin(), 1000);
  b.Reset();
  EXPECT_EQ(b.attempt(), 0u);
  EXPECT_LE(b.Next().count(), 100);
}

TEST(BackoffTest, ManyAttemptsDoNotOverflow) {
  Backoff b(milliseconds(100), milliseconds(30'000), 7);
  for (int i = 0; i < 100; ++i) {
    milliseconds d = b.Next();
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d.count(), 30'000);
  }
}

TEST(BackoffTest, SameSeedSameWaits) {
  Backoff a(milliseconds(10), milliseconds(10'000), 1);
  Backoff b(milliseconds(10), milliseconds(10'000), 1);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(a.Next(), b.Next());
  }
}

}  // namespace
}  // namespace runnel

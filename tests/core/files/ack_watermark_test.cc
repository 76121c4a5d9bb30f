#include "runnel/files/ack_watermark.h"

#include "gtest/gtest.h"

namespace runnel::files {
namespace {

TEST(AckWatermarkTest, AdvancesOverContiguousAcks) {
  AckWatermark w(100);
  uint64_t a = w.Add(150);
  uint64_t b = w.Add(200);
  uint64_t c = w.Add(260);
  EXPECT_EQ(w.committed(), 100u);
  EXPECT_EQ(w.emitted(), 260u);
  EXPECT_EQ(w.outstanding(), 3u);
  EXPECT_FALSE(w.Ack(b, true));  // out of order: a is still pending
  EXPECT_EQ(w.committed(), 100u);
  EXPECT_FALSE(w.Ack(c, true));
  EXPECT_TRUE(w.Ack(a, true));  // a, b, c now contiguous
  EXPECT_EQ(w.committed(), 260u);
  EXPECT_EQ(w.outstanding(), 0u);
}

TEST(AckWatermarkTest, RejectedAdvancesCancelledBlocks) {
  AckWatermark w;
  uint64_t a = w.Add(10);
  uint64_t b = w.Add(20);
  uint64_t c = w.Add(30);
  EXPECT_TRUE(w.Ack(a, true));  // delivered
  EXPECT_EQ(w.committed(), 10u);
  EXPECT_FALSE(w.Ack(b, false));  // cancelled: never committed
  EXPECT_FALSE(w.Ack(c, true));
  EXPECT_EQ(w.committed(), 10u);
  EXPECT_EQ(w.outstanding(), 0u);
  uint64_t d = w.Add(40);
  EXPECT_FALSE(w.Ack(d, true));
  EXPECT_EQ(w.committed(), 10u);
}

TEST(AckWatermarkTest, IgnoresUnknownAndRepeatedAcks) {
  AckWatermark w;
  uint64_t a = w.Add(5);
  EXPECT_FALSE(w.Ack(a + 7, true));
  EXPECT_TRUE(w.Ack(a, true));
  EXPECT_FALSE(w.Ack(a, true));
  EXPECT_EQ(w.committed(), 5u);
  uint64_t b = w.Add(9);
  EXPECT_EQ(b, a + 1);
  EXPECT_TRUE(w.Ack(b, true));
  EXPECT_EQ(w.committed(), 9u);
}

TEST(AckWatermarkTest, ManyRangesReverseOrder) {
  AckWatermark w;
  std::vector<uint64_t> seqs;
  for (uint64_t i = 1; i <= 1000; ++i) {
    seqs.push_back(w.Add(i * 10));
  }
  for (size_t i = seqs.size(); i-- > 1;) {
    EXPECT_FALSE(w.Ack(seqs[i], true));
  }
  EXPECT_EQ(w.committed(), 0u);
  EXPECT_TRUE(w.Ack(seqs[0], true));
  EXPECT_EQ(w.committed(), 10000u);
}

}  // namespace
}  // namespace runnel::files

#include "runnel/buffer/segment_log.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "buffer/segment_format.h"
#include "gtest/gtest.h"
#include "runnel/files/atomic_file.h"
#include "tests/core/buffer/buffer_test_util.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::buffer {
namespace {

using ::runnel::testing::TempDir;
using testing::IdFor;
using testing::kPayload;
using testing::kRecord;
using testing::kSegment;
using testing::Payload;

class SegmentLogTest : public ::testing::Test {
 protected:
  SegmentLogOptions Options() {
    SegmentLogOptions o;
    o.dir = dir_.Path("buf");
    o.segment_bytes = kSegment;
    o.sync = SyncPolicy::kNever;
    o.wall_clock_ns = [this] { return ++now_ns_; };
    return o;
  }
  std::unique_ptr<SegmentLog> Open(SegmentLogOptions o) {
    Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(std::move(o));
    EXPECT_TRUE(log.has_value()) << log.error().ToString();
    return log.has_value() ? std::move(*log) : nullptr;
  }
  std::unique_ptr<SegmentLog> Open() { return Open(Options()); }
  // Appends entries from..to (inclusive), entry i with payload Payload(i); expects seq i.
  void AppendRange(SegmentLog& log, uint64_t from, uint64_t to, size_t size = kPayload) {
    for (uint64_t i = from; i <= to; ++i) {
      std::string payload = Payload(i, size);
      Result<uint64_t> seq = log.Append({IdFor(i), "app", static_cast<uint32_t>(i), 0, payload});
      ASSERT_TRUE(seq.has_value()) << seq.error().ToString();
      EXPECT_EQ(*seq, i);
    }
  }
  // Reads to the end; checks every entry's contents against its sequence number.
  std::vector<uint64_t> ReadAll(SegmentLog& log, size_t size = kPayload) {
    std::vector<uint64_t> seqs;
    ReadEntry e;
    while (true) {
      Result<bool> got = log.Next(&e);
      EXPECT_TRUE(got.has_value()) << got.error().ToString();
      if (!got.has_value() || !*got) {
        return seqs;
      }
      EXPECT_EQ(e.tag, "app");
      EXPECT_EQ(e.id, IdFor(e.seq));
      EXPECT_EQ(e.count, e.seq);
      EXPECT_EQ(e.payload, Payload(e.seq, size)) << "entry " << e.seq;
      seqs.push_back(e.seq);
    }
  }
  std::string SegPath(uint64_t first) {
    return dir_.Path("buf/" + internal::SegmentFileName(first));
  }
  static std::vector<uint64_t> Seqs(uint64_t from, uint64_t to) {
    std::vector<uint64_t> v;
    for (uint64_t i = from; i <= to; ++i) {
      v.push_back(i);
    }
    return v;
  }

  TempDir dir_;
  int64_t now_ns_ = 1'700'000'000'000'000'000;
};

TEST(Crc32cTest, KnownValues) {
  EXPECT_EQ(internal::Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(internal::Crc32c(""), 0u);
  EXPECT_EQ(internal::Crc32c(std::string(32, '\0')), 0x8A9136AAu);
}

TEST_F(SegmentLogTest, RoundTripsManyEntriesAcrossSegments) {
  auto log = Open();
  ASSERT_NE(log, nullptr);
  for (uint64_t i = 1; i <= 300; ++i) {
    std::string payload = Payload(i, i * 13 % 2000);  // 0 .. 1999 bytes, some past a segment
    ASSERT_EQ(log->Append({IdFor(i), "t" + std::to_string(i), 1, 7, payload}).value_or(0), i);
  }
  SegmentLogStats s = log->stats();
  EXPECT_EQ(s.entries, 300u);
  EXPECT_EQ(s.unacked_entries, 300u);
  EXPECT_GT(s.segments, 50u);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      log.reset();
      log = Open();  // a restart reads the same bytes back
      ASSERT_NE(log, nullptr);
    }
    ReadEntry e;
    for (uint64_t i = 1; i <= 300; ++i) {
      ASSERT_EQ(log->Next(&e).value_or(false), true) << i;
      EXPECT_EQ(e.seq, i);
      EXPECT_EQ(e.id, IdFor(i));
      EXPECT_EQ(e.tag, "t" + std::to_string(i));
      EXPECT_EQ(e.flags, 7u);
      EXPECT_EQ(e.payload, Payload(i, i * 13 % 2000));
    }
    EXPECT_EQ(log->Next(&e).value_or(true), false);
  }
  EXPECT_EQ(log->stats().truncated_bytes, 0u);
  EXPECT_EQ(log->stats().corrupt_segments, 0u);
}

TEST_F(SegmentLogTest, ReadsWhatIsAppendedAfterReachingTheEnd) {
  auto log = Open();
  AppendRange(*log, 1, 3);
  EXPECT_EQ(ReadAll(*log), Seqs(1, 3));
  AppendRange(*log, 4, 6);
  EXPECT_EQ(ReadAll(*log), Seqs(4, 6));
  log->Rewind();
  EXPECT_EQ(ReadAll(*log), Seqs(1, 6));
}

TEST_F(SegmentLogTest, OutOfOrderAcksMoveTheWatermarkAndDeleteSegments) {
  auto log = Open();
  AppendRange(*log, 1, 12);  // 4 entries per segment: segments 1, 5, 9
  EXPECT_EQ(log->stats().segments, 3u);
  EXPECT_EQ(log->stats().bytes, 3 * 24 + 12 * kRecord);
  for (uint64_t seq : {4, 2, 3, 6}) {
    ASSERT_TRUE(log->Ack(seq).ok());
    EXPECT_EQ(log->stats().ack_watermark, 0u);
  }
  EXPECT_EQ(log->stats().unacked_entries, 8u);
  ASSERT_TRUE(log->Ack(1).ok());
  EXPECT_EQ(log->stats().ack_watermark, 4u);
  EXPECT_EQ(log->stats().segments, 2u);
  EXPECT_EQ(access(SegPath(1).c_str(), F_OK), -1);
  EXPECT_EQ(files::ReadWholeFile(dir_.Path("buf/ack")).value_or(""), "runnel-buffer-ack 1\n4\n");
  ASSERT_TRUE(log->Ack(5).ok());
  EXPECT_EQ(log->stats().ack_watermark, 6u);
  ASSERT_TRUE(log->Ack(5).ok());   // repeated: ignored
  ASSERT_TRUE(log->Ack(99).ok());  // unknown: ignored
  EXPECT_EQ(log->stats().unacked_entries, 6u);
  // The reader skips what is already acknowledged.
  ASSERT_TRUE(log->Ack(8).ok());
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{7, 9, 10, 11, 12}));
  for (uint64_t seq : {12, 11, 10, 9, 7}) {
    ASSERT_TRUE(log->Ack(seq).ok());
  }
  SegmentLogStats s = log->stats();
  EXPECT_EQ(s.ack_watermark, 12u);
  EXPECT_EQ(s.segments, 1u);  // the segment being appended to stays
  EXPECT_EQ(s.unacked_entries, 0u);
  AppendRange(*log, 13, 13);  // it is full: rolling deletes it
  EXPECT_EQ(log->stats().segments, 1u);
  EXPECT_EQ(access(SegPath(9).c_str(), F_OK), -1);
  EXPECT_EQ(access(SegPath(13).c_str(), F_OK), 0);
}

TEST_F(SegmentLogTest, RestartReplaysExactlyTheUnacknowledged) {
  {
    auto log = Open();
    AppendRange(*log, 1, 12);
    for (uint64_t seq : {1, 2, 3, 5, 7}) {
      ASSERT_TRUE(log->Ack(seq).ok());
    }
  }
  auto log = Open();
  EXPECT_EQ(log->stats().ack_watermark, 3u);
  // 5 and 7 were acknowledged beyond the watermark: they come again (at least once).
  EXPECT_EQ(ReadAll(*log), Seqs(4, 12));
  AppendRange(*log, 13, 13);
  log.reset();
  log = Open();
  EXPECT_EQ(ReadAll(*log), Seqs(4, 13));
}

TEST_F(SegmentLogTest, AllAcknowledgedRestartsEmptyAndKeepsNumbering) {
  {
    auto log = Open();
    AppendRange(*log, 1, 6);
    for (uint64_t seq = 1; seq <= 6; ++seq) {
      ASSERT_TRUE(log->Ack(seq).ok());
    }
  }
  auto log = Open();
  EXPECT_EQ(log->stats().segments, 0u);
  EXPECT_EQ(ReadAll(*log), std::vector<uint64_t>{});
  AppendRange(*log, 7, 8);
  EXPECT_EQ(ReadAll(*log), Seqs(7, 8));
}

TEST_F(SegmentLogTest, MissingAckFileReplaysEverything) {
  {
    auto log = Open();
    AppendRange(*log, 1, 8);
    ASSERT_TRUE(log->Ack(1).ok());
    ASSERT_TRUE(log->Ack(2).ok());
  }
  ASSERT_EQ(unlink(dir_.Path("buf/ack").c_str()), 0);
  auto log = Open();
  EXPECT_EQ(log->stats().ack_watermark, 0u);
  EXPECT_EQ(ReadAll(*log), Seqs(1, 8));
}

TEST_F(SegmentLogTest, CorruptAckFileReplaysEverything) {
  {
    auto log = Open();
    AppendRange(*log, 1, 8);
    ASSERT_TRUE(log->Ack(1).ok());
  }
  ASSERT_TRUE(::runnel::testing::WriteFile(dir_.Path("buf/ack"), "runnel-buffer-ack 1\nx\n"));
  auto log = Open();
  EXPECT_EQ(ReadAll(*log), Seqs(1, 8));
}

TEST_F(SegmentLogTest, UnusableDirectoryIsAClearError) {
  ASSERT_TRUE(::runnel::testing::WriteFile(dir_.Path("file"), "x"));
  SegmentLogOptions o = Options();
  o.dir = dir_.Path("file/buf");
  Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(o);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().message(),
            "disk buffer: create directory " + dir_.Path("file/buf") + ": Not a directory");
}

TEST_F(SegmentLogTest, SecondOpenOfTheSameDirectoryIsRefused) {
  auto log = Open();
  Result<std::unique_ptr<SegmentLog>> second = SegmentLog::Open(Options());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().ToString(), "FAILED_PRECONDITION: disk buffer " + dir_.Path("buf") +
                                           " is in use by another process (" +
                                           dir_.Path("buf/lock") + " is locked)");
}

TEST_F(SegmentLogTest, BlockWhenFull) {
  SegmentLogOptions o = Options();
  o.max_bytes = 2 * kSegment;
  auto log = Open(o);
  AppendRange(*log, 1, 8);
  std::string payload = Payload(9);
  Result<uint64_t> r = log->Append({IdFor(9), "app", 9, 0, payload});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().ToString(), "RESOURCE_EXHAUSTED: disk buffer " + o.dir +
                                      " is full: 8048 of max_bytes 8192 bytes used, 1024 more "
                                      "needed");
  EXPECT_EQ(log->stats().entries, 8u);
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    ASSERT_TRUE(log->Ack(seq).ok());
  }
  AppendRange(*log, 9, 9);  // room again
  EXPECT_EQ(ReadAll(*log), Seqs(5, 9));
  EXPECT_EQ(log->stats().dropped_entries, 0u);

  std::string huge(2 * kSegment, 'x');
  r = log->Append({IdFor(10), "app", 1, 0, huge});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
}

// max_bytes no larger than one segment: once all is acknowledged, the segment being appended to
// must give its room back, or a full log would wait forever.
TEST_F(SegmentLogTest, FullLogOfOneSegmentTakesMoreOnceAllIsAcknowledged) {
  SegmentLogOptions o = Options();
  o.max_bytes = kSegment;
  o.segment_bytes = kSegment;
  auto log = Open(o);
  AppendRange(*log, 1, 4);
  std::string payload = Payload(5);
  ASSERT_EQ(log->Append({IdFor(5), "app", 5, 0, payload}).error().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(ReadAll(*log), Seqs(1, 4));
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    ASSERT_TRUE(log->Ack(seq).ok());
  }
  AppendRange(*log, 5, 8);
  SegmentLogStats s = log->stats();
  EXPECT_EQ(s.segments, 1u);
  EXPECT_EQ(s.unacked_entries, 4u);
  EXPECT_EQ(ReadAll(*log), Seqs(5, 8));
  log.reset();
  log = Open(o);
  EXPECT_EQ(ReadAll(*log), Seqs(5, 8));
}

TEST_F(SegmentLogTest, DropOldestWhenFull) {
  SegmentLogOptions o = Options();
  o.max_bytes = 2 * kSegment;
  o.when_full = WhenFull::kDropOldest;
  auto log = Open(o);
  AppendRange(*log, 1, 8);
  ASSERT_TRUE(log->Ack(2).ok());  // acknowledged entries of a dropped segment are not counted
  ReadEntry e;
  ASSERT_TRUE(log->Next(&e).value_or(false));
  EXPECT_EQ(e.seq, 1u);
  AppendRange(*log, 9, 9);
  SegmentLogStats s = log->stats();
  EXPECT_EQ(s.dropped_segments, 1u);
  EXPECT_EQ(s.dropped_entries, 3u);
  EXPECT_EQ(s.segments, 2u);
  EXPECT_EQ(ReadAll(*log), Seqs(5, 9));  // the cursor moves past the dropped segment
  ASSERT_TRUE(log->Ack(5).ok());
  EXPECT_EQ(log->stats().ack_watermark, 5u);
  log.reset();
  log = Open(o);
  EXPECT_EQ(ReadAll(*log), Seqs(6, 9));
}

}  // namespace
}  // namespace runnel::buffer

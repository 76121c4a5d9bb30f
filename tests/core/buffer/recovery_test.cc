// Recovery of a damaged disk buffer, and Inspect.
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "buffer/segment_format.h"
#include "gtest/gtest.h"
#include "runnel/buffer/segment_log.h"
#include "runnel/files/atomic_file.h"
#include "tests/core/buffer/buffer_test_util.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::buffer {
namespace {

using ::runnel::testing::TempDir;
using testing::FileSize;
using testing::IdFor;
using testing::kPayload;
using testing::kRecord;
using testing::kSegment;
using testing::Payload;

class RecoveryTest : public ::testing::Test {
 protected:
  SegmentLogOptions Options(const std::string& dir) {
    SegmentLogOptions o;
    o.dir = dir;
    o.segment_bytes = kSegment;
    o.sync = SyncPolicy::kNever;
    o.wall_clock_ns = [this] { return ++now_ns_; };
    return o;
  }
  std::unique_ptr<SegmentLog> Open(const std::string& dir) {
    Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(Options(dir));
    EXPECT_TRUE(log.has_value()) << log.error().ToString();
    return log.has_value() ? std::move(*log) : nullptr;
  }
  // Writes entries 1..n, entry i of payload size `size(i)`, and closes the log.
  void Write(const std::string& dir, uint64_t n, size_t size = kPayload) {
    auto log = Open(dir);
    for (uint64_t i = 1; i <= n; ++i) {
      std::string payload = Payload(i, size);
      ASSERT_EQ(log->Append({IdFor(i), "app", 1, 0, payload}).value_or(0), i);
    }
  }
  std::vector<uint64_t> ReadAll(SegmentLog& log, size_t size = kPayload) {
    std::vector<uint64_t> seqs;
    ReadEntry e;
    while (log.Next(&e).value_or(false)) {
      EXPECT_EQ(e.payload, Payload(e.seq, size)) << "entry " << e.seq;
      seqs.push_back(e.seq);
    }
    return seqs;
  }
  static std::string Seg(const std::string& dir, uint64_t first) {
    return dir + "/" + internal::SegmentFileName(first);
  }
  static void FlipByte(const std::string& path, uint64_t offset) {
    int fd = open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c;
    ASSERT_EQ(pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
    c = static_cast<char>(c ^ 0x40);
    ASSERT_EQ(pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
    close(fd);
  }

  TempDir tmp_;
  int64_t now_ns_ = 1'700'000'000'000'000'000;
};

TEST_F(RecoveryTest, TornTailAtEveryOffsetOfTheLastRecord) {
  constexpr size_t kSmall = 60;
  constexpr uint64_t kSmallRecord = 8 + 42 + 3 + kSmall;
  std::string base = tmp_.Path("base");
  Write(base, 3, kSmall);
  Result<std::string> whole = files::ReadWholeFile(Seg(base, 1));
  ASSERT_TRUE(whole.has_value());
  ASSERT_EQ(whole->size(), 24 + 3 * kSmallRecord);
  uint64_t last_start = whole->size() - kSmallRecord;
  for (uint64_t cut = last_start + 1; cut < whole->size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::string dir = tmp_.Path("cut" + std::to_string(cut));
    ASSERT_TRUE(files::MakeDirs(dir).ok());
    ASSERT_TRUE(::runnel::testing::WriteFile(Seg(dir, 1), whole->substr(0, cut)));
    auto log = Open(dir);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->stats().truncated_bytes, cut - last_start);
    EXPECT_EQ(log->stats().corrupt_segments, 0u);
    EXPECT_EQ(FileSize(Seg(dir, 1)), last_start);
    EXPECT_EQ(ReadAll(*log, kSmall), (std::vector<uint64_t>{1, 2}));
    std::string payload = Payload(3, kSmall);
    EXPECT_EQ(log->Append({IdFor(3), "app", 1, 0, payload}).value_or(0), 3u);
    log.reset();
    log = Open(dir);
    EXPECT_EQ(ReadAll(*log, kSmall), (std::vector<uint64_t>{1, 2, 3}));
  }
}

TEST_F(RecoveryTest, BadChecksumInTheLastRecordIsATornTail) {
  std::string dir = tmp_.Path("b");
  Write(dir, 3);
  FlipByte(Seg(dir, 1), 24 + 2 * kRecord + 500);
  auto log = Open(dir);
  EXPECT_EQ(log->stats().truncated_bytes, kRecord);
  EXPECT_EQ(log->stats().corrupt_segments, 0u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2}));
}

TEST_F(RecoveryTest, ZerosAfterTheLastRecordAreATornTail) {
  std::string dir = tmp_.Path("b");
  Write(dir, 2);
  ASSERT_TRUE(::runnel::testing::AppendFile(Seg(dir, 1), std::string(300, '\0')));
  auto log = Open(dir);
  EXPECT_EQ(log->stats().truncated_bytes, 300u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2}));
}

TEST_F(RecoveryTest, FlippedByteInTheMiddleMovesTheSegmentAside) {
  std::string dir = tmp_.Path("b");
  Write(dir, 12);                             // segments 1, 5, 9
  FlipByte(Seg(dir, 1), 24 + kRecord + 100);  // entry 2's payload
  FlipByte(Seg(dir, 5), 3);                   // segment 5's header
  auto log = Open(dir);
  SegmentLogStats s = log->stats();
  EXPECT_EQ(s.corrupt_segments, 2u);
  EXPECT_EQ(s.segments, 1u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{9, 10, 11, 12}));
  EXPECT_EQ(FileSize(dir + "/corrupt/" + internal::SegmentFileName(1)), 24 + 4 * kRecord);
  EXPECT_EQ(FileSize(dir + "/corrupt/" + internal::SegmentFileName(5)), 24 + 4 * kRecord);
  EXPECT_EQ(access(Seg(dir, 1).c_str(), F_OK), -1);
  std::string payload = Payload(13);
  EXPECT_EQ(log->Append({IdFor(13), "app", 1, 0, payload}).value_or(0), 13u);

  Result<BufferInspection> in = Inspect(dir);
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->corrupt_segments, 2u);
  EXPECT_EQ(in->entries, 5u);
}

TEST_F(RecoveryTest, ImpossibleLengthInTheMiddleMovesTheSegmentAside) {
  std::string dir = tmp_.Path("b");
  Write(dir, 8);
  FlipByte(Seg(dir, 1), 24 + kRecord + 3);  // entry 2's length: 2^30 more
  auto log = Open(dir);
  EXPECT_EQ(log->stats().corrupt_segments, 1u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{5, 6, 7, 8}));
}

TEST_F(RecoveryTest, SegmentOfZerosIsMovedAside) {
  std::string dir = tmp_.Path("b");
  Write(dir, 8);
  ASSERT_TRUE(::runnel::testing::WriteFile(Seg(dir, 1), std::string(24 + 4 * kRecord, '\0')));
  auto log = Open(dir);
  EXPECT_EQ(log->stats().corrupt_segments, 1u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{5, 6, 7, 8}));
}

TEST_F(RecoveryTest, SegmentCutInsideItsHeaderIsRemoved) {
  std::string dir = tmp_.Path("b");
  Write(dir, 4);
  ASSERT_TRUE(::runnel::testing::WriteFile(Seg(dir, 5), "RUNNEL"));
  auto log = Open(dir);
  EXPECT_EQ(log->stats().corrupt_segments, 0u);
  EXPECT_EQ(access(Seg(dir, 5).c_str(), F_OK), -1);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2, 3, 4}));
  std::string payload = Payload(5);
  EXPECT_EQ(log->Append({IdFor(5), "app", 1, 0, payload}).value_or(0), 5u);
}

TEST_F(RecoveryTest, CorruptionFoundWhileReadingMovesTheSegmentAside) {
  std::string dir = tmp_.Path("b");
  auto log = Open(dir);
  for (uint64_t i = 1; i <= 8; ++i) {
    std::string payload = Payload(i);
    ASSERT_EQ(log->Append({IdFor(i), "app", 1, 0, payload}).value_or(0), i);
  }
  FlipByte(Seg(dir, 1), 24 + 2 * kRecord + 100);  // entry 3, after Open's scan
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2, 5, 6, 7, 8}));
  EXPECT_EQ(log->stats().corrupt_segments, 1u);
  EXPECT_EQ(log->stats().segments, 1u);
}

TEST_F(RecoveryTest, InspectReportsExactly) {
  std::string dir = tmp_.Path("b");
  Write(dir, 12);  // entry i written at now_ns_ start + i
  {
    auto log = Open(dir);
    for (uint64_t seq = 1; seq <= 5; ++seq) {
      ASSERT_TRUE(log->Ack(seq).ok());
    }
  }
  ASSERT_TRUE(::runnel::testing::AppendFile(Seg(dir, 9), std::string(5, 'x')));
  ASSERT_TRUE(files::MakeDirs(dir + "/corrupt").ok());
  ASSERT_TRUE(::runnel::testing::WriteFile(dir + "/corrupt/00000000000000000042.seg", "junk"));
  Result<BufferInspection> in = Inspect(dir);
  ASSERT_TRUE(in.has_value()) << in.error().ToString();
  BufferInspection want;
  want.segments = 2;  // segment 1 was deleted when 1..4 were acknowledged
  want.entries = 8;
  want.unacked_entries = 7;
  want.bytes = 2 * 24 + 8 * kRecord + 5;
  want.ack_watermark = 5;
  want.oldest_unacked_seq = 6;
  want.oldest_unacked_time_ns = 1'700'000'000'000'000'000 + 6;
  want.corrupt_segments = 1;
  want.torn_bytes = 5;
  EXPECT_EQ(*in, want);
  // Inspect changed nothing.
  EXPECT_EQ(FileSize(Seg(dir, 9)), 24 + 4 * kRecord + 5);

  Result<BufferInspection> missing = Inspect(tmp_.Path("none"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace runnel::buffer

// Sync policies and failing writes (disk full, I/O errors) of the disk buffer.
#include <unistd.h>

#include <string>
#include <vector>

#include "buffer/segment_format.h"
#include "gtest/gtest.h"
#include "runnel/buffer/segment_log.h"
#include "tests/core/buffer/buffer_test_util.h"
#include "tests/testing/temp_dir.h"

namespace runnel::buffer {
namespace {

using ::runnel::testing::TempDir;
using testing::FaultyFileOps;
using testing::FileSize;
using testing::IdFor;
using testing::kRecord;
using testing::kSegment;
using testing::Payload;

class SyncFaultTest : public ::testing::Test {
 protected:
  SegmentLogOptions Options(SyncPolicy sync) {
    SegmentLogOptions o;
    o.dir = tmp_.Path("buf");
    o.segment_bytes = kSegment;
    o.sync = sync;
    o.sync_interval = std::chrono::milliseconds(100);
    o.file_ops = &ops_;
    o.monotonic_ns = [this] { return mono_ns_; };
    return o;
  }
  std::unique_ptr<SegmentLog> Open(SyncPolicy sync) {
    Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(Options(sync));
    EXPECT_TRUE(log.has_value()) << log.error().ToString();
    return log.has_value() ? std::move(*log) : nullptr;
  }
  Result<uint64_t> Append(SegmentLog& log, uint64_t i) {
    std::string payload = Payload(i);
    return log.Append({IdFor(i), "app", 1, 0, payload});
  }
  std::vector<uint64_t> ReadAll(SegmentLog& log) {
    std::vector<uint64_t> seqs;
    ReadEntry e;
    while (log.Next(&e).value_or(false)) {
      EXPECT_EQ(e.payload, Payload(e.seq));
      seqs.push_back(e.seq);
    }
    return seqs;
  }
  std::string Seg(uint64_t first) { return tmp_.Path("buf/" + internal::SegmentFileName(first)); }

  TempDir tmp_;
  FaultyFileOps ops_;
  int64_t mono_ns_ = 0;
};

TEST_F(SyncFaultTest, AlwaysSyncsEveryAppend) {
  auto log = Open(SyncPolicy::kAlways);
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_EQ(Append(*log, i).value_or(0), i);
    EXPECT_EQ(ops_.fdatasyncs, static_cast<int>(1 + i));  // the header, then each record
  }
  EXPECT_EQ(log->stats().syncs, 4u);
  log.reset();
  EXPECT_EQ(ops_.fdatasyncs, 4);  // nothing left to sync at close
}

TEST_F(SyncFaultTest, IntervalSyncsWhenDue) {
  auto log = Open(SyncPolicy::kInterval);
  ASSERT_EQ(Append(*log, 1).value_or(0), 1u);
  EXPECT_EQ(ops_.fdatasyncs, 1);  // the new segment's header
  mono_ns_ = 50'000'000;
  ASSERT_EQ(Append(*log, 2).value_or(0), 2u);
  EXPECT_EQ(ops_.fdatasyncs, 1);
  mono_ns_ = 100'000'000;
  ASSERT_EQ(Append(*log, 3).value_or(0), 3u);
  EXPECT_EQ(ops_.fdatasyncs, 2);
  mono_ns_ = 150'000'000;
  ASSERT_EQ(Append(*log, 4).value_or(0), 4u);
  ASSERT_TRUE(log->MaybeSync().ok());
  EXPECT_EQ(ops_.fdatasyncs, 2);
  mono_ns_ = 200'000'000;
  ASSERT_TRUE(log->MaybeSync().ok());
  EXPECT_EQ(ops_.fdatasyncs, 3);
  mono_ns_ = 400'000'000;
  ASSERT_TRUE(log->MaybeSync().ok());  // nothing written since
  EXPECT_EQ(ops_.fdatasyncs, 3);
  ASSERT_EQ(Append(*log, 5).value_or(0), 5u);  // a new segment: the old one is synced first
  EXPECT_EQ(ops_.fdatasyncs, 5);  // the rolled segment had nothing unsynced; header + record
}

TEST_F(SyncFaultTest, NeverSyncs) {
  auto log = Open(SyncPolicy::kNever);
  for (uint64_t i = 1; i <= 9; ++i) {
    ASSERT_EQ(Append(*log, i).value_or(0), i);
  }
  ASSERT_TRUE(log->MaybeSync().ok());
  log.reset();
  EXPECT_EQ(ops_.fdatasyncs, 0);
}

TEST_F(SyncFaultTest, DiskFullDuringARecordIsCutBack) {
  auto log = Open(SyncPolicy::kNever);
  ASSERT_EQ(Append(*log, 1).value_or(0), 1u);
  ASSERT_EQ(Append(*log, 2).value_or(0), 2u);
  ops_.fail_write_after_bytes = 10;
  Result<uint64_t> r = Append(*log, 3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().ToString(),
            "UNAVAILABLE: disk buffer: write " + Seg(1) + ": No space left on device");
  EXPECT_EQ(FileSize(Seg(1)), 24 + 2 * kRecord);
  EXPECT_EQ(ops_.ftruncates, 1);
  EXPECT_EQ(log->stats().entries, 2u);
  EXPECT_EQ(log->stats().bytes, 24 + 2 * kRecord);
  ASSERT_EQ(Append(*log, 3).value_or(0), 3u);  // the space came back
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2, 3}));
  log.reset();
  log = Open(SyncPolicy::kNever);
  EXPECT_EQ(log->stats().truncated_bytes, 0u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SyncFaultTest, DiskFullWhileCreatingASegment) {
  auto log = Open(SyncPolicy::kNever);
  for (uint64_t i = 1; i <= 4; ++i) {
    ASSERT_EQ(Append(*log, i).value_or(0), i);
  }
  ops_.fail_next_write = true;
  Result<uint64_t> r = Append(*log, 5);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().ToString(), "UNAVAILABLE: disk buffer: write the header of " + Seg(5) +
                                      ": No space left on device");
  EXPECT_EQ(access(Seg(5).c_str(), F_OK), -1);
  ASSERT_EQ(Append(*log, 5).value_or(0), 5u);
  EXPECT_EQ(log->stats().segments, 2u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(SyncFaultTest, FailedSyncCutsTheRecordBack) {
  auto log = Open(SyncPolicy::kAlways);
  ASSERT_EQ(Append(*log, 1).value_or(0), 1u);
  ops_.fail_fdatasync = true;
  Result<uint64_t> r = Append(*log, 2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().ToString(),
            "UNAVAILABLE: disk buffer: fdatasync " + Seg(1) + ": Input/output error");
  EXPECT_EQ(FileSize(Seg(1)), 24 + kRecord);
  ASSERT_EQ(Append(*log, 2).value_or(0), 2u);
  EXPECT_EQ(ReadAll(*log), (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace runnel::buffer

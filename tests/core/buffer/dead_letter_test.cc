// DeadLetterStore: files written atomically and read back, listing order, damaged files, the
// max_bytes bound and a failing disk.
#include "runnel/buffer/dead_letter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runnel/files/atomic_file.h"
#include "tests/core/buffer/buffer_test_util.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::buffer {
namespace {

using ::runnel::testing::TempDir;
using testing::FaultyFileOps;
using testing::FileSize;

constexpr int64_t kT0 = 1'700'000'000'123'456'789;  // 2023-11-14T22:13:20.123456789Z
constexpr size_t kHeader = 68;

// A batch of `n` events {"log": "line <i>"}.
Batch MakeBatch(const std::string& tag, uint32_t n, BatchId id) {
  Batch b;
  b.tag = tag;
  b.id = id;
  BatchBuilder builder(&b);
  for (uint32_t i = 0; i < n; ++i) {
    builder.BeginEntry(EventTime{1'700'000'000 + i, 5}, 1);
    builder.writer().Str("log");
    builder.writer().Str("line " + std::to_string(i));
  }
  return b;
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class DeadLetterTest : public ::testing::Test {
 protected:
  DeadLetterStoreOptions Options(uint64_t max_bytes = kDefaultDeadLetterMaxBytes) {
    DeadLetterStoreOptions o;
    o.dir = DeadLetterDir(tmp_.Path("data"), "es");
    o.output_id = "outputs.es";
    o.max_bytes = max_bytes;
    o.wall_clock_ns = [this] { return now_ns_; };
    return o;
  }
  std::string Dir() const { return tmp_.Path("data/dead-letter/es"); }
  // Size of the file holding `b` rejected with `reason`.
  static uint64_t FileBytes(const Batch& b, const std::string& reason) {
    return kHeader + std::string("outputs.es").size() + b.tag.size() + reason.size() +
           b.data.size();
  }

  TempDir tmp_;
  int64_t now_ns_ = kT0;
};

TEST_F(DeadLetterTest, DirIsUnderDataDir) {
  EXPECT_EQ(DeadLetterDir("/var/lib/runnel", "es"), "/var/lib/runnel/dead-letter/es");
}

TEST_F(DeadLetterTest, RoundTripsABatch) {
  DeadLetterStore store(Options());
  EXPECT_FALSE(std::filesystem::exists(tmp_.Path("data")));  // nothing on disk before a Put
  Batch b = MakeBatch("app.web", 3, BatchId{0xab, 0xcd});
  const std::string reason = "mapper_parsing_exception: field [x] \xc3\xa9tait un objet";
  ASSERT_TRUE(store.Put(b, reason).ok());

  const std::string name = "1700000000123-00000000000000ab00000000000000cd.dlq";
  EXPECT_EQ(Names(Dir()), std::vector<std::string>{name});
  EXPECT_EQ(FileSize(Dir() + "/" + name), FileBytes(b, reason));
  EXPECT_EQ(store.bytes(), FileBytes(b, reason));

  Result<DeadLetter> d = ReadDeadLetter(Dir() + "/" + name);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->path, Dir() + "/" + name);
  EXPECT_EQ(d->output_id, "outputs.es");
  EXPECT_EQ(d->reason, reason);
  EXPECT_EQ(d->rejected_ns, kT0);
  EXPECT_EQ(d->batch.tag, "app.web");
  EXPECT_EQ(d->batch.id, (BatchId{0xab, 0xcd}));
  EXPECT_EQ(d->batch.count, 3u);
  EXPECT_EQ(d->batch.data, b.data);
  EXPECT_TRUE(d->batch.ack.empty());

  // The header is as documented.
  Result<std::string> raw = files::ReadWholeFile(Dir() + "/" + name);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->substr(0, 12), std::string("RUNNELDL\x01\0\0\0", 12));
  EXPECT_EQ(raw->substr(kHeader, 10), "outputs.es");
  EXPECT_EQ(raw->substr(raw->size() - b.data.size()), b.data);
}

TEST_F(DeadLetterTest, AnEmptyBatchAndAnEmptyReasonRoundTrip) {
  DeadLetterStore store(Options());
  Batch b;
  ASSERT_TRUE(store.Put(b, "").ok());
  Result<std::vector<DeadLetterInfo>> list = ListDeadLetters(Dir());
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].error, "");
  EXPECT_EQ((*list)[0].count, 0u);
  EXPECT_EQ((*list)[0].file_bytes, kHeader + 10);
}

TEST_F(DeadLetterTest, ListsOldestFirstWithEverything) {
  DeadLetterStore store(Options());
  // Same millisecond, ids in reverse order of time: the time inside decides.
  Batch a = MakeBatch("t", 1, BatchId{0, 9});
  Batch b = MakeBatch("t", 2, BatchId{0, 1});
  Batch c = MakeBatch("u", 4, BatchId{0, 5});
  ASSERT_TRUE(store.Put(a, "first").ok());
  now_ns_ += 1000;
  ASSERT_TRUE(store.Put(b, "second").ok());
  now_ns_ += 2'000'000'000;
  ASSERT_TRUE(store.Put(c, "third").ok());
  Result<std::vector<DeadLetterInfo>> list = ListDeadLetters(Dir());
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 3u);
  std::vector<std::string> reasons;
  for (const DeadLetterInfo& i : *list) {
    reasons.push_back(i.reason);
    EXPECT_EQ(i.error, "");
    EXPECT_EQ(i.output_id, "outputs.es");
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"first", "second", "third"}));
  const DeadLetterInfo& third = (*list)[2];
  EXPECT_EQ(third.path, Dir() + "/1700000002123-00000000000000000000000000000005.dlq");
  EXPECT_EQ(third.tag, "u");
  EXPECT_EQ(third.batch_id, (BatchId{0, 5}));
  EXPECT_EQ(third.count, 4u);
  EXPECT_EQ(third.bytes, c.data.size());
  EXPECT_EQ(third.file_bytes, FileBytes(c, "third"));
  EXPECT_EQ(third.rejected_ns, kT0 + 1000 + 2'000'000'000);
  EXPECT_EQ(store.bytes(), FileBytes(a, "first") + FileBytes(b, "second") + FileBytes(c, "third"));
}

TEST_F(DeadLetterTest, TheSameBatchTwiceInOneMillisecondGetsTwoFiles) {
  DeadLetterStore store(Options());
  Batch b = MakeBatch("t", 1, BatchId{1, 2});
  ASSERT_TRUE(store.Put(b, "one").ok());
  ASSERT_TRUE(store.Put(b, "two").ok());
  EXPECT_EQ(Names(Dir()),
            (std::vector<std::string>{"1700000000123-00000000000000010000000000000002-1.dlq",
                                      "1700000000123-00000000000000010000000000000002.dlq"}));
  Result<std::vector<DeadLetterInfo>> list = ListDeadLetters(Dir());
  ASSERT_EQ(list.value_or(std::vector<DeadLetterInfo>{}).size(), 2u);
}

TEST_F(DeadLetterTest, AMissingDirectoryListsNothing) {
  Result<std::vector<DeadLetterInfo>> list = ListDeadLetters(tmp_.Path("none"));
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());
}

TEST_F(DeadLetterTest, DamagedFilesAreDataLossNamingTheFile) {
  DeadLetterStore store(Options());
  Batch b = MakeBatch("t", 2, BatchId{0, 7});
  ASSERT_TRUE(store.Put(b, "why").ok());
  const std::string good = Dir() + "/1700000000123-00000000000000000000000000000007.dlq";
  Result<std::string> bytes = files::ReadWholeFile(good);
  ASSERT_TRUE(bytes.has_value());
  const uint64_t size = bytes->size();

  struct Case {
    std::string name;
    std::string contents;
    std::string error;  // after "dead letter <path>: "
  };
  std::string flipped = *bytes;
  flipped[size - 3] ^= 0x01;
  std::string version = *bytes;
  version[8] = 2;
  const std::vector<Case> cases = {
      {"cut.dlq", bytes->substr(0, size - 1),
       "truncated: " + std::to_string(size - 1) + " bytes, its header says " +
           std::to_string(size)},
      {"header.dlq", bytes->substr(0, 40), "truncated: 40 bytes, shorter than the 68-byte header"},
      {"empty.dlq", "", "truncated: 0 bytes, shorter than the 68-byte header"},
      {"flipped.dlq", flipped, "checksum mismatch"},
      {"version.dlq", version, "unknown version 2 (this build reads version 1)"},
      {"other.dlq", "RUNNELSG and more bytes", "not a dead-letter file (no RUNNELDL magic)"},
  };
  for (const Case& c : cases) {
    const std::string path = Dir() + "/" + c.name;
    ASSERT_TRUE(::runnel::testing::WriteFile(path, c.contents));
    Result<DeadLetter> d = ReadDeadLetter(path);
    ASSERT_FALSE(d.has_value()) << c.name;
    EXPECT_EQ(d.error().code(), StatusCode::kDataLoss) << c.name;
    EXPECT_EQ(d.error().message(), "dead letter " + path + ": " + c.error);
  }
  // A listing shows every file, the damaged ones with their error.
  Result<std::vector<DeadLetterInfo>> list = ListDeadLetters(Dir());
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), cases.size() + 1);
  size_t damaged = 0;
  for (const DeadLetterInfo& i : *list) {
    if (i.path == good) {
      EXPECT_EQ(i.error, "");
      EXPECT_EQ(i.reason, "why");
    } else {
      ++damaged;
      EXPECT_TRUE(i.error.starts_with("dead letter " + i.path + ": ")) << i.error;
      EXPECT_EQ(i.count, 0u);
    }
  }
  EXPECT_EQ(damaged, cases.size());

  Result<DeadLetter> missing = ReadDeadLetter(Dir() + "/gone.dlq");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST_F(DeadLetterTest, MaxBytesRefusesWhatWouldPassItAndCountsExistingFiles) {
  Batch b = MakeBatch("t", 2, BatchId{0, 1});
  const uint64_t one = FileBytes(b, "r");
  {
    DeadLetterStore store(Options(2 * one));
    ASSERT_TRUE(store.Put(b, "r").ok());
  }
  // A new store (a restart) counts what is there.
  DeadLetterStore store(Options(2 * one));
  now_ns_ += 1'000'000;
  ASSERT_TRUE(store.Put(b, "r").ok());
  EXPECT_EQ(store.bytes(), 2 * one);
  now_ns_ += 1'000'000;
  Status s = store.Put(b, "r");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "dead letters: " + Dir() + " holds " + std::to_string(2 * one) +
                             " bytes; batch 00000000000000000000000000000001 (2 events, " +
                             std::to_string(one) + " bytes) would pass max_bytes (" +
                             std::to_string(2 * one) + ")");
  EXPECT_EQ(Names(Dir()).size(), 2u);

  // Once a file is removed (reinjected by another process), there is room again.
  Result<std::vector<DeadLetterInfo>> list = ListDeadLetters(Dir());
  ASSERT_TRUE(list.has_value());
  ASSERT_TRUE(RemoveDeadLetter((*list)[0].path).ok());
  EXPECT_TRUE(store.Put(b, "r").ok());
  EXPECT_EQ(store.bytes(), 2 * one);
  EXPECT_EQ(Names(Dir()).size(), 2u);
}

TEST_F(DeadLetterTest, ABatchLargerThanMaxBytesIsRefused) {
  DeadLetterStore store(Options(100));
  Status s = store.Put(MakeBatch("t", 10, BatchId{0, 1}), "big");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Names(Dir()).size(), 0u);
}

TEST_F(DeadLetterTest, AFullDiskIsAnErrorNamingTheFileAndLeavesNothing) {
  FaultyFileOps ops;
  DeadLetterStoreOptions o = Options();
  o.file_ops = &ops;
  DeadLetterStore store(std::move(o));
  Batch b = MakeBatch("t", 2, BatchId{0, 3});
  ops.fail_write_after_bytes = 10;  // 10 bytes go out, then ENOSPC
  Status s = store.Put(b, "r");
  const std::string tmp = Dir() + "/1700000000123-00000000000000000000000000000003.dlq.tmp";
  EXPECT_EQ(s.message(), "dead letters: write " + tmp + ": No space left on device");
  EXPECT_EQ(Names(Dir()), std::vector<std::string>{});
  EXPECT_EQ(store.bytes(), 0u);

  ops.fail_fdatasync = true;
  s = store.Put(b, "r");
  EXPECT_EQ(s.message(), "dead letters: fsync " + tmp + ": Input/output error");
  EXPECT_EQ(Names(Dir()), std::vector<std::string>{});

  ASSERT_TRUE(store.Put(b, "r").ok());
  EXPECT_EQ(ops.fdatasyncs, 2);
  EXPECT_EQ(Names(Dir()).size(), 1u);
}

TEST_F(DeadLetterTest, ADirectoryThatCannotBeCreatedIsAnError) {
  ASSERT_TRUE(::runnel::testing::WriteFile(tmp_.Path("data"), "a file"));
  DeadLetterStore store(Options());
  Status s = store.Put(MakeBatch("t", 1, BatchId{0, 1}), "r");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.message().starts_with("dead letters: create directory " + tmp_.Path("data")))
      << s.message();
}

TEST_F(DeadLetterTest, LeftoverTemporaryFilesAreRemovedAndNotListed) {
  ASSERT_TRUE(files::MakeDirs(Dir()).ok());
  ASSERT_TRUE(::runnel::testing::WriteFile(Dir() + "/1-x.dlq.tmp", "half"));
  EXPECT_TRUE(ListDeadLetters(Dir()).value_or(std::vector<DeadLetterInfo>{1}).empty());
  DeadLetterStore store(Options());
  ASSERT_TRUE(store.Put(MakeBatch("t", 1, BatchId{0, 1}), "r").ok());
  EXPECT_EQ(Names(Dir()),
            std::vector<std::string>{"1700000000123-00000000000000000000000000000001.dlq"});
}

}  // namespace
}  // namespace runnel::buffer

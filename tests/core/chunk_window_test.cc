// ChunkWindow: FIFO eviction, exact membership, persistence across reopen, and recovery from a
// torn or corrupt journal (every byte offset of the last record), and compaction.
#include "runnel/chunk_window.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "runnel/files/atomic_file.h"
#include "tests/testing/temp_dir.h"

namespace runnel {
namespace {

BatchId Id(uint64_t n) { return BatchId{n * 0x100000001ULL, ~n}; }

std::vector<BatchId> Ids(uint64_t from, uint64_t to) {  // [from, to)
  std::vector<BatchId> out;
  for (uint64_t n = from; n < to; ++n) {
    out.push_back(Id(n));
  }
  return out;
}

std::string Read(const std::string& path) {
  auto r = files::ReadWholeFile(path);
  return r.value_or("<missing>");
}

void Write(const std::string& path, const std::string& contents) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(contents.data(), 1, contents.size(), f), contents.size());
  std::fclose(f);
}

std::unique_ptr<ChunkWindow> OpenOrDie(const std::string& dir, size_t capacity) {
  auto w = ChunkWindow::Open(dir, capacity, "test");
  EXPECT_TRUE(w.has_value()) << w.error().ToString();
  return w.has_value() ? std::move(*w) : nullptr;
}

TEST(ChunkWindowTest, EvictsOldestFirstAndMembershipIsExact) {
  auto w = ChunkWindow::InMemory(3);
  for (uint64_t n = 1; n <= 3; ++n) {
    ASSERT_TRUE(w->Add(Id(n)).ok());
  }
  ASSERT_TRUE(w->Add(Id(2)).ok());  // already present: changes nothing, not even the order
  EXPECT_EQ(w->Ids(), Ids(1, 4));
  ASSERT_TRUE(w->Add(Id(4)).ok());
  EXPECT_EQ(w->Ids(), Ids(2, 5));
  EXPECT_FALSE(w->Contains(Id(1)));
  EXPECT_TRUE(w->Contains(Id(2)));
  EXPECT_TRUE(w->Contains(Id(4)));
  // Same hi or same lo is not the same id.
  EXPECT_FALSE(w->Contains(BatchId{Id(2).hi, 0}));
  EXPECT_FALSE(w->Contains(BatchId{0, Id(2).lo}));
  ASSERT_TRUE(w->Add(Id(5)).ok());
  ASSERT_TRUE(w->Add(Id(6)).ok());
  EXPECT_EQ(w->Ids(), Ids(4, 7));
  EXPECT_EQ(w->size(), 3u);
}

TEST(ChunkWindowTest, SurvivesReopenInOrder) {
  testing::TempDir dir;
  const std::string state = dir.Path("state");
  {
    auto w = OpenOrDie(state, 5);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->size(), 0u);
    for (uint64_t n = 1; n <= 4; ++n) {
      ASSERT_TRUE(w->Add(Id(n)).ok());
    }
    EXPECT_EQ(Read(state + "/chunks.journal").size(), 4 * ChunkWindow::kRecordBytes);
  }
  auto w = OpenOrDie(state, 5);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->Ids(), Ids(1, 5));
  EXPECT_EQ(w->open_stats().loaded, 4u);
  EXPECT_EQ(w->open_stats().corrupt_records, 0u);
  EXPECT_EQ(w->open_stats().torn_bytes, 0u);
  // Open compacted: all in the snapshot, the journal empty.
  std::string want;
  for (const BatchId& id : Ids(1, 5)) {
    want += ChunkWindow::EncodeRecord(id);
  }
  EXPECT_EQ(Read(state + "/chunks.snapshot"), want);
  EXPECT_EQ(Read(state + "/chunks.journal"), "");
  // Eviction continues from the loaded order.
  ASSERT_TRUE(w->Add(Id(5)).ok());
  ASSERT_TRUE(w->Add(Id(6)).ok());
  EXPECT_EQ(w->Ids(), Ids(2, 7));
  // A smaller window after a restart keeps the newest.
  w.reset();
  auto small = OpenOrDie(state, 2);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->Ids(), Ids(5, 7));
}

TEST(ChunkWindowTest, CompactsWhenTheJournalHoldsCapacityRecords) {
  testing::TempDir dir;
  const std::string state = dir.Path("state");
  auto w = OpenOrDie(state, 3);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->Add(Id(1)).ok());
  ASSERT_TRUE(w->Add(Id(2)).ok());
  EXPECT_EQ(Read(state + "/chunks.snapshot"), "");
  EXPECT_EQ(Read(state + "/chunks.journal").size(), 2 * ChunkWindow::kRecordBytes);
  ASSERT_TRUE(w->Add(Id(2)).ok());  // a repeat is not journaled
  EXPECT_EQ(Read(state + "/chunks.journal").size(), 2 * ChunkWindow::kRecordBytes);
  ASSERT_TRUE(w->Add(Id(3)).ok());  // the third record: compaction
  EXPECT_EQ(Read(state + "/chunks.snapshot"), ChunkWindow::EncodeRecord(Id(1)) +
                                                  ChunkWindow::EncodeRecord(Id(2)) +
                                                  ChunkWindow::EncodeRecord(Id(3)));
  EXPECT_EQ(Read(state + "/chunks.journal"), "");
  ASSERT_TRUE(w->Add(Id(4)).ok());
  EXPECT_EQ(Read(state + "/chunks.journal"), ChunkWindow::EncodeRecord(Id(4)));
  w.reset();
  auto again = OpenOrDie(state, 3);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->Ids(), Ids(2, 5));
  // A crash between the snapshot and emptying the journal leaves ids in both: same window.
  again.reset();
  Write(state + "/chunks.journal",
        ChunkWindow::EncodeRecord(Id(4)) + ChunkWindow::EncodeRecord(Id(5)));
  auto both = OpenOrDie(state, 3);
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->Ids(), Ids(3, 6));
}

TEST(ChunkWindowTest, TornLastRecordAtEveryOffset) {
  const std::string good = ChunkWindow::EncodeRecord(Id(1)) + ChunkWindow::EncodeRecord(Id(2));
  const std::string last = ChunkWindow::EncodeRecord(Id(3));
  for (size_t cut = 0; cut < ChunkWindow::kRecordBytes; ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    testing::TempDir dir;
    const std::string state = dir.Path("state");
    ASSERT_TRUE(files::MakeDirs(state).ok());
    Write(state + "/chunks.journal", good + last.substr(0, cut));
    auto w = OpenOrDie(state, 10);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->Ids(), Ids(1, 3));
    EXPECT_EQ(w->open_stats().loaded, 2u);
    EXPECT_EQ(w->open_stats().torn_bytes, cut);
    EXPECT_EQ(w->open_stats().corrupt_records, 0u);
    // The torn bytes are gone: new records are whole, and the next start sees no damage.
    ASSERT_TRUE(w->Add(Id(3)).ok());
    EXPECT_EQ(Read(state + "/chunks.journal"), last);
    w.reset();
    auto again = OpenOrDie(state, 10);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->Ids(), Ids(1, 4));
    EXPECT_EQ(again->open_stats().torn_bytes, 0u);
  }
}

TEST(ChunkWindowTest, CorruptRecordsAreSkippedAndCounted) {
  testing::TempDir dir;
  const std::string state = dir.Path("state");
  ASSERT_TRUE(files::MakeDirs(state).ok());
  std::string snapshot = ChunkWindow::EncodeRecord(Id(1)) + ChunkWindow::EncodeRecord(Id(2)) +
                         ChunkWindow::EncodeRecord(Id(3));
  snapshot[ChunkWindow::kRecordBytes + 5] ^= 0x10;  // a flipped bit in id 2
  std::string journal = ChunkWindow::EncodeRecord(Id(4)) + std::string(20, '\0') +  // zeroes
                        ChunkWindow::EncodeRecord(Id(5));
  journal[ChunkWindow::kRecordBytes * 2 + 19] ^= 0x01;  // a flipped bit in id 5's checksum
  Write(state + "/chunks.snapshot", snapshot);
  Write(state + "/chunks.journal", journal);
  auto w = OpenOrDie(state, 10);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->Ids(), (std::vector<BatchId>{Id(1), Id(3), Id(4)}));
  EXPECT_EQ(w->open_stats().loaded, 3u);
  EXPECT_EQ(w->open_stats().corrupt_records, 3u);
  EXPECT_EQ(w->open_stats().torn_bytes, 0u);
  w.reset();
  auto again = OpenOrDie(state, 10);  // rewritten without the damage
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->Ids(), (std::vector<BatchId>{Id(1), Id(3), Id(4)}));
  EXPECT_EQ(again->open_stats().corrupt_records, 0u);
}

TEST(ChunkWindowTest, OpenFailsOnlyWhenTheDirectoryCannotBeMade) {
  testing::TempDir dir;
  Write(dir.Path("file"), "x");
  auto w = ChunkWindow::Open(dir.Path("file") + "/state", 10, "test");
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message().find("file/state"), std::string::npos) << w.error().message();
}

}  // namespace
}  // namespace runnel

// CheckpointStore and LoadCheckpoint (runnel/files/checkpoint_store.h): the snapshot + journal
// pair as a restart loads it. Loading the files at any moment is what a kill -9 at that moment
// leaves, so the model test below loads after every step.
#include "runnel/files/checkpoint_store.h"

#include <sys/stat.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runnel/files/atomic_file.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::files {
namespace {

using testing::TempDir;
using testing::WriteFile;

CheckpointEntry Entry(uint64_t ino, uint64_t offset, uint64_t fingerprint = 0xf00d) {
  return CheckpointEntry{FileId{2049, ino}, Fingerprint{256, fingerprint}, offset,
                         "/var/log/f" + std::to_string(ino) + ".log"};
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : ~uint64_t{0};
}

class CheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.Path("checkpoint"); }

  std::unique_ptr<CheckpointStore> Open(std::vector<CheckpointEntry>* entries = nullptr,
                                        CheckpointLoadStats* stats = nullptr) {
    std::vector<CheckpointEntry> ignored;
    Result<std::unique_ptr<CheckpointStore>> s =
        CheckpointStore::Open(path_, "inputs.test", entries != nullptr ? entries : &ignored, stats);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s.has_value() ? std::move(*s) : nullptr;
  }
  // One record written as an owner does it.
  void Record(CheckpointStore& store, const CheckpointEntry& e) {
    std::string out;
    store.EncodeRecord(e, &out);
    ASSERT_TRUE(store.Write(out).ok());
  }
  std::vector<CheckpointEntry> Load(CheckpointLoadStats* stats = nullptr) {
    Result<std::vector<CheckpointEntry>> r = LoadCheckpoint(path_, stats);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.value_or(std::vector<CheckpointEntry>{});
  }
  std::string Journal(int i) const { return path_ + ".journal." + std::to_string(i); }

  TempDir dir_;
  std::string path_;
};

TEST_F(CheckpointStoreTest, JournalRecordsAreLoadedWithoutASnapshot) {
  std::vector<CheckpointEntry> entries;
  std::unique_ptr<CheckpointStore> store = Open(&entries);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(entries.empty());
  EXPECT_TRUE(Load().empty());
  Record(*store, Entry(1, 100));
  EXPECT_EQ(Load(), (std::vector<CheckpointEntry>{Entry(1, 100)}));
  Record(*store, Entry(2, 5));
  Record(*store, Entry(1, 200));
  CheckpointLoadStats stats;
  EXPECT_EQ(Load(&stats), (std::vector<CheckpointEntry>{Entry(1, 200), Entry(2, 5)}));
  EXPECT_EQ(stats.journal_records, 3u);
  EXPECT_EQ(stats.stale_records, 0u);
  EXPECT_EQ(stats.damaged_records, 0u);
  // Several records in one write (what a group commit does).
  std::string out;
  store->EncodeRecord(Entry(2, 6), &out);
  store->EncodeRecord(Entry(3, 1), &out);
  ASSERT_TRUE(store->Write(out).ok());
  EXPECT_EQ(Load(), (std::vector<CheckpointEntry>{Entry(1, 200), Entry(2, 6), Entry(3, 1)}));
}

TEST_F(CheckpointStoreTest, RecordsOlderThanTheSnapshotAreIgnored) {
  ASSERT_TRUE(WriteFile(path_, EncodeCheckpoint({{Entry(1, 500)}, 10})));
  std::string journal;
  for (auto [seq, e] : std::vector<std::pair<uint64_t, CheckpointEntry>>{
           {5, Entry(1, 100)}, {12, Entry(1, 600)}, {9, Entry(2, 7)}, {11, Entry(3, 8)}}) {
    std::string body;
    AppendCheckpointRecordBody(e, &body);
    AppendJournalRecord(seq, body, &journal);
  }
  ASSERT_TRUE(WriteFile(Journal(1), journal));
  CheckpointLoadStats stats;
  EXPECT_EQ(Load(&stats), (std::vector<CheckpointEntry>{Entry(1, 600), Entry(3, 8)}));
  EXPECT_EQ(stats.journal_records, 2u);
  EXPECT_EQ(stats.stale_records, 2u);
  // Open continues the sequence past everything it saw, and compacts.
  std::vector<CheckpointEntry> entries;
  std::unique_ptr<CheckpointStore> store = Open(&entries);
  EXPECT_EQ(entries, (std::vector<CheckpointEntry>{Entry(1, 600), Entry(3, 8)}));
  EXPECT_EQ(FileSize(Journal(0)), 0u);
  EXPECT_EQ(FileSize(Journal(1)), 0u);
  Result<std::string> text = ReadWholeFile(path_);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(DecodeCheckpoint(*text)->journal_seq, 13u);
  Record(*store, Entry(3, 9));
  EXPECT_EQ(Load(), (std::vector<CheckpointEntry>{Entry(1, 600), Entry(3, 9)}));
}

// Records are ordered by sequence number, not by file: the two journal files are merged.
TEST_F(CheckpointStoreTest, RecordsOfBothJournalsApplyInSequenceOrder) {
  auto records = [](std::vector<std::pair<uint64_t, CheckpointEntry>> list) {
    std::string out;
    for (auto& [seq, e] : list) {
      std::string body;
      AppendCheckpointRecordBody(e, &body);
      AppendJournalRecord(seq, body, &out);
    }
    return out;
  };
  ASSERT_TRUE(WriteFile(Journal(0), records({{3, Entry(1, 30)}, {1, Entry(2, 10)}})));
  ASSERT_TRUE(WriteFile(Journal(1), records({{2, Entry(1, 20)}, {4, Entry(2, 40)}})));
  EXPECT_EQ(Load(), (std::vector<CheckpointEntry>{Entry(2, 40), Entry(1, 30)}));
}

TEST_F(CheckpointStoreTest, SnapshotsAlternateTheJournalsAndEmptyTheOlder) {
  std::unique_ptr<CheckpointStore> store = Open();
  ASSERT_NE(store, nullptr);
  Record(*store, Entry(1, 10));
  const uint64_t first = FileSize(Journal(0)) + FileSize(Journal(1));
  EXPECT_GT(first, 0u);
  uint64_t seq = store->BeginSnapshot();
  ASSERT_TRUE(store->WriteSnapshot(seq, {Entry(1, 10)}).ok());
  Record(*store, Entry(1, 20));
  // The record before the snapshot and the one after are in different files.
  EXPECT_GT(FileSize(Journal(0)), 0u);
  EXPECT_GT(FileSize(Journal(1)), 0u);
  seq = store->BeginSnapshot();
  ASSERT_TRUE(store->WriteSnapshot(seq, {Entry(1, 20)}).ok());
  // The file holding only records older than the snapshot on disk was emptied.
  EXPECT_EQ(std::min(FileSize(Journal(0)), FileSize(Journal(1))), 0u);
  CheckpointLoadStats stats;
  EXPECT_EQ(Load(&stats), (std::vector<CheckpointEntry>{Entry(1, 20)}));
  EXPECT_EQ(stats.journal_records, 0u);
  EXPECT_EQ(stats.stale_records, 1u);
}

// Loading the files after every step is a kill -9 at that step. Whatever the interleaving of
// records, snapshots begun, snapshots written and snapshots that fail, a load gives every file's
// newest recorded offset: nothing recorded is lost, nothing comes back older.
TEST_F(CheckpointStoreTest, EveryCrashPointLoadsTheNewestOffsets) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_TRUE(WriteFile(path_, ""));  // a fresh start: no snapshot, empty journals
    std::remove(path_.c_str());
    std::remove(Journal(0).c_str());
    std::remove(Journal(1).c_str());
    std::unique_ptr<CheckpointStore> store = Open();
    ASSERT_NE(store, nullptr);
    std::mt19937_64 rng(seed);
    std::map<uint64_t, uint64_t> newest;  // ino -> offset
    auto expected = [&] {
      std::map<uint64_t, uint64_t> got;
      for (const CheckpointEntry& e : Load()) {
        got[e.id.ino] = e.offset;
      }
      return got;
    };
    std::vector<CheckpointEntry> pending_snapshot;
    uint64_t pending_seq = 0;
    bool begun = false;
    for (int step = 0; step < 300; ++step) {
      const unsigned op = rng() % 10;
      if (op < 6) {
        const uint64_t ino = 1 + rng() % 5;
        newest[ino] += 1 + rng() % 100;
        Record(*store, Entry(ino, newest[ino]));
      } else if (op < 8 && !begun) {
        pending_seq = store->BeginSnapshot();
        pending_snapshot.clear();
        for (auto [ino, offset] : newest) {
          pending_snapshot.push_back(Entry(ino, offset));
        }
        begun = true;
      } else if (begun) {
        const bool fail = rng() % 3 == 0;
        const std::string blocker = path_ + ".tmp";
        if (fail) {
          ASSERT_EQ(mkdir(blocker.c_str(), 0700), 0);  // the temporary file cannot be created
        }
        Status s = store->WriteSnapshot(pending_seq, pending_snapshot);
        EXPECT_EQ(s.ok(), !fail) << s.ToString();
        if (fail) {
          ASSERT_EQ(rmdir(blocker.c_str()), 0);
        }
        begun = false;
      }
      ASSERT_EQ(expected(), newest) << "step " << step << ", op " << op;
    }
    // A restart (Open) loads the same and compacts it.
    std::vector<CheckpointEntry> entries;
    store = Open(&entries);
    std::map<uint64_t, uint64_t> opened;
    for (const CheckpointEntry& e : entries) {
      opened[e.id.ino] = e.offset;
    }
    EXPECT_EQ(opened, newest);
    EXPECT_EQ(expected(), newest);
  }
}

TEST_F(CheckpointStoreTest, CorruptSnapshotIsMovedAsideAndTheJournalStillApplies) {
  ASSERT_TRUE(WriteFile(path_, "runnel-checkpoint 2\njournal 0\n1 2 3 "));
  std::string journal;
  std::string body;
  AppendCheckpointRecordBody(Entry(7, 70), &body);
  AppendJournalRecord(0, body, &journal);
  ASSERT_TRUE(WriteFile(Journal(0), journal));
  Result<std::vector<CheckpointEntry>> r = LoadCheckpoint(path_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.error().message().find(path_), std::string::npos) << r.error().message();

  std::vector<CheckpointEntry> entries;
  CheckpointLoadStats stats;
  std::unique_ptr<CheckpointStore> store = Open(&entries, &stats);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(stats.snapshot_corrupt);
  EXPECT_EQ(entries, (std::vector<CheckpointEntry>{Entry(7, 70)}));
  EXPECT_EQ(ReadWholeFile(path_ + ".corrupt").value_or(""),
            "runnel-checkpoint 2\njournal 0\n1 2 3 ");
  EXPECT_EQ(Load(), (std::vector<CheckpointEntry>{Entry(7, 70)}));  // a valid snapshot again
}

TEST_F(CheckpointStoreTest, DamagedJournalIsCountedAndCompactedAway) {
  std::string journal;
  for (auto [seq, e] : std::vector<std::pair<uint64_t, CheckpointEntry>>{
           {0, Entry(1, 10)}, {1, Entry(2, 20)}, {2, Entry(1, 30)}}) {
    std::string body;
    AppendCheckpointRecordBody(e, &body);
    AppendJournalRecord(seq, body, &journal);
  }
  const size_t record = journal.size() / 3;
  journal[record + 20] ^= 1;         // the second record is damaged
  journal += journal.substr(0, 10);  // and a torn last one
  ASSERT_TRUE(WriteFile(Journal(0), journal));
  CheckpointLoadStats stats;
  std::vector<CheckpointEntry> entries;
  std::unique_ptr<CheckpointStore> store = Open(&entries, &stats);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(entries, (std::vector<CheckpointEntry>{Entry(1, 30)}));
  EXPECT_FALSE(stats.snapshot_corrupt);
  EXPECT_EQ(stats.damaged_records, 1u);
  EXPECT_EQ(stats.torn_bytes, 10u);
  EXPECT_EQ(stats.journal_records, 2u);
  EXPECT_EQ(FileSize(Journal(0)), 0u);
  CheckpointLoadStats again;
  EXPECT_EQ(Load(&again), entries);
  EXPECT_EQ(again.damaged_records + again.torn_bytes, 0u);
}

TEST_F(CheckpointStoreTest, VersionOneCheckpointIsLoadedAndRewritten) {
  ASSERT_TRUE(WriteFile(
      path_, "runnel-checkpoint 1\n2049 3 256 000000000000f00d 33 /var/log/f3.log\nend 1\n"));
  std::vector<CheckpointEntry> entries;
  std::unique_ptr<CheckpointStore> store = Open(&entries);
  EXPECT_EQ(entries, (std::vector<CheckpointEntry>{Entry(3, 33)}));
  EXPECT_TRUE(ReadWholeFile(path_).value_or("").starts_with("runnel-checkpoint 2\n"));
}

TEST_F(CheckpointStoreTest, SnapshotIsDueAfterAMebibyteOfJournal) {
  std::unique_ptr<CheckpointStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->snapshot_due());
  std::string out;
  while (out.size() < CheckpointStore::kSnapshotJournalBytes) {
    store->EncodeRecord(Entry(1, out.size()), &out);
  }
  ASSERT_TRUE(store->Write(out).ok());
  EXPECT_EQ(store->journal_bytes(), out.size());
  EXPECT_TRUE(store->snapshot_due());
  uint64_t seq = store->BeginSnapshot();
  EXPECT_FALSE(store->snapshot_due());  // counted from the snapshot begun, written or not
  EXPECT_TRUE(store->WriteSnapshot(seq, {}).ok());
}

TEST_F(CheckpointStoreTest, UnreadableJournalFailsOpenNamingIt) {
  ASSERT_EQ(mkdir(Journal(1).c_str(), 0700), 0);
  std::vector<CheckpointEntry> entries;
  Result<std::unique_ptr<CheckpointStore>> s =
      CheckpointStore::Open(path_, "inputs.test", &entries, nullptr);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find(Journal(1)), std::string::npos) << s.error().message();
}

}  // namespace
}  // namespace runnel::files

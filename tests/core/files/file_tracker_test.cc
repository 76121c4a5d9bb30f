#include "runnel/files/file_tracker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::files {
namespace {

using testing::AppendFile;
using testing::TempDir;
using testing::WriteFile;

class Recorder : public FileTrackerListener {
 public:
  void OnGenerationStart(const TrackedFile& f, uint64_t start) override {
    starts.push_back({f.path, start});
  }
  void OnFingerprintChanged(const TrackedFile& f) override { ++fingerprint_changes; }
  void OnGenerationEnd(const TrackedFile& f) override { ends.push_back(f.generation); }
  std::vector<std::pair<std::string, uint64_t>> starts;
  std::vector<uint64_t> ends;
  int fingerprint_changes = 0;
};

class FileTrackerTest : public ::testing::Test {
 protected:
  FileTrackerOptions Options() {
    FileTrackerOptions o;
    o.include = {dir_.Path("*.log")};
    o.fingerprint_bytes = 16;
    o.block_bytes = 4096;
    o.max_line_bytes = 1024;
    o.rotate_wait = std::chrono::milliseconds(0);
    o.copy_window = std::chrono::seconds(60);
    o.identify_wait = std::chrono::seconds(0);
    return o;
  }
  // Reads every complete line of `f` now.
  static std::vector<std::string> Drain(TrackedFile& f, Clock::time_point now) {
    std::vector<std::string> out;
    while (true) {
      Line line;
      while (f.reader.Next(&line)) {
        out.emplace_back(line.text);
      }
      Result<size_t> n = f.Fill(now);
      if (!n || *n == 0) {
        return out;
      }
    }
  }
  TrackedFile* Find(FileTracker& t, const std::string& name) {
    for (const auto& f : t.files()) {
      if (f->path == dir_.Path(name)) {
        return f.get();
      }
    }
    return nullptr;
  }
  TempDir dir_;
  Recorder rec_;
  Clock::time_point now_ = Clock::now();
};

TEST_F(FileTrackerTest, InitialScanHeadTailAndResume) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "a1\na2\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("b.log"), "b1\nb2\npartial"));
  ASSERT_TRUE(WriteFile(dir_.Path("c.log"), "c1\nc2\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("skip.txt"), "x\n"));
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("c.log").c_str(), &st), 0);
  std::vector<CheckpointEntry> resume = {
      {FileId{st.st_dev, st.st_ino}, Fingerprint{6, HashBytes("c1\nc2\n")}, 3, "c.log"}};
  FileTracker t(Options(), &rec_);
  t.InitialScan(resume, /*from_end=*/true, now_);
  ASSERT_EQ(t.files().size(), 3u);
  // a: from its end; b: from after its last newline; c: from the checkpoint.
  EXPECT_EQ(rec_.starts,
            (std::vector<std::pair<std::string, uint64_t>>{
                {dir_.Path("a.log"), 6}, {dir_.Path("b.log"), 6}, {dir_.Path("c.log"), 3}}));
  EXPECT_EQ(Drain(*Find(t, "c.log"), now_), (std::vector<std::string>{"c2"}));
  ASSERT_TRUE(AppendFile(dir_.Path("a.log"), "a3\n"));
  EXPECT_EQ(Drain(*Find(t, "a.log"), now_), (std::vector<std::string>{"a3"}));
}

TEST_F(FileTrackerTest, UnreadBytesAreTheSizesPastTheReadOffsets) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "a1\na2\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("b.log"), "b1\nb2\nb3\n"));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, /*from_end=*/false, now_);
  EXPECT_EQ(t.unread_bytes(), 15u);
  EXPECT_EQ(Drain(*Find(t, "a.log"), now_).size(), 2u);
  EXPECT_EQ(t.unread_bytes(), 9u);
  ASSERT_TRUE(AppendFile(dir_.Path("b.log"), "b4\n"));
  t.Check(now_);  // sees the new size
  EXPECT_EQ(t.unread_bytes(), 12u);
  EXPECT_EQ(Drain(*Find(t, "b.log"), now_).size(), 4u);
  EXPECT_EQ(t.unread_bytes(), 0u);
}

TEST_F(FileTrackerTest, ReusedInodeIsNotResumed) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "new content\n"));
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("a.log").c_str(), &st), 0);
  // Same dev+inode as the checkpoint, other first bytes: another file.
  std::vector<CheckpointEntry> resume = {
      {FileId{st.st_dev, st.st_ino}, Fingerprint{12, HashBytes("old content\n")}, 12, "a.log"}};
  FileTracker t(Options(), &rec_);
  t.InitialScan(resume, /*from_end=*/false, now_);
  ASSERT_EQ(rec_.starts.size(), 1u);
  EXPECT_EQ(rec_.starts[0].second, 0u);
  EXPECT_EQ(Drain(*t.files()[0], now_), (std::vector<std::string>{"new content"}));
}

TEST_F(FileTrackerTest, CopyTruncateWhileDownResumesTheCopy) {
  std::string old_content = "0123456789abcdef old line one\nold line two\n";
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), old_content));
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("a.log").c_str(), &st), 0);
  std::vector<CheckpointEntry> resume = {{FileId{st.st_dev, st.st_ino},
                                          Fingerprint{16, HashBytes(old_content.substr(0, 16))}, 30,
                                          dir_.Path("a.log")}};
  // While we were down: copied, truncated, written again.
  ASSERT_TRUE(WriteFile(dir_.Path("a.log.log"), old_content));
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "fresh content after the rotation\n"));
  FileTracker t(Options(), &rec_);
  t.InitialScan(resume, /*from_end=*/true, now_);
  EXPECT_EQ(t.stats().copies, 1u);
  EXPECT_EQ(Drain(*Find(t, "a.log.log"), now_), (std::vector<std::string>{"old line two"}));
  // Known inode, new content: all of it, even with from_end.
  EXPECT_EQ(Drain(*Find(t, "a.log"), now_),
            (std::vector<std::string>{"fresh content after the rotation"}));
}

// Rotated away while we were down: found by inode in the checkpointed path's directory.
TEST_F(FileTrackerTest, RotatedWhileDownIsFoundInItsDirectory) {
  std::string head = "0123456789abcdef rotated one\n";  // 29 bytes
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), head + "rotated two\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("b.log"), "0123456789abcdef b\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("c.log"), "0123456789abcdef c\n"));
  auto entry = [&](const std::string& name, const std::string& first, uint64_t offset) {
    struct stat st;
    EXPECT_EQ(stat(dir_.Path(name).c_str(), &st), 0);
    return CheckpointEntry{FileId{st.st_dev, st.st_ino},
                           Fingerprint{static_cast<uint32_t>(first.size()), HashBytes(first)},
                           offset, dir_.Path(name)};
  };
  std::vector<CheckpointEntry> resume = {entry("a.log", head.substr(0, 16), 29),
                                         entry("b.log", "0123456789abcdef", 19),
                                         entry("c.log", "0123456789abcdef", 19)};
  // While we were down: a.log rotated and written on, b.log rotated and deleted, c.log rotated
  // and rewritten in place (its inode is there, its first bytes are not).
  ASSERT_EQ(rename(dir_.Path("a.log").c_str(), dir_.Path("a.log.1").c_str()), 0);
  ASSERT_TRUE(AppendFile(dir_.Path("a.log.1"), "rotated three\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "fresh\n"));
  ASSERT_EQ(rename(dir_.Path("b.log").c_str(), dir_.Path("b.log.1").c_str()), 0);
  ASSERT_EQ(unlink(dir_.Path("b.log.1").c_str()), 0);
  ASSERT_EQ(rename(dir_.Path("c.log").c_str(), dir_.Path("c.log.1").c_str()), 0);
  ASSERT_TRUE(WriteFile(dir_.Path("c.log.1"), "something else entirely\n"));
  ASSERT_EQ(mkdir(dir_.Path("sub").c_str(), 0755), 0);
  FileTracker t(Options(), &rec_);
  t.InitialScan(resume, /*from_end=*/true, now_);
  ASSERT_EQ(t.files().size(), 2u);
  TrackedFile* rotated = nullptr;
  for (const auto& f : t.files()) {
    if (f->current_path == dir_.Path("a.log.1")) {
      rotated = f.get();
    }
  }
  ASSERT_NE(rotated, nullptr);
  EXPECT_EQ(rotated->path, dir_.Path("a.log"));  // its events carry the checkpointed path
  EXPECT_TRUE(rotated->gone);
  EXPECT_EQ(t.stats().rotations, 1u);
  EXPECT_EQ(t.stats().copies, 0u);
  // The new a.log is unknown (from its end: from_end); the rotated one goes on from 29.
  EXPECT_EQ(rec_.starts, (std::vector<std::pair<std::string, uint64_t>>{{dir_.Path("a.log"), 6},
                                                                        {dir_.Path("a.log"), 29}}));
  EXPECT_FALSE(t.ReadyToRelease(*rotated, now_ + std::chrono::milliseconds(1)));
  EXPECT_EQ(Drain(*rotated, now_), (std::vector<std::string>{"rotated two", "rotated three"}));
  EXPECT_TRUE(t.ReadyToRelease(*rotated, now_ + std::chrono::milliseconds(1)));
  rotated->release = true;
  t.Check(now_);
  ASSERT_EQ(t.files().size(), 1u);
  EXPECT_EQ(rec_.ends.size(), 1u);
  t.Rescan(now_);  // not found again by the globs
  EXPECT_EQ(t.files().size(), 1u);
  EXPECT_EQ(t.files()[0]->current_path, dir_.Path("a.log"));
}

// The checkpointed file's inode, found at a globbed path, hides no other entry of that inode.
TEST_F(FileTrackerTest, StaleEntryOfTheSameInodeDoesNotHideTheRightOne) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "0123456789abcdef now\nline two\n"));
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("a.log").c_str(), &st), 0);
  FileId id{st.st_dev, st.st_ino};
  std::vector<CheckpointEntry> resume = {
      {id, Fingerprint{16, HashBytes("fedcba9876543210")}, 40, dir_.Path("old.log")},
      {id, Fingerprint{16, HashBytes("0123456789abcdef")}, 21, dir_.Path("a.log")}};
  FileTracker t(Options(), &rec_);
  t.InitialScan(resume, /*from_end=*/false, now_);
  ASSERT_EQ(t.files().size(), 1u);
  EXPECT_EQ(rec_.starts, (std::vector<std::pair<std::string, uint64_t>>{{dir_.Path("a.log"), 21}}));
  EXPECT_EQ(Drain(*t.files()[0], now_), (std::vector<std::string>{"line two"}));
}

TEST_F(FileTrackerTest, RescanFindsNewFilesAndMarksGone) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "a1\n"));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, /*from_end=*/true, now_);
  ASSERT_TRUE(WriteFile(dir_.Path("new.log"), "n1\n"));
  t.Rescan(now_);
  EXPECT_FALSE(Find(t, "new.log")->identified);  // shorter than the fingerprint
  t.Check(now_);                                 // identify_wait is 0
  ASSERT_EQ(t.files().size(), 2u);
  EXPECT_EQ(rec_.starts.back(), (std::pair<std::string, uint64_t>{dir_.Path("new.log"), 0}));
  EXPECT_EQ(Drain(*Find(t, "new.log"), now_), (std::vector<std::string>{"n1"}));

  // Rename rotation: the old file is read to its end through its descriptor.
  TrackedFile* a = Find(t, "a.log");
  Drain(*a, now_);
  ASSERT_EQ(rename(dir_.Path("a.log").c_str(), dir_.Path("a.log.1").c_str()), 0);
  ASSERT_TRUE(AppendFile(dir_.Path("a.log.1"), "late\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "fresh\n"));
  t.Rescan(now_);
  EXPECT_TRUE(a->gone);
  EXPECT_EQ(t.stats().rotations, 1u);
  EXPECT_FALSE(t.ReadyToRelease(*a, now_));  // not at its end yet
  EXPECT_EQ(Drain(*a, now_), (std::vector<std::string>{"late"}));
  EXPECT_TRUE(t.ReadyToRelease(*a, now_ + std::chrono::milliseconds(1)));
  a->release = true;
  t.Check(now_);
  EXPECT_EQ(t.files().size(), 2u);
  EXPECT_EQ(rec_.ends.size(), 1u);
  EXPECT_EQ(Drain(*Find(t, "a.log"), now_), (std::vector<std::string>{"fresh"}));
}

TEST_F(FileTrackerTest, TruncationStartsANewGeneration) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "0123456789abcdef-line1\nline2\n"));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, false, now_);
  TrackedFile* a = t.files()[0].get();
  EXPECT_EQ(Drain(*a, now_).size(), 2u);
  uint64_t gen = a->generation;
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "short\n"));  // size below the offset
  t.Check(now_);
  EXPECT_NE(a->generation, gen);
  EXPECT_EQ(t.stats().truncations, 1u);
  EXPECT_EQ(Drain(*a, now_), (std::vector<std::string>{"short"}));
  // Truncated and rewritten past the old offset with other first bytes.
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "SHORT\n" + std::string(40, 'z') + "\n"));
  t.Check(now_);
  EXPECT_EQ(t.stats().truncations, 2u);
  EXPECT_EQ(Drain(*a, now_), (std::vector<std::string>{"SHORT", std::string(40, 'z')}));
}

TEST_F(FileTrackerTest, CopyAfterTruncationStartsAtOffset) {
  std::string content = "first line of the file\nsecond\nthird\n";
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), content.substr(0, 30)));  // up to "second\n"
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, false, now_);
  TrackedFile* a = t.files()[0].get();
  EXPECT_EQ(Drain(*a, now_), (std::vector<std::string>{"first line of the file", "second"}));
  ASSERT_TRUE(AppendFile(dir_.Path("a.log"), "third\n"));
  // copytruncate: the copy has everything, the original is emptied.
  ASSERT_TRUE(WriteFile(dir_.Path("a.1.log"), content));
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), ""));
  t.Check(now_);
  EXPECT_EQ(t.stats().truncations, 1u);
  t.Rescan(now_);
  EXPECT_EQ(t.stats().copies, 1u);
  TrackedFile* copy = Find(t, "a.1.log");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(Drain(*copy, now_), (std::vector<std::string>{"third"}));
  ASSERT_TRUE(AppendFile(dir_.Path("a.log"), "after\n"));
  EXPECT_EQ(Drain(*a, now_), (std::vector<std::string>{"after"}));
}

TEST_F(FileTrackerTest, CopyBeforeTruncationPausesTheOriginal) {
  std::string content = "first line of the file\nsecond\n";
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), content));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, false, now_);
  TrackedFile* a = t.files()[0].get();
  EXPECT_EQ(Drain(*a, now_).size(), 2u);
  ASSERT_TRUE(AppendFile(dir_.Path("a.log"), "third\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("a.1.log"), content + "third\n"));
  t.Rescan(now_);  // the copy is seen before the truncation
  EXPECT_TRUE(a->paused);
  EXPECT_EQ(Drain(*Find(t, "a.1.log"), now_), (std::vector<std::string>{"third"}));
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "new\n"));
  t.Check(now_);
  EXPECT_FALSE(a->paused);
  EXPECT_EQ(Drain(*a, now_), (std::vector<std::string>{"new"}));
}

TEST_F(FileTrackerTest, NewFileWithOtherContentIsNotACopy) {
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), "aaaaaaaaaaaaaaaaaaaa\n"));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, false, now_);
  Drain(*t.files()[0], now_);
  ASSERT_TRUE(WriteFile(dir_.Path("b.log"), "bbbbbbbbbbbbbbbbbbbb\n"));
  t.Rescan(now_);
  EXPECT_EQ(t.stats().copies, 0u);
  EXPECT_EQ(Drain(*Find(t, "b.log"), now_), (std::vector<std::string>{"bbbbbbbbbbbbbbbbbbbb"}));
}

TEST_F(FileTrackerTest, CopySeenWhileEmptyIsStillRecognised) {
  FileTrackerOptions o = Options();
  o.identify_wait = std::chrono::seconds(60);
  std::string content = "first line of the file\nsecond\n";
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), content));
  FileTracker t(o, &rec_);
  t.InitialScan({}, false, now_);
  TrackedFile* a = t.files()[0].get();
  EXPECT_EQ(Drain(*a, now_).size(), 2u);
  ASSERT_TRUE(WriteFile(dir_.Path("a.1.log"), ""));  // the copy, created but not written yet
  t.Rescan(now_);
  TrackedFile* copy = Find(t, "a.1.log");
  ASSERT_NE(copy, nullptr);
  EXPECT_FALSE(copy->identified);
  t.Check(now_);
  EXPECT_FALSE(copy->identified);
  ASSERT_TRUE(WriteFile(dir_.Path("a.1.log"), content + "third\n"));
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), ""));
  t.Check(now_);
  EXPECT_TRUE(copy->identified);
  EXPECT_EQ(t.stats().copies, 1u);
  EXPECT_EQ(Drain(*copy, now_), (std::vector<std::string>{"third"}));
}

// The copy is found while it is being written: shorter than the offset it starts at. It waits
// for its bytes instead of being taken as truncated and read again from 0.
TEST_F(FileTrackerTest, CopyFoundWhileBeingWrittenWaitsForItsBytes) {
  std::string content = "first line of the file\nsecond\nthird\n";
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), content));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, false, now_);
  TrackedFile* a = t.files()[0].get();
  EXPECT_EQ(Drain(*a, now_).size(), 3u);
  ASSERT_TRUE(WriteFile(dir_.Path("a.1.log"), content.substr(0, 20)));  // 20 of 36 bytes so far
  t.Rescan(now_);
  TrackedFile* copy = Find(t, "a.1.log");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(t.stats().copies, 1u);
  EXPECT_EQ(rec_.starts.back(), (std::pair<std::string, uint64_t>{dir_.Path("a.1.log"), 36}));
  EXPECT_TRUE(Drain(*copy, now_).empty());
  t.Check(now_);
  ASSERT_TRUE(AppendFile(dir_.Path("a.1.log"), content.substr(20, 10)));
  EXPECT_TRUE(Drain(*copy, now_).empty());
  t.Check(now_);
  ASSERT_TRUE(AppendFile(dir_.Path("a.1.log"), content.substr(30) + "fourth\n"));
  t.Check(now_);
  EXPECT_EQ(Drain(*copy, now_), (std::vector<std::string>{"fourth"}));
  EXPECT_EQ(t.stats().truncations, 0u);
}

// While a copy grows towards its start offset, getting shorter is still a truncation.
TEST_F(FileTrackerTest, CopyBeingWrittenThatShrinksIsTruncated) {
  std::string content = "first line of the file\nsecond\nthird\n";
  ASSERT_TRUE(WriteFile(dir_.Path("a.log"), content));
  FileTracker t(Options(), &rec_);
  t.InitialScan({}, false, now_);
  EXPECT_EQ(Drain(*t.files()[0], now_).size(), 3u);
  ASSERT_TRUE(WriteFile(dir_.Path("a.1.log"), content.substr(0, 30)));
  t.Rescan(now_);
  TrackedFile* copy = Find(t, "a.1.log");
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(Drain(*copy, now_).empty());
  ASSERT_EQ(truncate(dir_.Path("a.1.log").c_str(), 23), 0);  // "first line of the file\n"
  t.Check(now_);
  EXPECT_EQ(t.stats().truncations, 1u);
  EXPECT_EQ(Drain(*copy, now_), (std::vector<std::string>{"first line of the file"}));
}

TEST_F(FileTrackerTest, SmallNewFileIsReadAfterIdentifyWait) {
  FileTrackerOptions o = Options();
  o.identify_wait = std::chrono::seconds(1);
  FileTracker t(o, &rec_);
  t.InitialScan({}, false, now_);
  ASSERT_TRUE(WriteFile(dir_.Path("s.log"), "tiny\n"));
  t.Rescan(now_);
  t.Check(now_);
  EXPECT_FALSE(t.files()[0]->identified);
  t.Check(now_ + std::chrono::seconds(1));
  EXPECT_TRUE(t.files()[0]->identified);
  EXPECT_EQ(Drain(*t.files()[0], now_), (std::vector<std::string>{"tiny"}));
}

}  // namespace
}  // namespace runnel::files

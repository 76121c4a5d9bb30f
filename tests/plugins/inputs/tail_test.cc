// Runtime tests of the tail input on real files: globs, read_from, rotation, truncation,
// copies, identity, long and partial lines, acknowledgement watermarks, checkpoints, exit_on_eof.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_input.h"
#include "runnel/files/atomic_file.h"
#include "runnel/files/checkpoint.h"
#include "runnel/files/checkpoint_store.h"
#include "tests/plugins/inputs/tail_test_util.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::tail {
namespace {

using runnel::testing::AppendFile;
using runnel::testing::CaptureEmitter;
using runnel::testing::PollUntil;
using runnel::testing::WriteFile;
using std::chrono::milliseconds;

// "p-000001\n" ... for i in [from, to].
std::string Lines(const std::string& prefix, int from, int to) {
  std::string out;
  char buf[64];
  for (int i = from; i <= to; ++i) {
    snprintf(buf, sizeof(buf), "%s-%06d\n", prefix.c_str(), i);
    out += buf;
  }
  return out;
}
std::vector<std::string> LineList(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  char buf[64];
  for (int i = from; i <= to; ++i) {
    snprintf(buf, sizeof(buf), "%s-%06d", prefix.c_str(), i);
    out.push_back(buf);
  }
  return out;
}

class TailTest : public TailFixture {
 protected:
  TailTest() : TailFixture("app") {}

  // The lines captured for `path`, in order.
  std::vector<std::string> LinesOf(const std::string& path) const {
    std::vector<std::string> out;
    for (const auto& e : emitter_.events()) {
      if (e.Get("path") == path) {
        out.push_back(e.Get("log"));
      }
    }
    return out;
  }
  // Appends a sentinel line to `path` and waits for it: every line before it was processed.
  // `reported`: the path the events carry, when not `path` (a renamed file keeps its first one).
  void Sync(const std::string& path, const std::string& name = "SYNC",
            const std::string& reported = "") {
    ASSERT_TRUE(AppendFile(path, name + "\n"));
    ASSERT_TRUE(PollUntil([&] {
      std::vector<std::string> got = LinesOf(reported.empty() ? path : reported);
      return !got.empty() && got.back() == name;
    })) << "waiting for "
        << name << " in " << path;
  }
  // The offset of the checkpoint's only entry, as a restart would load it; ~0 unless it has
  // exactly one. Unlike the fixture's, a checkpoint that cannot be loaded fails the test.
  uint64_t OnlyOffset() {
    std::vector<files::CheckpointEntry> c = Checkpoint();
    return c.size() == 1 ? c[0].offset : ~uint64_t{0};
  }
  std::vector<files::CheckpointEntry> Checkpoint() {
    Result<std::vector<files::CheckpointEntry>> c =
        files::LoadCheckpoint(ctx_.StateDir() + "/checkpoint");
    EXPECT_TRUE(c.has_value());
    return c.value_or(std::vector<files::CheckpointEntry>{});
  }
};

TEST_F(TailTest, ReadsMatchingFilesAndNewOnes) {
  config_.exclude = {"skip-*"};
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("a", 1, 3)));
  ASSERT_TRUE(WriteFile(Log("skip-me.log"), "no\n"));
  ASSERT_TRUE(WriteFile(Log("other.txt"), "no\n"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  ASSERT_TRUE(WriteFile(Log("b.log"), Lines("b", 1, 2)));  // appears while running
  ASSERT_TRUE(emitter_.WaitForEvents(5));
  Sync(Log("a.log"));
  Sync(Log("b.log"));
  std::vector<std::string> a = LineList("a", 1, 3);
  a.push_back("SYNC");
  std::vector<std::string> b = LineList("b", 1, 2);
  b.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), a);
  EXPECT_EQ(LinesOf(Log("b.log")), b);
  EXPECT_EQ(emitter_.event_count(), 7u);
  for (const auto& batch : emitter_.batches()) {
    EXPECT_EQ(batch.tag, "app");
  }
  EXPECT_EQ(input_->metrics().files_watched->value(), 2);
}

TEST_F(TailTest, ReadFromTailSkipsOldLinesOfStartupFilesOnly) {
  config_.read_from_tail = true;
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("old", 1, 5)));
  StartInput();
  ASSERT_TRUE(PollUntil([&] { return input_->metrics().files_watched->value() == 1; }));
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("new", 1, 2)));
  ASSERT_TRUE(WriteFile(Log("b.log"), Lines("b", 1, 2)));  // new while running: from its head
  Sync(Log("a.log"));
  Sync(Log("b.log"));
  std::vector<std::string> a = LineList("new", 1, 2);
  a.push_back("SYNC");
  std::vector<std::string> b = LineList("b", 1, 2);
  b.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), a);
  EXPECT_EQ(LinesOf(Log("b.log")), b);
}

TEST_F(TailTest, TagPathKeyAndKey) {
  config_.key = "message";
  config_.path_key = "";
  ASSERT_TRUE(WriteFile(Log("a.log"), "hello\n"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  std::vector<runnel::testing::CapturedEvent> events = emitter_.events();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].fields.size(), 1u);
  EXPECT_EQ(events[0].Get("message"), "hello");
  EXPECT_GT(events[0].time.sec, 1'700'000'000u);
}

TEST_F(TailTest, RenameRotationUnderConcurrentWriter) {
  constexpr int kLines = 30000;
  constexpr int kRotateAt = 12000;
  config_.batch_max_events = 500;
  ASSERT_TRUE(WriteFile(Log("app.log"), ""));
  StartInput();
  std::thread writer([&] {
    int fd = open(Log("app.log").c_str(), O_WRONLY | O_APPEND);
    for (int i = 1; i <= kLines; ++i) {
      std::string line = Lines("w", i, i);
      ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
      if (i == kRotateAt) {
        // Rotated away (not matched by *.log); the writer goes on a little on its old
        // descriptor, as a daemon does until it reopens.
        ASSERT_EQ(rename(Log("app.log").c_str(), Log("app.log.1").c_str()), 0);
      }
      if (i == kRotateAt + 500) {
        close(fd);
        fd = open(Log("app.log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      }
    }
    close(fd);
  });
  writer.join();
  ASSERT_TRUE(emitter_.WaitForEvents(kLines, std::chrono::seconds(30))) << emitter_.event_count();
  Sync(Log("app.log"));
  std::vector<std::string> want = LineList("w", 1, kLines);
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("app.log")), want);
  EXPECT_EQ(emitter_.event_count(), static_cast<size_t>(kLines + 1));
  EXPECT_EQ(input_->metrics().rotations->value(), 1u);
  // The rotated file is let go after rotate_wait.
  EXPECT_TRUE(PollUntil([&] { return input_->metrics().files_watched->value() == 1; }));
}

TEST_F(TailTest, RenameWithinTheGlobsIsTheSameFile) {
  config_.paths = {logs_ + "/*.log*"};
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("r", 1, 100)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(100));
  int fd = open(Log("a.log").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rename(Log("a.log").c_str(), Log("a.log.1").c_str()), 0);
  std::string late = Lines("r", 101, 120);  // the writer has not reopened yet
  ASSERT_EQ(write(fd, late.data(), late.size()), static_cast<ssize_t>(late.size()));
  close(fd);
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("r", 121, 130)));
  ASSERT_TRUE(emitter_.WaitForEvents(130));
  // Appended to the renamed file: still read, and its events still say "a.log".
  Sync(Log("a.log.1"), "SYNC1", Log("a.log"));
  Sync(Log("a.log"));
  std::vector<std::string> got = LinesOf(Log("a.log"));
  std::vector<std::string> want = LineList("r", 1, 130);
  want.push_back("SYNC1");
  want.push_back("SYNC");
  EXPECT_EQ(got, want);
  EXPECT_TRUE(LinesOf(Log("a.log.1")).empty());
  EXPECT_EQ(input_->metrics().rotations->value(), 0u);
}

// logrotate's copytruncate, done while the writer is paused (lines written between the copy and
// the truncation are lost by copytruncate itself, whoever reads the file).
void CopyTruncate(const std::string& from, const std::string& to) {
  Result<std::string> data = files::ReadWholeFile(from);
  ASSERT_TRUE(data.has_value());
  ASSERT_TRUE(WriteFile(to, *data));
  ASSERT_EQ(truncate(from.c_str(), 0), 0);
}

TEST_F(TailTest, CopyTruncateCopyNotMatched) {
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("x", 1, 100)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(100));
  CopyTruncate(Log("a.log"), Log("a.log.1"));
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("x", 101, 150)));
  Sync(Log("a.log"));
  std::vector<std::string> want = LineList("x", 1, 150);
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), want);
  EXPECT_EQ(input_->metrics().truncations->value(), 1u);
}

TEST_F(TailTest, CopyTruncateCopyMatchedReadsNothingTwice) {
  config_.paths = {logs_ + "/*.log*"};
  config_.poll_interval = milliseconds(200);  // so the copy usually comes before the next read
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("x", 1, 100)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(100));
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("x", 101, 150)));  // maybe not read before...
  CopyTruncate(Log("a.log"), Log("a.log.1"));                   // ...the copy and truncation
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("x", 151, 200)));
  ASSERT_TRUE(emitter_.WaitForEvents(200));
  Sync(Log("a.log"));
  Sync(Log("a.log.1"), "SYNC1");
  std::vector<std::string> original = LinesOf(Log("a.log"));
  std::vector<std::string> copy = LinesOf(Log("a.log.1"));
  ASSERT_EQ(original.back(), "SYNC");
  ASSERT_EQ(copy.back(), "SYNC1");
  original.pop_back();
  copy.pop_back();
  // Every line once: a prefix of 1..150 from the original, the rest of it from the copy,
  // then 151..200 from the original after its truncation.
  std::vector<std::string> all = original;
  all.insert(all.end(), copy.begin(), copy.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, LineList("x", 1, 200));
  std::vector<std::string> want_copy(LineList("x", 1, 150));
  want_copy.erase(want_copy.begin(), want_copy.end() - static_cast<ptrdiff_t>(copy.size()));
  EXPECT_EQ(copy, want_copy);
  EXPECT_EQ(input_->metrics().copies->value(), 1u);
  EXPECT_EQ(input_->metrics().truncations->value(), 1u);
}

TEST_F(TailTest, CopyTruncateWhileStoppedReadsNothingTwice) {
  config_.paths = {logs_ + "/*.log*"};
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("x", 1, 100)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(100));
  StopInput();
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("x", 101, 150)));
  CopyTruncate(Log("a.log"), Log("a.log.1"));
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("x", 151, 200)));
  emitter_.Clear();
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(100));
  Sync(Log("a.log"));
  Sync(Log("a.log.1"), "SYNC1");
  std::vector<std::string> copy = LineList("x", 101, 150);
  copy.push_back("SYNC1");
  std::vector<std::string> original = LineList("x", 151, 200);
  original.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log.1")), copy);
  EXPECT_EQ(LinesOf(Log("a.log")), original);
  EXPECT_EQ(input_->metrics().copies->value(), 1u);
}

TEST_F(TailTest, DeletedAndRecreatedFileIsReadFromItsStart) {
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("first", 1, 10)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(10));
  ASSERT_EQ(unlink(Log("a.log").c_str()), 0);
  ASSERT_TRUE(PollUntil([&] { return input_->metrics().files_watched->value() == 0; }));
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("second", 1, 5)));
  Sync(Log("a.log"));
  std::vector<std::string> want = LineList("first", 1, 10);
  for (const std::string& l : LineList("second", 1, 5)) {
    want.push_back(l);
  }
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), want);
}

TEST_F(TailTest, ReusedInodeAfterRestartIsReadFromItsStart) {
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("old", 1, 10)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(10));
  StopInput();
  struct stat before;
  ASSERT_EQ(stat(Log("a.log").c_str(), &before), 0);
  ASSERT_EQ(unlink(Log("a.log").c_str()), 0);
  // Same length, other content; ext4 and tmpfs usually hand the freed inode out again.
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("new", 1, 10)));
  struct stat after;
  ASSERT_EQ(stat(Log("a.log").c_str(), &after), 0);
  if (after.st_ino != before.st_ino) {
    // Still a valid test of identity, only not of the reuse.
    RecordProperty("inode_reused", "no");
  }
  emitter_.Clear();
  StartInput();
  Sync(Log("a.log"));
  std::vector<std::string> want = LineList("new", 1, 10);
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), want);
}

TEST_F(TailTest, ShortFileGrowsPastTheFingerprint) {
  ASSERT_TRUE(WriteFile(Log("a.log"), "a\n"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(AppendFile(Log("a.log"), "b\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_TRUE(AppendFile(Log("a.log"), std::string(100, 'c') + "\n"));  // past 32 bytes
  Sync(Log("a.log"));
  EXPECT_EQ(LinesOf(Log("a.log")),
            (std::vector<std::string>{"a", "b", std::string(100, 'c'), "SYNC"}));
  EXPECT_EQ(input_->metrics().truncations->value(), 0u);
  StopInput();
  // The checkpoint of a short file resumes too.
  std::vector<files::CheckpointEntry> c = Checkpoint();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].offset, 2u + 2u + 101u + 5u);
  EXPECT_EQ(c[0].fingerprint.len, 32u);
  emitter_.Clear();
  StartInput();
  Sync(Log("a.log"), "AGAIN");
  EXPECT_EQ(LinesOf(Log("a.log")), (std::vector<std::string>{"AGAIN"}));
}

TEST_F(TailTest, LongLinesAreTruncated) {
  config_.max_line_bytes = 32;
  config_.read_block_bytes = 4096;
  std::string big(100000, 'L');
  ASSERT_TRUE(WriteFile(Log("a.log"), "before\n" + big + "\nafter\n"));
  StartInput();
  Sync(Log("a.log"));
  EXPECT_EQ(LinesOf(Log("a.log")),
            (std::vector<std::string>{"before", std::string(32, 'L'), "after", "SYNC"}));
  EXPECT_EQ(input_->metrics().lines_truncated->value(), 1u);
}

TEST_F(TailTest, PartialLastLine) {
  ASSERT_TRUE(WriteFile(Log("a.log"), "x\npart"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  EXPECT_EQ(LinesOf(Log("a.log")), std::vector<std::string>{"x"});
  // Emitted as it is after partial_line_timeout; its belated newline is no empty line.
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_TRUE(AppendFile(Log("a.log"), "\nnext\n"));
  Sync(Log("a.log"));
  EXPECT_EQ(LinesOf(Log("a.log")), (std::vector<std::string>{"x", "part", "next", "SYNC"}));
}

TEST_F(TailTest, BelatedNewlineIsCheckpointedWithoutAnEvent) {
  ASSERT_TRUE(WriteFile(Log("a.log"), "x\npart"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(2));  // "x", then "part" after the timeout
  ASSERT_TRUE(AppendFile(Log("a.log"), "\n"));
  EXPECT_TRUE(PollUntil([&] {
    EXPECT_TRUE(input_->SaveCheckpoint().ok());
    std::vector<files::CheckpointEntry> c = Checkpoint();
    return c.size() == 1 && c[0].offset == 7;
  }));
  EXPECT_EQ(emitter_.event_count(), 2u);
  StopInput();
  emitter_.Clear();
  StartInput();
  Sync(Log("a.log"));
  EXPECT_EQ(LinesOf(Log("a.log")), std::vector<std::string>{"SYNC"});
}

TEST_F(TailTest, PartialLineCompletedInTime) {
  config_.partial_line_timeout = milliseconds(60'000);
  ASSERT_TRUE(WriteFile(Log("a.log"), "x\npar"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(AppendFile(Log("a.log"), "tial\n"));
  Sync(Log("a.log"));
  EXPECT_EQ(LinesOf(Log("a.log")), (std::vector<std::string>{"x", "partial", "SYNC"}));
}

TEST_F(TailTest, WatermarkAdvancesOverContiguousAcksOnly) {
  config_.batch_max_events = 1;  // one line per batch
  emitter_.set_auto_ack(false);
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("l", 1, 5)));  // 9 bytes per line
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(5));
  ASSERT_EQ(emitter_.held(), 5u);
  auto committed = [&] {
    EXPECT_TRUE(input_->SaveCheckpoint().ok());
    std::vector<files::CheckpointEntry> c = Checkpoint();
    return c.size() == 1 ? c[0].offset : ~uint64_t{0};
  };
  EXPECT_EQ(committed(), 0u);
  emitter_.AckHeld(4, AckOutcome::kDelivered);  // line 5
  emitter_.AckHeld(1, AckOutcome::kRejected);   // line 2: rejected also advances
  EXPECT_EQ(committed(), 0u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);  // line 1
  EXPECT_EQ(committed(), 18u);
  emitter_.AckHeld(0, AckOutcome::kCancelled);  // line 3: never committed
  emitter_.AckHeld(0, AckOutcome::kDelivered);  // line 4
  EXPECT_EQ(committed(), 18u);
  StopInput();
  EXPECT_EQ(Checkpoint()[0].offset, 18u);
  // A restart reads from line 3: what was not delivered comes again.
  emitter_.Clear();
  emitter_.set_auto_ack(true);
  StartInput();
  Sync(Log("a.log"));
  std::vector<std::string> want = LineList("l", 3, 5);
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), want);
}

// An acknowledgement that moves the watermark is on disk when OnAck returns (the checkpoint
// journal), not at the next checkpoint_interval: here an hour, never reached.
TEST_F(TailTest, AcknowledgedOffsetIsOnDiskAtOnce) {
  config_.checkpoint_interval = std::chrono::hours(1);
  config_.batch_max_events = 1;  // one line per batch
  emitter_.set_auto_ack(false);
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("l", 1, 5)));  // 9 bytes per line
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(5));
  // The file is in the checkpoint from its start, at 0.
  ASSERT_EQ(Checkpoint().size(), 1u);
  EXPECT_EQ(Checkpoint()[0].path, Log("a.log"));
  EXPECT_EQ(OnlyOffset(), 0u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);  // line 1
  EXPECT_EQ(OnlyOffset(), 9u);
  emitter_.AckHeld(1, AckOutcome::kDelivered);  // line 3: not contiguous yet
  EXPECT_EQ(OnlyOffset(), 9u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);  // line 2
  EXPECT_EQ(OnlyOffset(), 27u);
  // Nothing but the journal says so: the snapshot is the one written at start, without a.log.
  Result<std::string> snapshot = files::ReadWholeFile(ctx_.StateDir() + "/checkpoint");
  ASSERT_TRUE(snapshot.has_value());
  Result<files::CheckpointSnapshot> decoded = files::DecodeCheckpoint(*snapshot);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->entries.empty());

  // kill -9 now: what is on disk is what a restart gets. A copy of the state directory, taken
  // while this input runs, is started by a fresh input: it reads from line 4.
  PluginContext copy = ctx_;
  copy.data_dir = dir_.Path("copy");
  ASSERT_TRUE(files::MakeDirs(copy.StateDir()).ok());
  for (const char* name : {"/checkpoint", "/checkpoint.journal.0", "/checkpoint.journal.1"}) {
    Result<std::string> contents = files::ReadWholeFile(ctx_.StateDir() + name);
    ASSERT_TRUE(contents.has_value()) << name;
    ASSERT_TRUE(WriteFile(copy.StateDir() + name, *contents));
  }
  CaptureEmitter after;
  TailInput fresh(config_, "app", copy);
  ASSERT_TRUE(fresh.Start(after).ok());
  ASSERT_TRUE(after.WaitForEvents(2));
  EXPECT_EQ(after.Values(), LineList("l", 4, 5));
  fresh.Stop();
}

// Acknowledgements from several threads at once (fan-out, several outputs) are all journalled:
// the last one written is the newest watermark, whatever the interleaving.
TEST_F(TailTest, ConcurrentAcknowledgementsAreJournalled) {
  config_.checkpoint_interval = std::chrono::hours(1);
  config_.batch_max_events = 1;
  emitter_.set_auto_ack(false);
  constexpr int kLines = 400;
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("l", 1, kLines)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(kLines));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // The first held one for even threads, the last for odd: acks out of order. An index gone
      // stale meanwhile acks nothing, and the loop tries again.
      for (size_t n; (n = emitter_.held()) > 0;) {
        emitter_.AckHeld(t % 2 == 0 ? 0 : n - 1, AckOutcome::kDelivered);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(emitter_.held(), 0u);
  EXPECT_EQ(OnlyOffset(), kLines * 9u);
}

TEST_F(TailTest, RestartNeitherLosesNorRepeats) {
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("a", 1, 1000)));
  ASSERT_TRUE(WriteFile(Log("b.log"), Lines("b", 1, 10)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1010));
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("a", 1001, 1500)));
  ASSERT_TRUE(emitter_.WaitForEvents(1510));
  StopInput();
  ASSERT_TRUE(AppendFile(Log("a.log"), Lines("a", 1501, 2000)));
  ASSERT_TRUE(AppendFile(Log("b.log"), Lines("b", 11, 20)));
  std::vector<std::string> before_a = LinesOf(Log("a.log"));
  emitter_.Clear();
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(510));
  Sync(Log("a.log"));
  Sync(Log("b.log"));
  EXPECT_EQ(before_a, LineList("a", 1, 1500));
  std::vector<std::string> want_a = LineList("a", 1501, 2000);
  want_a.push_back("SYNC");
  std::vector<std::string> want_b = LineList("b", 11, 20);
  want_b.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), want_a);
  EXPECT_EQ(LinesOf(Log("b.log")), want_b);
}

TEST_F(TailTest, StopWithUnacknowledgedBatchesRepeatsOnlyThose) {
  config_.batch_max_events = 10;
  emitter_.set_auto_ack(false);
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("a", 1, 100)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(100));
  ASSERT_EQ(emitter_.held(), 10u);
  for (int i = 0; i < 4; ++i) {
    emitter_.AckHeld(0, AckOutcome::kDelivered);
  }
  input_->Stop();
  emitter_.AckAllHeld(AckOutcome::kCancelled);  // the drain deadline passed
  input_->OnDrained();
  input_.reset();
  emitter_.Clear();
  emitter_.set_auto_ack(true);
  StartInput();
  Sync(Log("a.log"));
  std::vector<std::string> want = LineList("a", 41, 100);
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("a.log")), want);
}

TEST_F(TailTest, RotatedWhileStoppedIsReadFromItsCheckpointedOffset) {
  config_.batch_max_events = 1;  // one line per batch: acknowledge exactly lines 1..4
  emitter_.set_auto_ack(false);
  ASSERT_TRUE(WriteFile(Log("app.log"), Lines("old", 1, 10)));  // 11 bytes per line
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(10));
  ASSERT_EQ(emitter_.held(), 10u);
  for (int i = 0; i < 4; ++i) {
    emitter_.AckHeld(0, AckOutcome::kDelivered);
  }
  input_->Stop();
  emitter_.AckAllHeld(AckOutcome::kCancelled);
  input_->OnDrained();
  input_.reset();
  std::vector<files::CheckpointEntry> c = Checkpoint();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].offset, 44u);
  EXPECT_EQ(c[0].path, Log("app.log"));

  // While stopped: rotated away (app.log.1 is not matched by *.log), written on, and replaced.
  ASSERT_EQ(rename(Log("app.log").c_str(), Log("app.log.1").c_str()), 0);
  ASSERT_TRUE(AppendFile(Log("app.log.1"), Lines("old", 11, 12)));
  ASSERT_TRUE(WriteFile(Log("app.log"), Lines("new", 1, 3)));
  emitter_.Clear();
  emitter_.set_auto_ack(true);
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(11));
  // The rotated file is let go after rotate_wait; then nothing more can come from it.
  ASSERT_TRUE(PollUntil([&] { return input_->metrics().files_watched->value() == 1; }));
  Sync(Log("app.log"));
  std::vector<std::string> old_lines;
  std::vector<std::string> new_lines;
  for (const auto& e : emitter_.events()) {
    EXPECT_EQ(e.Get("path"), Log("app.log"));  // the rotated file's events: its checkpointed path
    (e.Get("log").starts_with("old-") ? old_lines : new_lines).push_back(e.Get("log"));
  }
  EXPECT_EQ(old_lines, LineList("old", 5, 12));
  std::vector<std::string> want_new = LineList("new", 1, 3);
  want_new.push_back("SYNC");
  EXPECT_EQ(new_lines, want_new);
  EXPECT_EQ(emitter_.event_count(), 12u);
  EXPECT_EQ(input_->metrics().rotations->value(), 1u);
  // The rotated file, read to its end and let go, left the checkpoint.
  struct stat st;
  ASSERT_EQ(stat(Log("app.log").c_str(), &st), 0);
  EXPECT_TRUE(PollUntil([&] {
    EXPECT_TRUE(input_->SaveCheckpoint().ok());
    std::vector<files::CheckpointEntry> after = Checkpoint();
    return after.size() == 1 && after[0].id.ino == st.st_ino && after[0].offset == 3u * 11 + 5;
  }));
}

TEST_F(TailTest, RotatedAndDeletedWhileStoppedIsDropped) {
  ctx_.component_metrics = ComponentMetrics::Create(registry_, ctx_.id);
  config_.batch_max_events = 1;
  emitter_.set_auto_ack(false);
  ASSERT_TRUE(WriteFile(Log("app.log"), Lines("old", 1, 10)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(10));
  for (int i = 0; i < 4; ++i) {
    emitter_.AckHeld(0, AckOutcome::kDelivered);
  }
  input_->Stop();
  emitter_.AckAllHeld(AckOutcome::kCancelled);
  input_->OnDrained();
  input_.reset();
  ASSERT_EQ(Checkpoint().size(), 1u);
  // While stopped: rotated, replaced (a new inode, the old one still exists), then deleted.
  ASSERT_EQ(rename(Log("app.log").c_str(), Log("app.log.1").c_str()), 0);
  ASSERT_TRUE(WriteFile(Log("app.log"), Lines("new", 1, 3)));
  ASSERT_EQ(unlink(Log("app.log.1").c_str()), 0);
  emitter_.Clear();
  emitter_.set_auto_ack(true);
  StartInput();
  Sync(Log("app.log"));
  std::vector<std::string> want = LineList("new", 1, 3);
  want.push_back("SYNC");
  EXPECT_EQ(LinesOf(Log("app.log")), want);
  EXPECT_EQ(emitter_.event_count(), 4u);
  EXPECT_EQ(input_->metrics().rotations->value(), 0u);
  EXPECT_EQ(ctx_.component_metrics.errors->value(), 0u);
  // The entry of the deleted file is dropped: only the new app.log is checkpointed.
  struct stat st;
  ASSERT_EQ(stat(Log("app.log").c_str(), &st), 0);
  EXPECT_TRUE(input_->SaveCheckpoint().ok());
  std::vector<files::CheckpointEntry> c = Checkpoint();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id.ino, st.st_ino);
  EXPECT_EQ(c[0].offset, 3u * 11 + 5);
}

// A file let go while some of its batches are unacknowledged stays in the checkpoint until they
// are; cancelled at shutdown, they are read again after a restart from its directory.
TEST_F(TailTest, ReleasedFileStaysCheckpointedUntilAcknowledged) {
  config_.batch_max_events = 1;
  emitter_.set_auto_ack(false);
  ASSERT_TRUE(WriteFile(Log("app.log"), Lines("old", 1, 6)));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(6));
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  ASSERT_EQ(rename(Log("app.log").c_str(), Log("app.log.1").c_str()), 0);
  ASSERT_TRUE(PollUntil([&] {
    return input_->metrics().rotations->value() == 1 &&
           input_->metrics().files_watched->value() == 0;
  }));
  EXPECT_TRUE(input_->SaveCheckpoint().ok());
  std::vector<files::CheckpointEntry> c = Checkpoint();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].offset, 22u);
  input_->Stop();
  emitter_.AckAllHeld(AckOutcome::kCancelled);
  input_->OnDrained();
  input_.reset();
  c = Checkpoint();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].offset, 22u);

  emitter_.Clear();
  emitter_.set_auto_ack(true);
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(4));
  // Read to its end, let go and acknowledged: the checkpoint forgets it.
  EXPECT_TRUE(PollUntil([&] {
    EXPECT_TRUE(input_->SaveCheckpoint().ok());
    return Checkpoint().empty();
  }));
  EXPECT_EQ(LinesOf(Log("app.log")), LineList("old", 3, 6));
  EXPECT_EQ(emitter_.event_count(), 4u);
}

TEST_F(TailTest, ExitOnEof) {
  config_.exit_on_eof = true;
  ASSERT_TRUE(WriteFile(Log("a.log"), "a1\na-last-without-newline"));
  ASSERT_TRUE(WriteFile(Log("b.log"), Lines("b", 1, 3000)));
  StartInput();
  ASSERT_TRUE(PollUntil([&] { return emitter_.finished(); }));
  EXPECT_EQ(LinesOf(Log("a.log")), (std::vector<std::string>{"a1", "a-last-without-newline"}));
  EXPECT_EQ(LinesOf(Log("b.log")), LineList("b", 1, 3000));
  StopInput();
  // Everything read was acknowledged: the checkpoint is at the end of both files.
  std::map<std::string, uint64_t> offsets;
  for (const auto& e : Checkpoint()) {
    offsets[e.path] = e.offset;
  }
  EXPECT_EQ(offsets[Log("a.log")], 25u);
  EXPECT_EQ(offsets[Log("b.log")], 3000u * 9);
}

TEST_F(TailTest, BlockedEmitStopsReadingAndStopReturns) {
  config_.batch_max_events = 100;
  ASSERT_TRUE(WriteFile(Log("a.log"), Lines("a", 1, 10000)));
  emitter_.set_blocked(true);
  StartInput();
  ASSERT_TRUE(PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  EXPECT_EQ(emitter_.event_count(), 0u);
  emitter_.set_stopping(true);  // the runtime stops the pipeline, then the input
  input_->Stop();
  EXPECT_EQ(emitter_.event_count(), 0u);
  StopInput();
  // Nothing was delivered, so nothing is committed: a restart reads everything.
  EXPECT_EQ(Checkpoint()[0].offset, 0u);
}

TEST_F(TailTest, CorruptCheckpointIsMovedAside) {
  ASSERT_TRUE(files::MakeDirs(ctx_.StateDir()).ok());
  ASSERT_TRUE(WriteFile(ctx_.StateDir() + "/checkpoint", "garbage"));
  ASSERT_TRUE(WriteFile(Log("a.log"), "x\n"));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  struct stat st;
  EXPECT_EQ(stat((ctx_.StateDir() + "/checkpoint.corrupt").c_str(), &st), 0);
}

TEST_F(TailTest, UnacknowledgedBytesAreWhatIsReadAndNotAcknowledged) {
  config_.batch_max_events = 1;
  emitter_.set_auto_ack(false);
  const std::string text = Lines("a", 1, 3);  // three lines of 9 bytes
  ASSERT_TRUE(WriteFile(Log("app.log"), text));
  StartInput();
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  const TailInput::Metrics& m = input_->metrics();
  EXPECT_TRUE(PollUntil([&] { return m.unacknowledged_bytes->value() == 27; }))
      << m.unacknowledged_bytes->value();
  EXPECT_EQ(m.unread_bytes->value(), 0);
  EXPECT_EQ(m.files_watched->value(), 1);
  emitter_.AckHeld(1, AckOutcome::kDelivered);  // out of order: the watermark does not move
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  EXPECT_TRUE(PollUntil([&] { return m.unacknowledged_bytes->value() == 9; }))
      << m.unacknowledged_bytes->value();
  emitter_.AckAllHeld(AckOutcome::kDelivered);
  EXPECT_TRUE(PollUntil([&] { return m.unacknowledged_bytes->value() == 0; }))
      << m.unacknowledged_bytes->value();
}

}  // namespace
}  // namespace runnel::plugins::tail

// Per-output buffers through the whole pipeline: memory and disk, when_full, acknowledgements,
// the memory budget, and a disk buffer's recovery and write errors.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "runnel/buffer/dead_letter.h"
#include "runnel/forward/compression.h"
#include "tests/core/runtime/pipeline_fixture.h"
#include "tests/testing/capture_emitter.h"  // PollUntil

namespace runnel::runtime {
namespace {

namespace fs = std::filesystem;

ConfigNode Output(const std::string& name, const std::string& type,
                  std::vector<std::pair<std::string, ConfigValue::Value>> options = {}) {
  ConfigNode n = Node("outputs", name, type, {"in"});
  for (auto& [key, value] : options) {
    n.Set(key, ConfigValue{std::move(value), {"test.toml", 3, 1}});
  }
  return n;
}

// `n` distinct lines of `size` random letters: zstd cannot shrink them much.
std::vector<std::string> RandomLines(size_t n, size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> lines(n, std::string(size, ' '));
  for (std::string& line : lines) {
    for (char& c : line) {
      c = static_cast<char>('a' + rng() % 26);
    }
  }
  return lines;
}

std::string Json(const std::string& line) { return R"({"log":")" + line + R"("})"; }

class OutputBufferTest : public PipelineTest {
 protected:
  int64_t Gauge(const std::string& name, const std::string& component) {
    return metrics_.GetGauge(name, component, "")->value();
  }
  std::vector<AckOutcome> Delivered(size_t n) {
    return std::vector<AckOutcome>(n, AckOutcome::kDelivered);
  }
};

TEST_F(OutputBufferTest, DiskBufferAcksOnceStoredAndDeliversAfterARestart) {
  PipelineSpec spec;
  spec.shutdown_timeout = milliseconds(200);
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture", {{"buffer.type", std::string("disk")}})};
  plugins_.FailNext("out", 1'000'000);  // the output is down
  {
    auto p = Make(spec);
    ASSERT_TRUE(plugins_.Emit("in", {"a", "b"}).ok());
    ASSERT_TRUE(plugins_.Emit("in", {"c"}).ok());
    // Stored is enough for the source to commit.
    ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
    EXPECT_EQ(plugins_.Acks("in"), Delivered(2));
    ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 2, kWait));
    EXPECT_TRUE(plugins_.Delivered("out").empty());
    // Nothing for the sources to send again: the disk buffer keeps both batches.
    EXPECT_EQ(p->Shutdown(), 0u);
  }
  EXPECT_TRUE(fs::exists(dir_.path() + "/data/outputs.out/buffer"));
  plugins_.FailNext("out", 0);  // back up
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 3, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Json("a"), Json("b"), Json("c")}));
  EXPECT_EQ(p->Shutdown(), 0u);
  EXPECT_EQ(Gauge("buffer_batches", "outputs.out"), 0);
  EXPECT_EQ(plugins_.Acks("in"), Delivered(2));  // no second acknowledgement to the source
}

TEST_F(OutputBufferTest, DiskBufferHandsZstdBatchesToAnOutputThatTakesThem) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("disk", "remote_zstd", {{"buffer.type", std::string("disk")}}),
                  Output("mem", "remote_zstd")};
  auto p = Make(spec);
  const std::vector<std::string> lines(50, "the same line, again and again");
  ASSERT_TRUE(plugins_.Emit("in", lines).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("disk", 1, kWait));
  ASSERT_TRUE(plugins_.WaitForInFlight("mem", 1, kWait));
  auto from_disk = plugins_.InFlightBatches("disk");
  auto from_memory = plugins_.InFlightBatches("mem");
  ASSERT_EQ(from_disk.size(), 1u);
  ASSERT_EQ(from_memory.size(), 1u);
  EXPECT_FALSE(from_memory[0]->zstd);
  EXPECT_TRUE(from_disk[0]->zstd);
  EXPECT_LT(from_disk[0]->data.size(), from_memory[0]->data.size() / 4);
  EXPECT_EQ(from_disk[0]->count, 50u);
  EXPECT_EQ(from_disk[0]->id, from_memory[0]->id);
  EXPECT_EQ(from_disk[0]->tag, from_memory[0]->tag);
  std::string plain;
  forward::Decompressor d;
  ASSERT_TRUE(d.Decompress(forward::Compression::kZstd, from_disk[0]->data, 1 << 20, &plain).ok());
  EXPECT_EQ(plain, from_memory[0]->data);
  plugins_.AckRemote("disk", 1, AckOutcome::kDelivered);
  plugins_.AckRemote("mem", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, DiskBufferDecompressesForAnOutputThatDoesNotTakeZstd) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture", {{"buffer.type", std::string("disk")}})};
  auto p = Make(spec);
  const std::vector<std::string> lines(100, "compressible compressible compressible");
  ASSERT_TRUE(plugins_.Emit("in", lines).ok());
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 100, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), std::vector<std::string>(100, Json(lines[0])));
  EXPECT_EQ(p->Shutdown(), 0u);
}

// A batch that came compressed (Batch::zstd_form, from a forward input) is stored as it came:
// the output that takes zstd gets exactly those bytes, not a second compression.
TEST_F(OutputBufferTest, DiskBufferStoresTheZstdFormABatchCameWith) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("disk", "remote_zstd", {{"buffer.type", std::string("disk")}}),
                  Output("plain", "capture", {{"buffer.type", std::string("disk")}})};
  auto p = Make(spec);
  Batch b;
  BatchBuilder builder(&b);
  for (int i = 0; i < 20; ++i) {
    builder.BeginEntry(EventTime{1, 0}, 1);
    builder.writer().Str("log");
    builder.writer().Str("line " + std::to_string(i));
  }
  std::string form;
  forward::Compressor c(19);  // not the buffer's level 1: tells the two apart
  ASSERT_TRUE(c.Compress(forward::Compression::kZstd, b.data, &form).ok());
  b.zstd_form = std::make_shared<const std::string>(form);
  ASSERT_TRUE(plugins_.EmitBatch("in", std::move(b)).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("disk", 1, kWait));
  auto got = plugins_.InFlightBatches("disk");
  ASSERT_TRUE(got[0]->zstd);
  EXPECT_EQ(got[0]->data, form);
  ASSERT_TRUE(plugins_.WaitForDelivered("plain", 20, kWait));
  EXPECT_EQ(plugins_.Delivered("plain")[19], Json("line 19"));
  plugins_.AckRemote("disk", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, AcceptedAcknowledgementsCompleteBeforeDelivery) {
  PipelineSpec spec;
  spec.shutdown_timeout = milliseconds(200);
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture", {{"acknowledgements", std::string("accepted")}})};
  plugins_.FailNext("out", 1'000'000);
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Acks("in"), Delivered(1));
  EXPECT_TRUE(plugins_.Delivered("out").empty());
  // Accepted and then not delivered: lost, and not counted as something a source resends.
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, DurableMemoryBufferAcksOnlyAfterDelivery) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture")};
  plugins_.FailNext("out", 1'000'000);
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", 3, kWait));
  EXPECT_TRUE(plugins_.Acks("in").empty());
  plugins_.FailNext("out", 0);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Json("a")}));
  EXPECT_EQ(p->Shutdown(), 0u);
}

// A dead output with drop_oldest never holds up the input it shares with a live output.
TEST_F(OutputBufferTest, DropOldestKeepsTheNewestAndTheOtherOutputFlowing) {
  PipelineSpec spec;
  spec.shutdown_timeout = milliseconds(200);
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("dead", "capture",
                         {{"buffer.max_bytes", uint64_t{1} << 20},
                          {"buffer.when_full", std::string("drop_oldest")}}),
                  Output("live", "capture")};
  plugins_.FailNext("dead", 1'000'000);
  auto p = Make(spec);
  // Batches of ~300 KB: the dead output's 1 MiB holds the one it is retrying and two more.
  const std::vector<std::string> lines = RandomLines(10, 300'000, 7);
  // The first one is being retried before the others come, so it is not among the dropped.
  ASSERT_TRUE(plugins_.Emit("in", {lines[0]}).ok());
  ASSERT_TRUE(plugins_.WaitForWriteCalls("dead", 1, kWait));
  for (size_t i = 1; i < lines.size(); ++i) {
    ASSERT_TRUE(plugins_.Emit("in", {lines[i]}).ok());  // never waits for the dead output
  }
  EXPECT_EQ(Counter("events_dropped_total", "outputs.dead"), 7u);
  ASSERT_TRUE(plugins_.WaitForDelivered("live", 10, kWait));
  plugins_.FailNext("dead", 0);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 10, kWait));  // dropped ones count as done
  EXPECT_EQ(plugins_.Acks("in"), Delivered(10));
  ASSERT_TRUE(plugins_.WaitForDelivered("dead", 3, kWait));
  EXPECT_EQ(plugins_.Delivered("dead"),
            (std::vector<std::string>{Json(lines[0]), Json(lines[8]), Json(lines[9])}));
  EXPECT_EQ(p->Shutdown(), 0u);
}

// What an output holds until it completes it stays in the memory budget.
TEST_F(OutputBufferTest, BudgetCountsWhatAnOutputHoldsUntilItCompletes) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("r", "remote")};
  auto p = Make(spec);
  const std::vector<std::string> lines = RandomLines(2, 10'000, 3);
  ASSERT_TRUE(plugins_.Emit("in", {lines[0]}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {lines[1]}).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("r", 2, kWait));
  auto held = plugins_.InFlightBatches("r");
  EXPECT_EQ(p->memory_in_use(), held[0]->bytes() + held[1]->bytes());
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  EXPECT_EQ(p->memory_in_use(), held[1]->bytes());
  plugins_.AckRemote("r", 1, AckOutcome::kDelivered);
  EXPECT_EQ(p->memory_in_use(), 0u);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, FullDiskBufferWaitsForDeliveryThenTakesMore) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {
      Output("out", "capture",
             {{"buffer.type", std::string("disk")}, {"buffer.max_bytes", uint64_t{1} << 20}})};
  plugins_.FailNext("out", 1'000'000);
  auto p = Make(spec);
  const std::vector<std::string> lines = RandomLines(8, 300'000, 11);
  std::thread emitter([&] {
    for (const std::string& line : lines) {
      EXPECT_TRUE(plugins_.Emit("in", {line}).ok());
    }
  });
  // Stored compressed (random letters: ~180 KB each), 1 MiB holds five of them; the sixth waits
  // until something is delivered, however long the output keeps failing.
  ASSERT_TRUE(plugins_.WaitForAcks("in", 5, kWait));
  const int calls = plugins_.WriteCalls("out");
  ASSERT_TRUE(plugins_.WaitForWriteCalls("out", calls + 50, kWait));
  EXPECT_EQ(plugins_.Acks("in").size(), 5u);
  EXPECT_LE(Gauge("buffer_bytes", "outputs.out"), int64_t{1} << 20);
  plugins_.FailNext("out", 0);
  emitter.join();
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 8, kWait));
  std::vector<std::string> want;
  for (const std::string& line : lines) {
    want.push_back(Json(line));
  }
  EXPECT_EQ(plugins_.Delivered("out"), want);
  EXPECT_EQ(plugins_.Acks("in"), Delivered(8));
  EXPECT_EQ(p->Shutdown(), 0u);
}

// Fails the first `failures` segment writes with ENOSPC, like a disk that is full for a while.
class FullDiskOps : public buffer::FileOps {
 public:
  explicit FullDiskOps(int failures) : failures_(failures) {}
  ssize_t PWritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) override {
    if (failures_.fetch_sub(1) > 0) {
      errno = ENOSPC;
      return -1;
    }
    return pwritev(fd, iov, iovcnt, offset);
  }
  int Fdatasync(int fd) override { return fdatasync(fd); }
  int Ftruncate(int fd, off_t length) override { return ftruncate(fd, length); }

 private:
  std::atomic<int> failures_;
};

TEST_F(OutputBufferTest, DiskWriteErrorsAreRetriedAndNothingIsAcknowledgedUnstored) {
  FullDiskOps ops(1);
  PipelineSpec spec;
  spec.file_ops = &ops;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture", {{"buffer.type", std::string("disk")}})};
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.Emit("in", {"a"}).ok());  // returns once stored, after one retry
  EXPECT_EQ(Counter("buffer_write_errors_total", "outputs.out"), 1u);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Json("a")}));
  EXPECT_EQ(p->Shutdown(), 0u);
}

// A real full disk: data_dir on a 1 MiB tmpfs, a disk buffer allowed far more than that. Writes
// fail with ENOSPC; the input waits (nothing is acknowledged that is not stored), the process
// keeps running, and once the output delivers, the freed space takes the rest.
TEST_F(OutputBufferTest, FullFilesystemMakesTheInputWaitAndLosesNothing) {
  const std::string data_dir = dir_.path() + "/data";
  fs::create_directories(data_dir);
  if (mount("tmpfs", data_dir.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << strerror(errno)
                 << "); the fault-injecting test above covers ENOSPC";
  }
  struct Unmount {
    std::string dir;
    ~Unmount() { umount2(dir.c_str(), MNT_DETACH); }
  } unmount{data_dir};
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {
      Output("out", "capture",
             {{"buffer.type", std::string("disk")}, {"buffer.max_bytes", uint64_t{64} << 20}})};
  plugins_.FailNext("out", 1'000'000);
  auto p = Make(spec);
  // ~180 KB stored each: five fit in 1 MiB with the ack file and the directory.
  const std::vector<std::string> lines = RandomLines(12, 300'000, 5);
  std::thread emitter([&] {
    for (const std::string& line : lines) {
      EXPECT_TRUE(plugins_.Emit("in", {line}).ok());
    }
  });
  ASSERT_TRUE(testing::PollUntil(
      [&] { return Counter("buffer_write_errors_total", "outputs.out") >= 2; }, kWait));
  const size_t stored = plugins_.Acks("in").size();
  EXPECT_GE(stored, 3u);
  EXPECT_LT(stored, 12u);
  plugins_.FailNext("out", 0);
  emitter.join();
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 12, kWait));
  std::vector<std::string> want;
  for (const std::string& line : lines) {
    want.push_back(Json(line));
  }
  EXPECT_EQ(plugins_.Delivered("out"), want);
  EXPECT_EQ(plugins_.Acks("in"), Delivered(12));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, CorruptSegmentIsSetAsideAndTheBufferStarts) {
  const std::string buffer_dir = dir_.path() + "/data/outputs.out/buffer";
  fs::create_directories(buffer_dir);
  std::ofstream(buffer_dir + "/00000000000000000001.seg") << std::string(4096, '\0');
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture", {{"buffer.type", std::string("disk")}})};
  auto p = Make(spec);
  EXPECT_EQ(Counter("buffer_corrupt_segments_total", "outputs.out"), 1u);
  EXPECT_TRUE(fs::exists(buffer_dir + "/corrupt/00000000000000000001.seg"));
  ASSERT_TRUE(plugins_.Emit("in", {"after"}).ok());
  ASSERT_TRUE(plugins_.WaitForDelivered("out", 1, kWait));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Json("after")}));
  EXPECT_EQ(p->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, SecondProcessOnTheSameBufferIsRefusedClearly) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture", {{"buffer.type", std::string("disk")}})};
  auto first = Make(spec);
  spec.data_dir = dir_.path() + "/data";
  auto second = Pipeline::Create(spec, registry_, &metrics_);
  ASSERT_TRUE(second.has_value());
  Status s = (*second)->Start();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("outputs.out: disk buffer"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(dir_.path() + "/data/outputs.out/buffer"), std::string::npos)
      << s.message();
  (*second)->Shutdown();
  EXPECT_EQ(first->Shutdown(), 0u);
}

TEST_F(OutputBufferTest, RejectedBatchGoesToTheDeadLetterDirectoryWithItsReason) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("out", "capture")};
  plugins_.RejectNext("out", 1);
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.Emit("in", {"bad", "batch"}).ok());
  ASSERT_TRUE(plugins_.Emit("in", {"good"}).ok());
  ASSERT_TRUE(plugins_.WaitForAcks("in", 2, kWait));
  EXPECT_EQ(plugins_.Acks("in"),
            (std::vector<AckOutcome>{AckOutcome::kRejected, AckOutcome::kDelivered}));
  EXPECT_EQ(plugins_.Delivered("out"), (std::vector<std::string>{Json("good")}));
  EXPECT_EQ(Counter("dead_letters_total", "outputs.out"), 1u);
  EXPECT_EQ(p->Shutdown(), 0u);
  auto letters = buffer::ListDeadLetters(dir_.path() + "/data/dead-letter/out");
  ASSERT_TRUE(letters.has_value()) << letters.error().message();
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].reason, "told to reject");
  EXPECT_EQ((*letters)[0].output_id, "outputs.out");
  EXPECT_EQ((*letters)[0].count, 2u);
}

// A batch from a disk buffer travels zstd-compressed; its dead letter holds the plain entries.
TEST_F(OutputBufferTest, DeadLetterOfACompressedBatchHoldsThePlainEntries) {
  PipelineSpec spec;
  spec.inputs = {Node("inputs", "in", "script")};
  spec.outputs = {Output("disk", "remote_zstd", {{"buffer.type", std::string("disk")}}),
                  Output("mem", "remote")};
  auto p = Make(spec);
  ASSERT_TRUE(plugins_.Emit("in", std::vector<std::string>(20, "again and again")).ok());
  ASSERT_TRUE(plugins_.WaitForInFlight("disk", 1, kWait));
  ASSERT_TRUE(plugins_.WaitForInFlight("mem", 1, kWait));
  const std::string plain = plugins_.InFlightBatches("mem")[0]->data;
  ASSERT_TRUE(plugins_.InFlightBatches("disk")[0]->zstd);
  plugins_.AckRemote("disk", 1, AckOutcome::kRejected);
  plugins_.AckRemote("mem", 1, AckOutcome::kDelivered);
  ASSERT_TRUE(plugins_.WaitForAcks("in", 1, kWait));
  EXPECT_EQ(plugins_.Acks("in"), Delivered(1));  // stored in the disk buffer: the source is done
  EXPECT_EQ(Counter("dead_letters_total", "outputs.disk"), 1u);
  EXPECT_EQ(p->Shutdown(), 0u);
  auto letters = buffer::ListDeadLetters(dir_.path() + "/data/dead-letter/disk");
  ASSERT_TRUE(letters.has_value());
  ASSERT_EQ(letters->size(), 1u);
  auto letter = buffer::ReadDeadLetter((*letters)[0].path);
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->reason, "the output gave up on it (see its log)");
  EXPECT_EQ(letter->batch.count, 20u);
  EXPECT_EQ(letter->batch.data, plain);
}

TEST_F(OutputBufferTest, OptionErrorsNameTheKeyAndItsPosition) {
  struct Case {
    std::vector<std::pair<std::string, ConfigValue::Value>> options;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{{"buffer.sync", std::string("always")}},
       "test.toml:3:1: outputs.out (capture): key 'buffer.sync': applies only to a disk buffer, "
       "and this output's buffer is in memory; set buffer.type = \"disk\" or remove it"},
      {{{"buffer.max_bytes", uint64_t{512} << 20}},
       "test.toml:3:1: outputs.out (capture): key 'buffer.max_bytes': a memory buffer of 512MiB "
       "is larger than memory_limit (256MiB), which every queue shares; raise memory_limit, "
       "lower max_bytes, or use buffer.type = \"disk\""},
      {{{"buffer.type", std::string("disk")}, {"buffer.max_bytes", uint64_t{1000}}},
       "test.toml:3:1: outputs.out (capture): key 'buffer.max_bytes': 1000B is too small; the "
       "least is 1MiB"},
      {{{"buffer.type", std::string("disk")},
        {"buffer.sync", std::string("never")},
        {"buffer.sync_interval", milliseconds(5)}},
       "test.toml:3:1: outputs.out (capture): key 'buffer.sync_interval': applies only with "
       "buffer.sync = \"interval\""},
  };
  for (const Case& c : cases) {
    PipelineSpec spec;
    spec.data_dir = dir_.path() + "/data";
    spec.inputs = {Node("inputs", "in", "script")};
    spec.outputs = {Output("out", "capture", c.options)};
    auto p = Pipeline::Create(std::move(spec), registry_, &metrics_);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().message(), c.error);
  }
}

}  // namespace
}  // namespace runnel::runtime

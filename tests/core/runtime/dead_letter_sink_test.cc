// DeadLetterSink: whole batches and single events of a batch stored as dead letters, counted,
// and the failures (no directory, positions past the batch) counted as lost.
#include "runtime/dead_letter_sink.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runnel/forward/compression.h"
#include "tests/testing/temp_dir.h"

namespace runnel::runtime {
namespace {

using ::runnel::testing::TempDir;

// A batch of `n` events {"log": "line <i>"} at times 1700000000 + i.
Batch MakeBatch(uint32_t n) {
  Batch b;
  b.tag = "app";
  b.id = BatchId{7, 9};
  BatchBuilder builder(&b);
  for (uint32_t i = 0; i < n; ++i) {
    builder.BeginEntry(EventTime{1'700'000'000 + i, 0}, 1);
    builder.writer().Str("log");
    builder.writer().Str("line " + std::to_string(i));
  }
  return b;
}

// The "log" values of a batch's entries.
std::vector<std::string> Lines(const Batch& b) {
  std::vector<std::string> lines;
  BatchReader reader(b.data);
  while (!reader.AtEnd()) {
    EventTime time;
    std::string_view record;
    EXPECT_TRUE(reader.Next(&time, &record).ok());
    MsgpackReader r(record);
    auto n = r.ReadMapHeader();
    EXPECT_TRUE(n.has_value());
    (void)r.ReadStr();
    auto value = r.ReadStr();
    EXPECT_TRUE(value.has_value());
    lines.emplace_back(value.has_value() ? std::string(*value) : std::string());
  }
  return lines;
}

class DeadLetterSinkTest : public ::testing::Test {
 protected:
  std::string Dir() const { return dir_.path() + "/dead-letter/es"; }
  uint64_t Count(const std::string& name) {
    return metrics_.GetCounter(name, "outputs.es", "")->value();
  }
  std::vector<buffer::DeadLetter> Letters() {
    std::vector<buffer::DeadLetter> out;
    auto list = buffer::ListDeadLetters(Dir());
    EXPECT_TRUE(list.has_value());
    for (const auto& info : list.value_or(std::vector<buffer::DeadLetterInfo>{})) {
      auto letter = buffer::ReadDeadLetter(info.path);
      EXPECT_TRUE(letter.has_value()) << info.path;
      if (letter.has_value()) {
        out.push_back(std::move(*letter));
      }
    }
    return out;
  }

  TempDir dir_;
  MetricsRegistry metrics_;
};

TEST_F(DeadLetterSinkTest, SingleEventsAreStoredAsOneBatchWithTheirReason) {
  DeadLetterSink sink("outputs.es", Dir(), &metrics_);
  const Batch batch = MakeBatch(5);
  const std::vector<uint32_t> positions = {1, 3, 4};
  ASSERT_TRUE(sink.Put(batch, positions, "mapper_parsing_exception: failed to parse").ok());
  auto letters = Letters();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].reason, "mapper_parsing_exception: failed to parse");
  EXPECT_EQ(letters[0].batch.tag, "app");
  EXPECT_EQ(letters[0].batch.id, (BatchId{7, 9}));
  EXPECT_EQ(letters[0].batch.count, 3u);
  EXPECT_EQ(Lines(letters[0].batch), (std::vector<std::string>{"line 1", "line 3", "line 4"}));
  EXPECT_EQ(Count("dead_letters_total"), 1u);
  EXPECT_EQ(Count("dead_letters_failed_total"), 0u);
}

TEST_F(DeadLetterSinkTest, PositionsPastTheBatchAreAnErrorAndCountedAsLost) {
  DeadLetterSink sink("outputs.es", Dir(), &metrics_);
  const std::vector<uint32_t> positions = {2, 5};
  Status s = sink.Put(MakeBatch(3), positions, "bad");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "dead-letter positions beyond the batch's 3 entries");
  EXPECT_EQ(Count("dead_letters_failed_total"), 1u);
  EXPECT_EQ(Count("dead_letters_total"), 0u);
}

TEST_F(DeadLetterSinkTest, WithoutADirectoryNothingIsStoredAndTheLossIsCounted) {
  DeadLetterSink sink("outputs.es", "", &metrics_);
  const std::vector<uint32_t> positions = {0};
  Status s = sink.Put(MakeBatch(2), positions, "bad");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "no dead-letter directory is configured");
  EXPECT_EQ(sink.PutBatch(MakeBatch(2), "bad").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("dead_letters_failed_total"), 2u);
}

TEST_F(DeadLetterSinkTest, AWholeCompressedBatchIsStoredDecompressed) {
  DeadLetterSink sink("outputs.es", Dir(), &metrics_);
  const Batch plain = MakeBatch(4);
  Batch packed = MakeBatch(4);
  packed.data.clear();
  packed.zstd = true;
  forward::Compressor c;
  ASSERT_TRUE(c.Compress(forward::Compression::kZstd, plain.data, &packed.data).ok());
  ASSERT_TRUE(sink.PutBatch(packed, "HTTP 400: bad request").ok());
  auto letters = Letters();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].batch.count, 4u);
  EXPECT_EQ(letters[0].batch.data, plain.data);
  EXPECT_EQ(letters[0].reason, "HTTP 400: bad request");
}

}  // namespace
}  // namespace runnel::runtime

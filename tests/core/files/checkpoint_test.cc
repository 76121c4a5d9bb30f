#include "runnel/files/checkpoint.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "runnel/files/atomic_file.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::files {
namespace {

using testing::TempDir;

std::vector<CheckpointEntry> Sample() {
  return {
      {FileId{2049, 1234567}, Fingerprint{256, 0xdeadbeefcafef00dull}, 987654321, "/var/log/a.log"},
      {FileId{1, 2}, Fingerprint{0, 14695981039346656037ull}, 0, "/odd dir/100%\nnew line"},
  };
}

TEST(CheckpointTest, RoundTrips) {
  CheckpointSnapshot snapshot{Sample(), 12345678901234ull};
  std::string text = EncodeCheckpoint(snapshot);
  EXPECT_TRUE(text.starts_with("runnel-checkpoint 2\njournal 12345678901234\n")) << text;
  Result<CheckpointSnapshot> back = DecodeCheckpoint(text);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, snapshot);
}

TEST(CheckpointTest, EmptyRoundTrips) {
  Result<CheckpointSnapshot> back = DecodeCheckpoint(EncodeCheckpoint({}));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->entries.empty());
  EXPECT_EQ(back->journal_seq, 0u);
}

// A checkpoint written before the journal existed reads as a snapshot at journal 0.
TEST(CheckpointTest, VersionOneReadsAsJournalZero) {
  Result<CheckpointSnapshot> back =
      DecodeCheckpoint("runnel-checkpoint 1\n2049 1234567 256 00000000deadbeef 42 /a.log\nend 1\n");
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  ASSERT_EQ(back->entries.size(), 1u);
  EXPECT_EQ(back->entries[0],
            (CheckpointEntry{FileId{2049, 1234567}, Fingerprint{256, 0xdeadbeef}, 42, "/a.log"}));
  EXPECT_EQ(back->journal_seq, 0u);
}

TEST(CheckpointTest, CorruptIsDataLoss) {
  std::string text = EncodeCheckpoint({Sample(), 7});
  for (std::string bad :
       {text.substr(0, text.size() - 4), text.substr(0, text.size() - 8), std::string("garbage\n"),
        std::string(""), std::string("runnel-checkpoint 1\n1 2 x 0 0 p\nend 1\n"),
        std::string("runnel-checkpoint 1\nend 2\n"),
        std::string("runnel-checkpoint 1\nend 0\nmore\n"),
        std::string("runnel-checkpoint 2\nend 0\n"),
        std::string("runnel-checkpoint 2\njournal x\nend 0\n"),
        std::string("runnel-checkpoint 3\njournal 1\nend 0\n")}) {
    Result<CheckpointSnapshot> r = DecodeCheckpoint(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kDataLoss) << bad;
  }
}

TEST(CheckpointTest, RecordBodyRoundTrips) {
  for (const CheckpointEntry& e : Sample()) {
    std::string body = "x";  // appended to what is there
    AppendCheckpointRecordBody(e, &body);
    EXPECT_EQ(body.size(), 1 + kCheckpointRecordFixedBytes + e.path.size());
    CheckpointEntry back;
    ASSERT_TRUE(DecodeCheckpointRecordBody(std::string_view(body).substr(1), &back));
    EXPECT_EQ(back, e);
  }
  CheckpointEntry back;
  std::string body;
  AppendCheckpointRecordBody(Sample()[0], &body);
  EXPECT_FALSE(DecodeCheckpointRecordBody(body.substr(0, kCheckpointRecordFixedBytes - 1), &back));
  body[19] = '\x7f';  // a fingerprint length far past kMaxFingerprintBytes (little-endian)
  EXPECT_FALSE(DecodeCheckpointRecordBody(body, &back));
}

TEST(AtomicFileTest, ErrorsNameTheFile) {
  TempDir dir;
  Status s = WriteFileAtomically(dir.Path("no/such/dir/f"), "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no/such/dir/f"), std::string::npos) << s.message();
  Result<std::string> r = ReadWholeFile(dir.Path("missing"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
}

TEST(AtomicFileTest, MakeDirsOverFileFails) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomically(dir.Path("f"), "x").ok());
  EXPECT_FALSE(MakeDirs(dir.Path("f")).ok());
  EXPECT_TRUE(MakeDirs(dir.Path("a/b/c")).ok());
  EXPECT_TRUE(MakeDirs(dir.Path("a/b/c")).ok());
}

}  // namespace
}  // namespace runnel::files

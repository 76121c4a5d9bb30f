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
  std::string text = EncodeCheckpoint(Sample());
  Result<std::vector<CheckpointEntry>> back = DecodeCheckpoint(text);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, Sample());
}

TEST(CheckpointTest, EmptyRoundTrips) {
  Result<std::vector<CheckpointEntry>> back = DecodeCheckpoint(EncodeCheckpoint({}));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->empty());
}

TEST(CheckpointTest, CorruptIsDataLoss) {
  std::string text = EncodeCheckpoint(Sample());
  for (std::string bad :
       {text.substr(0, text.size() - 4), text.substr(0, text.size() - 8), std::string("garbage\n"),
        std::string(""), std::string("runnel-checkpoint 1\n1 2 x 0 0 p\nend 1\n"),
        std::string("runnel-checkpoint 1\nend 2\n"),
        std::string("runnel-checkpoint 1\nend 0\nmore\n")}) {
    Result<std::vector<CheckpointEntry>> r = DecodeCheckpoint(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kDataLoss) << bad;
  }
}

TEST(CheckpointTest, SaveAndLoad) {
  TempDir dir;
  std::string path = dir.Path("state/inputs.x/checkpoint");
  ASSERT_TRUE(MakeDirs(dir.Path("state/inputs.x")).ok());
  Result<std::vector<CheckpointEntry>> missing = LoadCheckpoint(path);
  ASSERT_TRUE(missing.has_value());
  EXPECT_TRUE(missing->empty());
  ASSERT_TRUE(SaveCheckpoint(path, Sample()).ok());
  Result<std::vector<CheckpointEntry>> loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, Sample());
  // Replaced as a whole; no temporary left behind.
  ASSERT_TRUE(SaveCheckpoint(path, {}).ok());
  EXPECT_TRUE(LoadCheckpoint(path)->empty());
  struct stat st;
  EXPECT_NE(stat((path + ".tmp").c_str(), &st), 0);
}

TEST(CheckpointTest, LoadCorruptFileIsDataLoss) {
  TempDir dir;
  std::string path = dir.Path("checkpoint");
  ASSERT_TRUE(WriteFileAtomically(path, "runnel-checkpoint 1\n1 2 3 ").ok());
  Result<std::vector<CheckpointEntry>> r = LoadCheckpoint(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kDataLoss);
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

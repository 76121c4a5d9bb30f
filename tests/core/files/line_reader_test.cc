#include "runnel/files/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::files {
namespace {

using testing::AppendFile;
using testing::TempDir;

struct Got {
  std::string text;
  uint64_t end;
  bool truncated;
  friend bool operator==(const Got&, const Got&) = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{\"" << g.text << "\", " << g.end << (g.truncated ? ", truncated}" : "}");
}

// Reads everything available now.
std::vector<Got> ReadAll(LineReader& r, int fd) {
  std::vector<Got> out;
  while (true) {
    Line line;
    while (r.Next(&line)) {
      out.push_back({std::string(line.text), line.end_offset, line.truncated});
    }
    Result<size_t> n = r.Fill(fd);
    EXPECT_TRUE(n.has_value());
    if (!n || *n == 0) {
      return out;
    }
  }
}

class LineReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Path("f.log");
    ASSERT_TRUE(AppendFile(path_, ""));
    fd_ = open(path_.c_str(), O_RDONLY);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { close(fd_); }
  TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(LineReaderTest, SplitsLinesWithOffsets) {
  ASSERT_TRUE(AppendFile(path_, "a\nbb\n\nccc\n"));
  LineReader r(4096, 1024);
  r.Reset(0);
  EXPECT_EQ(
      ReadAll(r, fd_),
      (std::vector<Got>{{"a", 2, false}, {"bb", 5, false}, {"", 6, false}, {"ccc", 10, false}}));
  EXPECT_EQ(r.line_offset(), 10u);
  EXPECT_FALSE(r.HasPartial());
}

TEST_F(LineReaderTest, LinesAcrossSmallBlocks) {
  std::string data;
  std::vector<Got> want;
  for (int i = 0; i < 200; ++i) {
    std::string line = "line-" + std::to_string(i) + std::string(i % 13, 'x');
    data += line + "\n";
    want.push_back({line, data.size(), false});
  }
  ASSERT_TRUE(AppendFile(path_, data));
  LineReader r(7, 64);  // blocks smaller than lines: every line spans several reads
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_), want);
}

TEST_F(LineReaderTest, StartsAtOffset) {
  ASSERT_TRUE(AppendFile(path_, "one\ntwo\nthree\n"));
  LineReader r(4096, 1024);
  r.Reset(4);
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"two", 8, false}, {"three", 14, false}}));
}

TEST_F(LineReaderTest, PartialLineHeldUntilNewline) {
  ASSERT_TRUE(AppendFile(path_, "done\npart"));
  LineReader r(4096, 1024);
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"done", 5, false}}));
  EXPECT_TRUE(r.HasPartial());
  EXPECT_EQ(r.line_offset(), 5u);
  ASSERT_TRUE(AppendFile(path_, "ial\nnext\n"));
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"partial", 13, false}, {"next", 18, false}}));
}

TEST_F(LineReaderTest, TakePartialThenBelatedNewlineIsSkipped) {
  ASSERT_TRUE(AppendFile(path_, "abc"));
  LineReader r(4096, 1024);
  r.Reset(0);
  EXPECT_TRUE(ReadAll(r, fd_).empty());
  Line line;
  ASSERT_TRUE(r.TakePartial(&line));
  EXPECT_EQ(line.text, "abc");
  EXPECT_EQ(line.end_offset, 3u);
  EXPECT_FALSE(r.HasPartial());
  EXPECT_FALSE(r.TakePartial(&line));
  ASSERT_TRUE(AppendFile(path_, "\nxyz\n\n"));
  // The newline ending "abc" is not an empty line of its own; a later empty line is.
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"xyz", 8, false}, {"", 9, false}}));
}

TEST_F(LineReaderTest, LongLineTruncatedRestSkipped) {
  std::string big(10000, 'L');
  ASSERT_TRUE(AppendFile(path_, "short\n" + big + "\nafter\n"));
  LineReader r(100, 16);
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"short", 6, false},
                                               {std::string(16, 'L'), 6 + 10001, true},
                                               {"after", 6 + 10001 + 6, false}}));
}

TEST_F(LineReaderTest, LongLineInOneBlockTruncated) {
  ASSERT_TRUE(AppendFile(path_, "0123456789abcdefXYZ\nok\n"));
  LineReader r(4096, 16);
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"0123456789abcdef", 20, true}, {"ok", 23, false}}));
}

TEST_F(LineReaderTest, LongLineGrowingAcrossFills) {
  LineReader r(8, 16);
  r.Reset(0);
  ASSERT_TRUE(AppendFile(path_, std::string(40, 'a')));
  EXPECT_TRUE(ReadAll(r, fd_).empty());
  EXPECT_TRUE(r.HasPartial());
  ASSERT_TRUE(AppendFile(path_, std::string(40, 'b') + "\nz\n"));
  EXPECT_EQ(ReadAll(r, fd_),
            (std::vector<Got>{{std::string(16, 'a'), 81, true}, {"z", 83, false}}));
}

TEST_F(LineReaderTest, LongPartialTakenTruncated) {
  ASSERT_TRUE(AppendFile(path_, std::string(100, 'q')));
  LineReader r(8, 16);
  r.Reset(0);
  EXPECT_TRUE(ReadAll(r, fd_).empty());
  Line line;
  ASSERT_TRUE(r.TakePartial(&line));
  EXPECT_EQ(line.text, std::string(16, 'q'));
  EXPECT_TRUE(line.truncated);
  EXPECT_EQ(line.end_offset, 100u);
}

TEST_F(LineReaderTest, ExactlyMaxIsNotTruncated) {
  ASSERT_TRUE(AppendFile(path_, std::string(16, 'e') + "\n"));
  LineReader r(4, 16);
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{std::string(16, 'e'), 17, false}}));
}

TEST_F(LineReaderTest, ReleaseBufferKeepsPosition) {
  ASSERT_TRUE(AppendFile(path_, "a\n"));
  LineReader r(4096, 1024);
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_).size(), 1u);
  r.ReleaseBuffer();
  ASSERT_TRUE(AppendFile(path_, "b\n"));
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"b", 4, false}}));
}

TEST_F(LineReaderTest, ReleaseBufferKeepsPartialAndSkipState) {
  ASSERT_TRUE(AppendFile(path_, "one\ntw"));
  LineReader r(8, 16);
  r.Reset(0);
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"one", 4, false}}));
  r.ReleaseBuffer();
  EXPECT_TRUE(r.HasPartial());
  ASSERT_TRUE(AppendFile(path_, "o\n" + std::string(30, 'x')));
  EXPECT_EQ(ReadAll(r, fd_), (std::vector<Got>{{"two", 8, false}}));
  r.ReleaseBuffer();  // while skipping the rest of a long line
  ASSERT_TRUE(AppendFile(path_, "yy\nend\n"));
  EXPECT_EQ(ReadAll(r, fd_),
            (std::vector<Got>{{std::string(16, 'x'), 41, true}, {"end", 45, false}}));
  r.ReleaseBuffer();
  EXPECT_FALSE(r.HasPartial());
}

}  // namespace
}  // namespace runnel::files

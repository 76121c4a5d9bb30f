#include "runnel/files/fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "runnel/files/glob.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::files {
namespace {

using testing::AppendFile;
using testing::TempDir;
using testing::WriteFile;

TEST(FingerprintTest, HashChains) {
  EXPECT_EQ(HashBytes("hello world"), HashBytes(" world", HashBytes("hello")));
  EXPECT_NE(HashBytes("a"), HashBytes("b"));
}

TEST(FingerprintTest, ShortFileGrowsItsFingerprint) {
  TempDir dir;
  std::string path = dir.Path("f");
  ASSERT_TRUE(WriteFile(path, "abc"));
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Result<Fingerprint> fp = ComputeFingerprint(fd, 8);
  ASSERT_TRUE(fp.has_value());
  EXPECT_EQ(fp->len, 3u);
  EXPECT_EQ(fp->hash, HashBytes("abc"));

  ASSERT_TRUE(AppendFile(path, "defghijkl"));
  Result<FingerprintCheck> check = CheckFingerprint(fd, *fp, 8);
  ASSERT_TRUE(check.has_value());
  EXPECT_TRUE(check->matches);
  EXPECT_EQ(check->current, (Fingerprint{8, HashBytes("abcdefgh")}));

  // Rewritten in place with other first bytes: no match.
  ASSERT_TRUE(WriteFile(path, "xbcdefghijkl"));
  check = CheckFingerprint(fd, check->current, 8);
  ASSERT_TRUE(check.has_value());
  EXPECT_FALSE(check->matches);

  // Shorter than the fingerprint: no match.
  ASSERT_TRUE(WriteFile(path, "xb"));
  check = CheckFingerprint(fd, Fingerprint{3, HashBytes("xbc")}, 8);
  ASSERT_TRUE(check.has_value());
  EXPECT_FALSE(check->matches);
  close(fd);
}

TEST(FingerprintTest, EmptyFile) {
  TempDir dir;
  std::string path = dir.Path("e");
  ASSERT_TRUE(WriteFile(path, ""));
  int fd = open(path.c_str(), O_RDONLY);
  Result<Fingerprint> fp = ComputeFingerprint(fd, 256);
  ASSERT_TRUE(fp.has_value());
  EXPECT_EQ(fp->len, 0u);
  ASSERT_TRUE(AppendFile(path, "x"));
  Result<FingerprintCheck> check = CheckFingerprint(fd, *fp, 256);
  EXPECT_TRUE(check->matches);
  EXPECT_EQ(check->current.len, 1u);
  close(fd);
}

TEST(PathMatcherTest, GlobsAndExcludes) {
  TempDir dir;
  for (const char* name : {"a.log", "b.log", "c.log.gz", "d.txt", "sub/e.log"}) {
    std::string p = dir.Path(name);
    if (std::string(name).starts_with("sub/")) {
      mkdir(dir.Path("sub").c_str(), 0755);
    }
    ASSERT_TRUE(WriteFile(p, "x"));
  }
  PathMatcher m({dir.Path("*.log*"), dir.Path("*/*.log"), dir.Path("a.log"), dir.Path("nope/*")},
                {"*.gz", dir.Path("sub/*")});
  EXPECT_EQ(m.Expand(), (std::vector<std::string>{dir.Path("a.log"), dir.Path("b.log")}));
  PathMatcher braces({dir.Path("{a,d}.*")}, {});
  EXPECT_EQ(braces.Expand(), (std::vector<std::string>{dir.Path("a.log"), dir.Path("d.txt")}));
  EXPECT_TRUE(m.Excluded("/x/y/z.gz"));
  EXPECT_FALSE(m.Excluded("/x/y/z.log"));
}

}  // namespace
}  // namespace runnel::files

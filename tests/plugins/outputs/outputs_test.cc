// The file, stdout and null outputs, configured through the real loader.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/testing/file_helpers.h"
#include "tests/testing/load_config.h"
#include "tests/testing/process.h"

namespace runnel {
namespace {

using testing::LoadToml;
using testing::ReadFileOrEmpty;
using testing::TempDir;
namespace fs = std::filesystem;

Batch MakeBatch(std::initializer_list<std::string> lines, uint32_t sec = 1700000000) {
  Batch b;
  BatchBuilder builder(&b);
  for (const std::string& line : lines) {
    builder.BeginEntry(EventTime{sec, 5}, 2);
    builder.writer().Str("log");
    builder.writer().Str(line);
    builder.writer().Str("n");
    builder.writer().Int(7);
  }
  return b;
}

class OutputTest : public ::testing::Test {
 protected:
  // Creates the single output of a config whose [outputs.o] table body is `body`.
  Result<std::unique_ptr<Output>> Make(const std::string& type, const std::string& body) {
    auto cfg = LoadToml(dir_, "data_dir = \"" + dir_.Path("data") +
                                  "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\ntype = \"" +
                                  type + "\"\ninputs = [\"i\"]\n" + body);
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    const ConfigNode& node = cfg->outputs.at(0);
    PluginContext ctx = testing::TestContext(dir_, &metrics_, node.id());
    const PluginInfo* info = testing::BuiltinRegistry().Find(PluginKind::kOutput, type);
    return info->create_output(node, ctx);
  }

  TempDir dir_;
  MetricsRegistry metrics_;
};

TEST_F(OutputTest, FileWritesJsonLinesWithTheTimeFirst) {
  const std::string path = dir_.Path("out/deeper/o.jsonl");  // parents are created
  auto out = Make("file", "path = \"" + path + "\"\n");
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_TRUE((*out)->Start().ok());
  EXPECT_EQ((*out)->Write(MakeBatch({"a", "b"})).kind, WriteResult::Kind::kDelivered);
  EXPECT_EQ((*out)->Write(MakeBatch({"c"})).kind, WriteResult::Kind::kDelivered);
  (*out)->Stop();
  EXPECT_EQ(ReadFileOrEmpty(path),
            "{\"time\":\"2023-11-14T22:13:20.000000005Z\",\"log\":\"a\",\"n\":7}\n"
            "{\"time\":\"2023-11-14T22:13:20.000000005Z\",\"log\":\"b\",\"n\":7}\n"
            "{\"time\":\"2023-11-14T22:13:20.000000005Z\",\"log\":\"c\",\"n\":7}\n");
}

// A crash in the middle of a write leaves half a line; the next start cuts it off, so the batch
// written again (it was never acknowledged) does not glue onto it.
TEST_F(OutputTest, FileCutsAnIncompleteLastLineAtStart) {
  const std::string path = dir_.Path("o.jsonl");
  ASSERT_TRUE(testing::WriteFile(path, "{\"log\":\"whole\"}\n{\"log\":\"ha"));
  auto out = Make("file", "path = \"" + path + "\"\ntime_key = \"\"\n");
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_TRUE((*out)->Start().ok());
  EXPECT_EQ((*out)->Write(MakeBatch({"again"})).kind, WriteResult::Kind::kDelivered);
  (*out)->Stop();
  EXPECT_EQ(ReadFileOrEmpty(path), "{\"log\":\"whole\"}\n{\"log\":\"again\",\"n\":7}\n");
  // A file of one incomplete line is emptied; a complete file is left alone.
  ASSERT_TRUE(testing::WriteFile(path, "{\"log\":"));
  auto again = Make("file", "path = \"" + path + "\"\ntime_key = \"\"\n");
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE((*again)->Start().ok());
  (*again)->Stop();
  EXPECT_EQ(ReadFileOrEmpty(path), "");
}

TEST_F(OutputTest, FileTimeOptions) {
  const std::string path = dir_.Path("o.jsonl");
  auto out =
      Make("file", "path = \"" + path + "\"\ntime_key = \"ts\"\ntime_format = \"unix_ms\"\n");
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_TRUE((*out)->Start().ok());
  ASSERT_EQ((*out)->Write(MakeBatch({"a"})).kind, WriteResult::Kind::kDelivered);
  (*out)->Stop();
  EXPECT_EQ(ReadFileOrEmpty(path), "{\"ts\":1700000000000,\"log\":\"a\",\"n\":7}\n");
}

TEST_F(OutputTest, FileAppendsToWhatIsThere) {
  const std::string path = dir_.Path("o.jsonl");
  {
    FILE* f = fopen(path.c_str(), "w");
    fputs("old\n", f);
    fclose(f);
  }
  auto out = Make("file", "path = \"" + path + "\"\ntime_key = \"\"\n");
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE((*out)->Start().ok());
  ASSERT_EQ((*out)->Write(MakeBatch({"new"})).kind, WriteResult::Kind::kDelivered);
  (*out)->Stop();
  EXPECT_EQ(ReadFileOrEmpty(path), "old\n{\"log\":\"new\",\"n\":7}\n");
}

TEST_F(OutputTest, FileRotatesBySizeAndKeepsMaxFiles) {
  const std::string path = dir_.Path("o.jsonl");
  // Each batch renders to 22 bytes ({"log":"x","n":7} + newline = 18; "xxxxx" lines: 22).
  auto out =
      Make("file", "path = \"" + path +
                       "\"\ntime_key = \"\"\nmax_bytes = 30\nmax_files = 2\nfsync = \"batch\"\n");
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_TRUE((*out)->Start().ok());
  for (const char* line : {"first", "secnd", "third", "forth"}) {
    ASSERT_EQ((*out)->Write(MakeBatch({line})).kind, WriteResult::Kind::kDelivered);
  }
  (*out)->Stop();
  EXPECT_EQ(ReadFileOrEmpty(path), "{\"log\":\"forth\",\"n\":7}\n");
  EXPECT_EQ(ReadFileOrEmpty(path + ".1"), "{\"log\":\"third\",\"n\":7}\n");
  EXPECT_EQ(ReadFileOrEmpty(path + ".2"), "{\"log\":\"secnd\",\"n\":7}\n");
  EXPECT_FALSE(fs::exists(path + ".3"));  // "first" was rotated out of max_files
}

TEST_F(OutputTest, FileFullDiskIsRetriedNotLost) {
  // /dev/full accepts the open and fails every write with ENOSPC, like a full disk.
  auto out = Make("file", "path = \"/dev/full\"\n");
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE((*out)->Start().ok());
  WriteResult r = (*out)->Write(MakeBatch({"a"}));
  EXPECT_EQ(r.kind, WriteResult::Kind::kRetry);
  EXPECT_EQ(r.reason, "write '/dev/full': No space left on device");
}

TEST_F(OutputTest, FileStartFailsClearlyWhenTheParentIsAFile) {
  const std::string blocker = dir_.Path("plain");
  fclose(fopen(blocker.c_str(), "w"));
  auto out = Make("file", "path = \"" + blocker + "/o.jsonl\"\n");
  ASSERT_TRUE(out.has_value());
  Status s = (*out)->Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "cannot create directory '" + blocker + "' for path '" + blocker +
                             "/o.jsonl': Not a directory");
}

TEST_F(OutputTest, FileConfigErrors) {
  auto dir = Make("file", "path = \"" + dir_.path() + "/\"\n");
  ASSERT_FALSE(dir.has_value());
  EXPECT_EQ(dir.error().message(),
            dir_.Path("config.toml") +
                ":7:8: outputs.o (file): key 'path': names a directory; give a file name");
  auto fsync = Make("file", "path = \"x\"\nfsync = \"sometimes\"\n");
  ASSERT_FALSE(fsync.has_value());
  EXPECT_NE(fsync.error().message().find("key 'fsync' has invalid value \"sometimes\""),
            std::string::npos)
      << fsync.error().message();
}

TEST_F(OutputTest, MalformedBatchIsRejectedWithTheReason) {
  auto out = Make("file", "path = \"" + dir_.Path("o.jsonl") + "\"\n");
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE((*out)->Start().ok());
  Batch bad;
  bad.data = "\x92\xc1\x80";  // [0xc1 (never used), {}]
  bad.count = 1;
  WriteResult r = (*out)->Write(bad);
  EXPECT_EQ(r.kind, WriteResult::Kind::kRejected);
  EXPECT_EQ(r.reason, "msgpack: invalid type byte 0xc1 at byte 1");
}

TEST_F(OutputTest, StdoutWritesJsonLines) {
  auto out = Make("stdout", "time_key = \"\"\n");
  ASSERT_TRUE(out.has_value());
  const std::string path = dir_.Path("stdout");
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, STDOUT_FILENO);
  WriteResult r = (*out)->Write(MakeBatch({"x", "y"}));
  dup2(saved, STDOUT_FILENO);
  close(fd);
  close(saved);
  EXPECT_EQ(r.kind, WriteResult::Kind::kDelivered);
  EXPECT_EQ(ReadFileOrEmpty(path), "{\"log\":\"x\",\"n\":7}\n{\"log\":\"y\",\"n\":7}\n");
}

TEST_F(OutputTest, NullTakesEverything) {
  auto out = Make("null", "");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ((*out)->Write(MakeBatch({"x"})).kind, WriteResult::Kind::kDelivered);
  auto bad = Make("null", "path = \"x\"\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("unknown key 'path'"), std::string::npos);
}

}  // namespace
}  // namespace runnel

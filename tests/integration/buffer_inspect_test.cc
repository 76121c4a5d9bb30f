// `buffer inspect` as an operator runs it, for runnel-agent and runnel-aggregator: a disk buffer
// written with SegmentLog (some entries acknowledged, a corrupt segment, a torn tail) printed as
// text and as JSON, found directly or through a configuration, and the errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "buffer/segment_format.h"
#include "runnel/buffer/segment_log.h"
#include "tests/core/buffer/buffer_test_util.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using buffer::testing::IdFor;
using buffer::testing::kSegment;
using buffer::testing::Payload;

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

void FlipByte(const std::string& path, off_t offset) {
  int fd = open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  char c;
  ASSERT_EQ(pread(fd, &c, 1, offset), 1);
  c = static_cast<char>(c ^ 0x40);
  ASSERT_EQ(pwrite(fd, &c, 1, offset), 1);
  close(fd);
}

// 12 entries of 1000 bytes on disk (buffer_test_util.h), 4 per segment (segments 1, 5, 9), entry i
// written at kT0 + i ns; 1..3 acknowledged; entry 6 damaged (so segment 5 is corrupt: more records
// follow); 5 bytes of a torn record after entry 12.
void WriteBuffer(const std::string& dir) {
  int64_t now = kT0;
  buffer::SegmentLogOptions o;
  o.dir = dir;
  o.segment_bytes = kSegment;
  o.sync = buffer::SyncPolicy::kNever;
  o.wall_clock_ns = [&now] { return ++now; };
  {
    Result<std::unique_ptr<buffer::SegmentLog>> log = buffer::SegmentLog::Open(o);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    for (uint64_t i = 1; i <= 12; ++i) {
      std::string payload = Payload(i);
      ASSERT_EQ((*log)->Append({IdFor(i), "app", 1, 0, payload}).value_or(0), i);
    }
    for (uint64_t seq = 1; seq <= 3; ++seq) {
      ASSERT_TRUE((*log)->Ack(seq).ok());
    }
  }
  const std::string seg5 = dir + "/" + buffer::internal::SegmentFileName(5);
  FlipByte(seg5, 24 + 1000 + 500);  // inside entry 6
  ASSERT_TRUE(AppendFile(dir + "/" + buffer::internal::SegmentFileName(9), "torn!"));
}

class BufferInspect : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(RunnelBinaryPath(GetParam())))
        << GetParam() << " not found (run through ctest, which sets RUNNEL_BINARY_DIR)";
  }
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), RunnelBinaryPath(GetParam()));
    return RunToExit(std::move(args), tmp_.path(), tmp_);
  }
  std::string Config() {
    const std::string path = tmp_.Path("agent.toml");
    EXPECT_TRUE(WriteFile(path, "data_dir = \"" + tmp_.Path("data") +
                                    "\"\n[inputs.gen]\ntype = \"generate\"\n"
                                    "[outputs.es]\ntype = \"null\"\ninputs = [\"gen\"]\n"
                                    "[outputs.archive]\ntype = \"null\"\ninputs = [\"gen\"]\n"));
    return path;
  }
  static std::string ExpectedText(const std::string& dir) {
    return "disk buffer            " + dir +
           "\n"
           "segments               2\n"
           "entries                8\n"
           "unacknowledged         5\n"
           "bytes                  8053\n"
           "ack watermark          3\n"
           "oldest unacknowledged  seq 4 at 2023-11-14T22:13:20.000000004Z\n"
           "corrupt segments       1\n"
           "torn bytes             5\n";
  }

  TempDir tmp_;
};

TEST_P(BufferInspect, PrintsWhatTheBufferHolds) {
  const std::string dir = tmp_.Path("buf");
  WriteBuffer(dir);
  CommandResult r = Run({"buffer", "inspect", dir});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, ExpectedText(dir));
  // Read-only: the torn tail and the corrupt segment are where they were.
  EXPECT_EQ(buffer::testing::FileSize(dir + "/" + buffer::internal::SegmentFileName(9)),
            24 + 4 * 1000 + 5u);
  EXPECT_TRUE(std::filesystem::exists(dir + "/" + buffer::internal::SegmentFileName(5)));
}

TEST_P(BufferInspect, JsonHasTheSameNumbers) {
  const std::string dir = tmp_.Path("buf");
  WriteBuffer(dir);
  CommandResult r = Run({"buffer", "inspect", "--json", dir});
  ASSERT_EQ(r.status.ToString(), "exit 0") << r.err;
  ASSERT_TRUE(r.out.ends_with("}\n")) << r.out;
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  ASSERT_EQ(parser.parse(r.out).get(o), simdjson::SUCCESS) << r.out;
  std::string_view s;
  ASSERT_EQ(o["dir"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, dir);
  auto number = [&](const char* key) {
    uint64_t v = 0;
    EXPECT_EQ(o[key].get(v), simdjson::SUCCESS) << key;
    return v;
  };
  EXPECT_EQ(number("segments"), 2u);
  EXPECT_EQ(number("entries"), 8u);
  EXPECT_EQ(number("unacked_entries"), 5u);
  EXPECT_EQ(number("bytes"), 8053u);
  EXPECT_EQ(number("ack_watermark"), 3u);
  EXPECT_EQ(number("corrupt_segments"), 1u);
  EXPECT_EQ(number("torn_bytes"), 5u);
  simdjson::dom::object oldest;
  ASSERT_EQ(o["oldest_unacked"].get(oldest), simdjson::SUCCESS);
  uint64_t seq = 0;
  int64_t time_ns = 0;
  ASSERT_EQ(oldest["seq"].get(seq), simdjson::SUCCESS);
  ASSERT_EQ(oldest["time"].get(s), simdjson::SUCCESS);
  ASSERT_EQ(oldest["time_ns"].get(time_ns), simdjson::SUCCESS);
  EXPECT_EQ(seq, 4u);
  EXPECT_EQ(s, "2023-11-14T22:13:20.000000004Z");
  EXPECT_EQ(time_ns, kT0 + 4);
  EXPECT_EQ(o.size(), 9u);
}

TEST_P(BufferInspect, AFullyAcknowledgedBufferHasNoOldestEntry) {
  const std::string dir = tmp_.Path("buf");
  {
    buffer::SegmentLogOptions o;
    o.dir = dir;
    auto log = buffer::SegmentLog::Open(o);
    ASSERT_TRUE(log.has_value());
  }
  CommandResult r = Run({"buffer", "inspect", dir});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_NE(r.out.find("\noldest unacknowledged  none\n"), std::string::npos) << r.out;
  r = Run({"buffer", "inspect", dir, "--json"});
  EXPECT_NE(r.out.find("\"oldest_unacked\":null"), std::string::npos) << r.out;
}

TEST_P(BufferInspect, FindsTheBufferOfAnOutputFromTheConfig) {
  const std::string config = Config();
  const std::string dir = tmp_.Path("data/outputs.es/buffer");
  WriteBuffer(dir);
  CommandResult r = Run({"buffer", "inspect", "--config", config, "es"});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out, ExpectedText(dir));
  EXPECT_EQ(r.err, "");
  // The main command's -c works too.
  r = Run({"-c", config, "buffer", "inspect", "es"});
  EXPECT_EQ(r.out, ExpectedText(dir));
}

TEST_P(BufferInspect, ErrorsAreClear) {
  const std::string config = Config();
  CommandResult r = Run({"buffer", "inspect", tmp_.Path("none")});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, "buffer inspect: no disk buffer at " + tmp_.Path("none") +
                       ": No such file or directory\n");
  EXPECT_EQ(r.out, "");

  ASSERT_TRUE(std::filesystem::create_directory(tmp_.Path("empty")));
  r = Run({"buffer", "inspect", tmp_.Path("empty")});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, "buffer inspect: " + tmp_.Path("empty") +
                       " is not a disk buffer (no segment, ack or lock file in it)\n");
  r = Run({"buffer", "inspect", config});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, "buffer inspect: " + config +
                       " is not a disk buffer (no segment, ack or lock file in it)\n");

  r = Run({"buffer", "inspect", "--config", config, "nope"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err, "buffer inspect: no output named 'nope' in " + config +
                       "; its outputs are: es, archive\n");
  r = Run({"buffer", "inspect", "--config", config, "es"});  // configured, no buffer yet
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, "buffer inspect: no disk buffer at " + tmp_.Path("data/outputs.es/buffer") +
                       ": No such file or directory\n");
  r = Run({"buffer", "inspect", "--config", tmp_.Path("missing.toml"), "es"});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, tmp_.Path("missing.toml") +
                       ": cannot read config file: No such file or directory\n" +
                       tmp_.Path("missing.toml") + ": 1 error\n");

  r = Run({"buffer", "inspect"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_TRUE(r.err.starts_with("DIR_OR_OUTPUT is required")) << r.err;
  r = Run({"buffer"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  r = Run({"buffer", "inspect", "--no-such-flag", "x"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  r = Run({"--validate", "buffer", "inspect", "x"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err, "--validate, --list-plugins and --describe do not go with a subcommand\n");
}

INSTANTIATE_TEST_SUITE_P(Binaries, BufferInspect, ::testing::ValuesIn(kRunnelBinaries),
                         [](const auto& info) { return BinaryTestName(info.param); });

}  // namespace
}  // namespace runnel::testing

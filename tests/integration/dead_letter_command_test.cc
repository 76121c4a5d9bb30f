// `dead-letter list` and `dead-letter reinject` as an operator runs them, for runnel-agent and
// runnel-aggregator: dead letters written with DeadLetterStore for a `file` output, listed as
// text and JSON, reinjected into the file (exactly those records, in order, the directory
// emptied), a dry run, a damaged file that stays, and the errors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "runnel/buffer/dead_letter.h"
#include "runnel/files/atomic_file.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

constexpr int64_t kRejectedNs = 1'700'000'000'123'000'000;  // 2023-11-14T22:13:20.123Z

// Batch `n` (1-based): two events {"log": "b<n> e<k>"} at 2023-11-14T22:13:2<n>.000000005Z.
Batch MakeBatch(uint32_t n) {
  Batch b;
  b.tag = "app";
  b.id = BatchId{0, n};
  BatchBuilder builder(&b);
  for (int k = 1; k <= 2; ++k) {
    builder.BeginEntry(EventTime{1'700'000'000 + n, 5}, 1);
    builder.writer().Str("log");
    builder.writer().Str("b" + std::to_string(n) + " e" + std::to_string(k));
  }
  return b;
}

std::string Line(uint32_t n, int k) {
  return R"({"time":"2023-11-14T22:13:2)" + std::to_string(n) + R"(.000000005Z","log":"b)" +
         std::to_string(n) + " e" + std::to_string(k) + "\"}\n";
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  if (std::filesystem::exists(dir)) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class DeadLetterCommand : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(RunnelBinaryPath(GetParam())))
        << GetParam() << " not found (run through ctest, which sets RUNNEL_BINARY_DIR)";
    config_ = tmp_.Path("agent.toml");
    ASSERT_TRUE(WriteFile(config_, "data_dir = \"" + tmp_.Path("data") +
                                       "\"\n[inputs.gen]\ntype = \"generate\"\n"
                                       "[outputs.out]\ntype = \"file\"\ninputs = [\"gen\"]\n"
                                       "path = \"" +
                                       tmp_.Path("out.jsonl") +
                                       "\"\n"
                                       "[outputs.other]\ntype = \"null\"\ninputs = [\"gen\"]\n"));
  }
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), RunnelBinaryPath(GetParam()));
    return RunToExit(std::move(args), tmp_.path(), tmp_);
  }
  std::string Dir() const { return tmp_.Path("data/dead-letter/out"); }
  // Dead letters of outputs.out: batches 1..n, rejected 1 s apart with reason "reason <n>".
  void PutLetters(uint32_t n) {
    int64_t now = kRejectedNs;
    buffer::DeadLetterStoreOptions o;
    o.dir = Dir();
    o.output_id = "outputs.out";
    o.wall_clock_ns = [&now] { return now; };
    buffer::DeadLetterStore store(std::move(o));
    for (uint32_t i = 1; i <= n; ++i) {
      ASSERT_TRUE(store.Put(MakeBatch(i), "reason " + std::to_string(i)).ok());
      now += 1'000'000'000;
    }
  }
  std::string Path(uint32_t n) const {
    char name[80];
    std::snprintf(name, sizeof(name), "/%lld-%032x.dlq",
                  static_cast<long long>(kRejectedNs / 1'000'000 + (n - 1) * 1000), n);
    return Dir() + name;
  }

  TempDir tmp_;
  std::string config_;
};

TEST_P(DeadLetterCommand, ListShowsEachOutputsDeadLetters) {
  PutLetters(3);
  const size_t bytes = MakeBatch(1).data.size();
  ASSERT_EQ(bytes, 44u);  // per event: [fixext8 time, {"log": "bN eK"}] is 22 bytes
  CommandResult r = Run({"dead-letter", "list", "--config", config_});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "outputs.out: 3 dead letters, 6 events, 132 bytes in " + Dir() +
                       "\n"
                       "  REJECTED AT (UTC)               EVENTS  BYTES  REASON\n"
                       "  2023-11-14T22:13:20.123000000Z       2     44  reason 1\n"
                       "  2023-11-14T22:13:21.123000000Z       2     44  reason 2\n"
                       "  2023-11-14T22:13:22.123000000Z       2     44  reason 3\n"
                       "outputs.other: no dead letters\n");
  // One output by name.
  r = Run({"dead-letter", "list", "--config", config_, "other"});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out, "outputs.other: no dead letters\n");
}

TEST_P(DeadLetterCommand, ListAsJson) {
  PutLetters(2);
  CommandResult r = Run({"dead-letter", "list", "--config", config_, "--json", "out"});
  ASSERT_EQ(r.status.ToString(), "exit 0") << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  ASSERT_EQ(parser.parse(r.out).get(o), simdjson::SUCCESS) << r.out;
  simdjson::dom::array outputs;
  ASSERT_EQ(o["outputs"].get(outputs), simdjson::SUCCESS);
  ASSERT_EQ(outputs.size(), 1u);
  simdjson::dom::object out = outputs.at(0);
  std::string_view s;
  bool configured = false;
  ASSERT_EQ(out["output"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "outputs.out");
  ASSERT_EQ(out["configured"].get(configured), simdjson::SUCCESS);
  EXPECT_TRUE(configured);
  ASSERT_EQ(out["dir"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, Dir());
  simdjson::dom::array letters;
  ASSERT_EQ(out["dead_letters"].get(letters), simdjson::SUCCESS);
  ASSERT_EQ(letters.size(), 2u);
  for (uint32_t n = 1; n <= 2; ++n) {
    simdjson::dom::object d = letters.at(n - 1);
    uint64_t v = 0;
    int64_t ns = 0;
    ASSERT_EQ(d["file"].get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, Path(n));
    ASSERT_EQ(d["rejected_at"].get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "2023-11-14T22:13:2" + std::to_string(n - 1) + ".123000000Z");
    ASSERT_EQ(d["rejected_ns"].get(ns), simdjson::SUCCESS);
    EXPECT_EQ(ns, kRejectedNs + (n - 1) * 1'000'000'000ll);
    ASSERT_EQ(d["output_id"].get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "outputs.out");
    ASSERT_EQ(d["tag"].get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "app");
    ASSERT_EQ(d["batch_id"].get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, (BatchId{0, n}.ToHex()));
    ASSERT_EQ(d["events"].get(v), simdjson::SUCCESS);
    EXPECT_EQ(v, 2u);
    ASSERT_EQ(d["bytes"].get(v), simdjson::SUCCESS);
    EXPECT_EQ(v, 44u);
    ASSERT_EQ(d["file_bytes"].get(v), simdjson::SUCCESS);
    EXPECT_EQ(v, 68u + 11 + 3 + 8 + 44);
    ASSERT_EQ(d["reason"].get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "reason " + std::to_string(n));
  }
}

TEST_P(DeadLetterCommand, ReinjectWritesExactlyThoseRecordsAndEmptiesTheDirectory) {
  PutLetters(3);
  CommandResult r = Run({"dead-letter", "reinject", "--config", config_, "out"});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out, "reinjected 3 batches (6 events) to outputs.out; 0 left in " + Dir() + "\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(ReadFileOrEmpty(tmp_.Path("out.jsonl")),
            Line(1, 1) + Line(1, 2) + Line(2, 1) + Line(2, 2) + Line(3, 1) + Line(3, 2));
  EXPECT_EQ(Files(Dir()), std::vector<std::string>{});

  // Nothing left: a second run sends nothing and succeeds.
  r = Run({"dead-letter", "reinject", "--config", config_, "out"});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out, "reinjected 0 batches (0 events) to outputs.out; 0 left in " + Dir() + "\n");
}

TEST_P(DeadLetterCommand, ADryRunSendsNothing) {
  PutLetters(2);
  CommandResult r = Run({"dead-letter", "reinject", "--config", config_, "out", "--dry-run"});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out,
            "would reinject 2 batches (4 events) to outputs.out; 0 damaged in " + Dir() + "\n");
  EXPECT_FALSE(std::filesystem::exists(tmp_.Path("out.jsonl")));
  EXPECT_EQ(Files(Dir()).size(), 2u);
}

TEST_P(DeadLetterCommand, ADamagedFileIsListedAndKept) {
  PutLetters(2);
  Result<std::string> bytes = files::ReadWholeFile(Path(1));
  ASSERT_TRUE(bytes.has_value());
  std::string damaged = *bytes;
  damaged[damaged.size() - 1] ^= 0x01;
  ASSERT_TRUE(WriteFile(Path(1), damaged));
  const std::string error = "dead letter " + Path(1) + ": checksum mismatch";

  CommandResult r = Run({"dead-letter", "list", "--config", config_, "out"});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out, "outputs.out: 2 dead letters, 2 events, 44 bytes in " + Dir() +
                       "\n"
                       "  REJECTED AT (UTC)               EVENTS  BYTES  REASON\n"
                       "  -                                    -      -  damaged: " +
                       error +
                       "\n"
                       "  2023-11-14T22:13:21.123000000Z       2     44  reason 2\n");

  r = Run({"dead-letter", "reinject", "--config", config_, "out"});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, "kept " + Path(1) + ": damaged: " + error + "\n");
  EXPECT_EQ(r.out, "reinjected 1 batch (2 events) to outputs.out; 1 left in " + Dir() + "\n");
  EXPECT_EQ(ReadFileOrEmpty(tmp_.Path("out.jsonl")), Line(2, 1) + Line(2, 2));
  EXPECT_EQ(Files(Dir()), std::vector<std::string>{Path(1).substr(Dir().size() + 1)});
}

TEST_P(DeadLetterCommand, DirectoriesOfOutputsNoLongerConfiguredAreListed) {
  ASSERT_TRUE(files::MakeDirs(tmp_.Path("data/dead-letter/gone")).ok());
  CommandResult r = Run({"dead-letter", "list", "-c", config_});
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.out,
            "outputs.out: no dead letters\n"
            "outputs.other: no dead letters\n"
            "outputs.gone (not in the configuration): no dead letters\n");
}

TEST_P(DeadLetterCommand, Errors) {
  CommandResult r = Run({"dead-letter", "reinject", "--config", config_, "nope"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err, "dead-letter reinject: no output named 'nope' in " + config_ +
                       "; its outputs are: out, other\n");
  r = Run({"dead-letter", "list", "--config", config_, "nope"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err, "dead-letter list: no output named 'nope' in " + config_ +
                       "; its outputs are: out, other\n");
  r = Run({"dead-letter", "reinject", "--config", config_});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_TRUE(r.err.starts_with("OUTPUT is required")) << r.err;
  r = Run({"dead-letter", "reinject", "--config", config_, "out", "--attempts", "0"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  r = Run({"dead-letter"});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  r = Run({"dead-letter", "list", "--config", tmp_.Path("missing.toml")});
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_EQ(r.err, tmp_.Path("missing.toml") +
                       ": cannot read config file: No such file or directory\n" +
                       tmp_.Path("missing.toml") + ": 1 error\n");
  r = Run({"--log-level", "loud", "dead-letter", "list", "--config", config_});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err, "--log-level: 'loud' is not one of trace, debug, info, warn, error\n");
}

INSTANTIATE_TEST_SUITE_P(Binaries, DeadLetterCommand, ::testing::ValuesIn(kRunnelBinaries),
                         [](const auto& info) { return BinaryTestName(info.param); });

}  // namespace
}  // namespace runnel::testing

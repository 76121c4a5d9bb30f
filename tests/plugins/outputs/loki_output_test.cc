// The loki output as core runs it: configured through the real loader, on the HTTP engine,
// against the fake Loki (tests/testing/fake_loki.py; Loki is not packaged for Debian 12).
#include <gtest/gtest.h>

#include "plugins/outputs/loki/loki_config.h"
#include "tests/testing/fake_loki.h"
#include "tests/testing/load_config.h"
#include "tests/testing/output_recorders.h"
#include "tests/testing/temp_dir.h"

namespace runnel {
namespace {

using testing::AckRecorder;
using testing::DeadLetter;
using testing::DeadLetterRecorder;
using testing::FakeLoki;
using testing::LokiEntry;
using testing::TempDir;
constexpr auto kWait = std::chrono::seconds(20);

struct In {
  uint32_t sec;
  std::string app;
  std::string log;
};

std::shared_ptr<const Batch> MakeBatch(const std::vector<In>& events) {
  auto b = std::make_shared<Batch>();
  b->tag = "app";
  b->id = BatchId::Random();
  BatchBuilder builder(b.get());
  for (const In& e : events) {
    builder.BeginEntry(EventTime{e.sec, 0}, 3);
    builder.writer().Str("app");
    builder.writer().Str(e.app);
    builder.writer().Str("log");
    builder.writer().Str(e.log);
    builder.writer().Str("n");
    builder.writer().Int(1);
  }
  return b;
}

using Outcomes = std::vector<std::pair<uint64_t, AckOutcome>>;

class LokiOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = FakeLoki::WhyUnavailable(); !why.empty()) {
      GTEST_SKIP() << why;
    }
    Status s = loki_.Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (out_) {
      out_->Stop();
    }
  }

  // Creates [outputs.o] of type loki with `body` (url set to the fake's) and starts it.
  Result<std::unique_ptr<Output>> Make(const std::string& body) {
    auto cfg = testing::LoadToml(
        dir_, "data_dir = \"" + dir_.Path("data") +
                  "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\ntype = \"loki\"\n"
                  "inputs = [\"i\"]\nurl = \"" +
                  loki_.Url() + "\"\nbatch_timeout = \"60s\"\nretry_initial = \"5ms\"\n" + body);
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    const ConfigNode& node = cfg->outputs.at(0);
    ctx_ = testing::TestContext(dir_, &metrics_, node.id());
    ctx_.dead_letters = &letters_;
    const PluginInfo* info = testing::BuiltinRegistry().Find(PluginKind::kOutput, "loki");
    return info->create_output(node, ctx_);
  }
  void Start(const std::string& body) {
    auto out = Make(body);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    out_ = std::move(*out);
    ASSERT_TRUE(out_->completes_later());
    ASSERT_TRUE(out_->Start().ok());
  }
  void Send(const std::vector<In>& events, uint64_t cookie) {
    ASSERT_TRUE(out_->Submit(MakeBatch(events), AckHandle::Create(&acks_, cookie)).ok());
    ASSERT_EQ(out_->Flush(std::chrono::steady_clock::now() + kWait), 0u);
  }
  std::string ConfigError(const std::string& body) {
    auto out = Make(body);
    if (out.has_value()) {
      return "";
    }
    std::string m = out.error().message();
    const std::string path = dir_.Path("config.toml");
    return m.starts_with(path) ? "config.toml" + m.substr(path.size()) : m;
  }

  TempDir dir_;
  FakeLoki loki_{dir_.path()};
  MetricsRegistry metrics_;
  PluginContext ctx_;
  AckRecorder acks_;
  DeadLetterRecorder letters_;
  std::unique_ptr<Output> out_;
};

TEST_F(LokiOutputTest, ProtobufStreamsSortedWithTheTenant) {
  Start("labels = { app = \"$app\", job = \"t\" }\nline_field = \"log\"\ntenant_id = \"ops\"\n");
  Send({{30, "a", "a3"}, {10, "b", "b1"}, {10, "a", "a1"}, {20, "a", "a2"}}, 1);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  std::vector<LokiEntry> e = loki_.Entries();
  ASSERT_EQ(e.size(), 4u);
  const std::string a = "{app=\"a\", job=\"t\"}";
  const std::string b = "{app=\"b\", job=\"t\"}";
  EXPECT_EQ(e[0].stream, a);
  EXPECT_EQ(e[0].line, "a1");
  EXPECT_EQ(e[0].ts, 10'000'000'000);
  EXPECT_EQ(e[1].line, "a2");
  EXPECT_EQ(e[2].line, "a3");
  EXPECT_EQ(e[3].stream, b);
  EXPECT_EQ(e[3].line, "b1");
  for (const LokiEntry& x : e) {
    EXPECT_EQ(x.tenant, "ops");
  }
  EXPECT_EQ(loki_.Stats(),
            "{\"pushes\": 1, \"stored\": 4, \"ignored\": 0, \"duplicates\": 0, "
            "\"content_types\": {\"application/x-protobuf\": 1}}");
  EXPECT_TRUE(letters_.letters().empty());
}

TEST_F(LokiOutputTest, JsonGzipWithJsonLines) {
  Start("format = \"json\"\ncompression = \"gzip\"\nlabel_keys = [\"app\"]\n");
  Send({{5, "x", "hello"}}, 7);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{7, AckOutcome::kDelivered}}));
  std::vector<LokiEntry> e = loki_.Entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].stream, "{app=\"x\"}");
  EXPECT_EQ(e[0].line, "{\"log\":\"hello\",\"n\":1}");
  EXPECT_EQ(e[0].tenant, "");
  EXPECT_EQ(loki_.Stats(),
            "{\"pushes\": 1, \"stored\": 1, \"ignored\": 0, \"duplicates\": 0, "
            "\"content_types\": {\"application/json\": 1}}");
}

TEST_F(LokiOutputTest, RateLimitedPushesAreRetried) {
  Start("labels = { app = \"$app\" }\nline_format = \"key_value\"\nretry_max = \"50ms\"\n");
  ASSERT_TRUE(loki_.FailNext(429, 2, 1).ok());
  Send({{5, "x", "one two"}}, 3);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{3, AckOutcome::kDelivered}}));
  std::vector<LokiEntry> e = loki_.Entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].line, "log=\"one two\" n=1");
  EXPECT_EQ(loki_.Stats(),
            "{\"pushes\": 3, \"stored\": 1, \"ignored\": 0, \"duplicates\": 0, "
            "\"content_types\": {\"application/x-protobuf\": 3}}");
}

TEST_F(LokiOutputTest, EntriesLokiIgnoresAreDeadLetteredTheOthersStored) {
  Start("labels = { app = \"$app\" }\nline_field = \"log\"\n");
  Send({{100, "a", "first"}}, 1);
  // 50 is older than the stream's newest (100): Loki ignores it and stores 200 and b's entry.
  Send({{200, "a", "later"}, {50, "a", "late"}, {60, "b", "b"}}, 2);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}, {2, AckOutcome::kDelivered}}));
  std::vector<DeadLetter> l = letters_.letters();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].positions, std::vector<uint32_t>{1});
  EXPECT_EQ(l[0].reason,
            "Loki: entry with timestamp 1970-01-01 00:00:50 +0000 UTC ignored, reason: 'entry "
            "out of order' (stream {app=\"a\"})");
  std::vector<LokiEntry> e = loki_.Entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].line, "first");
  EXPECT_EQ(e[1].line, "later");
  EXPECT_EQ(e[2].line, "b");
}

TEST_F(LokiOutputTest, EventsWithoutLabelsOrLineAreDeadLettered) {
  Start("labels = { app = \"$app\" }\nline_field = \"msg\"\n");
  Send({{1, "a", "x"}}, 1);  // no "msg"
  std::vector<DeadLetter> l = letters_.letters();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].positions, std::vector<uint32_t>{0});
  EXPECT_EQ(l[0].reason, "no field 'msg' for the line");
  EXPECT_EQ(loki_.Stats().substr(0, 13), "{\"pushes\": 0,");
}

TEST(LokiConfigTest, PushUrlAppendsThePushPathOnce) {
  EXPECT_EQ(plugins::loki::PushUrl("http://loki:3100"), "http://loki:3100/loki/api/v1/push");
  EXPECT_EQ(plugins::loki::PushUrl("http://loki:3100/"), "http://loki:3100/loki/api/v1/push");
  EXPECT_EQ(plugins::loki::PushUrl("https://gw/tenant-a/"), "https://gw/tenant-a/loki/api/v1/push");
  EXPECT_EQ(plugins::loki::PushUrl("http://loki:3100/loki/api/v1/push"),
            "http://loki:3100/loki/api/v1/push");
}

TEST_F(LokiOutputTest, ConfigErrorsNameTheKey) {
  const std::string at = "outputs.o (loki): key ";
  EXPECT_EQ(ConfigError("labels = { \"a-b\" = \"x\" }\n"),
            "config.toml:10:10: " + at +
                "'labels': label name \"a-b\" is not valid (Loki label names match "
                "[a-zA-Z_][a-zA-Z0-9_]*)");
  EXPECT_EQ(ConfigError("labels = { a = \"x\" }\nlabel_keys = [\"a\"]\n"),
            "config.toml:11:14: " + at + "'label_keys': label \"a\" is given twice");
  std::string many = "label_keys = [";
  for (int i = 0; i < 16; ++i) {
    many += (i > 0 ? ", \"k" : "\"k") + std::to_string(i) + "\"";
  }
  EXPECT_EQ(ConfigError(many + "]\n"), "config.toml:10:14: " + at +
                                           "'label_keys': more than 15 labels (Loki's default "
                                           "max_label_names_per_series); \"k15\" is one too many");
  EXPECT_EQ(ConfigError("compression = \"gzip\"\n"),
            "config.toml:10:15: " + at +
                "'compression': applies to format = \"json\"; protobuf bodies are "
                "snappy-compressed");
  EXPECT_EQ(ConfigError("line_field = \"log\"\nline_format = \"json\"\n"),
            "config.toml:10:14: " + at + "'line_field': excludes line_format; set one of them");
  EXPECT_EQ(ConfigError("labels = {}\n"),
            "config.toml:10:10: " + at + "'labels': is empty; Loki needs at least one label");
  EXPECT_EQ(ConfigError("tenant_id = \"\"\n"),
            "config.toml:10:13: " + at + "'tenant_id': must not be empty");
  EXPECT_EQ(ConfigError("compression = \"zstd\"\nformat = \"json\"\n"),
            "config.toml:10:15: " + at +
                "'compression' has invalid value \"zstd\"\n  hint: allowed values: \"none\", "
                "\"gzip\"\n");
  EXPECT_EQ(ConfigError("format = \"json\"\ncompression = \"gzip\"\n"), "");
}

}  // namespace
}  // namespace runnel

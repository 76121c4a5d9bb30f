// The http output: its config, and its requests as a real HTTP server receives them (Python 3's
// http.server, tests/testing/http_sink_server.py): exact NDJSON, JSON and msgpack bodies,
// compression, the tag header, authentication, retries (503, 429 with Retry-After, a server
// slower than the timeout, a flapping one) and dead letters (400).
#include <gtest/gtest.h>

#include "runnel/msgpack.h"
#include "tests/testing/http_sink.h"
#include "tests/testing/load_config.h"
#include "tests/testing/output_recorders.h"

namespace runnel {
namespace {

using std::chrono::milliseconds;
using testing::HttpSink;
using testing::LoadToml;
using testing::TempDir;
constexpr milliseconds kWait{20'000};

// Two events a batch: {"log":"<tag> <i>","n":i} at 1700000000.25 s + i s.
std::shared_ptr<const Batch> MakeBatch(const std::string& tag, int n) {
  auto b = std::make_shared<Batch>();
  b->tag = tag;
  b->id = BatchId::Random();
  BatchBuilder builder(b.get());
  for (int i = 0; i < n; ++i) {
    builder.BeginEntry(EventTime{1700000000u + static_cast<uint32_t>(i), 250'000'000}, 2);
    builder.writer().Str("log");
    builder.writer().Str(tag + " " + std::to_string(i));
    builder.writer().Str("n");
    builder.writer().Int(i);
  }
  return b;
}

class HttpOutputPluginTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Output>> Make(const std::string& body) {
    auto cfg = LoadToml(dir_,
                        "[inputs.i]\ntype = \"generate\"\n[outputs.o]\ntype = \"http\"\n"
                        "inputs = [\"i\"]\n" +
                            body);
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    const ConfigNode& node = cfg->outputs.at(0);
    PluginContext ctx = testing::TestContext(dir_, &metrics_, node.id());
    ctx.dead_letters = &letters_;
    const PluginInfo* info = testing::BuiltinRegistry().Find(PluginKind::kOutput, "http");
    return info->create_output(node, ctx);
  }
  std::string Error(const std::string& body) {
    auto out = Make(body);
    return out.has_value() ? "created" : out.error().message();
  }
  // Starts the sink with `args` and an output to it configured with `body`.
  void SetUp() override {
    if (!HttpSink::Available()) {
      GTEST_SKIP() << "python3 or " << HttpSink::ScriptPath()
                   << " not found (run through ctest, which sets RUNNEL_SOURCE_DIR)";
    }
  }
  // Starts the sink with `args` and an output to it configured with `body` (retries every
  // 10 to 50 ms unless `body` says otherwise).
  void Start(const std::vector<std::string>& args, const std::string& body) {
    ASSERT_TRUE(sink_.Start(args).ok());
    const std::string retry = body.find("retry_max") == std::string::npos
                                  ? "retry_initial = \"10ms\"\nretry_max = \"50ms\"\n"
                                  : "retry_initial = \"10ms\"\n";
    auto out = Make("url = \"" + sink_.Url("/ingest") + "\"\n" + retry + body);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    out_ = std::move(*out);
    ASSERT_TRUE(out_->Start().ok());
  }
  void Submit(const std::string& tag, int n, uint64_t cookie) {
    ASSERT_NE(out_, nullptr);
    ASSERT_TRUE(out_->Submit(MakeBatch(tag, n), AckHandle::Create(&acks_, cookie)).ok());
  }
  uint64_t Flush() {
    return out_ == nullptr ? UINT64_MAX : out_->Flush(std::chrono::steady_clock::now() + kWait);
  }
  // The bodies the sink answered 2xx to.
  std::vector<std::string> Accepted() {
    std::vector<std::string> bodies;
    for (const auto& r : sink_.Requests()) {
      if (r.status / 100 == 2) {
        bodies.push_back(r.body);
      }
    }
    return bodies;
  }
  using Outcomes = std::vector<std::pair<uint64_t, AckOutcome>>;

  TempDir dir_;
  HttpSink sink_{dir_.path()};
  MetricsRegistry metrics_;
  testing::AckRecorder acks_;
  testing::DeadLetterRecorder letters_;
  std::unique_ptr<Output> out_;
};

constexpr char kNdjson2[] =
    "{\"timestamp\":\"2023-11-14T22:13:20.250000000Z\",\"log\":\"app 0\",\"n\":0}\n"
    "{\"timestamp\":\"2023-11-14T22:13:21.250000000Z\",\"log\":\"app 1\",\"n\":1}\n";

TEST_F(HttpOutputPluginTest, ConfigErrorsNameTheKey) {
  EXPECT_NE(Error("url = \"http://h/\"\nformat = \"xml\"\n").find("format"), std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\ntag_header = \"X Tag\"\n")
                .find("key 'tag_header': \"X Tag\" is not a header name"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\ntag_header = \"X-Tag\"\nheaders = { \"x-tag\" = \"1\" }\n")
                .find("key 'tag_header': \"X-Tag\" is also set in headers"),
            std::string::npos);
  EXPECT_NE(Error("url = \"h:80/\"\n").find("key 'url': \"h:80/\" must start with http://"),
            std::string::npos);
  EXPECT_EQ(Error("url = \"http://h/\"\n"), "created");
}

TEST_F(HttpOutputPluginTest, PostsNdjson) {
  Start({}, "");
  Submit("app", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  const auto requests = sink_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/ingest");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/x-ndjson");
  EXPECT_EQ(requests[0].body, kNdjson2);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(metrics_.GetCounter("events_out_total", "outputs.o", "")->value(), 2u);
}

TEST_F(HttpOutputPluginTest, PostsAJsonArrayWithEpochTimes) {
  Start({}, "format = \"json\"\ntime_key = \"ts\"\ntime_format = \"unix_ms\"\n");
  Submit("app", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  ASSERT_EQ(sink_.Requests().size(), 1u);
  EXPECT_EQ(sink_.Requests()[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(sink_.Requests()[0].body,
            "[{\"ts\":1700000000250,\"log\":\"app 0\",\"n\":0},"
            "{\"ts\":1700000001250,\"log\":\"app 1\",\"n\":1}]");
}

TEST_F(HttpOutputPluginTest, PostsTheForwardEntriesAsMsgpack) {
  Start({}, "format = \"msgpack\"\n");
  const std::shared_ptr<const Batch> batch = MakeBatch("app", 3);
  ASSERT_TRUE(out_->Submit(batch, AckHandle::Create(&acks_, 1)).ok());
  EXPECT_EQ(Flush(), 0u);
  ASSERT_EQ(sink_.Requests().size(), 1u);
  EXPECT_EQ(sink_.Requests()[0].headers.at("content-type"), "application/msgpack");
  EXPECT_EQ(sink_.Requests()[0].body, batch->data);
}

TEST_F(HttpOutputPluginTest, CompressesWithGzipAndZstd) {
  for (const char* c : {"gzip", "zstd"}) {
    Start({}, std::string("compression = \"") + c + "\"\n");
    Submit("app", 2, 1);
    EXPECT_EQ(Flush(), 0u);
    const auto requests = sink_.Requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].headers.at("content-encoding"), c);
    EXPECT_EQ(requests[0].body, kNdjson2);
    out_->Stop();
    sink_.Kill();
    std::remove(sink_.out_path().c_str());
  }
}

TEST_F(HttpOutputPluginTest, SendsTheTagHeaderOneTagARequest) {
  Start({}, "tag_header = \"X-Runnel-Tag\"\n");
  Submit("app", 2, 1);
  Submit("db", 1, 2);
  EXPECT_EQ(Flush(), 0u);
  const auto requests = sink_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  std::map<std::string, std::string> by_tag;
  for (const auto& r : requests) {
    by_tag[r.headers.at("x-runnel-tag")] = r.body;
  }
  EXPECT_EQ(by_tag.at("app"), kNdjson2);
  EXPECT_EQ(by_tag.at("db"),
            "{\"timestamp\":\"2023-11-14T22:13:20.250000000Z\",\"log\":\"db 0\",\"n\":0}\n");
}

TEST_F(HttpOutputPluginTest, SendsHeadersAndAuth) {
  Start({},
        "headers = { \"X-Scope-OrgID\" = \"ops\" }\nauth.user = \"runnel\"\n"
        "auth.password = \"s3cret\"\n");
  Submit("app", 1, 1);
  EXPECT_EQ(Flush(), 0u);
  ASSERT_EQ(sink_.Requests().size(), 1u);
  EXPECT_EQ(sink_.Requests()[0].headers.at("x-scope-orgid"), "ops");
  EXPECT_EQ(sink_.Requests()[0].headers.at("authorization"), "Basic cnVubmVsOnMzY3JldA==");
  out_->Stop();
  sink_.Kill();
  std::remove(sink_.out_path().c_str());
  Start({}, "auth.bearer_token = \"tok-1\"\n");
  Submit("app", 1, 2);
  EXPECT_EQ(Flush(), 0u);
  ASSERT_EQ(sink_.Requests().size(), 1u);
  EXPECT_EQ(sink_.Requests()[0].headers.at("authorization"), "Bearer tok-1");
}

TEST_F(HttpOutputPluginTest, RetriesA503) {
  Start({"--script", "503,503"}, "");
  Submit("app", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  const auto requests = sink_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].status, 503);
  EXPECT_EQ(requests[1].status, 503);
  EXPECT_EQ(requests[2].status, 200);
  for (const auto& r : requests) {
    EXPECT_EQ(r.body, kNdjson2);
  }
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(metrics_.GetCounter("retries_total", "outputs.o", "")->value(), 2u);
  EXPECT_TRUE(letters_.letters().empty());
}

TEST_F(HttpOutputPluginTest, HonoursRetryAfterOn429) {
  Start({"--script", "429/1"}, "retry_max = \"10s\"\n");
  Submit("app", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  const auto requests = sink_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].status, 429);
  EXPECT_GE(requests[1].t - requests[0].t, 0.99);
  EXPECT_EQ(Accepted(), (std::vector<std::string>{kNdjson2}));
}

TEST_F(HttpOutputPluginTest, DeadLettersA400) {
  Start({"--script", "400"}, "");
  Submit("app", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(sink_.Requests().size(), 1u);
  EXPECT_EQ(letters_.letters(),
            (std::vector<testing::DeadLetter>{{"app", {0, 1}, "HTTP 400: refused with 400"}}));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
}

TEST_F(HttpOutputPluginTest, ASlowServerTimesOutAndIsRetriedUpToTheLimit) {
  Start({"--delay-ms", "2000"}, "timeout = \"200ms\"\nretry_limit = 2\n");
  Submit("app", 1, 1);
  EXPECT_EQ(Flush(), 0u);
  const auto letters = letters_.letters();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].positions, (std::vector<uint32_t>{0}));
  EXPECT_TRUE(letters[0].reason.starts_with("gave up after 2 attempts: " + sink_.Url("/ingest") +
                                            ": Operation timed out"))
      << letters[0].reason;
}

TEST_F(HttpOutputPluginTest, AFlappingServerGetsEveryEventOnce) {
  Start({"--flap"}, "batch_max_events = 3\nmax_in_flight = 1\n");
  for (int i = 0; i < 4; ++i) {
    Submit("b" + std::to_string(i), 3, i);
  }
  EXPECT_EQ(Flush(), 0u);
  const auto accepted = Accepted();
  ASSERT_EQ(accepted.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const std::string tag = "b" + std::to_string(i);
    EXPECT_EQ(
        accepted[i].substr(0, accepted[i].find('\n')),
        "{\"timestamp\":\"2023-11-14T22:13:20.250000000Z\",\"log\":\"" + tag + " 0\",\"n\":0}");
    EXPECT_EQ(std::count(accepted[i].begin(), accepted[i].end(), '\n'), 3);
  }
  EXPECT_EQ(sink_.Requests().size(), 8u);  // each refused once with 503
  EXPECT_EQ(acks_.by_cookie().size(), 4u);
}

}  // namespace
}  // namespace runnel

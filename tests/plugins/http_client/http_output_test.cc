// The HTTP output engine (plugins/http_client/http_output.h) against a loopback HTTP/1.1
// server (tests/testing/http_test_server.h), with a test protocol whose body is one line
// "<tag>:<position>" per event.
#include "plugins/http_client/http_output.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/testing/http_test_server.h"
#include "tests/testing/output_recorders.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace runnel::http_client {
namespace {

using std::chrono::milliseconds;
using testing::HttpTestServer;
using testing::ServedReply;
constexpr milliseconds kWait{20'000};

using Acks = testing::AckRecorder;
using Letter = testing::DeadLetter;
using Letters = testing::DeadLetterRecorder;

// Body: "<tag>:<position>\n" per event. Events whose position is in `encode_reject` are refused
// by Encode; `classify`, when set, reads the response instead of ClassifyStatus.
class LinesProtocol : public HttpProtocol {
 public:
  std::set<uint32_t> encode_reject;
  std::function<Outcome(std::span<const Event>, const Response&)> classify;

  Status Encode(std::span<const Event> events, Encoded* out) override {
    out->request.content_type = "text/plain";
    out->request.headers.emplace_back("X-Events", std::to_string(events.size()));
    for (uint32_t i = 0; i < events.size(); ++i) {
      if (encode_reject.contains(events[i].position)) {
        out->rejected.emplace_back(i, "cannot encode " + std::to_string(events[i].position));
        continue;
      }
      out->request.body += events[i].batch->tag + ":" + std::to_string(events[i].position) + "\n";
    }
    return OkStatus();
  }
  Outcome Classify(std::span<const Event> events, const Response& response) override {
    return classify ? classify(events, response) : ClassifyStatus(response);
  }
};

std::shared_ptr<const Batch> MakeBatch(const std::string& tag, int n) {
  auto b = std::make_shared<Batch>();
  b->tag = tag;
  b->id = BatchId::Random();
  BatchBuilder builder(b.get());
  for (int i = 0; i < n; ++i) {
    builder.BeginEntry(EventTime{1700000000, static_cast<uint32_t>(i)}, 1);
    builder.writer().Str("log");
    builder.writer().Str("line " + std::to_string(i % 10));  // 12 bytes a record
  }
  return b;
}

std::string Lines(const std::string& tag, int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) {
    s += tag + ":" + std::to_string(i) + "\n";
  }
  return s;
}

class HttpOutputTest : public ::testing::Test {
 protected:
  HttpOptions Options() {
    HttpOptions o;
    o.url = server_.Url("/ingest");
    o.batch_timeout = milliseconds(60'000);  // requests are sealed by size or Flush
    o.retry_initial = milliseconds(5);
    o.retry_max = milliseconds(20);
    o.max_in_flight = 1;  // requests arrive in order; tests of concurrency raise it
    return o;
  }
  void Start(HttpOptions options, bool with_sink = true) {
    auto protocol = std::make_unique<LinesProtocol>();
    protocol_ = protocol.get();
    ctx_.id = "outputs.h";
    ctx_.metrics = &metrics_;
    ctx_.component_metrics = ComponentMetrics::Create(metrics_, "outputs.h");
    ctx_.dead_letters = with_sink ? &letters_ : nullptr;
    out_ = std::make_unique<HttpOutput>(std::move(options), std::move(protocol), ctx_);
    ASSERT_TRUE(out_->completes_later());
    ASSERT_TRUE(out_->Start().ok());
  }
  void Submit(const std::string& tag, int n, uint64_t cookie) {
    ASSERT_TRUE(out_->Submit(MakeBatch(tag, n), AckHandle::Create(&acks_, cookie)).ok());
  }
  uint64_t Flush() { return out_->Flush(std::chrono::steady_clock::now() + kWait); }
  std::vector<std::string> Bodies() {
    std::vector<std::string> bodies;
    for (const auto& r : server_.requests()) {
      bodies.push_back(r.body);
    }
    return bodies;
  }
  uint64_t Count(const std::string& name, const MetricLabels& labels = {}) {
    return metrics_.GetCounter(name, "outputs.h", "", labels)->value();
  }
  using Outcomes = std::vector<std::pair<uint64_t, AckOutcome>>;

  HttpTestServer server_;
  MetricsRegistry metrics_;
  Acks acks_;
  Letters letters_;
  PluginContext ctx_;
  LinesProtocol* protocol_ = nullptr;
  std::unique_ptr<HttpOutput> out_;
};

TEST_F(HttpOutputTest, SplitsABatchByEvents) {
  HttpOptions o = Options();
  o.batch_max_events = 3;
  Start(o);
  Submit("a", 7, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(),
            (std::vector<std::string>{Lines("a", 0, 3), Lines("a", 3, 6), Lines("a", 6, 7)}));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(Count("events_out_total"), 7u);
  EXPECT_EQ(Count("bytes_out_total"), 7u * 12);
  EXPECT_EQ(Count("http_requests_total", {{"code", "200"}}), 3u);
  const auto requests = server_.requests();
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/ingest");
  EXPECT_EQ(requests[0].Header("Content-Type"), "text/plain");
  EXPECT_EQ(requests[0].Header("X-Events"), "3");
  EXPECT_EQ(requests[0].Header("Content-Encoding"), "");
}

TEST_F(HttpOutputTest, SmallBatchesShareRequestsAndOneSpansTwo) {
  HttpOptions o = Options();
  o.batch_max_events = 10;
  Start(o);
  for (int i = 0; i < 4; ++i) {
    Submit(std::string(1, static_cast<char>('a' + i)), 3, i);
  }
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(), (std::vector<std::string>{
                          Lines("a", 0, 3) + Lines("b", 0, 3) + Lines("c", 0, 3) + "d:0\n",
                          Lines("d", 1, 3)}));
  ASSERT_TRUE(acks_.WaitFor(4));
  std::map<uint64_t, AckOutcome> by_cookie;
  for (const auto& [cookie, outcome] : acks_.outcomes()) {
    by_cookie[cookie] = outcome;
  }
  EXPECT_EQ(by_cookie, (std::map<uint64_t, AckOutcome>{{0, AckOutcome::kDelivered},
                                                       {1, AckOutcome::kDelivered},
                                                       {2, AckOutcome::kDelivered},
                                                       {3, AckOutcome::kDelivered}}));
}

TEST_F(HttpOutputTest, OneTagPerRequest) {
  HttpOptions o = Options();
  o.one_tag_per_request = true;
  Start(o);
  Submit("a", 2, 1);
  Submit("a", 1, 2);
  Submit("b", 2, 3);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(), (std::vector<std::string>{Lines("a", 0, 2) + "a:0\n", Lines("b", 0, 2)}));
}

TEST_F(HttpOutputTest, SplitsByBytes) {
  HttpOptions o = Options();
  o.batch_max_bytes = 25;  // two 12-byte records
  Start(o);
  Submit("a", 5, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(),
            (std::vector<std::string>{Lines("a", 0, 2), Lines("a", 2, 4), Lines("a", 4, 5)}));
}

TEST_F(HttpOutputTest, SendsAfterBatchTimeout) {
  HttpOptions o = Options();
  o.batch_timeout = milliseconds(50);
  Start(o);
  Submit("a", 2, 1);
  ASSERT_TRUE(acks_.WaitFor(1));  // no Flush: the timeout sent it
  EXPECT_EQ(Bodies(), (std::vector<std::string>{Lines("a", 0, 2)}));
}

TEST_F(HttpOutputTest, KeepsMaxInFlightRequestsAtOnce) {
  HttpOptions o = Options();
  o.batch_max_events = 1;
  o.max_in_flight = 3;
  Start(o);
  server_.Hold();
  Submit("a", 6, 1);
  ASSERT_TRUE(server_.WaitForConcurrent(3));
  EXPECT_EQ(metrics_.GetGauge("http_in_flight_requests", "outputs.h", "")->value(), 3);
  EXPECT_EQ(server_.request_count(), 3u);
  server_.Release();
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(server_.request_count(), 6u);
  EXPECT_EQ(server_.max_concurrent(), 3);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(metrics_.GetGauge("http_in_flight_requests", "outputs.h", "")->value(), 0);
}

TEST_F(HttpOutputTest, RetriesA500ThenDelivers) {
  Start(Options());
  server_.Script({{500, "busy", {}}, {200, "", {}}});
  Submit("a", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(), (std::vector<std::string>{Lines("a", 0, 2), Lines("a", 0, 2)}));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(Count("retries_total"), 1u);
  EXPECT_EQ(Count("http_requests_total", {{"code", "500"}}), 1u);
  EXPECT_EQ(Count("http_requests_total", {{"code", "200"}}), 1u);
  EXPECT_TRUE(letters_.letters().empty());
}

TEST_F(HttpOutputTest, HonoursRetryAfter) {
  HttpOptions o = Options();
  o.retry_max = milliseconds(5'000);
  Start(o);
  server_.Script({{429, "slow down", {{"Retry-After", "1"}}}});
  Submit("a", 1, 1);
  EXPECT_EQ(Flush(), 0u);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].received - requests[0].received, milliseconds(1'000));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
}

TEST_F(HttpOutputTest, DeadLettersA400WithTheReason) {
  Start(Options());
  server_.Script({{400, "bad mapping\n", {}}});
  Submit("a", 3, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(letters_.letters(), (std::vector<Letter>{{"a", {0, 1, 2}, "HTTP 400: bad mapping"}}));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(Count("events_out_total"), 0u);
}

TEST_F(HttpOutputTest, RejectsTheBatchWithoutADeadLetterSink) {
  Start(Options(), /*with_sink=*/false);
  server_.Script({{403, "", {}}});
  Submit("a", 3, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kRejected}}));
}

TEST_F(HttpOutputTest, PerEventOutcomes) {
  Start(Options());
  int calls = 0;
  protocol_->classify = [&calls](std::span<const Event> events, const Response& r) {
    if (++calls > 1) {
      return Outcome::Delivered();
    }
    Outcome o;
    o.kind = Outcome::Kind::kPerEvent;
    for (const Event& e : events) {
      Outcome::PerEvent pe;
      if (e.position % 2 == 1) {
        pe = {Outcome::Kind::kRejected, "odd"};
      } else if (e.position == 2 || e.position == 4) {
        pe = {Outcome::Kind::kRetry, "busy"};
      }
      o.events.push_back(pe);
    }
    return o;
  };
  Submit("a", 6, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(), (std::vector<std::string>{Lines("a", 0, 6), "a:2\na:4\n"}));
  EXPECT_EQ(letters_.letters(), (std::vector<Letter>{{"a", {1, 3, 5}, "odd"}}));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
  EXPECT_EQ(Count("events_out_total"), 3u);
}

TEST_F(HttpOutputTest, GivesUpAfterRetryLimit) {
  HttpOptions o = Options();
  o.retry_limit = 3;
  Start(o);
  server_.SetDefault({503, "down", {}});
  Submit("a", 2, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(letters_.letters(),
            (std::vector<Letter>{{"a", {0, 1}, "gave up after 3 attempts: HTTP 503: down"}}));
  EXPECT_EQ(Count("retries_total"), 2u);
}

TEST_F(HttpOutputTest, EncodeRejectionsAreNotSent) {
  Start(Options());
  protocol_->encode_reject = {1, 2};
  Submit("a", 4, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"a:0\na:3\n"}));
  EXPECT_EQ(letters_.letters(),
            (std::vector<Letter>{{"a", {1}, "cannot encode 1"}, {"a", {2}, "cannot encode 2"}}));
  EXPECT_EQ(acks_.outcomes(), (Outcomes{{1, AckOutcome::kDelivered}}));
}

TEST_F(HttpOutputTest, NoRequestWhenEncodeRejectsEverything) {
  Start(Options());
  protocol_->encode_reject = {0};
  Submit("a", 1, 1);
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(server_.request_count(), 0u);
  EXPECT_EQ(letters_.letters(), (std::vector<Letter>{{"a", {0}, "cannot encode 0"}}));
}

TEST_F(HttpOutputTest, FlushReturnsWhatIsOutstandingAtTheDeadline) {
  Start(Options());
  server_.Hold();
  Submit("a", 2, 1);
  Submit("b", 2, 2);
  EXPECT_EQ(out_->Flush(std::chrono::steady_clock::now() + milliseconds(100)), 2u);
  ASSERT_TRUE(server_.WaitForRequests(1));
  server_.Release();
  EXPECT_EQ(Flush(), 0u);
  EXPECT_EQ(acks_.outcomes().size(), 2u);
}

TEST_F(HttpOutputTest, CancelWhileRequestsHang) {
  Start(Options());
  server_.Hold();
  Submit("a", 2, 1);
  Submit("b", 2, 2);
  out_->Flush(std::chrono::steady_clock::now());
  ASSERT_TRUE(server_.WaitForRequests(1));
  out_->Cancel();
  EXPECT_EQ(out_->Flush(std::chrono::steady_clock::now() + kWait), 2u);
  Status s = out_->Submit(MakeBatch("c", 1), AckHandle::Create(&acks_, 3));
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  out_->Stop();
  ASSERT_TRUE(acks_.WaitFor(3));
  std::map<uint64_t, AckOutcome> by_cookie;
  for (const auto& [cookie, outcome] : acks_.outcomes()) {
    by_cookie[cookie] = outcome;
  }
  EXPECT_EQ(by_cookie, (std::map<uint64_t, AckOutcome>{{1, AckOutcome::kCancelled},
                                                       {2, AckOutcome::kCancelled},
                                                       {3, AckOutcome::kCancelled}}));
  server_.Release();
}

TEST_F(HttpOutputTest, CompressesBodies) {
  for (forward::Compression c : {forward::Compression::kGzip, forward::Compression::kZstd}) {
    HttpOptions o = Options();
    o.compression = c;
    Start(o);
    Submit("a", 50, 1);
    EXPECT_EQ(Flush(), 0u);
    out_->Stop();
  }
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("Content-Encoding"), "gzip");
  EXPECT_EQ(requests[1].Header("Content-Encoding"), "zstd");
  for (const auto& r : requests) {
    EXPECT_EQ(r.decode_error, "");
    EXPECT_EQ(r.body, Lines("a", 0, 50));
    EXPECT_LT(r.raw_body.size(), r.body.size());
  }
}

TEST_F(HttpOutputTest, SendsHeadersAndBasicAuth) {
  HttpOptions o = Options();
  o.headers = {{"X-Scope-OrgID", "ops"}};
  o.user = "runnel";
  o.password = "s3cret";
  Start(o);
  Submit("a", 1, 1);
  EXPECT_EQ(Flush(), 0u);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("X-Scope-OrgID"), "ops");
  EXPECT_EQ(requests[0].Header("Authorization"), "Basic cnVubmVsOnMzY3JldA==");  // runnel:s3cret
}

TEST_F(HttpOutputTest, SendsABearerToken) {
  HttpOptions o = Options();
  o.bearer_token = "tok-123";
  Start(o);
  Submit("a", 1, 1);
  EXPECT_EQ(Flush(), 0u);
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(server_.requests()[0].Header("Authorization"), "Bearer tok-123");
}

TEST(HttpOutputTlsTest, DeliversOverTlsAndRefusesAnUnknownCa) {
  testing::TempDir dir;
  const testing::TlsTestFiles files = testing::MakeTlsTestFiles(dir.path());
  HttpTestServer server({files.server_cert, files.server_key, ""});
  MetricsRegistry metrics;
  Acks acks;
  Letters letters;
  for (const std::string& ca : {files.ca_cert, files.other_ca_cert}) {
    HttpOptions o;
    o.url = server.Url("/tls");
    o.tls_ca_file = ca;
    o.retry_limit = 1;
    PluginContext ctx;
    ctx.id = "outputs.h";
    ctx.metrics = &metrics;
    ctx.component_metrics = ComponentMetrics::Create(metrics, "outputs.h");
    ctx.dead_letters = &letters;
    HttpOutput out(o, std::make_unique<LinesProtocol>(), ctx);
    ASSERT_TRUE(out.Start().ok());
    ASSERT_TRUE(out.Submit(MakeBatch("t", 1), AckHandle::Create(&acks, 1)).ok());
    EXPECT_EQ(out.Flush(std::chrono::steady_clock::now() + kWait), 0u);
  }
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0].body, "t:0\n");
  const auto l = letters.letters();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].positions, (std::vector<uint32_t>{0}));
  EXPECT_TRUE(l[0].reason.starts_with("gave up after 1 attempts: " + server.Url("/tls") + ": "))
      << l[0].reason;
  EXPECT_EQ(
      metrics.GetCounter("http_requests_total", "outputs.h", "", {{"code", "error"}})->value(), 1u);
}

TEST(HttpOutputTlsTest, PresentsAClientCertificate) {
  testing::TempDir dir;
  const testing::TlsTestFiles files = testing::MakeTlsTestFiles(dir.path());
  HttpTestServer server({files.server_cert, files.server_key, files.ca_cert});
  MetricsRegistry metrics;
  Acks acks;
  Letters letters;
  for (bool with_cert : {true, false}) {
    HttpOptions o;
    o.url = server.Url("/mtls");
    o.tls_ca_file = files.ca_cert;
    if (with_cert) {
      o.tls_cert_file = files.client_cert;
      o.tls_key_file = files.client_key;
    }
    o.retry_limit = 1;
    PluginContext ctx;
    ctx.id = "outputs.h";
    ctx.metrics = &metrics;
    ctx.component_metrics = ComponentMetrics::Create(metrics, "outputs.h");
    ctx.dead_letters = &letters;
    HttpOutput out(o, std::make_unique<LinesProtocol>(), ctx);
    ASSERT_TRUE(out.Start().ok());
    ASSERT_TRUE(out.Submit(MakeBatch("m", 1), AckHandle::Create(&acks, 1)).ok());
    EXPECT_EQ(out.Flush(std::chrono::steady_clock::now() + kWait), 0u);
  }
  ASSERT_EQ(server.request_count(), 1u);  // only the one with the certificate got through
  EXPECT_EQ(server.requests()[0].body, "m:0\n");
  ASSERT_EQ(letters.letters().size(), 1u);
  EXPECT_TRUE(letters.letters()[0].reason.starts_with("gave up after 1 attempts: "));
}

TEST(PerformBlockingTest, GetsAnAnswer) {
  HttpTestServer server;
  server.Script({{418, "teapot", {{"Retry-After", "7"}}}});
  HttpOptions o;
  o.url = server.Url("/version");
  Request r;
  r.method = "GET";
  const Response response = PerformBlocking(o, r);
  EXPECT_EQ(response.status, 418);
  EXPECT_EQ(response.body, "teapot");
  EXPECT_EQ(response.retry_after, milliseconds(7'000));
  EXPECT_EQ(response.error, "");
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0].method, "GET");
  EXPECT_EQ(server.requests()[0].path, "/version");
}

}  // namespace
}  // namespace runnel::http_client

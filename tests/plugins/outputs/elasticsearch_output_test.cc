// The elasticsearch output, built from a config by the real loader, on the HTTP engine against
// the fake Elasticsearch on loopback (tests/testing/fake_elasticsearch.h): documents indexed
// once with their ids, index patterns and fields, gzip, per-item retries and dead letters,
// whole-request failures, a lost response, authentication, 413, and the config's errors.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "tests/testing/fake_elasticsearch.h"
#include "tests/testing/load_config.h"
#include "tests/testing/output_recorders.h"
#include "tests/testing/tls_certs.h"

namespace runnel {
namespace {

using std::chrono::milliseconds;
using testing::FakeElasticsearch;
using testing::FakeElasticsearchOptions;
using testing::LoadToml;
using testing::TempDir;
constexpr milliseconds kWait{20'000};
constexpr uint32_t kTime = 1764810123;  // 2025-12-04T01:02:03Z

// A batch of `n` events {"seq": first + i, "msg": "event <seq>"}; `bad` positions get
// "seq": "not a number" (the fake maps seq as long).
std::shared_ptr<const Batch> MakeBatch(int first, int n, std::set<int> bad = {}) {
  auto b = std::make_shared<Batch>();
  b->tag = "app";
  b->id = BatchId::Random();
  BatchBuilder builder(b.get());
  for (int i = 0; i < n; ++i) {
    builder.BeginEntry(EventTime{kTime, static_cast<uint32_t>(i) * 1'000'000}, 2);
    builder.writer().Str("seq");
    if (bad.contains(i)) {
      builder.writer().Str("not a number");
    } else {
      builder.writer().Int(first + i);
    }
    builder.writer().Str("msg");
    builder.writer().Str("event " + std::to_string(first + i));
  }
  return b;
}

FakeElasticsearchOptions WithSeqAsLong() {
  FakeElasticsearchOptions o;
  o.store.mappings.push_back({"*", "seq", "long"});
  return o;
}

class EsOutputTest : public ::testing::Test {
 protected:
  void StartFake(FakeElasticsearchOptions options = WithSeqAsLong()) {
    es_ = std::make_unique<FakeElasticsearch>(std::move(options));
    ASSERT_TRUE(es_->Start().ok());
  }
  Result<std::unique_ptr<Output>> Make(const std::string& body) {
    auto cfg = LoadToml(dir_, "data_dir = \"" + dir_.Path("data") +
                                  "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\n"
                                  "type = \"elasticsearch\"\ninputs = [\"i\"]\n" +
                                  body);
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    const ConfigNode& node = cfg->outputs.at(0);
    PluginContext ctx = testing::TestContext(dir_, &metrics_, node.id());
    ctx.dead_letters = &letters_;
    const PluginInfo* info = testing::BuiltinRegistry().Find(PluginKind::kOutput, "elasticsearch");
    return info->create_output(node, ctx);
  }
  // Started, to the fake, quick retries; `extra` adds keys.
  std::unique_ptr<Output> MakeStarted(const std::string& extra = "") {
    auto out = Make("url = \"" + es_->url() +
                    "\"\nbatch_timeout = \"20ms\"\nretry_initial = "
                    "\"10ms\"\nretry_max = \"50ms\"\n" +
                    extra);
    EXPECT_TRUE(out.has_value()) << out.error().ToString();
    if (!out) {
      return nullptr;
    }
    EXPECT_TRUE((*out)->completes_later());
    EXPECT_TRUE((*out)->Start().ok());
    return std::move(*out);
  }
  void Submit(Output& out, std::shared_ptr<const Batch> batch, uint64_t cookie) {
    ASSERT_TRUE(out.Submit(std::move(batch), AckHandle::Create(&acks_, cookie)).ok());
  }
  // Every stored document's source by _id.
  std::map<std::string, std::string> SourcesById() {
    std::map<std::string, std::string> out;
    for (const testing::fake_es::StoredDoc& d : es_->Documents()) {
      out[d.id] = d.source;
    }
    return out;
  }
  std::string Error(const std::string& body) {
    auto out = Make(body);
    return out.has_value() ? "created" : out.error().message();
  }

  TempDir dir_;
  MetricsRegistry metrics_;
  testing::AckRecorder acks_{kWait};
  testing::DeadLetterRecorder letters_;
  std::unique_ptr<FakeElasticsearch> es_;
};

TEST_F(EsOutputTest, IndexesEveryDocumentOnceUnderItsBatchIdWithGzip) {
  StartFake();
  auto out = MakeStarted("compression = \"gzip\"\nindex = \"logs-%Y.%m.%d\"\n");
  ASSERT_NE(out, nullptr);
  std::vector<std::shared_ptr<const Batch>> batches;
  for (int b = 0; b < 3; ++b) {
    batches.push_back(MakeBatch(b * 10, 10));
    Submit(*out, batches.back(), b);
  }
  ASSERT_TRUE(acks_.WaitFor(3));
  EXPECT_EQ(out->Flush(std::chrono::steady_clock::now() + kWait), 0u);
  for (const auto& [cookie, outcome] : acks_.by_cookie()) {
    EXPECT_EQ(outcome, AckOutcome::kDelivered) << cookie;
  }
  EXPECT_EQ(es_->Count("logs-2025.12.04"), 30u);
  std::map<std::string, std::string> docs = SourcesById();
  ASSERT_EQ(docs.size(), 30u);
  EXPECT_EQ(docs[batches[1]->id.ToHex() + "-3"],
            "{\"@timestamp\":\"2025-12-04T01:02:03.003Z\",\"seq\":13,\"msg\":\"event 13\"}");
  testing::FakeRequestStats rs = es_->request_stats();
  EXPECT_EQ(rs.gzip_requests, rs.bulk_requests);
  EXPECT_GE(rs.bulk_requests, 1u);
  EXPECT_EQ(rs.last_content_type, "application/x-ndjson");
  EXPECT_EQ(rs.last_target,
            "/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason");
  EXPECT_EQ(es_->store_stats().created, 30u);
  EXPECT_EQ(es_->store_stats().conflicts, 0u);
  EXPECT_TRUE(letters_.by_event().empty());
  EXPECT_EQ(metrics_.GetCounter("events_out_total", "outputs.o", "")->value(), 30u);
  out->Stop();
}

TEST_F(EsOutputTest, BadDocumentsAreDeadLetteredOneByOneAndRejectedItemsRetried) {
  StartFake();
  es_->RejectNextItems(4);  // the first four items of the first request: 429
  auto out = MakeStarted("batch_max_events = 100\n");
  ASSERT_NE(out, nullptr);
  auto batch = MakeBatch(0, 20, {3, 7, 15});
  Submit(*out, batch, 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  EXPECT_EQ(acks_.by_cookie()[1], AckOutcome::kDelivered);
  const std::string id = batch->id.ToHex();
  auto reason = [&](int position) {
    return "mapper_parsing_exception: failed to parse field [seq] of type [long] in document "
           "with id '" +
           id + "-" + std::to_string(position) + "'. Preview of field's value: 'not a number'";
  };
  EXPECT_EQ(letters_.by_event(),
            (std::map<std::string, std::string>{
                {id + "-15", reason(15)}, {id + "-3", reason(3)}, {id + "-7", reason(7)}}));
  std::map<std::string, std::string> docs = SourcesById();
  ASSERT_EQ(docs.size(), 17u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(docs.contains(id + "-" + std::to_string(i)), i != 3 && i != 7 && i != 15) << i;
  }
  testing::fake_es::StoreStats s = es_->store_stats();
  EXPECT_EQ(s.rejected_items, 4u);
  EXPECT_EQ(s.created, 17u);
  EXPECT_EQ(s.conflicts, 0u);  // only the 429 items and the bad ones were sent again
  EXPECT_EQ(s.mapping_errors, 3u);
  EXPECT_EQ(es_->request_stats().bulk_requests, 2u);
  out->Stop();
}

TEST_F(EsOutputTest, WholeRequestFailuresAndALostResponseNeverDuplicate) {
  StartFake();
  es_->FailNextRequests(2, 503);
  es_->DropNextResponses(1);  // carried out, then the connection closes unanswered
  auto out = MakeStarted();
  ASSERT_NE(out, nullptr);
  auto batch = MakeBatch(0, 50);
  Submit(*out, batch, 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  EXPECT_EQ(acks_.by_cookie()[1], AckOutcome::kDelivered);
  EXPECT_EQ(SourcesById().size(), 50u);
  testing::fake_es::StoreStats s = es_->store_stats();
  EXPECT_EQ(s.created, 50u);
  EXPECT_EQ(s.conflicts, 50u);  // the retry of the lost response: 409 each, delivered
  testing::FakeRequestStats rs = es_->request_stats();
  EXPECT_EQ(rs.failed_requests, 2u);
  EXPECT_EQ(rs.dropped_responses, 1u);
  EXPECT_EQ(rs.bulk_requests, 4u);
  EXPECT_TRUE(letters_.by_event().empty());
  out->Stop();
}

TEST_F(EsOutputTest, IndexFieldRoutingPipelineAndApiKey) {
  FakeElasticsearchOptions options = WithSeqAsLong();
  options.api_key = "aWQ6a2V5";
  options.store.pipelines = {"enrich"};
  StartFake(options);
  auto out = MakeStarted(
      "index_field = \"msg\"\nrouting_field = \"seq\"\npipeline = \"enrich\"\nop_type = "
      "\"index\"\ntime_precision = \"ns\"\nauth.api_key = \"aWQ6a2V5\"\n");
  ASSERT_NE(out, nullptr);
  auto b = std::make_shared<Batch>();
  b->id = BatchId{1, 2};
  BatchBuilder builder(b.get());
  builder.BeginEntry(EventTime{kTime, 5}, 2);
  builder.writer().Str("msg");
  builder.writer().Str("orders");
  builder.writer().Str("seq");
  builder.writer().Int(42);
  builder.BeginEntry(EventTime{kTime, 6}, 1);
  builder.writer().Str("msg");
  builder.writer().Str("Bad Name");
  Submit(*out, b, 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  std::vector<testing::fake_es::StoredDoc> docs = es_->Documents();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].index, "orders");
  EXPECT_EQ(docs[0].id, "00000000000000010000000000000002-0");
  EXPECT_EQ(docs[0].routing, "42");
  EXPECT_EQ(docs[0].pipeline, "enrich");
  EXPECT_EQ(docs[0].source,
            "{\"@timestamp\":\"2025-12-04T01:02:03.000000005Z\",\"msg\":\"orders\",\"seq\":42}");
  EXPECT_EQ(letters_.by_event(),
            (std::map<std::string, std::string>{
                {"00000000000000010000000000000002-1",
                 "index \"Bad Name\" from field msg is not a valid index name: it must be "
                 "lowercase"}}));
  EXPECT_EQ(es_->request_stats().unauthorized, 0u);
  out->Stop();
}

TEST_F(EsOutputTest, BadCredentialsAreRetriedNotDeadLettered) {
  FakeElasticsearchOptions options = WithSeqAsLong();
  options.user = "runnel";
  options.password = "right";
  StartFake(options);
  auto out = MakeStarted("auth.user = \"runnel\"\nauth.password = \"wrong\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, MakeBatch(0, 5), 1);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (es_->request_stats().unauthorized < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));  // polling a condition with a deadline
  }
  EXPECT_GE(es_->request_stats().unauthorized, 3u);
  EXPECT_TRUE(acks_.outcomes().empty());
  EXPECT_TRUE(letters_.by_event().empty());
  out->Cancel();
  out->Stop();
  ASSERT_TRUE(acks_.WaitFor(1));
  EXPECT_EQ(acks_.by_cookie()[1], AckOutcome::kCancelled);
  EXPECT_EQ(es_->Count(), 0u);
}

TEST_F(EsOutputTest, HttpsWithBasicAuthentication) {
  testing::TlsTestFiles certs = testing::MakeTlsTestFiles(dir_.path());
  net::TlsConfig server_tls = net::TlsConfig::Defaults(net::TlsRole::kServer);
  server_tls.enabled = true;
  server_tls.cert_file = certs.server_cert;
  server_tls.key_file = certs.server_key;
  auto ctx = net::TlsContext::Create(server_tls, net::TlsRole::kServer);
  ASSERT_TRUE(ctx.has_value()) << ctx.error().message();
  FakeElasticsearchOptions options = WithSeqAsLong();
  options.tls = *ctx;
  options.user = "runnel";
  options.password = "s3cret";
  StartFake(options);
  EXPECT_TRUE(es_->url().starts_with("https://127.0.0.1:"));
  auto out = MakeStarted("auth.user = \"runnel\"\nauth.password = \"s3cret\"\ntls.ca_file = \"" +
                         certs.ca_cert + "\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, MakeBatch(0, 5), 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  EXPECT_EQ(acks_.by_cookie()[1], AckOutcome::kDelivered);
  EXPECT_EQ(es_->Count(), 5u);
  EXPECT_EQ(es_->request_stats().unauthorized, 0u);
  out->Stop();
}

TEST_F(EsOutputTest, ARequestTooLargeIsDeadLetteredSayingWhatToChange) {
  FakeElasticsearchOptions options = WithSeqAsLong();
  options.max_content_length = 1024;
  StartFake(options);
  auto out = MakeStarted();
  ASSERT_NE(out, nullptr);
  auto batch = MakeBatch(0, 40);
  Submit(*out, batch, 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  std::map<std::string, std::string> letters = letters_.by_event();
  ASSERT_EQ(letters.size(), 40u);
  EXPECT_EQ(letters.begin()->second,
            "HTTP 413: the request is larger than the server takes (http.max_content_length); "
            "lower batch_max_bytes (content_too_long_exception: entity content is too long [a "
            "request body larger than 1024 bytes])");
  EXPECT_EQ(es_->request_stats().too_large, 1u);
  out->Stop();
}

TEST_F(EsOutputTest, ConfigErrorsNameTheKey) {
  const std::string at = dir_.Path("config.toml") + ":7:";
  const std::string o = " outputs.o (elasticsearch): key ";
  EXPECT_EQ(Error("index = \"Logs-%Y\"\n"),
            at + "9:" + o +
                "'index': \"Logs-%Y\" cannot make a valid index name: it must be "
                "lowercase");
  EXPECT_EQ(Error("index = \"logs-%Q\"\n"),
            at + "9:" + o + "'index': %Q is not one of %Y %y %m %d %H %j %%");
  EXPECT_EQ(Error("auth.api_key = \"k\"\nauth.user = \"u\"\nauth.password = \"p\"\n"),
            at + "16:" + o +
                "'auth.api_key': cannot be used together with auth.user or auth.bearer_token");
  EXPECT_EQ(Error("url = \"http://h:9200/?x=1\"\n"),
            at + "7:" + o +
                "'url': must not have a query string; give the cluster's base URL (the output "
                "adds /_bulk)");
  EXPECT_EQ(Error("index_field = \"\"\n"),
            at + "15:" + o + "'index_field': must not be empty; leave it out to use `index`");
  EXPECT_EQ(Error("compression = \"zstd\"\n"),
            at + "15:" + o +
                "'compression' has invalid value \"zstd\"\n  hint: allowed values: \"none\", "
                "\"gzip\"\n");
  EXPECT_EQ(Error(""), "created");
}

}  // namespace
}  // namespace runnel

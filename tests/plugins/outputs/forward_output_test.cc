// The forward output against Forward receivers on loopback (tests/testing/fake_forward_server.h):
// frames and acks, spreading over replicas, failover on ack timeout and on a dead replica,
// waiting while none is up, the handshake, TLS, retry_limit, and the config.
#include "plugins/outputs/forward/forward_output.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "plugins/outputs/forward/forward_config.h"
#include "runnel/forward/frame_encoder.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/fake_forward_server.h"
#include "tests/testing/load_config.h"
#include "tests/testing/output_recorders.h"
#include "tests/testing/tls_certs.h"

namespace runnel {
namespace {

using std::chrono::milliseconds;
using testing::AckRecorder;
using testing::FakeForwardOptions;
using testing::FakeForwardServer;
using testing::LoadToml;
using testing::TempDir;
constexpr milliseconds kWait{20'000};

std::shared_ptr<const Batch> MakeBatch(const std::string& tag, int first, int n) {
  auto b = std::make_shared<Batch>();
  b->tag = tag;
  b->id = BatchId::Random();
  BatchBuilder builder(b.get());
  for (int i = first; i < first + n; ++i) {
    builder.BeginEntry(EventTime{1700000000, static_cast<uint32_t>(i)}, 1);
    builder.writer().Str("log");
    builder.writer().Str("line " + std::to_string(i));
  }
  return b;
}

class ForwardOutputTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Output>> Make(const std::string& body) {
    auto cfg = LoadToml(dir_, "data_dir = \"" + dir_.Path("data") +
                                  "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\n"
                                  "type = \"forward\"\ninputs = [\"i\"]\n" +
                                  body);
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    const ConfigNode& node = cfg->outputs.at(0);
    PluginContext ctx = testing::TestContext(dir_, &metrics_, node.id());
    const PluginInfo* info = testing::BuiltinRegistry().Find(PluginKind::kOutput, "forward");
    return info->create_output(node, ctx);
  }
  std::unique_ptr<Output> MakeStarted(const std::string& body) {
    auto out = Make(body);
    EXPECT_TRUE(out.has_value()) << out.error().ToString();
    if (!out) {
      return nullptr;
    }
    EXPECT_TRUE((*out)->completes_later());
    EXPECT_TRUE((*out)->Start().ok());
    return std::move(*out);
  }
  static std::string Servers(std::initializer_list<const FakeForwardServer*> servers) {
    std::string s = "servers = [";
    for (const FakeForwardServer* f : servers) {
      s += "\"127.0.0.1:" + std::to_string(f->port()) + "\", ";
    }
    return s + "]\n";
  }
  // Submits `n` batches of 10 events, cookies from `first_cookie`.
  void Submit(Output& out, int n, uint64_t first_cookie = 0) {
    for (int i = 0; i < n; ++i) {
      uint64_t cookie = first_cookie + i;
      ASSERT_TRUE(out.Submit(MakeBatch("app", static_cast<int>(cookie) * 10, 10),
                             AckHandle::Create(&acks_, cookie))
                      .ok());
    }
  }
  uint64_t Counter(const std::string& name) {
    return metrics_.GetCounter(name, "outputs.o", "")->value();
  }

  TempDir dir_;
  MetricsRegistry metrics_;
  AckRecorder acks_{kWait};
};

TEST_F(ForwardOutputTest, SendsCompressedFramesAndCompletesOnAck) {
  for (const char* compression : {"zstd", "gzip", "none"}) {
    SCOPED_TRACE(compression);
    FakeForwardServer server({});
    server.Start();
    AckRecorder acks{kWait};
    auto out = MakeStarted(Servers({&server}) + "compression = \"" + compression + "\"\n");
    ASSERT_NE(out, nullptr);
    std::shared_ptr<const Batch> batch = MakeBatch("app.web", 0, 3);
    ASSERT_TRUE(out->Submit(batch, AckHandle::Create(&acks, 7)).ok());
    ASSERT_TRUE(acks.WaitFor(1));
    EXPECT_EQ(acks.by_cookie(), (std::map<uint64_t, AckOutcome>{{7, AckOutcome::kDelivered}}));
    std::vector<testing::ReceivedFrame> frames = server.frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].tag, "app.web");
    EXPECT_EQ(frames[0].mode, std::string_view(compression) == "none"
                                  ? forward::Mode::kPackedForward
                                  : forward::Mode::kCompressedPackedForward);
    EXPECT_EQ(frames[0].chunk, forward::ChunkIdFor(batch->id));
    EXPECT_EQ(frames[0].count, 3u);
    EXPECT_EQ(frames[0].entries, batch->data);  // the same bytes: nothing converted
    EXPECT_EQ(out->Flush(std::chrono::steady_clock::now()), 0u);
    out->Stop();
  }
  EXPECT_EQ(Counter("events_out_total"), 9u);
}

// The receiver closes connections silent for 500ms; keepalives every 100ms keep an idle one open,
// so the second batch goes over the first connection.
TEST_F(ForwardOutputTest, KeepalivesHoldAnIdleConnectionOpen) {
  FakeForwardOptions options;
  options.idle_timeout = milliseconds(500);
  FakeForwardServer server(options);
  server.Start();
  auto out = MakeStarted(Servers({&server}) + "keepalive_interval = \"100ms\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  std::this_thread::sleep_for(milliseconds(1'500));  // idle for three idle timeouts: the scenario
  Submit(*out, 1, 1);
  ASSERT_TRUE(acks_.WaitFor(2));
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(Counter("forward_replica_failures_total"), 0u);
  out->Stop();
}

TEST_F(ForwardOutputTest, TagOverrideAndNoAck) {
  FakeForwardServer server({});
  server.Start();
  auto out = MakeStarted(Servers({&server}) + "tag = \"fixed\"\nrequire_ack = false\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 3);
  ASSERT_TRUE(acks_.WaitFor(3));
  ASSERT_TRUE(server.WaitForFrames(3, kWait));
  for (const testing::ReceivedFrame& f : server.frames()) {
    EXPECT_EQ(f.tag, "fixed");
    EXPECT_EQ(f.chunk, "");  // no ack asked for
  }
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 3u);
  out->Stop();
}

TEST_F(ForwardOutputTest, SpreadsOverReplicas) {
  FakeForwardServer a({}), b({}), c({});
  for (FakeForwardServer* s : {&a, &b, &c}) {
    s->HoldAcks();  // so outstanding counts decide
    s->Start();
  }
  auto out = MakeStarted(Servers({&a, &b, &c}));
  ASSERT_NE(out, nullptr);
  for (FakeForwardServer* s : {&a, &b, &c}) {
    ASSERT_TRUE(s->WaitForConnections(1, kWait));
  }
  // Every replica connected: wait until the output has them all up before sending.
  ASSERT_TRUE(testing::PollUntil(
      [&] { return metrics_.GetGauge("forward_replicas_up", "outputs.o", "")->value() == 3; },
      kWait));
  Submit(*out, 30);
  for (FakeForwardServer* s : {&a, &b, &c}) {
    ASSERT_TRUE(s->WaitForFrames(10, kWait));
  }
  EXPECT_EQ(a.frame_count() + b.frame_count() + c.frame_count(), 30u);
  EXPECT_EQ(a.frame_count(), 10u);
  EXPECT_EQ(b.frame_count(), 10u);
  for (FakeForwardServer* s : {&a, &b, &c}) {
    s->ReleaseAcks();
  }
  ASSERT_TRUE(acks_.WaitFor(30));
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 30u);
  out->Stop();
}

TEST_F(ForwardOutputTest, AckTimeoutMovesBatchesToAnotherReplica) {
  FakeForwardServer silent({});
  FakeForwardServer good({});
  silent.HoldAcks();
  silent.Start();
  auto out = MakeStarted(Servers({&silent}) + "ack_timeout = \"300ms\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 4);
  ASSERT_TRUE(silent.WaitForFrames(4, kWait));
  EXPECT_TRUE(acks_.outcomes().empty());
  // Nothing else is listed: after the timeout the same replica is tried again, and the batches
  // go to it again with the same chunks.
  ASSERT_TRUE(silent.WaitForFrames(8, kWait));
  EXPECT_GE(silent.duplicate_chunks(), 4u);
  EXPECT_GE(Counter("forward_replica_failures_total"), 1u);
  EXPECT_GE(Counter("forward_resent_total"), 4u);
  silent.ReleaseAcks();
  ASSERT_TRUE(acks_.WaitFor(4));
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 4u);
  out->Stop();
}

TEST_F(ForwardOutputTest, ReplicaGaugesAndTheAckLatencyHistogram) {
  FakeForwardServer a({}), b({});
  a.Start();
  b.Start();
  auto out = MakeStarted(Servers({&a, &b}) + "retry_initial = \"50ms\"\nretry_max = \"200ms\"\n");
  ASSERT_NE(out, nullptr);
  auto up = [&](const FakeForwardServer& s) {
    return metrics_
        .GetGauge("forward_replica_up", "outputs.o", "",
                  {{"address", "127.0.0.1:" + std::to_string(s.port())}})
        ->value();
  };
  auto gauge = [&](const std::string& name) {
    return metrics_.GetGauge(name, "outputs.o", "")->value();
  };
  ASSERT_TRUE(testing::PollUntil([&] { return up(a) == 1 && up(b) == 1; }, kWait));
  EXPECT_EQ(gauge("forward_replicas_up"), 2);
  EXPECT_EQ(gauge("forward_replicas_down"), 0);
  Submit(*out, 4);
  ASSERT_TRUE(acks_.WaitFor(4));
  const Histogram* latency =
      metrics_.GetHistogram("forward_ack_latency_seconds", "outputs.o", "", LatencyBuckets());
  EXPECT_EQ(latency->count(), 4u);
  EXPECT_EQ(Counter("forward_acks_total"), 4u);
  EXPECT_GT(latency->sum(), 0.0);
  EXPECT_LT(latency->sum(), 4 * 10.0);
  b.Stop();
  ASSERT_TRUE(testing::PollUntil([&] { return up(b) == 0; }, kWait));
  EXPECT_EQ(up(a), 1);
  EXPECT_EQ(gauge("forward_replicas_up"), 1);
  EXPECT_EQ(gauge("forward_replicas_down"), 1);
  out->Stop();
}

TEST_F(ForwardOutputTest, DeadReplicaBatchesGoToTheOthersAndItIsProbedUntilBack) {
  FakeForwardServer a({}), b({});
  a.HoldAcks();
  a.Start();
  b.HoldAcks();
  b.Start();
  auto out = MakeStarted(Servers({&a, &b}) + "retry_initial = \"50ms\"\nretry_max = \"200ms\"\n");
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(testing::PollUntil(
      [&] { return metrics_.GetGauge("forward_replicas_up", "outputs.o", "")->value() == 2; },
      kWait));
  Submit(*out, 10);
  ASSERT_TRUE(a.WaitForFrames(5, kWait));
  ASSERT_TRUE(b.WaitForFrames(5, kWait));
  a.Stop();  // dies with 5 batches unacknowledged
  ASSERT_TRUE(b.WaitForFrames(10, kWait));
  b.ReleaseAcks();
  ASSERT_TRUE(acks_.WaitFor(10));
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 10u);
  EXPECT_EQ(Counter("forward_resent_total"), 5u);
  // a comes back on its port: it is connected again and used.
  a.ReleaseAcks();
  a.Start();
  ASSERT_TRUE(a.WaitForConnections(2, kWait));
  ASSERT_TRUE(testing::PollUntil(
      [&] { return metrics_.GetGauge("forward_replicas_up", "outputs.o", "")->value() == 2; },
      kWait));
  size_t a_before = a.frame_count();
  Submit(*out, 10, 10);
  ASSERT_TRUE(acks_.WaitFor(20));
  EXPECT_GT(a.frame_count(), a_before);
  out->Stop();
}

// A name that resolves to several addresses is that many replicas, and it is resolved again: an
// address that leaves the name is let go (its unacknowledged batches go to the others), one that
// joins is used.
TEST_F(ForwardOutputTest, NameResolvesToSeveralReplicasAndIsResolvedAgain) {
  FakeForwardServer a({}), b({}), c({});
  a.HoldAcks();  // a answers nothing: what it has must move when it leaves the name
  b.HoldAcks();  // until both have their share, so the split is exact
  for (FakeForwardServer* s : {&a, &b, &c}) {
    s->Start();
  }
  auto at = [](const FakeForwardServer& s) {
    return net::Endpoint{.address = "127.0.0.1", .port = s.port()};
  };
  std::mutex mu;
  std::vector<net::Endpoint> answer = {at(a), at(b)};
  std::vector<std::string> asked;
  auto resolver = [&](std::string_view host, uint16_t port) -> Result<std::vector<net::Endpoint>> {
    std::lock_guard<std::mutex> lock(mu);
    asked.push_back(std::string(host) + ":" + std::to_string(port));
    return answer;
  };
  auto cfg = LoadToml(dir_, "data_dir = \"" + dir_.Path("data") +
                                "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\n"
                                "type = \"forward\"\ninputs = [\"i\"]\n"
                                "servers = [\"aggregators.test\"]\nresolve_interval = \"1s\"\n");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().ToString();
  auto config = plugins::forward_output::ParseForwardConfig(cfg->outputs.at(0));
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  PluginContext ctx = testing::TestContext(dir_, &metrics_, "outputs.o");
  plugins::forward_output::ForwardOutput out(*config, nullptr, ctx, resolver);
  ASSERT_TRUE(out.Start().ok());
  ASSERT_TRUE(testing::PollUntil(
      [&] { return metrics_.GetGauge("forward_replicas_up", "outputs.o", "")->value() == 2; },
      kWait));
  Submit(out, 10);
  ASSERT_TRUE(a.WaitForFrames(5, kWait));
  ASSERT_TRUE(b.WaitForFrames(5, kWait));
  b.ReleaseAcks();
  ASSERT_TRUE(acks_.WaitFor(5));  // b's five
  EXPECT_EQ(b.frame_count(), 5u);
  {
    std::lock_guard<std::mutex> lock(mu);
    answer = {at(b), at(c)};  // a leaves the name, c joins
  }
  ASSERT_TRUE(acks_.WaitFor(10));  // a's five, sent again to a replica still named
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 10u);
  EXPECT_EQ(a.frame_count(), 5u);
  EXPECT_EQ(Counter("forward_resent_total"), 5u);
  // c is used once it is up.
  ASSERT_TRUE(c.WaitForConnections(1, kWait));
  ASSERT_TRUE(testing::PollUntil(
      [&] { return metrics_.GetGauge("forward_replicas_up", "outputs.o", "")->value() == 2; },
      kWait));
  // The per-replica gauge of the address that left the name is gone from /metrics.
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_EQ(text.find("address=\"127.0.0.1:" + std::to_string(a.port()) + "\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("runnel_forward_replica_up{component=\"outputs.o\",address=\"127.0.0.1:" +
                      std::to_string(c.port()) + "\"} 1"),
            std::string::npos)
      << text;
  size_t c_before = c.frame_count();
  Submit(out, 10, 10);
  ASSERT_TRUE(acks_.WaitFor(20));
  EXPECT_GT(c.frame_count(), c_before);
  EXPECT_EQ(a.frame_count(), 5u);
  out.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(asked.size(), 2u);
  EXPECT_EQ(asked[0], "aggregators.test:24224");
}

TEST_F(ForwardOutputTest, NothingUpBatchesWaitThenFlow) {
  FakeForwardServer server({});
  server.Start();
  uint16_t port = server.port();
  server.Stop();
  auto out = MakeStarted("servers = [\"127.0.0.1:" + std::to_string(port) +
                         "\"]\nretry_initial = \"20ms\"\nretry_max = \"100ms\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 5);
  ASSERT_TRUE(
      testing::PollUntil([&] { return Counter("forward_replica_failures_total") >= 3; }, kWait));
  EXPECT_TRUE(acks_.outcomes().empty());
  EXPECT_EQ(out->Flush(std::chrono::steady_clock::now() + milliseconds(10)), 5u);
  server.Start();  // the same port
  ASSERT_TRUE(acks_.WaitFor(5));
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 5u);
  EXPECT_EQ(server.frame_count(), 5u);
  EXPECT_EQ(out->Flush(std::chrono::steady_clock::now() + kWait), 0u);
  out->Stop();
}

TEST_F(ForwardOutputTest, RetryLimitRejects) {
  FakeForwardServer silent({});
  silent.HoldAcks();
  silent.Start();
  auto out = MakeStarted(Servers({&silent}) +
                         "ack_timeout = \"200ms\"\nretry_limit = 2\nretry_initial = \"10ms\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 1);
  ASSERT_TRUE(acks_.WaitFor(1));
  EXPECT_EQ(acks_.by_cookie(), (std::map<uint64_t, AckOutcome>{{0, AckOutcome::kRejected}}));
  EXPECT_EQ(silent.frame_count(), 2u);
  EXPECT_EQ(Counter("forward_given_up_total"), 1u);
  out->Stop();
}

TEST_F(ForwardOutputTest, StopCancelsWhatIsInFlight) {
  FakeForwardServer silent({});
  silent.HoldAcks();
  silent.Start();
  auto out = MakeStarted(Servers({&silent}));
  ASSERT_NE(out, nullptr);
  Submit(*out, 3);
  ASSERT_TRUE(silent.WaitForFrames(3, kWait));
  EXPECT_EQ(out->Flush(std::chrono::steady_clock::now() + milliseconds(50)), 3u);
  out->Cancel();
  EXPECT_FALSE(out->Submit(MakeBatch("x", 0, 1), AckHandle::Create(&acks_, 99)).ok());
  out->Stop();
  ASSERT_TRUE(acks_.WaitFor(4));
  EXPECT_EQ(acks_.Count(AckOutcome::kCancelled), 4u);
}

TEST_F(ForwardOutputTest, SharedKeyHandshake) {
  FakeForwardOptions options;
  options.shared_key = "s3cret";
  FakeForwardServer server(options);
  server.Start();
  auto out = MakeStarted(Servers({&server}) + "shared_key = \"s3cret\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 2);
  ASSERT_TRUE(acks_.WaitFor(2));
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 2u);
  out->Stop();

  AckRecorder other{kWait};
  auto wrong = MakeStarted(Servers({&server}) + "shared_key = \"guess\"\n");
  ASSERT_NE(wrong, nullptr);
  ASSERT_TRUE(wrong->Submit(MakeBatch("app", 0, 1), AckHandle::Create(&other, 0)).ok());
  ASSERT_TRUE(testing::PollUntil([&] { return server.refused_handshakes() >= 1; }, kWait));
  EXPECT_EQ(server.frame_count(), 2u);  // nothing accepted from the refused one
  EXPECT_EQ(wrong->Flush(std::chrono::steady_clock::now()), 1u);
  wrong->Stop();
  EXPECT_EQ(other.by_cookie(), (std::map<uint64_t, AckOutcome>{{0, AckOutcome::kCancelled}}));
}

TEST_F(ForwardOutputTest, Tls) {
  testing::TlsTestFiles certs = testing::MakeTlsTestFiles(dir_.path());
  net::TlsConfig server_tls = net::TlsConfig::Defaults(net::TlsRole::kServer);
  server_tls.enabled = true;
  server_tls.cert_file = certs.server_cert;
  server_tls.key_file = certs.server_key;
  auto ctx = net::TlsContext::Create(server_tls, net::TlsRole::kServer);
  ASSERT_TRUE(ctx.has_value()) << ctx.error().message();
  FakeForwardOptions options;
  options.tls = *ctx;
  FakeForwardServer server(options);
  server.Start();
  auto out = MakeStarted("servers = [\"localhost:" + std::to_string(server.port()) +
                         "\"]\ntls.enabled = true\ntls.ca_file = \"" + certs.ca_cert + "\"\n");
  ASSERT_NE(out, nullptr);
  Submit(*out, 2);
  ASSERT_TRUE(acks_.WaitFor(2));
  EXPECT_EQ(acks_.Count(AckOutcome::kDelivered), 2u);
  out->Stop();
}

TEST(ForwardConfigTest, ServerEntries) {
  using plugins::forward_output::ParseServer;
  using plugins::forward_output::ServerSpec;
  auto ok = [](const std::string& text) {
    auto r = ParseServer(text);
    EXPECT_TRUE(r.has_value()) << text << ": " << r.error().message();
    return r ? *r : ServerSpec{};
  };
  EXPECT_EQ(ok("agg.internal"), (ServerSpec{"agg.internal", 24224, 1, "agg.internal"}));
  EXPECT_EQ(ok("10.0.0.1:24225"), (ServerSpec{"10.0.0.1", 24225, 1, "10.0.0.1:24225"}));
  EXPECT_EQ(ok("[::1]:9000 weight=3"), (ServerSpec{"::1", 9000, 3, "[::1]:9000 weight=3"}));
  EXPECT_EQ(ok("[fe80::1]"), (ServerSpec{"fe80::1", 24224, 1, "[fe80::1]"}));
  auto bad = [](const std::string& text) {
    auto r = ParseServer(text);
    return r ? std::string("accepted") : r.error().message();
  };
  EXPECT_EQ(bad("host:0"), "\"host:0\": the port must be an integer from 1 to 65535");
  EXPECT_EQ(bad("host:99999"), "\"host:99999\": the port must be an integer from 1 to 65535");
  EXPECT_EQ(bad("host:"), "\"host:\": the port after : is empty");
  EXPECT_EQ(bad(":24224"), "\":24224\": no host");
  EXPECT_EQ(bad("::1"), "\"::1\": an IPv6 address needs brackets: \"[::1]:24224\"");
  EXPECT_EQ(bad("[::1"), "\"[::1\": an IPv6 address in [ ] has no closing ]");
  EXPECT_EQ(bad("h:1 weight=0"), "\"h:1 weight=0\": weight must be an integer from 1 to 1000");
  EXPECT_EQ(bad("h:1 wait=2"), "\"h:1 wait=2\": expected \"host:port\" or \"host:port weight=N\"");
}

TEST_F(ForwardOutputTest, ConfigErrors) {
  auto err = [&](const std::string& body) {
    auto out = Make(body);
    return out ? std::string("accepted") : out.error().message();
  };
  const std::string at = dir_.Path("config.toml") + ":";
  EXPECT_EQ(err("servers = []\n"), at +
                                       "7:11: outputs.o (forward): key 'servers': lists no server; "
                                       "give at least one \"host:port\"");
  EXPECT_EQ(err("servers = [\"h:0\"]\n"),
            at + "7:11: outputs.o (forward): key 'servers': \"h:0\": the port must be an integer "
                 "from 1 to 65535");
  EXPECT_EQ(err("servers = [\"h\"]\nusername = \"u\"\n"),
            at + "8:12: outputs.o (forward): key 'username': needs shared_key: users are "
                 "authenticated in the handshake");
  EXPECT_EQ(err("servers = [\"h\"]\nretry_initial = \"10s\"\nretry_max = \"1s\"\n"),
            at + "9:13: outputs.o (forward): key 'retry_max': must not be shorter than "
                 "retry_initial");
}

}  // namespace
}  // namespace runnel

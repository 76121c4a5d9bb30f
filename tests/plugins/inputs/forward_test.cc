// The forward input through the real loader and registry: a real server on 127.0.0.1, clients
// writing exact bytes, events checked in a capturing emitter, acks checked on the wire.
#include <gtest/gtest.h>

#include "plugins/inputs/forward/batch_edit.h"
#include "runnel/forward/frame_encoder.h"
#include "runnel/forward/handshake.h"
#include "tests/plugins/inputs/forward_test_util.h"
#include "tests/testing/tls_certs.h"

namespace runnel {
namespace {

using testing::CaptureEmitter;
using testing::ForwardClient;
using namespace std::chrono_literals;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) {
    out.push_back(static_cast<char>(b));
  }
  return out;
}

TEST(BatchEditTest, ChunkIdsPeerAddressesAndAddedFields) {
  using plugins::forward_input::BatchIdForChunk;
  const BatchId id{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(BatchIdForChunk(forward::ChunkIdFor(id)), id);  // a runnel sender's own id
  // Any other chunk: the first 128 bits of SHA-512("abc").
  EXPECT_EQ(BatchIdForChunk("abc"), (BatchId{0xddaf35a193617abaULL, 0xcc417349ae204131ULL}));
  EXPECT_NE(BatchIdForChunk("abd"), BatchIdForChunk("abc"));
  EXPECT_EQ(plugins::forward_input::PeerAddress("10.0.0.7:50312"), "10.0.0.7");
  EXPECT_EQ(plugins::forward_input::PeerAddress("[::1]:50312"), "::1");

  Batch b = testing::LogBatch("t", 7, 2, "x");
  std::string scratch;
  ASSERT_TRUE(plugins::forward_input::AddStringFields(&b, {{"k", "v"}}, &scratch).ok());
  EXPECT_EQ(b.count, 2u);
  BatchReader reader(b.data);
  for (int i = 0; i < 2; ++i) {
    EventTime t;
    std::string_view record;
    ASSERT_TRUE(reader.Next(&t, &record).ok());
    EXPECT_EQ(t, (EventTime{7, static_cast<uint32_t>(i)}));
    std::string want;
    MsgpackWriter w(&want);
    w.MapHeader(2);
    w.Str("log");
    w.Str("x" + std::to_string(i));
    w.Str("k");
    w.Str("v");
    EXPECT_EQ(record, want);
  }
  EXPECT_TRUE(reader.AtEnd());
}

// A key the record already has is replaced, not repeated.
TEST(BatchEditTest, AddedFieldReplacesTheRecordsOwn) {
  Batch b;
  BatchBuilder builder(&b);
  builder.BeginEntry(EventTime{7, 0}, 3);
  builder.writer().Str("tag");
  builder.writer().Str("forged");
  builder.writer().Str("log");
  builder.writer().Str("x");
  builder.writer().Str("n");
  builder.writer().Int(5);
  std::string scratch;
  ASSERT_TRUE(
      plugins::forward_input::AddStringFields(&b, {{"tag", "app"}, {"ip", "::1"}}, &scratch).ok());
  BatchReader reader(b.data);
  EventTime t;
  std::string_view record;
  ASSERT_TRUE(reader.Next(&t, &record).ok());
  std::string want;
  MsgpackWriter w(&want);
  w.MapHeader(4);
  w.Str("log");
  w.Str("x");
  w.Str("n");
  w.Int(5);
  w.Str("tag");
  w.Str("app");
  w.Str("ip");
  w.Str("::1");
  EXPECT_EQ(record, want);
  EXPECT_TRUE(reader.AtEnd());
}

class ForwardInputTest : public ::testing::Test, public testing::ForwardInputHarness {
 protected:
  // Makes and starts the input; the client loop is ready.
  void StartInput(const std::string& body = "") {
    auto in = Make(body);
    ASSERT_TRUE(in.has_value()) << in.error().ToString();
    input_ = std::move(*in);
    ASSERT_TRUE(input_->Start(emitter_).ok());
    port_ = PortOf(*input_);
    ASSERT_NE(port_, 0);
  }
  std::unique_ptr<ForwardClient> Connect(std::shared_ptr<const net::TlsContext> tls = nullptr) {
    std::string error;
    auto c = ForwardClient::Open(loop_, port_, std::move(tls), &error);
    EXPECT_NE(c, nullptr) << error;
    return c;
  }
  void TearDown() override {
    if (input_ != nullptr) {
      input_->Stop();
    }
    loop_.Stop();
  }

  CaptureEmitter emitter_;
  std::unique_ptr<Input> input_;
  uint16_t port_ = 0;
  net::IoLoop loop_{"fwd-test"};
};

TEST_F(ForwardInputTest, ConfigDefaultsAndErrors) {
  auto cfg = testing::LoadToml(dir_,
                               "[inputs.fwd]\ntype = \"forward\"\n"
                               "[outputs.o]\ntype = \"null\"\ninputs = [\"fwd\"]\n");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().ToString();
  auto c = plugins::forward_input::ParseForwardConfig(cfg->inputs.at(0), "host-1");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->host, "0.0.0.0");
  EXPECT_EQ(c->port, 24224);
  EXPECT_EQ(c->self_hostname, "host-1");
  EXPECT_EQ(c->limits.max_frame_bytes, 64u << 20);
  EXPECT_EQ(c->limits.max_decompressed_bytes, 256u << 20);
  EXPECT_EQ(c->idle_timeout, 60s);
  EXPECT_EQ(c->max_connections, 1024u);
  EXPECT_EQ(c->tls, nullptr);
  EXPECT_TRUE(c->shared_key.empty());

  auto users = Make("users = { alice = \"pw\" }\n");
  ASSERT_FALSE(users.has_value());
  EXPECT_NE(users.error().message().find(
                "key 'users': needs shared_key (users authenticate in the handshake)"),
            std::string::npos)
      << users.error().message();
  auto tag = Make("tag = \"\"\n");
  ASSERT_FALSE(tag.has_value());
  EXPECT_NE(tag.error().message().find("key 'tag': must not be empty"), std::string::npos)
      << tag.error().message();
  auto tls = Make("tls.enabled = true\n");
  ASSERT_FALSE(tls.has_value());
  EXPECT_NE(tls.error().message().find("cert_file"), std::string::npos) << tls.error().message();
}

TEST_F(ForwardInputTest, MessageModeFromHandWrittenBytes) {
  StartInput();
  auto client = Connect();
  // ["test.tag", 1700000000, {"log": "hello"}]
  ASSERT_TRUE(
      client
          ->Send(Bytes({0x93, 0xa8, 't',  'e',  's', 't', '.', 't',  'a', 'g', 0xce, 0x65, 0x53,
                        0xf1, 0x00, 0x81, 0xa3, 'l', 'o', 'g', 0xa5, 'h', 'e', 'l',  'l',  'o'}))
          .ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  auto batches = emitter_.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].tag, "test.tag");
  ASSERT_EQ(batches[0].events.size(), 1u);
  EXPECT_EQ(batches[0].events[0].time, (EventTime{1700000000, 0}));
  EXPECT_EQ(batches[0].events[0].fields,
            (std::vector<std::pair<std::string, std::string>>{{"log", "hello"}}));
  EXPECT_EQ(Count("forward_frames_total"), 1u);
  EXPECT_EQ(Count("forward_connections_opened_total"), 1u);
  EXPECT_EQ(client->pending(), 0u);  // no chunk, no ack
}

TEST_F(ForwardInputTest, PackedForwardFromHandWrittenBytesIsAckedAfterTheEmitterAcks) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  // One entry: [EventTime(1700000000, 5), {"a": "b"}], 16 bytes.
  const std::string entry = Bytes({0x92, 0xd7, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x05,
                                   0x81, 0xa1, 'a', 0xa1, 'b'});
  // ["app", bin8(2 entries), {"chunk": "abc", "size": 2}]
  std::string frame = Bytes({0x93, 0xa3, 'a', 'p', 'p', 0xc4, 0x20}) + entry + entry +
                      Bytes({0x82, 0xa5, 'c', 'h', 'u', 'n', 'k', 0xa3, 'a', 'b', 'c', 0xa4, 's',
                             'i', 'z', 'e', 0x02});
  ASSERT_TRUE(client->Send(frame).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  auto batches = emitter_.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].tag, "app");
  EXPECT_EQ(batches[0].id, plugins::forward_input::BatchIdForChunk("abc"));
  ASSERT_EQ(batches[0].events.size(), 2u);
  for (const auto& e : batches[0].events) {
    EXPECT_EQ(e.time, (EventTime{1700000000, 5}));
    EXPECT_EQ(e.fields, (std::vector<std::pair<std::string, std::string>>{{"a", "b"}}));
  }
  // Held by the pipeline: nothing is acked yet (the next check proves nothing came first).
  EXPECT_EQ(client->pending(), 0u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  auto ack = client->Next();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(*ack, Bytes({0x81, 0xa3, 'a', 'c', 'k', 0xa3, 'a', 'b', 'c'}));
  EXPECT_EQ(Count("forward_acks_sent_total"), 1u);
}

TEST_F(ForwardInputTest, AcksGoOutAsTheyCompleteAndNeverOnCancel) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 1, "a", "chunk-a")).ok());
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 2, "b", "chunk-b")).ok());
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 3, "c", "chunk-c")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  ASSERT_EQ(emitter_.held(), 3u);
  emitter_.AckHeld(1, AckOutcome::kDelivered);  // b first: out of order
  auto first = client->Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, testing::AckFor("chunk-b"));
  emitter_.AckHeld(0, AckOutcome::kCancelled);  // a: shutdown, the sender re-sends
  emitter_.AckHeld(0, AckOutcome::kRejected);   // c: permanent, dead-lettered by core
  auto second = client->Next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, testing::AckFor("chunk-c"));  // writes are ordered: a was never sent
  EXPECT_EQ(Count("forward_acks_sent_total"), 2u);
  EXPECT_EQ(emitter_.Values("log"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ForwardInputTest, AckForAClosedConnectionIsDropped) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 1, "a", "chunk-a")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  client->connection().Close();
  ASSERT_TRUE(testing::PollUntil([&] { return Count("forward_connections_closed_total") == 1; }));
  emitter_.AckAllHeld(AckOutcome::kDelivered);
  EXPECT_EQ(Count("forward_acks_sent_total"), 0u);
}

TEST_F(ForwardInputTest, EveryModeKeepaliveAndTagOptions) {
  StartInput("tag_key = \"tag\"\nsource_address_key = \"from\"\n");
  auto client = Connect();
  std::string stream;
  stream += Bytes({0xc0});  // keepalive
  // Forward: ["fw", [[1700000001, {"log": "fw0"}]], {"chunk": "f1"}]
  {
    MsgpackWriter w(&stream);
    w.ArrayHeader(3);
    w.Str("fw");
    w.ArrayHeader(1);
    w.ArrayHeader(2);
    w.Uint(1700000001);
    w.MapHeader(1);
    w.Str("log");
    w.Str("fw0");
    w.MapHeader(1);
    w.Str("chunk");
    w.Str("f1");
  }
  stream += Bytes({0xc0, 0xc0});
  forward::FrameEncoder gzip(forward::Compression::kGzip);
  forward::FrameEncoder zstd(forward::Compression::kZstd);
  Batch g = testing::LogBatch("gz", 1700000002, 3, "gz");
  Batch z = testing::LogBatch("zs", 1700000003, 2, "zs");
  ASSERT_TRUE(gzip.Encode(g, /*with_chunk=*/true, &stream).ok());
  ASSERT_TRUE(zstd.Encode(z, /*with_chunk=*/true, &stream).ok());
  // Fed one byte at a time: frames split at every position.
  for (char c : stream) {
    ASSERT_TRUE(client->Send(std::string(1, c)).ok());
  }
  ASSERT_TRUE(emitter_.WaitForEvents(6));
  EXPECT_EQ(client->Next(), testing::AckFor("f1"));
  EXPECT_EQ(client->Next(), testing::AckFor(forward::ChunkIdFor(g.id)));
  EXPECT_EQ(client->Next(), testing::AckFor(forward::ChunkIdFor(z.id)));
  auto batches = emitter_.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].tag, "fw");
  EXPECT_EQ(batches[1].tag, "gz");
  EXPECT_EQ(batches[1].id, g.id);  // a runnel sender's id survives the trip
  EXPECT_EQ(batches[2].id, z.id);
  ASSERT_EQ(batches[1].events.size(), 3u);
  EXPECT_EQ(batches[1].events[2].time, (EventTime{1700000002, 2}));
  EXPECT_EQ(batches[1].events[2].fields,
            (std::vector<std::pair<std::string, std::string>>{
                {"log", "gz2"}, {"tag", "gz"}, {"from", "127.0.0.1"}}));
  EXPECT_EQ(batches[0].events[0].fields,
            (std::vector<std::pair<std::string, std::string>>{
                {"log", "fw0"}, {"tag", "fw"}, {"from", "127.0.0.1"}}));
  EXPECT_EQ(emitter_.Values("log"),
            (std::vector<std::string>{"fw0", "gz0", "gz1", "gz2", "zs0", "zs1"}));
  EXPECT_EQ(Count("forward_frames_total"), 3u);
  EXPECT_EQ(Count("forward_bad_frames_total"), 0u);
}

TEST_F(ForwardInputTest, ChunklessFramesOfOneReadAndTagAreOneBatch) {
  StartInput();
  auto client = Connect();
  // One write: three frames of tag a, one of b, one of a with a chunk, one of a.
  ASSERT_TRUE(client
                  ->Send(testing::MessageFrame("a", 1, "a1") + testing::MessageFrame("a", 2, "a2") +
                         testing::MessageFrame("a", 3, "a3") + testing::MessageFrame("b", 4, "b1") +
                         testing::MessageFrame("a", 5, "a4", "ca") +
                         testing::MessageFrame("a", 6, "a5"))
                  .ok());
  ASSERT_TRUE(emitter_.WaitForEvents(6));
  EXPECT_EQ(client->Next(), testing::AckFor("ca"));
  auto batches = emitter_.batches();
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].tag, "a");
  EXPECT_EQ(batches[0].events.size(), 3u);
  EXPECT_EQ(batches[1].tag, "b");
  EXPECT_EQ(batches[2].id, plugins::forward_input::BatchIdForChunk("ca"));
  EXPECT_EQ(batches[3].events.size(), 1u);
  EXPECT_EQ(emitter_.Values("log"), (std::vector<std::string>{"a1", "a2", "a3", "b1", "a4", "a5"}));
  EXPECT_EQ(Count("forward_frames_total"), 6u);
}

TEST_F(ForwardInputTest, TagOverride) {
  StartInput("tag = \"fixed\"\n");
  auto client = Connect();
  ASSERT_TRUE(client->Send(testing::MessageFrame("sender.tag", 5, "x")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  EXPECT_EQ(emitter_.batches().at(0).tag, "fixed");
}

class HandshakeTest : public ForwardInputTest {
 protected:
  // Reads HELO, answers PING; returns the PONG.
  forward::Pong Handshake(ForwardClient& client, std::string_view key, std::string_view user,
                          std::string_view password) {
    auto helo_frame = client.Next();
    EXPECT_TRUE(helo_frame.has_value());
    auto helo = forward::DecodeHelo(helo_frame.value_or(""));
    EXPECT_TRUE(helo.has_value());
    helo_ = helo.value_or(forward::Helo{});
    forward::Ping ping = forward::MakePing(helo_, "client-1", "salt", key, user, password);
    EXPECT_TRUE(client.Send(forward::EncodePing(ping)).ok());
    auto pong_frame = client.Next();
    EXPECT_TRUE(pong_frame.has_value());
    auto pong = forward::DecodePong(pong_frame.value_or(""));
    EXPECT_TRUE(pong.has_value());
    return pong.value_or(forward::Pong{});
  }
  forward::Helo helo_;
};

TEST_F(HandshakeTest, SharedKeyAndUserAccepted) {
  StartInput("shared_key = \"s3cret\"\nself_hostname = \"agg-1\"\nusers = { alice = \"pw\" }\n");
  auto client = Connect();
  forward::Pong pong = Handshake(*client, "s3cret", "alice", "pw");
  EXPECT_TRUE(pong.auth_result) << pong.reason;
  EXPECT_EQ(pong.server_hostname, "agg-1");
  EXPECT_EQ(helo_.nonce.size(), 16u);
  EXPECT_EQ(helo_.auth.size(), 16u);
  EXPECT_TRUE(forward::VerifyPong(pong, helo_, "salt", "s3cret").ok());
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 1, "after", "c1")).ok());
  EXPECT_EQ(client->Next(), testing::AckFor("c1"));
  EXPECT_EQ(emitter_.Values("log"), (std::vector<std::string>{"after"}));
  EXPECT_EQ(Count("forward_handshake_failures_total"), 0u);
}

TEST_F(HandshakeTest, WrongKeyGetsPongFalseThenClose) {
  StartInput("shared_key = \"s3cret\"\n");
  auto client = Connect();
  forward::Pong pong = Handshake(*client, "wrong", "", "");
  EXPECT_FALSE(pong.auth_result);
  EXPECT_EQ(pong.reason, "shared_key mismatch");
  EXPECT_TRUE(client->WaitClosed());
  EXPECT_EQ(Count("forward_handshake_failures_total"), 1u);
  EXPECT_EQ(Count("forward_bad_frames_total"), 1u);
}

TEST_F(HandshakeTest, WrongPasswordGetsPongFalseThenClose) {
  StartInput("shared_key = \"s3cret\"\nusers = { alice = \"pw\" }\n");
  auto client = Connect();
  forward::Pong pong = Handshake(*client, "s3cret", "alice", "nope");
  EXPECT_FALSE(pong.auth_result);
  EXPECT_EQ(pong.reason, "username/password mismatch");
  EXPECT_TRUE(client->WaitClosed());
}

TEST_F(HandshakeTest, EventBeforeHandshakeIsRefused) {
  StartInput("shared_key = \"s3cret\"\n");
  auto client = Connect();
  ASSERT_TRUE(client->Next().has_value());  // HELO
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 1, "sneaky", "c1")).ok());
  auto pong_frame = client->Next();
  ASSERT_TRUE(pong_frame.has_value());
  auto pong = forward::DecodePong(*pong_frame);
  ASSERT_TRUE(pong.has_value());
  EXPECT_FALSE(pong->auth_result);
  EXPECT_NE(pong->reason.find("PING"), std::string::npos) << pong->reason;
  EXPECT_TRUE(client->WaitClosed());
  EXPECT_EQ(emitter_.event_count(), 0u);
  EXPECT_EQ(Count("forward_handshake_failures_total"), 1u);
}

TEST_F(ForwardInputTest, MutualTls) {
  const auto files = testing::MakeTlsTestFiles(dir_.path());
  StartInput("tls.enabled = true\ntls.cert_file = \"" + files.server_cert +
             "\"\ntls.key_file = \"" + files.server_key + "\"\ntls.ca_file = \"" + files.ca_cert +
             "\"\ntls.verify_peer = true\n");
  auto client_tls = [&](const std::string& cert, const std::string& key) {
    net::TlsConfig c = net::TlsConfig::Defaults(net::TlsRole::kClient);
    c.enabled = true;
    c.ca_file = files.ca_cert;
    c.cert_file = cert;
    c.key_file = key;
    auto ctx = net::TlsContext::Create(c, net::TlsRole::kClient);
    EXPECT_TRUE(ctx.has_value()) << ctx.error().ToString();
    return ctx.value_or(nullptr);
  };
  auto client = Connect(client_tls(files.client_cert, files.client_key));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(testing::MessageFrame("tls", 1, "secret", "c1")).ok());
  EXPECT_EQ(client->Next(), testing::AckFor("c1"));
  EXPECT_EQ(emitter_.Values("log"), (std::vector<std::string>{"secret"}));

  // A client certificate from another CA never gets to send.
  std::string error;
  auto intruder = ForwardClient::Open(
      loop_, port_, client_tls(files.other_client_cert, files.other_client_key), &error);
  if (intruder != nullptr) {  // TLS 1.3: the server refuses after the client finished
    EXPECT_TRUE(intruder->WaitClosed());
  }
  EXPECT_EQ(emitter_.event_count(), 1u);
}

}  // namespace
}  // namespace runnel

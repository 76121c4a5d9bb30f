// The forward input under bad input and load: each bad connection is closed alone while another
// keeps delivering; idle timeout; max_connections; backpressure; Stop; a port in use.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runnel/forward/compression.h"
#include "runnel/forward/frame_encoder.h"
#include "tests/plugins/inputs/forward_test_util.h"

namespace runnel {
namespace {

using testing::CaptureEmitter;
using testing::ForwardClient;
using namespace std::chrono_literals;

class ForwardLimitsTest : public ::testing::Test, public testing::ForwardInputHarness {
 protected:
  void StartInput(const std::string& body = "") {
    auto in = Make(body);
    ASSERT_TRUE(in.has_value()) << in.error().ToString();
    input_ = std::move(*in);
    ASSERT_TRUE(input_->Start(emitter_).ok());
    port_ = PortOf(*input_);
  }
  std::unique_ptr<ForwardClient> Connect() {
    std::string error;
    auto c = ForwardClient::Open(loop_, port_, nullptr, &error);
    EXPECT_NE(c, nullptr) << error;
    return c;
  }
  // While `bad` sends `garbage`, a good client delivers frames; `bad` is closed and counted in
  // `counter`; the good one got every ack.
  void ExpectClosedAlone(const std::string& garbage, const std::string& counter) {
    auto good = Connect();
    auto bad = Connect();
    ASSERT_TRUE(good->Send(testing::MessageFrame("good", 1, "g0", "g0")).ok());
    ASSERT_EQ(good->Next(), testing::AckFor("g0"));
    ASSERT_TRUE(bad->Send(garbage).ok());
    ASSERT_TRUE(good->Send(testing::MessageFrame("good", 2, "g1", "g1")).ok());
    EXPECT_TRUE(bad->WaitClosed());
    ASSERT_TRUE(good->Send(testing::MessageFrame("good", 3, "g2", "g2")).ok());
    EXPECT_EQ(good->Next(), testing::AckFor("g1"));
    EXPECT_EQ(good->Next(), testing::AckFor("g2"));
    EXPECT_FALSE(good->closed());
    EXPECT_EQ(emitter_.Values("log"), (std::vector<std::string>{"g0", "g1", "g2"}));
    EXPECT_EQ(Count(counter), 1u);
    EXPECT_EQ(Count("forward_bad_frames_total"), 1u);
    EXPECT_EQ(bad->pending(), 0u);
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

TEST_F(ForwardLimitsTest, MalformedMsgpackClosesOnlyThatConnection) {
  StartInput();
  ExpectClosedAlone(std::string(1, '\xc1'), "forward_malformed_frames_total");  // never used
}

TEST_F(ForwardLimitsTest, NotAnArrayClosesOnlyThatConnection) {
  StartInput();
  ExpectClosedAlone(testing::AckFor("a map"), "forward_malformed_frames_total");
}

TEST_F(ForwardLimitsTest, FrameOverMaxFrameBytesClosesOnlyThatConnection) {
  StartInput("max_frame_bytes = \"4KiB\"\n");
  // A PackedForward frame announcing a 1 MiB bin: refused from its header.
  std::string frame = "\x93\xa1t\xc6";
  frame += std::string("\x00\x10\x00\x00", 4);
  ExpectClosedAlone(frame, "forward_frames_too_large_total");
}

TEST_F(ForwardLimitsTest, CompressionBombClosesOnlyThatConnection) {
  StartInput("max_decompressed_bytes = \"64KiB\"\n");
  Batch big;
  BatchBuilder b(&big);
  for (int i = 0; i < 64; ++i) {
    b.BeginEntry(EventTime{1, 0}, 1);
    b.writer().Str("log");
    b.writer().Str(std::string(4096, 'z'));
  }
  forward::Compressor compressor;
  std::string compressed;
  ASSERT_TRUE(compressor.Compress(forward::Compression::kGzip, big.data, &compressed).ok());
  ASSERT_LT(compressed.size(), 4096u);
  std::string frame;
  forward::AppendPackedForward("bomb", compressed, big.count, "c", forward::Compression::kGzip,
                               &frame);
  ExpectClosedAlone(frame, "forward_decompressed_too_large_total");
}

TEST_F(ForwardLimitsTest, IdleConnectionIsClosed) {
  StartInput("idle_timeout = \"200ms\"\n");
  auto idle = Connect();
  EXPECT_TRUE(idle->WaitClosed());
  ASSERT_TRUE(testing::PollUntil([&] { return Count("forward_idle_timeouts_total") == 1; }));
  EXPECT_EQ(Count("forward_connections_closed_total"), 1u);
  EXPECT_EQ(Count("forward_bad_frames_total"), 0u);
}

TEST_F(ForwardLimitsTest, MaxConnections) {
  StartInput("max_connections = 2\n");
  auto a = Connect();
  auto b = Connect();
  ASSERT_TRUE(a->Send(testing::MessageFrame("t", 1, "a", "a")).ok());
  ASSERT_TRUE(b->Send(testing::MessageFrame("t", 1, "b", "b")).ok());
  ASSERT_EQ(a->Next(), testing::AckFor("a"));
  ASSERT_EQ(b->Next(), testing::AckFor("b"));
  auto c = Connect();
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_EQ(Count("forward_connections_opened_total"), 2u);
  ASSERT_TRUE(a->Send(testing::MessageFrame("t", 2, "a2", "a2")).ok());
  EXPECT_EQ(a->Next(), testing::AckFor("a2"));
  EXPECT_EQ(emitter_.event_count(), 3u);
}

TEST_F(ForwardLimitsTest, PortInUseIsAClearError) {
  StartInput();
  auto second = Make("");
  ASSERT_TRUE(second.has_value());
  // Same port as the first, through a config with that port.
  auto clash = testing::LoadToml(dir_,
                                 "[inputs.fwd]\ntype = \"forward\"\nhost = \"127.0.0.1\"\n"
                                 "port = " +
                                     std::to_string(port_) +
                                     "\n[outputs.o]\ntype = \"null\"\ninputs = [\"fwd\"]\n");
  ASSERT_TRUE(clash.has_value());
  PluginContext ctx = testing::TestContext(dir_, &metrics_, "inputs.fwd");
  auto in = testing::BuiltinRegistry()
                .Find(PluginKind::kInput, "forward")
                ->create_input(clash->inputs.at(0), ctx);
  ASSERT_TRUE(in.has_value());
  CaptureEmitter other;
  Status s = (*in)->Start(other);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "inputs.fwd: cannot listen on 127.0.0.1:" + std::to_string(port_) +
                             ": Address already in use");
}

// A raw socket that writes without blocking until the kernel refuses more.
int ConnectRaw(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(ForwardLimitsTest, BlockedPipelinePausesTheConnectionAndLosesNothing) {
  StartInput();
  emitter_.set_blocked(true);
  constexpr int kFrames = 2048;
  constexpr size_t kFrameLog = 16 << 10;  // 16 KiB records: 32 MiB in all
  std::string stream;
  for (int i = 0; i < kFrames; ++i) {
    std::string log = std::to_string(i);
    log.resize(kFrameLog, '.');
    stream += testing::MessageFrame("bp", static_cast<uint32_t>(i), log);
  }
  int fd = ConnectRaw(port_);
  ASSERT_GE(fd, 0);
  // Write until the kernel windows are full and stay full for a while: the input stopped
  // reading. (Waiting for POLLOUT is the condition; 2 s without it is the deadline.)
  size_t sent = 0;
  while (sent < stream.size()) {
    ssize_t n = send(fd, stream.data() + sent, stream.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << strerror(errno);
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 2000) == 0) {
      break;  // stalled: flow control reached the sender
    }
  }
  ASSERT_LT(sent, stream.size()) << "the sender was never slowed down";
  ASSERT_TRUE(testing::PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  // One read (64 KiB) decodes to at most 5 such frames; the rest waits in the kernel.
  EXPECT_LE(Count("forward_frames_total"), 6u);
  emitter_.set_blocked(false);
  while (sent < stream.size()) {
    ssize_t n = send(fd, stream.data() + sent, stream.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << strerror(errno);
    sent += static_cast<size_t>(n);
  }
  ASSERT_TRUE(emitter_.WaitForEvents(kFrames, 60s));
  close(fd);
  std::vector<testing::CapturedEvent> events = emitter_.events();
  ASSERT_EQ(events.size(), static_cast<size_t>(kFrames));
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_EQ(events[i].time, (EventTime{static_cast<uint32_t>(i), 0})) << i;
    ASSERT_EQ(events[i].Get("log").substr(0, std::to_string(i).size()), std::to_string(i));
  }
  EXPECT_EQ(Count("forward_frames_total"), static_cast<uint64_t>(kFrames));
}

TEST_F(ForwardLimitsTest, StopEndsEmittingAndCancelledAcksAreNotSent) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  ASSERT_TRUE(client->Send(testing::MessageFrame("t", 1, "a", "a")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  input_->Stop();
  EXPECT_TRUE(client->WaitClosed());
  const size_t batches = emitter_.batch_count();
  emitter_.AckAllHeld(AckOutcome::kCancelled);
  EXPECT_EQ(Count("forward_acks_sent_total"), 0u);
  EXPECT_EQ(emitter_.batch_count(), batches);
  EXPECT_EQ(client->pending(), 0u);
}

}  // namespace
}  // namespace runnel

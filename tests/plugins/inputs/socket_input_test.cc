// The tcp, udp and unix inputs on real sockets: framing, exact records, peer fields, limits and
// bad input (each counted, the input still serving), backpressure, datagram drops, socket files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/plugins/inputs/socket_test_util.h"

namespace runnel {
namespace {

using testing::CaptureEmitter;
using testing::Fd;
using testing::PollUntil;
using namespace std::chrono_literals;

class SocketInputTest : public ::testing::Test, public testing::SocketInputHarness {
 protected:
  void StartInput(const std::string& type, const std::string& body) {
    StartOn(type, body, emitter_, &input_, &port_);
  }
  void TearDown() override {
    emitter_.set_blocked(false);
    if (input_ != nullptr) {
      input_->Stop();
    }
  }
  CaptureEmitter emitter_;
  std::unique_ptr<Input> input_;
  uint16_t port_ = 0;
};

TEST_F(SocketInputTest, TcpLinesBecomeRecordsWithTheSendersAddress) {
  StartInput("tcp",
             "host = \"127.0.0.1\"\nport = 0\nsource_address_key = \"ip\"\n"
             "source_port_key = \"sport\"\n");
  Fd c = testing::ConnectTcp(port_);
  ASSERT_GE(c.get(), 0);
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  getsockname(c.get(), reinterpret_cast<sockaddr*>(&local), &len);
  ASSERT_TRUE(testing::SendAll(c, "first\nsecond\r\n\nthird"));
  c.Reset();  // the last line has no newline: it goes at the close
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  EXPECT_EQ(emitter_.Values("log"), (std::vector<std::string>{"first", "second", "third"}));
  for (const auto& e : emitter_.events()) {
    EXPECT_EQ(e.Get("ip"), "127.0.0.1");
    EXPECT_EQ(e.fields.size(), 3u);
  }
  EXPECT_EQ(emitter_.batches().front().tag, "in");
  EXPECT_EQ(Count("socket_messages_total"), 3u);
  ASSERT_TRUE(PollUntil([&] { return Count("socket_connections_closed_total") == 1; }));
}

TEST_F(SocketInputTest, TcpLinesOfOneReadAreOneBatch) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\n");
  emitter_.set_blocked(true);
  Fd c = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(c, "warm\n"));
  ASSERT_TRUE(PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  // Sent while the first batch is held: read at once when reading resumes, one batch.
  std::string many;
  for (int i = 0; i < 100; ++i) {
    many += "line " + std::to_string(i) + "\n";
  }
  ASSERT_TRUE(testing::SendAll(c, many));
  emitter_.set_blocked(false);
  ASSERT_TRUE(emitter_.WaitForEvents(101));
  EXPECT_LE(emitter_.batch_count(), 3u);  // one per read; the kernel may split the 100 lines
  EXPECT_EQ(emitter_.Values().back(), "line 99");
}

TEST_F(SocketInputTest, TcpOctetCountingAndABrokenCountClosesOnlyThatConnection) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\nframing = \"octet_counting\"\n");
  Fd good = testing::ConnectTcp(port_);
  Fd bad = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(good, "5 a\nb c"));
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(testing::SendAll(bad, "3 abcX3 def"));
  EXPECT_TRUE(testing::WaitPeerClosed(bad));
  ASSERT_TRUE(testing::SendAll(good, "4 next"));
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"a\nb c", "abc", "next"}));
  EXPECT_EQ(Count("socket_bad_octet_counts_total"), 1u);
}

TEST_F(SocketInputTest, TcpLongLineIsCutCountedAndTheStreamGoesOn) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\nmax_line_bytes = 16\n");
  Fd c = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(c, std::string(40, 'x') + "\nshort\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{std::string(16, 'x'), "short"}));
  EXPECT_EQ(Count("socket_messages_truncated_total"), 1u);
}

TEST_F(SocketInputTest, TcpKeepsInvalidUtf8AsItIs) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\n");
  Fd c = testing::ConnectTcp(port_);
  const std::string bad = "caf\xc3 \xff\xfe end";
  ASSERT_TRUE(testing::SendAll(c, bad + "\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{bad}));
}

TEST_F(SocketInputTest, TcpOverMaxConnectionsIsClosedAtOnceAndCounted) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\nmax_connections = 2\n");
  Fd a = testing::ConnectTcp(port_);
  Fd b = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(a, "a\n"));
  ASSERT_TRUE(testing::SendAll(b, "b\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  for (int i = 0; i < 3; ++i) {
    Fd over = testing::ConnectTcp(port_);
    EXPECT_TRUE(testing::WaitPeerClosed(over));
  }
  EXPECT_EQ(Count("socket_connections_refused_total"), 3u);
  ASSERT_TRUE(testing::SendAll(a, "still a\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  a.Reset();
  ASSERT_TRUE(PollUntil([&] { return Count("socket_connections_closed_total") == 1; }));
  Fd next = testing::ConnectTcp(port_);  // a slot is free again
  ASSERT_TRUE(testing::SendAll(next, "next\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(4));
  EXPECT_EQ(emitter_.Values().back(), "next");
}

TEST_F(SocketInputTest, TcpBlockedPipelineStallsTheSenderThenEveryLineArrivesOnce) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\n");
  emitter_.set_blocked(true);
  Fd c = testing::ConnectTcp(port_);
  int flags = fcntl(c.get(), F_GETFL);
  fcntl(c.get(), F_SETFL, flags | O_NONBLOCK);
  // Write numbered lines until the kernel's buffers on both sides are full: the input stopped
  // reading. A writer that never stalls within 256 MiB fails the test.
  uint64_t sent = 0;
  std::string pending;
  bool stalled = false;
  size_t total = 0;
  while (!stalled && total < (256u << 20)) {
    if (pending.empty()) {
      for (int i = 0; i < 1000; ++i) {
        pending += "line-" + std::to_string(sent++) + "-" + std::string(50, 'p') + "\n";
      }
    }
    ssize_t n = send(c.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      total += static_cast<size_t>(n);
      pending.erase(0, static_cast<size_t>(n));
      continue;
    }
    ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << std::strerror(errno);
    pollfd p{c.get(), POLLOUT, 0};
    stalled = poll(&p, 1, 1000) == 0;  // not writable for a second: the reader is paused
  }
  ASSERT_TRUE(stalled) << "the sender never stalled after " << total << " bytes";
  EXPECT_EQ(emitter_.blocked_emits(), 1u);
  EXPECT_LT(emitter_.event_count(), sent);
  emitter_.set_blocked(false);
  fcntl(c.get(), F_SETFL, flags);
  ASSERT_TRUE(testing::SendAll(c, pending));
  c.Reset();
  ASSERT_TRUE(emitter_.WaitForEvents(sent, 60s));
  ASSERT_TRUE(PollUntil([&] { return Count("socket_connections_closed_total") == 1; }));
  std::vector<std::string> values = emitter_.Values();
  ASSERT_EQ(values.size(), sent);
  for (uint64_t i = 0; i < sent; ++i) {
    ASSERT_EQ(values[i], "line-" + std::to_string(i) + "-" + std::string(50, 'p'));
  }
}

TEST_F(SocketInputTest, UdpDatagramsBecomeRecords) {
  StartInput("udp",
             "host = \"127.0.0.1\"\nport = 0\nsource_address_key = \"ip\"\n"
             "source_port_key = \"sport\"\nmax_line_bytes = 32\n");
  Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(testing::SendUdp(s, port_, "one\n"));
  ASSERT_TRUE(testing::SendUdp(s, port_, "two\nstill two"));
  ASSERT_TRUE(testing::SendUdp(s, port_, std::string(40, 'y')));
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  EXPECT_EQ(emitter_.Values(),
            (std::vector<std::string>{"one", "two\nstill two", std::string(32, 'y')}));
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &len);
  for (const auto& e : emitter_.events()) {
    EXPECT_EQ(e.Get("ip"), "127.0.0.1");
  }
  EXPECT_EQ(Count("socket_messages_truncated_total"), 1u);
}

TEST_F(SocketInputTest, UdpQueueFullDropsAreCountedExactly) {
  StartInput("udp", "host = \"127.0.0.1\"\nport = 0\nqueue_max_bytes = 1024\n");
  emitter_.set_blocked(true);
  Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  constexpr uint64_t kSent = 200;
  auto message = [](uint64_t i) { return "datagram " + std::to_string(i) + std::string(60, 'd'); };
  // The first is taken by the (blocked) Emit; then the queue holds what fits in 1024 bytes of
  // entries `[time, {"log": message}]`, and drops the rest.
  uint64_t expected_kept = 1;
  for (size_t bytes = 0, i = 1; i < kSent; ++i, ++expected_kept) {
    Batch b;
    BatchBuilder builder(&b);
    builder.BeginEntry(EventTime{}, 1);
    builder.writer().Str("log");
    builder.writer().Str(message(i));
    if (bytes + b.bytes() > 1024) {
      break;
    }
    bytes += b.bytes();
  }
  // One at a time, each received before the next is sent, so the kernel's receive buffer never
  // overflows (its drops would not be seen here).
  for (uint64_t i = 0; i < kSent; ++i) {
    ASSERT_TRUE(testing::SendUdp(s, port_, message(i)));
    ASSERT_TRUE(PollUntil([&] { return Count("socket_messages_total") == i + 1; }));
    if (i == 0) {
      ASSERT_TRUE(PollUntil([&] { return emitter_.blocked_emits() == 1; }));
    }
  }
  EXPECT_EQ(Count("socket_dropped_total", {{"reason", "queue_full"}}), kSent - expected_kept);
  emitter_.set_blocked(false);
  ASSERT_TRUE(emitter_.WaitForEvents(expected_kept));
  EXPECT_EQ(emitter_.event_count(), expected_kept);
  // Those kept are the first ones, in order: the queue drops what comes when it is full.
  std::vector<std::string> values = emitter_.Values();
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i], message(i));
  }
}

TEST_F(SocketInputTest, UnixStreamRemovesAStaleSocketAndSetsPermissions) {
  const std::string path = dir_.Path("in.sock");
  {
    // A stale socket file: bound, never removed.
    Fd stale(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr = testing::UnixAddress(path);
    ASSERT_EQ(bind(stale.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  StartInput("unix", "path = \"" + path + "\"\npermissions = \"0600\"\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  Fd c = testing::ConnectUnix(path);
  ASSERT_GE(c.get(), 0);
  ASSERT_TRUE(testing::SendAll(c, "over unix\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"over unix"}));
  input_->Stop();
  EXPECT_NE(stat(path.c_str(), &st), 0);  // removed at stop
}

TEST_F(SocketInputTest, UnixStreamOverMaxConnectionsIsRefused) {
  const std::string path = dir_.Path("in.sock");
  StartInput("unix", "path = \"" + path + "\"\nmax_connections = 1\n");
  Fd a = testing::ConnectUnix(path);
  ASSERT_TRUE(testing::SendAll(a, "a\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  Fd over = testing::ConnectUnix(path);
  EXPECT_TRUE(testing::WaitPeerClosed(over));
  EXPECT_EQ(Count("socket_connections_refused_total"), 1u);
  ASSERT_TRUE(testing::SendAll(a, "b\n"));
  ASSERT_TRUE(emitter_.WaitForEvents(2));
}

TEST_F(SocketInputTest, UnixPathHoldingAnotherFileIsAnErrorAndKept) {
  const std::string path = dir_.Path("not-a-socket");
  std::ofstream(path) << "keep me";
  auto in = Make("unix", "path = \"" + path + "\"\n");
  ASSERT_TRUE(in.has_value());
  Status s = (*in)->Start(emitter_);
  EXPECT_EQ(s.message(),
            "inputs.in: cannot listen: " + path + " exists and is not a socket (not removed)");
  EXPECT_EQ(testing::ReadFileOrEmpty(path), "keep me");
}

TEST_F(SocketInputTest, UnixDatagrams) {
  const std::string path = dir_.Path("dgram.sock");
  StartInput("unix", "path = \"" + path + "\"\nmode = \"datagram\"\nframing = \"newline\"\n");
  ASSERT_TRUE(testing::SendUnixDatagram(path, "a\nb\n"));
  ASSERT_TRUE(testing::SendUnixDatagram(path, "c"));
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SocketInputTest, StopEmitsWhatWasReadBeforeReturning) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\n");
  emitter_.set_blocked(true);
  Fd a = testing::ConnectTcp(port_);
  Fd b = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(a, "from a\n"));
  ASSERT_TRUE(PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  ASSERT_TRUE(testing::SendAll(b, "from b\n"));  // queued behind the blocked Emit
  ASSERT_TRUE(PollUntil([&] { return Count("socket_messages_total") == 2; }));
  std::thread stopper([&] { input_->Stop(); });
  emitter_.set_blocked(false);
  stopper.join();
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"from a", "from b"}));
  EXPECT_EQ(Count("socket_dropped_total", {{"reason", "stopping"}}), 0u);
}

TEST_F(SocketInputTest, StopCountsWhatAStoppingPipelineDidNotTake) {
  StartInput("tcp", "host = \"127.0.0.1\"\nport = 0\n");
  emitter_.set_blocked(true);
  Fd c = testing::ConnectTcp(port_);
  ASSERT_TRUE(testing::SendAll(c, "held\n"));
  ASSERT_TRUE(PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  emitter_.set_stopping(true);  // the pipeline stops: the held batch is cancelled, counted
  input_->Stop();
  EXPECT_EQ(Count("socket_dropped_total", {{"reason", "stopping"}}), 1u);
  EXPECT_EQ(emitter_.event_count(), 0u);
}

}  // namespace
}  // namespace runnel

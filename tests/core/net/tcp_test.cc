// TcpServer, Connect and TLS over real sockets on 127.0.0.1 (port 0). No fixed sleeps: every
// wait polls a condition with a deadline.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runnel/net/tcp_client.h"
#include "runnel/net/tcp_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace runnel::net {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) {
      return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

// What one side of a connection saw. The callbacks share its state, so they may run (on_close
// after the connection is dropped) when the Seen itself is gone.
class Seen {
 public:
  std::string Data() {
    std::lock_guard l(s_->mu);
    return s_->data;
  }
  size_t Size() {
    std::lock_guard l(s_->mu);
    return s_->data.size();
  }
  bool Closed() {
    std::lock_guard l(s_->mu);
    return s_->closed.has_value();
  }
  Status Reason() {
    std::lock_guard l(s_->mu);
    return s_->closed.value_or(Internal("not closed"));
  }
  ConnectionCallbacks Callbacks() {
    return {.on_data =
                [s = s_](std::string_view d) {
                  std::lock_guard l(s->mu);
                  s->data.append(d);
                },
            .on_close =
                [s = s_](const Status& status) {
                  std::lock_guard l(s->mu);
                  s->closed = status;
                }};
  }

 private:
  struct State {
    std::mutex mu;
    std::string data;
    std::optional<Status> closed;
  };
  std::shared_ptr<State> s_ = std::make_shared<State>();
};

// A server that echoes every byte back, and remembers how each of its connections closed.
class EchoServer {
 public:
  explicit EchoServer(TcpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    auto server = TcpServer::Start(options, [this](const std::shared_ptr<Connection>& conn) {
      std::weak_ptr<Connection> weak = conn;
      accepted_++;
      return ConnectionCallbacks{.on_data =
                                     [weak](std::string_view d) {
                                       if (auto c = weak.lock()) {
                                         (void)c->Write(std::string(d));
                                       }
                                     },
                                 .on_close =
                                     [this](const Status& s) {
                                       std::lock_guard l(mu_);
                                       reasons_.push_back(s);
                                     }};
    });
    EXPECT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server);
  }
  TcpServer& server() { return *server_; }
  Endpoint endpoint() const { return {.address = "127.0.0.1", .port = server_->port()}; }
  int accepted() const { return accepted_; }
  std::vector<Status> reasons() {
    std::lock_guard l(mu_);
    return reasons_;
  }

 private:
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<Status> reasons_;
  std::unique_ptr<TcpServer> server_;
};

// Writes `text` and waits until `seen` holds everything sent so far.
bool RoundTrip(Connection& conn, Seen& seen, const std::string& text) {
  size_t want = seen.Size() + text.size();
  if (!conn.Write(text).ok()) {
    return false;
  }
  return WaitFor([&] { return seen.Size() >= want; });
}

class TcpTest : public ::testing::Test {
 protected:
  IoLoop loop_{"test"};
};

TEST_F(TcpTest, PlainEchoWithSeveralWritesInFlight) {
  EchoServer echo;
  auto conn = Connect(loop_, echo.endpoint(), {});
  ASSERT_TRUE(conn.has_value()) << conn.error().ToString();
  Seen seen;
  (*conn)->Start(seen.Callbacks());
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    std::string frame = "frame-" + std::to_string(i) + ";";
    expected += frame;
    if (i % 2 == 0) {
      ASSERT_TRUE((*conn)->Write(frame).ok());
    } else {
      ASSERT_TRUE((*conn)->Write(std::make_shared<const std::string>(frame)).ok());
    }
  }
  ASSERT_TRUE(WaitFor([&] { return seen.Size() == expected.size(); }));
  EXPECT_EQ(seen.Data(), expected);
  EXPECT_EQ((*conn)->queued_write_bytes(), 0u);
  EXPECT_FALSE((*conn)->tls());
  EXPECT_EQ(echo.server().connection_count(), 1u);

  (*conn)->Close();
  ASSERT_TRUE(WaitFor([&] { return seen.Closed(); }));
  EXPECT_TRUE(seen.Reason().ok());
  ASSERT_TRUE(WaitFor([&] { return echo.server().connection_count() == 0; }));
  ASSERT_EQ(echo.reasons().size(), 1u);
  EXPECT_TRUE(echo.reasons()[0].ok()) << echo.reasons()[0].ToString();  // peer closed cleanly
  EXPECT_EQ((*conn)->Write("late").code(), StatusCode::kCancelled);
}

// A server's last word (4 MiB, so it is still being written) reaches the client before the
// close; a plain Close right after a Write may drop it.
TEST_F(TcpTest, CloseAfterWritesSendsEverythingQueuedFirst) {
  const std::string last_word(4 << 20, 'x');
  TcpServerOptions options;
  options.host = "127.0.0.1";
  auto server = TcpServer::Start(options, [&](const std::shared_ptr<Connection>& conn) {
    EXPECT_TRUE(conn->Write(last_word).ok());
    conn->CloseAfterWrites(InvalidArgument("refused"));
    return ConnectionCallbacks{.on_data = [](std::string_view) {}};
  });
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  auto conn = Connect(loop_, {.address = "127.0.0.1", .port = (*server)->port()}, {});
  ASSERT_TRUE(conn.has_value()) << conn.error().ToString();
  Seen seen;
  (*conn)->Start(seen.Callbacks());
  ASSERT_TRUE(WaitFor([&] { return seen.Closed(); }));
  EXPECT_EQ(seen.Size(), last_word.size());
  EXPECT_TRUE(seen.Reason().ok()) << seen.Reason().ToString();  // the peer closed cleanly
}

TEST_F(TcpTest, ConnectToClosedPortIsUnavailable) {
  uint16_t port;
  {
    EchoServer echo;
    port = echo.server().port();
  }
  auto conn = Connect(loop_, {.address = "127.0.0.1", .port = port}, {});
  ASSERT_FALSE(conn.has_value());
  EXPECT_EQ(conn.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(conn.error().message(), HasSubstr("connect 127.0.0.1:" + std::to_string(port)));
}

TEST_F(TcpTest, ResolveLocalhost) {
  auto addresses = Resolve("localhost", 24224);
  ASSERT_TRUE(addresses.has_value()) << addresses.error().ToString();
  ASSERT_GE(addresses->size(), 1u);
  for (const Endpoint& e : *addresses) {
    EXPECT_EQ(e.port, 24224);
    EXPECT_TRUE(e.address == "127.0.0.1" || e.address == "::1") << e.address;
  }
  auto numeric = Resolve("10.1.2.3", 1);
  ASSERT_TRUE(numeric.has_value());
  ASSERT_EQ(numeric->size(), 1u);
  EXPECT_EQ((*numeric)[0].ToString(), "10.1.2.3:1");
  auto bad = Resolve("no-such-host.invalid", 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kUnavailable);
}

TEST_F(TcpTest, IdleClientIsClosedWhileOthersKeepWorking) {
  TcpServerOptions options;
  options.connection.idle_timeout = 300ms;
  options.connection.component = "inputs.test";
  EchoServer echo(options);
  auto slow = Connect(loop_, echo.endpoint(), {});
  auto busy = Connect(loop_, echo.endpoint(), {});
  ASSERT_TRUE(slow.has_value() && busy.has_value());
  Seen slow_seen, busy_seen;
  (*slow)->Start(slow_seen.Callbacks());
  (*busy)->Start(busy_seen.Callbacks());
  ASSERT_TRUE((*slow)->Write("x").ok());  // one byte, then silence
  int round_trips = 0;
  ASSERT_TRUE(WaitFor([&] {
    // The busy connection talks all the time, so it is never idle for 300ms.
    EXPECT_TRUE(RoundTrip(**busy, busy_seen, "ping"));
    ++round_trips;
    return slow_seen.Closed();
  }));
  EXPECT_GT(round_trips, 1);
  // The server reports the close just after closing its socket.
  ASSERT_TRUE(WaitFor([&] { return echo.reasons().size() == 1; }));
  EXPECT_EQ(echo.reasons()[0].code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(echo.reasons()[0].message(), "no data for 300ms");
  EXPECT_TRUE(RoundTrip(**busy, busy_seen, "still here"));
  EXPECT_FALSE(busy_seen.Closed());
  EXPECT_TRUE(WaitFor([&] { return echo.server().connection_count() == 1; }));
}

TEST_F(TcpTest, MaxConnections) {
  TcpServerOptions options;
  options.max_connections = 2;
  EchoServer echo(options);
  Seen seen[4];
  std::shared_ptr<Connection> conns[4];
  for (int i = 0; i < 2; ++i) {
    auto c = Connect(loop_, echo.endpoint(), {});
    ASSERT_TRUE(c.has_value());
    conns[i] = *c;
    conns[i]->Start(seen[i].Callbacks());
    ASSERT_TRUE(RoundTrip(*conns[i], seen[i], "hello"));
  }
  // The third is accepted by the kernel, then closed by the server.
  auto third = Connect(loop_, echo.endpoint(), {});
  ASSERT_TRUE(third.has_value());
  conns[2] = *third;
  conns[2]->Start(seen[2].Callbacks());
  ASSERT_TRUE(WaitFor([&] { return seen[2].Closed(); }));
  EXPECT_EQ(seen[2].Size(), 0u);
  EXPECT_EQ(echo.server().refused_count(), 1u);
  EXPECT_EQ(echo.accepted(), 2);

  conns[0]->Close();
  ASSERT_TRUE(WaitFor([&] { return echo.server().connection_count() == 1; }));
  auto fourth = Connect(loop_, echo.endpoint(), {});
  ASSERT_TRUE(fourth.has_value());
  conns[3] = *fourth;
  conns[3]->Start(seen[3].Callbacks());
  EXPECT_TRUE(RoundTrip(*conns[3], seen[3], "room again"));
  EXPECT_TRUE(RoundTrip(*conns[1], seen[1], "unaffected"));
}

TEST_F(TcpTest, PauseAndResumeReading) {
  std::mutex mu;
  std::shared_ptr<Connection> server_side;
  std::atomic<size_t> received{0};
  std::atomic<int> calls_while_paused{0};
  std::atomic<bool> paused{false};
  auto server =
      TcpServer::Start({.host = "127.0.0.1"}, [&](const std::shared_ptr<Connection>& conn) {
        {
          std::lock_guard l(mu);
          server_side = conn;
        }
        Connection* raw = conn.get();
        return ConnectionCallbacks{.on_data = [&, raw](std::string_view d) {
          if (paused) {
            calls_while_paused++;
          }
          if (received.fetch_add(d.size()) == 0) {
            raw->PauseReading();  // downstream full after the first chunk
            paused = true;
          }
        }};
      });
  ASSERT_TRUE(server.has_value());
  auto conn = Connect(loop_, {.address = "127.0.0.1", .port = (*server)->port()}, {});
  ASSERT_TRUE(conn.has_value());
  (*conn)->Start({.on_data = [](std::string_view) {}});
  constexpr size_t kTotal = 32u << 20;  // more than the kernel buffers of both ends hold
  auto block = std::make_shared<const std::string>(1u << 20, 'a');
  for (size_t sent = 0; sent < kTotal; sent += block->size()) {
    ASSERT_TRUE((*conn)->Write(block).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return paused.load(); }));
  size_t at_pause = received;
  // Backpressure reaches the writer: its queue stops draining.
  ASSERT_TRUE(WaitFor([&] { return (*conn)->queued_write_bytes() > 0; }));
  EXPECT_EQ(received.load(), at_pause);
  EXPECT_EQ(calls_while_paused.load(), 0);
  {
    std::lock_guard l(mu);
    EXPECT_TRUE(server_side->reading_paused());
    paused = false;
    server_side->ResumeReading();
  }
  ASSERT_TRUE(WaitFor([&] { return received.load() == kTotal; }, 30s));
  EXPECT_EQ(calls_while_paused.load(), 0);
  {
    std::lock_guard l(mu);
    server_side.reset();
  }
}

TEST_F(TcpTest, StopWithConnectionsOpen) {
  EchoServer echo;
  Seen seen[3];
  std::shared_ptr<Connection> conns[3];
  for (int i = 0; i < 3; ++i) {
    auto c = Connect(loop_, echo.endpoint(), {});
    ASSERT_TRUE(c.has_value());
    conns[i] = *c;
    conns[i]->Start(seen[i].Callbacks());
    ASSERT_TRUE(RoundTrip(*conns[i], seen[i], "hi"));
  }
  echo.server().Stop();
  EXPECT_EQ(echo.server().connection_count(), 0u);
  auto reasons = echo.reasons();
  ASSERT_EQ(reasons.size(), 3u);
  for (const Status& s : reasons) {
    EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  }
  for (Seen& s : seen) {
    ASSERT_TRUE(WaitFor([&] { return s.Closed(); }));
  }
  auto again = Connect(loop_, echo.endpoint(), {});
  EXPECT_FALSE(again.has_value());
}

}  // namespace
}  // namespace runnel::net

// AdminServer on a real socket (127.0.0.1, port 0) with handlers of the test's own: routing,
// HEAD, keep-alive and pipelining, errors and garbage, oversized requests, a client trickling a
// request (slowloris), max_connections, swapping handlers, a port already in use.
#include "api/admin_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/http_client.h"

namespace runnel::api {
namespace {

using std::chrono::milliseconds;
using testing::HttpConnection;
using testing::HttpGet;
using testing::HttpReply;

constexpr char kGet[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

class AdminServerTest : public ::testing::Test {
 protected:
  void Start(AdminServerOptions options = {}) {
    options.port = 0;
    auto server = AdminServer::Start(std::move(options), Handlers("metrics body\n"));
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server);
  }
  AdminHandlers Handlers(const std::string& metrics) {
    return AdminHandlers{.metrics =
                             [this, metrics] {
                               ++scrapes_;
                               return metrics;
                             },
                         .health =
                             [] {
                               return Probe{false, R"({"status":"unhealthy"})"};
                             },
                         .ready =
                             [] {
                               return Probe{true, R"({"status":"ready"})"};
                             }};
  }
  uint16_t port() const { return server_->port(); }

  std::atomic<int> scrapes_{0};
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, ServesTheThreeEndpoints) {
  Start();
  HttpReply m = HttpGet(port(), "/metrics");
  EXPECT_EQ(m.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(m.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(m.Header("content-length"), "13");
  EXPECT_EQ(m.Header("connection"), "close");
  EXPECT_EQ(m.Header("date").size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(m.body, "metrics body\n");
  HttpReply h = HttpGet(port(), "/health");
  EXPECT_EQ(h.status, 503);
  EXPECT_EQ(h.Header("content-type"), "application/json");
  EXPECT_EQ(h.body, "{\"status\":\"unhealthy\"}\n");
  HttpReply r = HttpGet(port(), "/ready?verbose");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"ready\"}\n");
}

TEST_F(AdminServerTest, HeadHasTheHeadersOfGetWithoutTheBody) {
  Start();
  HttpConnection c(port());
  ASSERT_TRUE(c.Send("HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n" + std::string(kGet)));
  HttpReply head = c.Read(/*head=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "13");
  EXPECT_EQ(head.body, "");
  // The next bytes are the GET's response: HEAD wrote no body.
  HttpReply get = c.Read();
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "metrics body\n");
}

TEST_F(AdminServerTest, UnknownPathsAndMethods) {
  Start();
  HttpReply nope = HttpGet(port(), "/nope");
  EXPECT_EQ(nope.status, 404);
  EXPECT_EQ(nope.body, "404 Not Found: the admin API serves /metrics, /health and /ready\n");
  HttpReply post = HttpGet(port(), "/metrics", "POST");
  EXPECT_EQ(post.status_line, "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
  EXPECT_EQ(post.body, "405 Method Not Allowed: POST is not allowed; use GET or HEAD\n");
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(AdminServerTest, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  Start();
  HttpConnection c(port());
  ASSERT_TRUE(c.Send(kGet));
  HttpReply first = c.Read();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.Header("connection"), "keep-alive");
  // Three requests in one write, the last one closing.
  ASSERT_TRUE(
      c.Send("GET /ready HTTP/1.1\r\nHost: a\r\n\r\n"
             "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
             "GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(c.Read().status, 200);
  EXPECT_EQ(c.Read().status, 503);
  HttpReply last = c.Read();
  EXPECT_EQ(last.status, 404);
  EXPECT_EQ(last.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(AdminServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  Start();
  HttpConnection c(port());
  ASSERT_TRUE(c.Send("GET /ready HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(c.Read().Header("connection"), "keep-alive");
  ASSERT_TRUE(c.Send("GET /ready HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(c.Read().Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(AdminServerTest, AMalformedRequestIsAnswered400AndClosed) {
  Start();
  HttpConnection c(port());
  ASSERT_TRUE(c.Send(std::string(kGet) + "BREW /pot HTCPCP/1.0\r\n\r\n" + kGet));
  EXPECT_EQ(c.Read().status, 200);
  HttpReply bad = c.Read();
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "400 Bad Request: the version is not HTTP/1.x\n");
  EXPECT_EQ(bad.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByPeer());  // the GET after it is not answered
  EXPECT_EQ(scrapes_.load(), 1);
}

TEST_F(AdminServerTest, GarbageNeverWedgesOrCrashesTheServer) {
  AdminServerOptions options;
  options.request_timeout = milliseconds(200);  // junk without a line end waits for it
  Start(options);
  std::mt19937 rng(11);
  for (int i = 0; i < 50; ++i) {
    HttpConnection c(port());
    ASSERT_TRUE(c.connected()) << i;
    std::string junk(1 + rng() % 20'000, '\0');
    for (char& ch : junk) {
      ch = static_cast<char>(rng());
    }
    c.Send(junk);  // the server may close before it has all of it
    // Whatever it made of the bytes, it closes the connection (an error status, or a timeout).
    EXPECT_TRUE(c.ClosedByPeer()) << i;
  }
  EXPECT_EQ(HttpGet(port(), "/metrics").status, 200);
}

TEST_F(AdminServerTest, OversizedHeadersAndBodiesAreRefused) {
  Start();
  HttpConnection headers(port());
  ASSERT_TRUE(headers.Send("GET /metrics HTTP/1.1\r\nHost: a\r\nX: " + std::string(9000, 'x')));
  HttpReply h = headers.Read();
  EXPECT_EQ(h.status, 431);
  EXPECT_EQ(h.body,
            "431 Request Header Fields Too Large: the request headers are larger than 8192 "
            "bytes\n");
  EXPECT_TRUE(headers.ClosedByPeer());
  HttpConnection body(port());
  ASSERT_TRUE(body.Send("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n"));
  EXPECT_EQ(body.Read().status, 413);
  EXPECT_TRUE(body.ClosedByPeer());
  // A small body is read and ignored.
  HttpConnection small(port());
  ASSERT_TRUE(small.Send("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd" +
                         std::string(kGet)));
  EXPECT_EQ(small.Read().status, 200);
  EXPECT_EQ(small.Read().status, 200);
}

TEST_F(AdminServerTest, ARequestTrickledByteByByteTimesOut) {
  AdminServerOptions options;
  options.request_timeout = milliseconds(300);
  Start(options);
  HttpConnection c(port());
  ASSERT_TRUE(c.Send("GET /metrics HTTP/1.1\r\n"));
  // A byte every 50 ms keeps the connection from being idle; the request deadline still holds.
  const auto start = std::chrono::steady_clock::now();
  bool answered = false;
  HttpReply reply;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    c.Send("X");
    reply = c.Read(false, milliseconds(50));
    if (reply.status != 0) {
      answered = true;
      break;
    }
  }
  ASSERT_TRUE(answered);
  EXPECT_EQ(reply.status, 408);
  EXPECT_EQ(reply.body, "408 Request Timeout: the request was not complete within 300ms\n");
  EXPECT_TRUE(c.ClosedByPeer());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(AdminServerTest, KeepAliveConnectionsBetweenRequestsDoNotTimeOut) {
  AdminServerOptions options;
  options.request_timeout = milliseconds(100);
  Start(options);
  HttpConnection c(port());
  ASSERT_TRUE(c.Send(kGet));
  EXPECT_EQ(c.Read().status, 200);
  // Nothing is sent for longer than request_timeout: an idle keep-alive connection is no
  // request in progress.
  EXPECT_FALSE(c.ClosedByPeer(milliseconds(400)));
  ASSERT_TRUE(c.Send(kGet));
  EXPECT_EQ(c.Read().status, 200);
}

TEST_F(AdminServerTest, ConnectionsBeyondTheLimitAreClosed) {
  AdminServerOptions options;
  options.max_connections = 2;
  Start(options);
  HttpConnection a(port());
  HttpConnection b(port());
  ASSERT_TRUE(a.Send(kGet) && b.Send(kGet));
  ASSERT_EQ(a.Read().status, 200);
  ASSERT_EQ(b.Read().status, 200);
  HttpConnection c(port());
  EXPECT_TRUE(c.ClosedByPeer());
  a.Send("GET /ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.Read().status, 200);
  ASSERT_TRUE(a.ClosedByPeer());
  // Room again once one has closed.
  EXPECT_TRUE(testing::PollUntil([&] { return HttpGet(port(), "/ready").status == 200; }));
}

TEST_F(AdminServerTest, SetHandlersSwapsWhatIsServed) {
  Start();
  EXPECT_EQ(HttpGet(port(), "/metrics").body, "metrics body\n");
  server_->SetHandlers(Handlers("new body\n"));
  EXPECT_EQ(HttpGet(port(), "/metrics").body, "new body\n");
}

TEST_F(AdminServerTest, StopClosesTheListener) {
  Start();
  const uint16_t p = port();
  ASSERT_EQ(HttpGet(p, "/ready").status, 200);
  server_->Stop();
  EXPECT_FALSE(HttpConnection(p).connected());
}

TEST_F(AdminServerTest, APortInUseIsAStartError) {
  Start();
  AdminServerOptions options;
  options.port = port();
  auto second = AdminServer::Start(options, Handlers(""));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.error().message(),
            "listen on 127.0.0.1:" + std::to_string(port()) + ": Address already in use");
}

}  // namespace
}  // namespace runnel::api

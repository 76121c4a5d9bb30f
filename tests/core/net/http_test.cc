// The admin API's HTTP/1.1 parsing and responses (runnel/net/http.h): requests whole and in pieces,
// pipelined, keep-alive rules, every error status, and garbage.
#include "runnel/net/http.h"

#include <gtest/gtest.h>

#include <random>

namespace runnel::net {
namespace {

using State = HttpParse::State;

HttpParse Parse(std::string_view text, HttpLimits limits = {}) {
  return ParseHttpRequest(text, limits);
}

TEST(HttpTest, ParsesAGet) {
  const std::string text = "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
  HttpParse p = Parse(text);
  ASSERT_EQ(p.state, State::kComplete) << p.error;
  EXPECT_EQ(p.request.method, "GET");
  EXPECT_EQ(p.request.path, "/metrics");
  EXPECT_EQ(p.request.minor_version, 1);
  EXPECT_TRUE(p.request.keep_alive);
  EXPECT_EQ(p.consumed, text.size());
}

TEST(HttpTest, EveryPrefixOfARequestIsIncomplete) {
  const std::string text =
      "\r\nHEAD /ready HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
  for (size_t n = 0; n < text.size(); ++n) {
    HttpParse p = Parse(text.substr(0, n));
    EXPECT_EQ(p.state, State::kIncomplete) << n << ": " << p.error;
    EXPECT_EQ(p.consumed, 0u);
  }
  HttpParse p = Parse(text);
  ASSERT_EQ(p.state, State::kComplete) << p.error;
  EXPECT_EQ(p.request.method, "HEAD");
  EXPECT_EQ(p.consumed, text.size());  // the body is consumed with it
  EXPECT_FALSE(p.request.keep_alive);
}

TEST(HttpTest, PipelinedRequestsAreConsumedOneAtATime) {
  const std::string one = "GET /health HTTP/1.1\nHost: a\n\n";  // bare LFs are line ends too
  const std::string two = "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n";
  HttpParse p = Parse(one + two);
  ASSERT_EQ(p.state, State::kComplete) << p.error;
  EXPECT_EQ(p.request.path, "/health");
  ASSERT_EQ(p.consumed, one.size());
  HttpParse q = Parse(std::string_view(one + two).substr(p.consumed));
  ASSERT_EQ(q.state, State::kComplete) << q.error;
  EXPECT_EQ(q.request.path, "/ready");
}

TEST(HttpTest, KeepAliveFollowsTheVersionAndTheConnectionHeader) {
  auto keep = [](const std::string& version, const std::string& header) {
    HttpParse p = Parse("GET / " + version + "\r\nHost: a\r\n" + header + "\r\n");
    EXPECT_EQ(p.state, State::kComplete) << p.error;
    return p.request.keep_alive;
  };
  EXPECT_TRUE(keep("HTTP/1.1", ""));
  EXPECT_FALSE(keep("HTTP/1.1", "Connection: Close\r\n"));
  EXPECT_FALSE(keep("HTTP/1.1", "Connection: keep-alive, close\r\n"));
  EXPECT_FALSE(keep("HTTP/1.0", ""));
  EXPECT_TRUE(keep("HTTP/1.0", "connection: Keep-Alive\r\n"));
  EXPECT_TRUE(keep("HTTP/1.2", ""));  // a later 1.x is served as 1.1
}

TEST(HttpTest, AbsoluteFormAndHttp10WithoutHost) {
  HttpParse p = Parse("GET http://127.0.0.1:2020/metrics?q HTTP/1.0\r\n\r\n");
  ASSERT_EQ(p.state, State::kComplete) << p.error;
  EXPECT_EQ(p.request.path, "/metrics");
  EXPECT_EQ(p.request.minor_version, 0);
  EXPECT_EQ(Parse("GET HTTP://host HTTP/1.0\r\n\r\n").request.path, "/");
}

struct ErrorCase {
  std::string request;
  int status;
  std::string error;
};

TEST(HttpTest, MalformedRequestsGetTheirStatus) {
  const std::vector<ErrorCase> cases = {
      {"GET /metrics\r\n\r\n", 400, "the request line is not METHOD SP TARGET SP VERSION"},
      {"GET  /metrics HTTP/1.1\r\n\r\n", 400,
       "the request line is not METHOD SP TARGET SP VERSION"},
      {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "the method is not a token"},
      {"GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400, "the version is not HTTP/1.x"},
      {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "only HTTP/1.x is served"},
      {"GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400,
       "the request target is neither a path nor an absolute URI"},
      {"GET / HTTP/1.1\r\n\r\n", 400, "no Host header"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host header"},
      {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "obsolete header line folding"},
      {"GET / HTTP/1.1\r\nHost a\r\n\r\n", 400, "a header line is not NAME: VALUE"},
      {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "a header line is not NAME: VALUE"},
      {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400, "a control character in the value of Host"},
      {"GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "a CR not followed by LF"},
      {"\rGET / HTTP/1.1\r\n\r\n", 400, "a CR not followed by LF"},
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400, "bad Content-Length"},
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
       "bad Content-Length"},
      {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
       "Transfer-Encoding is not supported"},
      {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", 413,
       "a request body larger than 65536 bytes"},
  };
  for (const ErrorCase& c : cases) {
    HttpParse p = Parse(c.request);
    EXPECT_EQ(p.state, State::kError) << c.request;
    EXPECT_EQ(p.status, c.status) << c.request;
    EXPECT_EQ(p.error, c.error) << c.request;
  }
}

TEST(HttpTest, OversizedRequestsAreRefusedBeforeTheyComplete) {
  HttpLimits limits;
  limits.max_request_line_bytes = 64;
  limits.max_header_bytes = 128;
  limits.max_headers = 3;
  // A request line that does not end within the limit.
  HttpParse line = Parse("GET /" + std::string(70, 'a'), limits);
  EXPECT_EQ(line.status, 414);
  EXPECT_EQ(line.error, "the request line is longer than 64 bytes");
  // Headers that go on past the limit, never ending.
  HttpParse headers = Parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'b'), limits);
  EXPECT_EQ(headers.status, 431);
  EXPECT_EQ(headers.error, "the request headers are larger than 128 bytes");
  HttpParse many = Parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits);
  EXPECT_EQ(many.status, 431);
  EXPECT_EQ(many.error, "more than 3 request headers");
  // Up to the limits is fine.
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", limits).state,
            State::kComplete);
}

TEST(HttpTest, GarbageNeverCompletesPastItsBytesAndIsBounded) {
  std::mt19937 rng(7);
  HttpLimits limits;
  const std::string alphabet = "GET /HTP1.\r\n: \x01\xff";
  for (int i = 0; i < 20'000; ++i) {
    std::string text(rng() % 300, '\0');
    for (char& c : text) {
      c = rng() % 4 == 0 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    }
    HttpParse p = Parse(text, limits);
    if (p.state == State::kComplete) {
      EXPECT_LE(p.consumed, text.size());
      EXPECT_GT(p.consumed, 0u);
    } else if (p.state == State::kError) {
      EXPECT_NE(p.status, 0);
      EXPECT_FALSE(p.error.empty());
    }
  }
  // A buffer past every limit is never incomplete: the server never buffers without bound.
  for (int i = 0; i < 200; ++i) {
    std::string text(limits.max_header_bytes + limits.max_body_bytes + 1, '\0');
    for (char& c : text) {
      c = alphabet[rng() % alphabet.size()];
    }
    EXPECT_NE(Parse(text, limits).state, State::kIncomplete);
  }
}

TEST(HttpTest, SerializesResponsesWithContentLength) {
  HttpResponse r;
  r.status = 405;
  r.body = "no\n";
  r.allow = "GET, HEAD";
  EXPECT_EQ(SerializeResponse(r, false, true, "Sun, 06 Nov 1994 08:49:37 GMT"),
            "HTTP/1.1 405 Method Not Allowed\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Allow: GET, HEAD\r\n"
            "Connection: keep-alive\r\n"
            "\r\n"
            "no\n");
  // HEAD: the same headers, no body.
  r.status = 200;
  r.allow.clear();
  EXPECT_EQ(SerializeResponse(r, true, false, "d"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n"
            "Date: d\r\n"
            "Connection: close\r\n"
            "\r\n");
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpTest, GivesTheHeadersAndTheBody) {
  const std::string text =
      "POST /app.web HTTP/1.1\r\nHost: a\r\nContent-Type:  application/json \r\n"
      "X-Tag: t\r\nContent-Length: 7\r\n\r\n{\"a\":1}GET";
  HttpParse p = Parse(text);
  ASSERT_EQ(p.state, State::kComplete) << p.error;
  EXPECT_EQ(p.request.body, "{\"a\":1}");
  EXPECT_EQ(p.consumed, text.size() - 3);
  EXPECT_EQ(p.request.headers, (HttpHeaders{{"Host", "a"},
                                            {"Content-Type", "application/json"},
                                            {"X-Tag", "t"},
                                            {"Content-Length", "7"}}));
  EXPECT_EQ(p.request.Header("content-type"), "application/json");
  EXPECT_EQ(p.request.Header("X-TAG"), "t");
  EXPECT_EQ(p.request.Header("Authorization"), "");
  EXPECT_TRUE(p.request.HasHeader("x-tag"));
  EXPECT_FALSE(p.request.HasHeader("Authorization"));
}

HttpLimits Chunked() {
  HttpLimits limits;
  limits.allow_chunked = true;
  return limits;
}

TEST(HttpTest, DecodesAChunkedBodyWholeAndInPieces) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n";
  const std::string text =
      head + "4;ext=1\r\n{\"a\"\r\nA\r\n:12345678}\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t n = 0; n < text.size() - 4; ++n) {
    HttpParse p = Parse(text.substr(0, n), Chunked());
    ASSERT_EQ(p.state, State::kIncomplete) << n << ": " << p.error;
    EXPECT_FALSE(p.expects_continue);
  }
  HttpParse p = Parse(text, Chunked());
  ASSERT_EQ(p.state, State::kComplete) << p.error;
  EXPECT_EQ(p.request.body, "{\"a\":12345678}");
  EXPECT_EQ(p.consumed, text.size() - 4);
  // Bare LFs, as RFC 9112 allows a server to accept.
  HttpParse lf =
      Parse("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n2\nab\n0\n\n", Chunked());
  ASSERT_EQ(lf.state, State::kComplete) << lf.error;
  EXPECT_EQ(lf.request.body, "ab");
}

TEST(HttpTest, RefusesBadOrOversizedChunkedBodies) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  HttpLimits small = Chunked();
  small.max_body_bytes = 8;
  struct ErrorCase {
    std::string request;
    int status;
    std::string error;
  };
  const std::vector<ErrorCase> cases = {
      {head + "x\r\n", 400, "bad chunk size"},
      {head + "-1\r\n", 400, "bad chunk size"},
      {head + "\r\n", 400, "bad chunk size"},
      {head + "11111111111111111\r\n", 400, "bad chunk size"},
      {head + "2\r\nabc\r\n", 400, "chunk data not followed by CRLF"},
      {head + "2\r\nab\r\n0\r\nbad trailer\r\n\r\n", 400, "a trailer line is not NAME: VALUE"},
      {head + "9\r\n", 413, "a request body larger than 8 bytes"},
      {head + "5\r\nabcde\r\n4\r\n", 413, "a request body larger than 8 bytes"},
      {head + "ffffffffffffffff\r\n", 413, "a request body larger than 8 bytes"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
       "a Transfer-Encoding other than chunked is not supported"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n",
       501, "a Transfer-Encoding other than chunked is not supported"},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
  };
  for (const ErrorCase& c : cases) {
    HttpParse p = Parse(c.request, small);
    EXPECT_EQ(p.state, State::kError) << c.request;
    EXPECT_EQ(p.status, c.status) << c.request;
    EXPECT_EQ(p.error, c.error) << c.request;
  }
  // One-byte chunks with long extensions: the framing may not grow the buffer far past the
  // limit either (at most 64 KiB beyond it).
  HttpLimits hundred = Chunked();
  hundred.max_body_bytes = 100;
  std::string many = head;
  for (int i = 0; i < 20; ++i) {
    many += "1;" + std::string(3000, 'e') + "\r\na\r\n";
  }
  EXPECT_EQ(Parse(many, hundred).state, State::kIncomplete);  // 60 KB of framing
  for (int i = 0; i < 10; ++i) {
    many += "1;" + std::string(3000, 'e') + "\r\na\r\n";
  }
  HttpParse p = Parse(many, hundred);
  EXPECT_EQ(p.status, 413);
  EXPECT_EQ(p.error, "a request body larger than 100 bytes");
}

TEST(HttpTest, SaysWhenTheClientExpectsContinue) {
  const std::string head =
      "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n";
  EXPECT_FALSE(Parse(head.substr(0, head.size() - 1)).expects_continue);  // headers not done
  HttpParse waiting = Parse(head + "a");
  EXPECT_EQ(waiting.state, State::kIncomplete);
  EXPECT_TRUE(waiting.expects_continue);
  EXPECT_EQ(Parse(head + "abc").state, State::kComplete);
  EXPECT_FALSE(Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n").expects_continue);
  HttpParse chunked = Parse(
      "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
      Chunked());
  EXPECT_TRUE(chunked.expects_continue);
}

TEST(HttpTest, SerializesExtraHeaders) {
  HttpResponse r;
  r.status = 401;
  r.body = "";
  r.headers = {{"WWW-Authenticate", "Bearer realm=\"runnel\""}, {"Retry-After", "1"}};
  EXPECT_EQ(SerializeResponse(r, false, false, "d"),
            "HTTP/1.1 401 Unauthorized\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 0\r\n"
            "Date: d\r\n"
            "WWW-Authenticate: Bearer realm=\"runnel\"\r\n"
            "Retry-After: 1\r\n"
            "Connection: close\r\n"
            "\r\n");
  EXPECT_EQ(ReasonPhrase(415), "Unsupported Media Type");
  EXPECT_EQ(ReasonPhrase(429), "Too Many Requests");
  EXPECT_EQ(ReasonPhrase(204), "No Content");
  EXPECT_EQ(ReasonPhrase(403), "Forbidden");
}

}  // namespace
}  // namespace runnel::net

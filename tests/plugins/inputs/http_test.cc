// The http input through the real loader and registry, on a real socket, driven by the real
// curl: every body shape and encoding, every refusal with its exact answer and counter, TLS,
// keep-alive and pipelining, and the acknowledged semantics (no answer before the pipeline has
// the events; a full queue answers busy; a stop answers 503).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

#include "tests/plugins/inputs/http_test_util.h"
#include "tests/testing/http_client.h"
#include "tests/testing/tls_certs.h"

namespace runnel {
namespace {

using testing::CaptureEmitter;
using testing::Curl;
using testing::CurlReply;
using testing::HttpInputHarness;
using testing::kCurl;
using namespace std::chrono_literals;

#define REQUIRE_CURL()                                             \
  if (!testing::Installed(kCurl)) {                                \
    GTEST_SKIP() << "curl is not installed (Debian package curl)"; \
  }

using Fields = std::vector<std::pair<std::string, std::string>>;

class HttpInputTest : public ::testing::Test {
 protected:
  void Start(const std::string& config) {
    auto in = h_.Make(config);
    ASSERT_TRUE(in.has_value()) << in.error().ToString();
    input_ = std::move(*in);
    ASSERT_TRUE(input_->Start(emitter_).ok());
  }
  void TearDown() override {
    if (input_ != nullptr) {
      emitter_.set_stopping(true);
      input_->Stop();
      input_->OnDrained();
    }
  }
  std::string Url(const std::string& path) { return h_.Url(*input_, path); }

  HttpInputHarness h_;
  CaptureEmitter emitter_;
  std::unique_ptr<Input> input_;
};

TEST_F(HttpInputTest, AnObjectAnArrayAndNdjsonFromCurl) {
  REQUIRE_CURL();
  Start("");
  CurlReply one = Curl(h_.dir_, {"--data-binary", R"({"log":"one","n":1})", Url("/app.web")});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.headers["content-type"], "application/json");
  EXPECT_EQ(one.body, "{\"events\":1}\n");

  CurlReply array = Curl(h_.dir_, {"-H", "Content-Type: application/json", "--data-binary",
                                   R"([{"log":"a"},{"log":"b"},{"log":"c"}])", Url("/arr")});
  EXPECT_EQ(array.status, 200);
  EXPECT_EQ(array.body, "{\"events\":3}\n");

  const std::string nd = h_.File("events.ndjson", "{\"log\":\"x\"}\n{\"log\":\"y\"}\n\n");
  CurlReply ndjson = Curl(
      h_.dir_, {"-H", "Content-Type: application/x-ndjson", "--data-binary", "@" + nd, Url("/")});
  EXPECT_EQ(ndjson.status, 200);
  EXPECT_EQ(ndjson.body, "{\"events\":2}\n");

  std::vector<testing::CapturedBatch> batches = emitter_.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].tag, "app.web");
  EXPECT_EQ(batches[1].tag, "arr");
  EXPECT_EQ(batches[2].tag, "web");  // POST /: the input's name
  EXPECT_EQ(batches[0].events.at(0).fields, (Fields{{"log", "one"}, {"n", "<int>"}}));
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"one", "a", "b", "c", "x", "y"}));
  EXPECT_EQ(h_.Count("http_requests_total"), 3u);
  EXPECT_EQ(h_.Count("http_events_total"), 6u);
}

TEST_F(HttpInputTest, GzipAndZstdBodiesFromTheRealTools) {
  REQUIRE_CURL();
  if (!testing::Installed(testing::kZstdCli) || !testing::Installed(testing::kGzipCli)) {
    GTEST_SKIP() << "zstd or gzip is not installed (Debian packages zstd, gzip)";
  }
  Start("");
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text += "{\"log\":\"line " + std::to_string(i) + "\"}\n";
  }
  const std::string path = h_.File("events.ndjson", text);
  testing::CommandResult gz =
      testing::RunToExit({testing::kGzipCli, "-k", "-9", path}, "", h_.dir_);
  ASSERT_EQ(gz.status.ToString(), "exit 0") << gz.err;
  testing::CommandResult zst =
      testing::RunToExit({testing::kZstdCli, "-q", "-19", path, "-o", path + ".zst"}, "", h_.dir_);
  ASSERT_EQ(zst.status.ToString(), "exit 0") << zst.err;

  CurlReply g = Curl(
      h_.dir_, {"--data-binary", "@" + path + ".gz", "-H", "Content-Encoding: gzip", Url("/gz")});
  EXPECT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.body, "{\"events\":1000}\n");
  CurlReply z = Curl(h_.dir_, {"--data-binary", "@" + path + ".zst", "-H", "Content-Encoding: zstd",
                               "-H", "Content-Type: application/x-ndjson", Url("/zst")});
  EXPECT_EQ(z.status, 200) << z.body;
  EXPECT_EQ(z.body, "{\"events\":1000}\n");
  std::vector<std::string> logs = emitter_.Values();
  ASSERT_EQ(logs.size(), 2000u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(logs[i], "line " + std::to_string(i));
    ASSERT_EQ(logs[1000 + i], "line " + std::to_string(i));
  }
}

TEST_F(HttpInputTest, AChunkedUploadFromCurl) {
  REQUIRE_CURL();
  Start("");
  std::string text;
  for (int i = 0; i < 20'000; ++i) {  // ~400 KB: curl sends it in several chunks
    text += "{\"log\":\"c" + std::to_string(i) + "\"}\n";
  }
  const std::string path = h_.File("big.ndjson", text);
  CurlReply r = Curl(h_.dir_, {"-X", "POST", "-T", path, "-H", "Transfer-Encoding: chunked", "-H",
                               "Content-Type: application/x-ndjson", Url("/chunked")});
  EXPECT_EQ(r.status, 200) << r.body << r.err;
  EXPECT_EQ(r.body, "{\"events\":20000}\n");
  ASSERT_EQ(emitter_.event_count(), 20'000u);
  EXPECT_EQ(emitter_.Values().back(), "c19999");
}

TEST_F(HttpInputTest, EveryRefusalHasItsStatusReasonAndCounter) {
  REQUIRE_CURL();
  Start("path = \"/ingest\"\nmax_body_bytes = \"2KiB\"\n");
  const std::string url = Url("/ingest");
  const std::string structure = simdjson::error_message(simdjson::TAPE_ERROR);

  CurlReply bad = Curl(h_.dir_, {"--data-binary", "{\"a\":1}\n{\"a\" 2}\n", url});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "400 Bad Request: line 2: " + structure + "\n");

  CurlReply big =
      Curl(h_.dir_, {"--data-binary", "{\"log\":\"" + std::string(3000, 'x') + "\"}", url});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body, "413 Content Too Large: a request body larger than 2048 bytes\n");

  // 100 KB of zeros in a small gzip: refused when it decompresses past the limit.
  std::string bomb_text = "{\"log\":\"" + std::string(100'000, 'a') + "\"}";
  const std::string bomb = h_.File("bomb.json", bomb_text);
  ASSERT_EQ(testing::RunToExit({testing::kGzipCli, "-k", bomb}, "", h_.dir_).status.ToString(),
            "exit 0");
  CurlReply gz =
      Curl(h_.dir_, {"--data-binary", "@" + bomb + ".gz", "-H", "Content-Encoding: gzip", url});
  EXPECT_EQ(gz.status, 413);
  EXPECT_EQ(gz.body, "413 Content Too Large: the body decompresses to more than 2048 bytes\n");

  CurlReply corrupt =
      Curl(h_.dir_, {"--data-binary", "not gzip", "-H", "Content-Encoding: gzip", url});
  EXPECT_EQ(corrupt.status, 400);
  EXPECT_EQ(corrupt.body, "400 Bad Request: bad gzip data: incorrect header check\n");

  CurlReply br = Curl(h_.dir_, {"--data-binary", "{}", "-H", "Content-Encoding: br", url});
  EXPECT_EQ(br.status, 415);
  EXPECT_EQ(br.body,
            "415 Unsupported Media Type: Content-Encoding 'br' is not supported (gzip, deflate, "
            "zstd)\n");
  CurlReply xml = Curl(h_.dir_, {"--data-binary", "{}", "-H", "Content-Type: text/xml", url});
  EXPECT_EQ(xml.status, 415);
  EXPECT_EQ(xml.body,
            "415 Unsupported Media Type: Content-Type 'text/xml' is not supported "
            "(application/json, application/x-ndjson)\n");

  CurlReply other = Curl(h_.dir_, {"--data-binary", "{}", Url("/other")});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, "404 Not Found: POST events to /ingest\n");

  CurlReply get = Curl(h_.dir_, {url});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers["allow"], "POST");
  EXPECT_EQ(get.body, "405 Method Not Allowed: GET is not allowed; POST events\n");

  EXPECT_EQ(h_.Rejected("bad_body"), 2u);
  EXPECT_EQ(h_.Rejected("too_large"), 2u);
  EXPECT_EQ(h_.Rejected("unsupported"), 2u);
  EXPECT_EQ(h_.Rejected("not_found"), 1u);
  EXPECT_EQ(h_.Rejected("method"), 1u);
  EXPECT_EQ(h_.Count("http_requests_total"), 0u);
  EXPECT_EQ(emitter_.event_count(), 0u);
  // Still serving.
  CurlReply ok = Curl(h_.dir_, {"--data-binary", "{\"log\":\"fine\"}", url});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(emitter_.batches().at(0).tag, "web");
}

TEST_F(HttpInputTest, BearerTokenAndTagSources) {
  REQUIRE_CURL();
  Start("bearer_token = \"s3cret\"\ntag = \"fixed\"\ntag_header = \"X-Tag\"\n");
  CurlReply none = Curl(h_.dir_, {"--data-binary", "{}", Url("/")});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer realm=\"runnel\"");
  EXPECT_EQ(none.body, "401 Unauthorized: a bearer token is required\n");
  CurlReply wrong =
      Curl(h_.dir_, {"--data-binary", "{}", "-H", "Authorization: Bearer s3creT", Url("/")});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.headers["www-authenticate"], "Bearer realm=\"runnel\", error=\"invalid_token\"");
  EXPECT_EQ(wrong.body, "401 Unauthorized: the bearer token is not valid\n");
  CurlReply basic = Curl(h_.dir_, {"--data-binary", "{}", "-u", "a:b", Url("/")});
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(h_.Rejected("unauthorized"), 3u);

  const std::string auth = "Authorization: Bearer s3cret";
  CurlReply fixed = Curl(h_.dir_, {"--data-binary", "{\"log\":\"1\"}", "-H", auth, Url("/p")});
  EXPECT_EQ(fixed.status, 200);
  CurlReply header = Curl(h_.dir_, {"--data-binary", "{\"log\":\"2\"}", "-H", auth, "-H",
                                    "X-Tag: from.header", Url("/p")});
  EXPECT_EQ(header.status, 200);
  CurlReply bad_tag = Curl(h_.dir_, {"--data-binary", "{\"log\":\"3\"}", "-H", auth, "-H",
                                     "X-Tag: no spaces", Url("/p")});
  EXPECT_EQ(bad_tag.status, 400);
  EXPECT_EQ(bad_tag.body,
            "400 Bad Request: the tag 'no spaces' (from X-Tag) is not 1 to 256 letters, digits, "
            "'.', '_' and '-'\n");
  std::vector<testing::CapturedBatch> batches = emitter_.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].tag, "fixed");
  EXPECT_EQ(batches[1].tag, "from.header");
}

TEST_F(HttpInputTest, TlsWithCurlCacert) {
  REQUIRE_CURL();
  testing::TlsTestFiles certs = testing::MakeTlsTestFiles(h_.dir_.path());
  Start("tls.enabled = true\ntls.cert_file = \"" + certs.server_cert + "\"\ntls.key_file = \"" +
        certs.server_key + "\"\nsource_address_key = \"ip\"\n");
  CurlReply r = Curl(h_.dir_, {"--cacert", certs.ca_cert, "--data-binary", "{\"log\":\"secure\"}",
                               h_.Url(*input_, "/tls", true)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(emitter_.event_count(), 1u);
  EXPECT_EQ(emitter_.events()[0].fields, (Fields{{"log", "secure"}, {"ip", "127.0.0.1"}}));
  // Without the CA, curl refuses the server; plain HTTP gets no answer.
  CurlReply untrusted = Curl(h_.dir_, {"--data-binary", "{}", h_.Url(*input_, "/tls", true)});
  EXPECT_EQ(untrusted.exit_code, 60) << untrusted.err;  // CURLE_PEER_FAILED_VERIFICATION
  CurlReply plain = Curl(h_.dir_, {"--data-binary", "{}", Url("/tls")});
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_EQ(plain.status, 0);
  EXPECT_EQ(emitter_.event_count(), 1u);
}

TEST_F(HttpInputTest, MutualTlsWithCurlCert) {
  REQUIRE_CURL();
  testing::TlsTestFiles certs = testing::MakeTlsTestFiles(h_.dir_.path());
  Start("tls.enabled = true\ntls.cert_file = \"" + certs.server_cert + "\"\ntls.key_file = \"" +
        certs.server_key + "\"\ntls.ca_file = \"" + certs.ca_cert + "\"\ntls.verify_peer = true\n");
  const std::string url = h_.Url(*input_, "/mtls", true);
  CurlReply r = Curl(h_.dir_, {"--cacert", certs.ca_cert, "--cert", certs.client_cert, "--key",
                               certs.client_key, "--data-binary", "{\"log\":\"m\"}", url});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.status, 200);
  // No client certificate, or one from another CA: no answer, no event.
  CurlReply none = Curl(h_.dir_, {"--cacert", certs.ca_cert, "--data-binary", "{}", url});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_EQ(none.status, 0);
  CurlReply other = Curl(h_.dir_, {"--cacert", certs.ca_cert, "--cert", certs.other_client_cert,
                                   "--key", certs.other_client_key, "--data-binary", "{}", url});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_EQ(other.status, 0);
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"m"}));
}

TEST_F(HttpInputTest, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  Start("");
  testing::HttpConnection c(HttpInputHarness::PortOf(*input_));
  ASSERT_TRUE(c.connected());
  std::string requests;
  for (int i = 0; i < 3; ++i) {
    const std::string body = "{\"log\":\"p" + std::to_string(i) + "\"}";
    requests += "POST /pipe HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body;
  }
  requests += "HEAD /pipe HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "GET /pipe HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.Send(requests));
  for (int i = 0; i < 3; ++i) {
    testing::HttpReply r = c.Read();
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body, "{\"events\":1}\n");
    EXPECT_EQ(r.Header("connection"), "keep-alive");
  }
  testing::HttpReply head = c.Read(/*head=*/true);
  EXPECT_EQ(head.status, 405);
  EXPECT_EQ(head.body, "");
  testing::HttpReply get = c.Read();
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.body, "405 Method Not Allowed: GET is not allowed; POST events\n");
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"p0", "p1", "p2"}));
  // A request that cannot be framed is answered and closes the connection.
  ASSERT_TRUE(c.Send("POST /pipe HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n"));
  testing::HttpReply bad = c.Read();
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "400 Bad Request: bad Content-Length\n");
  EXPECT_TRUE(c.ClosedByPeer());
  EXPECT_EQ(h_.Rejected("bad_request"), 1u);
  EXPECT_EQ(h_.Count("http_connections_opened_total"), 1u);
}

// A chunked request with Expect: 100-continue, written a byte at a time: "100 Continue" once
// the headers are in, then the answer.
TEST_F(HttpInputTest, AChunkedRequestByteByByte) {
  Start("");
  testing::HttpConnection c(HttpInputHarness::PortOf(*input_));
  const std::string head =
      "POST /bytes HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (char ch : head) {
    ASSERT_TRUE(c.Send(std::string(1, ch)));
  }
  testing::HttpReply cont = c.Read(/*head=*/true);
  EXPECT_EQ(cont.status_line, "HTTP/1.1 100 Continue");
  const std::string body = "7\r\n{\"log\":\r\n5\r\n\"b1\"}\r\n0\r\n\r\n";
  for (char ch : body) {
    ASSERT_TRUE(c.Send(std::string(1, ch)));
  }
  testing::HttpReply r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"events\":1}\n");
  EXPECT_EQ(emitter_.Values(), (std::vector<std::string>{"b1"}));
}

// Garbage, idle and surplus connections are closed, counted, and the server keeps serving.
TEST_F(HttpInputTest, GarbageIdleAndSurplusConnections) {
  Start("idle_timeout = \"200ms\"\nmax_connections = 2\n");
  const uint16_t port = HttpInputHarness::PortOf(*input_);
  {
    testing::HttpConnection garbage(port);
    ASSERT_TRUE(
        garbage.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n"));
    testing::HttpReply r = garbage.Read();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(garbage.ClosedByPeer());
  }
  {
    testing::HttpConnection huge(port);
    ASSERT_TRUE(huge.Send("POST / HTTP/1.1\r\nHost: x\r\nX: " + std::string(20'000, 'a')));
    testing::HttpReply r = huge.Read();
    EXPECT_EQ(r.status, 431);
    EXPECT_EQ(r.body,
              "431 Request Header Fields Too Large: the request headers are larger than "
              "16384 bytes\n");
    EXPECT_TRUE(huge.ClosedByPeer());
  }
  ASSERT_TRUE(testing::PollUntil([&] { return h_.GaugeValue("http_connections_open") == 0; }));
  testing::HttpConnection idle(port);
  testing::HttpConnection second(port);
  ASSERT_TRUE(testing::PollUntil([&] { return h_.GaugeValue("http_connections_open") == 2; }));
  testing::HttpConnection third(port);  // one too many: accepted and closed
  EXPECT_TRUE(third.ClosedByPeer());
  EXPECT_TRUE(idle.ClosedByPeer());  // after idle_timeout
  EXPECT_TRUE(second.ClosedByPeer());
  ASSERT_TRUE(testing::PollUntil([&] { return h_.Count("http_idle_timeouts_total") == 2; }));
  EXPECT_EQ(h_.Rejected("bad_request"), 2u);
  testing::HttpConnection fine(port);
  ASSERT_TRUE(fine.Send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
  EXPECT_EQ(fine.Read().status, 200);
  EXPECT_EQ(emitter_.event_count(), 1u);
}

// The answer waits for the pipeline: nothing comes back while the events are held, 200 once
// they are acknowledged.
TEST_F(HttpInputTest, TheAnswerWaitsForTheAcknowledgement) {
  REQUIRE_CURL();
  emitter_.set_auto_ack(false);
  Start("");
  const std::string out = h_.dir_.Path("curl.out");
  auto curl =
      testing::Process::Spawn({.argv = {kCurl, "-sS", "-o", out, "-w", "%{http_code}",
                                        "--data-binary", "{\"log\":\"held\"}", Url("/held")},
                               .stdout_path = h_.dir_.Path("curl.code"),
                               .stderr_path = h_.dir_.Path("curl.err"),
                               .cwd = ""});
  ASSERT_TRUE(curl.has_value());
  ASSERT_TRUE(testing::PollUntil([&] { return emitter_.held() == 1; }));
  // Another request on another connection is answered meanwhile (the loop thread is free);
  // by then an early answer to the first would have been written.
  EXPECT_EQ(testing::HttpGet(HttpInputHarness::PortOf(*input_), "/x").status, 405);
  EXPECT_TRUE(curl->running());
  EXPECT_EQ(h_.Count("http_requests_total"), 0u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  auto status = curl->Wait(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->ToString(), "exit 0");
  EXPECT_EQ(testing::ReadFileOrEmpty(h_.dir_.Path("curl.code")), "200");
  EXPECT_EQ(testing::ReadFileOrEmpty(out), "{\"events\":1}\n");
  EXPECT_EQ(h_.Count("http_requests_total"), 1u);
}

// A full queue answers busy at once with Retry-After; the requests admitted are answered once
// the pipeline moves again.
TEST_F(HttpInputTest, AFullQueueAnswersBusyWithRetryAfter) {
  REQUIRE_CURL();
  emitter_.set_blocked(true);
  Start("max_queued_bytes = 1024\nbusy_status = \"429\"\nretry_after = \"2s\"\n");
  const std::string body = "{\"log\":\"" + std::string(600, 'q') + "\"}";
  auto background = [&](int i) {
    return testing::Process::Spawn(
        {.argv = {kCurl, "-sS", "-o", h_.dir_.Path("out" + std::to_string(i)), "-w", "%{http_code}",
                  "--data-binary", body, Url("/q")},
         .stdout_path = h_.dir_.Path("code" + std::to_string(i)),
         .stderr_path = "",
         .cwd = ""});
  };
  auto first = background(1);  // taken by the emitting thread, blocked in Emit
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(testing::PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  auto second = background(2);  // queued: an empty queue admits one request
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(testing::PollUntil([&] { return h_.GaugeValue("http_queued_requests") == 1; }));
  CurlReply busy = Curl(h_.dir_, {"--data-binary", body, Url("/q")});
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(busy.headers["retry-after"], "2");
  EXPECT_EQ(busy.body, "429 Too Many Requests: the pipeline is full; retry after 2s\n");
  EXPECT_EQ(h_.Rejected("busy"), 1u);
  emitter_.set_blocked(false);
  for (auto* p : {&*first, &*second}) {
    auto status = p->Wait(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->ToString(), "exit 0");
  }
  EXPECT_EQ(testing::ReadFileOrEmpty(h_.dir_.Path("code1")), "200");
  EXPECT_EQ(testing::ReadFileOrEmpty(h_.dir_.Path("code2")), "200");
  EXPECT_EQ(emitter_.event_count(), 2u);
}

// Stopping: a request in the pipeline and one queued are answered 503 (not taken), a new one
// too, and the connections close.
TEST_F(HttpInputTest, StoppingAnswers503) {
  emitter_.set_blocked(true);
  Start("");
  const uint16_t port = HttpInputHarness::PortOf(*input_);
  const std::string request =
      "POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"log\":\"s\"}";
  testing::HttpConnection a(port), b(port), idle(port);
  ASSERT_TRUE(a.Send(request));
  ASSERT_TRUE(testing::PollUntil([&] { return emitter_.blocked_emits() == 1; }));
  ASSERT_TRUE(b.Send(request));
  ASSERT_TRUE(testing::PollUntil([&] { return h_.GaugeValue("http_queued_requests") == 1; }));
  emitter_.set_stopping(true);
  input_->Stop();
  for (testing::HttpConnection* c : {&a, &b}) {
    testing::HttpReply r = c->Read();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.Header("retry-after"), "1");
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_EQ(r.body,
              "503 Service Unavailable: the pipeline stopped before taking the events; retry "
              "after 1s\n");
  }
  ASSERT_TRUE(idle.Send(request));
  testing::HttpReply late = idle.Read();
  EXPECT_EQ(late.status, 503);
  EXPECT_EQ(late.body, "503 Service Unavailable: the input is stopping; retry after 1s\n");
  EXPECT_EQ(h_.Rejected("cancelled"), 3u);
  input_->OnDrained();
  EXPECT_TRUE(a.ClosedByPeer());
  EXPECT_EQ(h_.Count("http_requests_total"), 0u);
}

// Between Stop and OnDrained the pipeline drains: a request whose events it holds still gets
// its 200 when they are acknowledged.
TEST_F(HttpInputTest, ARequestBeingDrainedGetsItsAnswer) {
  emitter_.set_auto_ack(false);
  Start("");
  testing::HttpConnection c(HttpInputHarness::PortOf(*input_));
  ASSERT_TRUE(c.Send("POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"log\":\"d\"}"));
  ASSERT_TRUE(testing::PollUntil([&] { return emitter_.held() == 1; }));
  input_->Stop();
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  testing::HttpReply r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"events\":1}\n");
  input_->OnDrained();
  EXPECT_TRUE(c.ClosedByPeer());
  EXPECT_EQ(h_.Count("http_requests_total"), 1u);
}

// 50 curl processes at once, each posting 4 requests of 50 events on one kept-alive
// connection: exactly 10,000 events arrive, each once, every answer 200.
TEST_F(HttpInputTest, FiftyConcurrentClients) {
  REQUIRE_CURL();
  Start("");
  constexpr int kClients = 50, kRequests = 4, kEvents = 50;
  std::vector<testing::Process> clients;
  for (int c = 0; c < kClients; ++c) {
    std::string text;
    for (int r = 0; r < kRequests; ++r) {
      for (int e = 0; e < kEvents; ++e) {
        text += "{\"log\":\"c" + std::to_string(c) + "-r" + std::to_string(r) + "-e" +
                std::to_string(e) + "\"}\n";
      }
      h_.File("c" + std::to_string(c) + "-" + std::to_string(r), text);
      text.clear();
    }
    // One curl, one connection: --next starts the next request (options do not carry over).
    std::vector<std::string> argv = {kCurl};
    for (int r = 0; r < kRequests; ++r) {
      if (r > 0) {
        argv.push_back("--next");
      }
      argv.insert(
          argv.end(),
          {"-sS", "-o", "/dev/null", "-w", "%{http_code}\\n", "--data-binary",
           "@" + h_.dir_.Path("c" + std::to_string(c) + "-" + std::to_string(r)), Url("/load")});
    }
    auto p = testing::Process::Spawn({.argv = argv,
                                      .stdout_path = h_.dir_.Path("codes" + std::to_string(c)),
                                      .stderr_path = h_.dir_.Path("err" + std::to_string(c)),
                                      .cwd = ""});
    ASSERT_TRUE(p.has_value());
    clients.push_back(std::move(*p));
  }
  for (int c = 0; c < kClients; ++c) {
    auto status = clients[c].Wait(120s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->ToString(), "exit 0")
        << testing::ReadFileOrEmpty(h_.dir_.Path("err" + std::to_string(c)));
    EXPECT_EQ(testing::ReadFileOrEmpty(h_.dir_.Path("codes" + std::to_string(c))),
              "200\n200\n200\n200\n");
  }
  std::vector<std::string> logs = emitter_.Values();
  ASSERT_EQ(logs.size(), size_t{kClients * kRequests * kEvents});
  std::sort(logs.begin(), logs.end());
  EXPECT_EQ(std::adjacent_find(logs.begin(), logs.end()), logs.end());  // each once
  std::vector<std::string> want;
  for (int c = 0; c < kClients; ++c) {
    for (int r = 0; r < kRequests; ++r) {
      for (int e = 0; e < kEvents; ++e) {
        want.push_back("c" + std::to_string(c) + "-r" + std::to_string(r) + "-e" +
                       std::to_string(e));
      }
    }
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(logs, want);
  EXPECT_EQ(h_.Count("http_requests_total"), uint64_t{kClients * kRequests});
  EXPECT_EQ(h_.Count("http_connections_opened_total"), uint64_t{kClients});  // kept alive
}

}  // namespace
}  // namespace runnel

// The common keys of the HTTP outputs (AddHttpFields / ParseHttpOptions), loaded from TOML by
// the real loader with a test output that declares them, ClassifyStatus and Retry-After.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "plugins/http_client/curl_request.h"
#include "plugins/http_client/http_output.h"
#include "runnel/registry.h"
#include "tests/testing/temp_dir.h"

namespace runnel::http_client {
namespace {

using std::chrono::milliseconds;

class HttpOptionsTest : public ::testing::Test {
 protected:
  HttpOptionsTest() {
    RegisterBuiltinPlugins(registry_);
    PluginInfo info;
    info.name = "httptest";
    info.kind = PluginKind::kOutput;
    info.description = "test";
    AddHttpFields(info.schema, HttpFieldDefaults{});
    info.create_output = [](const ConfigNode&, PluginContext&) -> Result<std::unique_ptr<Output>> {
      return Err(Internal("not created in this test"));
    };
    EXPECT_TRUE(registry_.Register(std::move(info)).ok());
  }
  Result<HttpOptions> Parse(const std::string& body) {
    const std::string path = dir_.Path("c.toml");
    FILE* f = std::fopen(path.c_str(), "w");
    const std::string toml =
        "[inputs.i]\ntype = \"generate\"\n[outputs.o]\ntype = \"httptest\"\n"
        "inputs = [\"i\"]\n" +
        body;
    std::fputs(toml.c_str(), f);
    std::fclose(f);
    config::ConfigLoadResult r = config::LoadConfig(path, registry_);
    if (!r.ok()) {
      return Err(InvalidArgument(r.ErrorText()));
    }
    return ParseHttpOptions(r.config.outputs.at(0));
  }
  std::string Error(const std::string& body) {
    Result<HttpOptions> o = Parse(body);
    return o.has_value() ? "parsed" : o.error().message();
  }

  testing::TempDir dir_;
  PluginRegistry registry_;
};

TEST_F(HttpOptionsTest, Defaults) {
  Result<HttpOptions> o = Parse("url = \"http://127.0.0.1:8080/in\"\n");
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_EQ(o->url, "http://127.0.0.1:8080/in");
  EXPECT_TRUE(o->headers.empty());
  EXPECT_EQ(o->compression, forward::Compression::kNone);
  EXPECT_EQ(o->timeout, milliseconds(30'000));
  EXPECT_EQ(o->connect_timeout, milliseconds(5'000));
  EXPECT_EQ(o->batch_max_events, 10'000u);
  EXPECT_EQ(o->batch_max_bytes, 4u << 20);
  EXPECT_EQ(o->batch_timeout, milliseconds(1'000));
  EXPECT_EQ(o->max_in_flight, 4u);
  EXPECT_EQ(o->retry_initial, milliseconds(200));
  EXPECT_EQ(o->retry_max, milliseconds(30'000));
  EXPECT_EQ(o->retry_limit, 0);
  EXPECT_TRUE(o->tls_verify_peer);
  EXPECT_TRUE(o->tls_verify_hostname);
}

TEST_F(HttpOptionsTest, EveryKey) {
  Result<HttpOptions> o = Parse(
      "url = \"https://logs.example:8443/in\"\nheaders = { \"X-Scope-OrgID\" = \"ops\" }\n"
      "auth.user = \"u\"\nauth.password = \"p\"\ncompression = \"zstd\"\n"
      "compression_level = 9\ntimeout = \"10s\"\nconnect_timeout = \"2s\"\n"
      "batch_max_events = 500\nbatch_max_bytes = \"1MiB\"\nbatch_timeout = \"250ms\"\n"
      "max_in_flight = 8\nretry_initial = \"1s\"\nretry_max = \"1m\"\nretry_limit = 5\n"
      "tls.ca_file = \"/ca.pem\"\ntls.cert_file = \"/c.pem\"\ntls.key_file = \"/k.pem\"\n"
      "tls.verify_peer = false\ntls.verify_hostname = false\n");
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_EQ(o->headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Scope-OrgID", "ops"}}));
  EXPECT_EQ(o->user, "u");
  EXPECT_EQ(o->password, "p");
  EXPECT_EQ(o->compression, forward::Compression::kZstd);
  EXPECT_EQ(o->compression_level, 9);
  EXPECT_EQ(o->timeout, milliseconds(10'000));
  EXPECT_EQ(o->connect_timeout, milliseconds(2'000));
  EXPECT_EQ(o->batch_max_events, 500u);
  EXPECT_EQ(o->batch_max_bytes, 1u << 20);
  EXPECT_EQ(o->batch_timeout, milliseconds(250));
  EXPECT_EQ(o->max_in_flight, 8u);
  EXPECT_EQ(o->retry_initial, milliseconds(1'000));
  EXPECT_EQ(o->retry_max, milliseconds(60'000));
  EXPECT_EQ(o->retry_limit, 5);
  EXPECT_EQ(o->tls_ca_file, "/ca.pem");
  EXPECT_EQ(o->tls_cert_file, "/c.pem");
  EXPECT_EQ(o->tls_key_file, "/k.pem");
  EXPECT_FALSE(o->tls_verify_peer);
  EXPECT_FALSE(o->tls_verify_hostname);
}

TEST_F(HttpOptionsTest, ErrorsNameTheKey) {
  EXPECT_EQ(Error("url = \"ftp://x/\"\n"),
            dir_.Path("c.toml") +
                ":6:7: outputs.o (httptest): key 'url': \"ftp://x/\" must start with http:// "
                "or https://");
  EXPECT_NE(Error("url = \"http:///x\"\n").find("key 'url': \"http:///x\" has no host"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\nheaders = { \"Bad Name\" = \"v\" }\n")
                .find("key 'headers': \"Bad Name\" is not a valid header name"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\nheaders = { \"Content-Encoding\" = \"br\" }\n")
                .find("key 'headers': \"Content-Encoding\" is set by the output itself"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\nauth.password = \"p\"\n")
                .find("key 'auth.password': needs auth.user"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\nauth.user = \"u\"\nauth.bearer_token = \"t\"\n")
                .find("key 'auth.bearer_token': cannot be used with auth.user"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\ncompression = \"gzip\"\ncompression_level = 12\n")
                .find("key 'compression_level': gzip takes 1 to 9"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\nretry_initial = \"5s\"\nretry_max = \"1s\"\n")
                .find("key 'retry_max': must not be shorter than retry_initial"),
            std::string::npos);
  EXPECT_NE(Error("url = \"http://h/\"\ntls.ca_file = \"/ca.pem\"\n")
                .find("key 'tls.ca_file': is set but url is not https://"),
            std::string::npos);
  EXPECT_NE(Error("url = \"https://h/\"\ntls.cert_file = \"/c.pem\"\n")
                .find("key 'tls.key_file': tls.cert_file and tls.key_file go together"),
            std::string::npos);
  EXPECT_NE(Error("").find("url"), std::string::npos);
}

TEST(ClassifyStatusTest, ReadsStatuses) {
  Response r;
  r.status = 204;
  EXPECT_EQ(ClassifyStatus(r).kind, Outcome::Kind::kDelivered);
  for (long retried : {408L, 429L, 500L, 503L}) {
    r.status = retried;
    r.body = "try later\n";
    r.retry_after = milliseconds(3'000);
    const Outcome o = ClassifyStatus(r);
    EXPECT_EQ(o.kind, Outcome::Kind::kRetry) << retried;
    EXPECT_EQ(o.reason, "HTTP " + std::to_string(retried) + ": try later");
    EXPECT_EQ(o.retry_after, milliseconds(3'000));
  }
  r = Response{};
  r.status = 400;
  r.body = "line one\nline two";
  const Outcome bad = ClassifyStatus(r);
  EXPECT_EQ(bad.kind, Outcome::Kind::kRejected);
  EXPECT_EQ(bad.reason, "HTTP 400: line one line two");
  r.body = std::string(500, 'x');
  EXPECT_EQ(ClassifyStatus(r).reason, "HTTP 400: " + std::string(200, 'x'));
  r.body.clear();
  EXPECT_EQ(ClassifyStatus(r).reason, "HTTP 400");
  r = Response{};
  r.error = "Connection refused";
  const Outcome none = ClassifyStatus(r);
  EXPECT_EQ(none.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(none.reason, "Connection refused");
}

TEST(RetryAfterTest, SecondsAndDates) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // 06 Nov 1994 08:49:37
  EXPECT_EQ(ParseRetryAfter("120", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now), milliseconds(30'000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:00 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("soon", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("", now), milliseconds(0));
}

}  // namespace
}  // namespace runnel::http_client

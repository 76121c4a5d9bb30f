// The http input's configuration through the real loader: defaults, every key read back, and
// the errors of keys that the schema alone cannot check, each exact and positioned.
#include "plugins/inputs/http/http_config.h"

#include <gtest/gtest.h>

#include "tests/testing/load_config.h"
#include "tests/testing/tls_certs.h"

namespace runnel::plugins::http_input {
namespace {

using testing::LoadToml;
using testing::TempDir;

Result<HttpConfig> Parse(const TempDir& dir, const std::string& body) {
  auto cfg = LoadToml(dir, "[inputs.web]\ntype = \"http\"\n" + body +
                               "[outputs.o]\ntype = \"null\"\ninputs = [\"web\"]\n");
  if (!cfg.has_value()) {
    return Err(cfg.error());
  }
  return ParseHttpConfig(cfg->inputs.at(0), "inputs.web");
}

TEST(HttpConfigTest, Defaults) {
  TempDir dir;
  Result<HttpConfig> c = Parse(dir, "");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->host, "0.0.0.0");
  EXPECT_EQ(c->port, 9880);
  EXPECT_EQ(c->path, "");
  EXPECT_EQ(c->tag, "");
  EXPECT_EQ(c->default_tag, "web");
  EXPECT_FALSE(c->time_format.has_value());
  EXPECT_EQ(c->max_body_bytes, 8u << 20);
  EXPECT_EQ(c->max_header_bytes, 16u << 10);
  EXPECT_EQ(c->max_queued_bytes, 64u << 20);
  EXPECT_EQ(c->busy_status, 503);
  EXPECT_EQ(c->retry_after, std::chrono::seconds(1));
  EXPECT_EQ(c->idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c->max_connections, 1024u);
  EXPECT_EQ(c->tls, nullptr);
}

TEST(HttpConfigTest, EveryKeyIsReadBack) {
  TempDir dir;
  testing::TlsTestFiles certs = testing::MakeTlsTestFiles(dir.path());
  Result<HttpConfig> c =
      Parse(dir,
            "host = \"127.0.0.1\"\nport = 8080\npath = \"/ingest\"\ntag = \"t\"\n"
            "tag_header = \"X-Tag\"\ntime_key = \"ts\"\ntime_format = \"unix_ms\"\n"
            "time_keep = false\nsource_address_key = \"ip\"\nbearer_token = \"k\"\n"
            "max_body_bytes = \"1MiB\"\nmax_header_bytes = \"4KiB\"\nmax_queued_bytes = \"2MiB\"\n"
            "busy_status = \"429\"\nretry_after = \"1500ms\"\nidle_timeout = \"5s\"\n"
            "max_connections = 7\ntls.enabled = true\ntls.cert_file = \"" +
                certs.server_cert + "\"\ntls.key_file = \"" + certs.server_key + "\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->path, "/ingest");
  EXPECT_EQ(c->tag, "t");
  EXPECT_EQ(c->tag_header, "X-Tag");
  EXPECT_EQ(c->time_key, "ts");
  ASSERT_TRUE(c->time_format.has_value());
  EXPECT_EQ(c->time_format->kind(), parse::TimeFormat::Kind::kUnixMs);
  EXPECT_FALSE(c->time_keep);
  EXPECT_EQ(c->source_address_key, "ip");
  EXPECT_EQ(c->bearer_token, "k");
  EXPECT_EQ(c->max_body_bytes, 1u << 20);
  EXPECT_EQ(c->max_header_bytes, 4u << 10);
  EXPECT_EQ(c->max_queued_bytes, 2u << 20);
  EXPECT_EQ(c->busy_status, 429);
  EXPECT_EQ(c->retry_after, std::chrono::seconds(2));  // rounded up
  EXPECT_EQ(c->idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->max_connections, 7u);
  EXPECT_NE(c->tls, nullptr);
}

TEST(HttpConfigTest, Errors) {
  TempDir dir;
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"path = \"ingest\"\n", "key 'path': must be a path starting with '/', without query"},
      {"path = \"/a?b\"\n", "key 'path': must be a path starting with '/', without query"},
      {"tag = \"\"\n", "key 'tag': must not be empty"},
      {"tag_header = \"X Tag\"\n", "key 'tag_header': must be a header name"},
      {"time_format = \"unix\"\n",
       "key 'time_format': needs time_key (the field that holds the time)"},
      {"time_key = \"t\"\ntime_format = \"%H\"\n", "key 'time_format': "},
      {"bearer_token = \"\"\n", "key 'bearer_token': must not be empty"},
      {"busy_status = \"500\"\n", "busy_status"},
      {"tls.enabled = true\n", "tls"},
  };
  for (const Case& c : cases) {
    Result<HttpConfig> r = Parse(dir, c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_NE(r.error().message().find(c.error), std::string::npos)
        << c.body << " -> " << r.error().message();
    EXPECT_NE(r.error().message().find("inputs.web"), std::string::npos) << r.error().message();
  }
}

TEST(HttpConfigTest, Tags) {
  EXPECT_TRUE(ValidTag("app.web-1_x"));
  EXPECT_TRUE(ValidTag(std::string(256, 'a')));
  EXPECT_FALSE(ValidTag(std::string(257, 'a')));
  EXPECT_FALSE(ValidTag(""));
  EXPECT_FALSE(ValidTag("a/b"));
  EXPECT_FALSE(ValidTag("a b"));
  EXPECT_FALSE(ValidTag("a%20b"));
}

}  // namespace
}  // namespace runnel::plugins::http_input

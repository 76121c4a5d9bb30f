#include "runnel/net/tls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "config/diagnostic.h"
#include "config/fields.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace runnel::net {
namespace {

using ::testing::HasSubstr;

class TlsConfigTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::TlsTestFiles files_ = testing::MakeTlsTestFiles(dir_.path());

  TlsConfig Server() {
    TlsConfig c = TlsConfig::Defaults(TlsRole::kServer);
    c.enabled = true;
    c.cert_file = files_.server_cert;
    c.key_file = files_.server_key;
    return c;
  }
};

TEST_F(TlsConfigTest, ValidServerAndClientContexts) {
  auto server = TlsContext::Create(Server(), TlsRole::kServer);
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  EXPECT_EQ((*server)->role(), TlsRole::kServer);
  TlsConfig client = TlsConfig::Defaults(TlsRole::kClient);
  client.enabled = true;
  client.ca_file = files_.ca_cert;
  client.cert_file = files_.client_cert;
  client.key_file = files_.client_key;
  auto ctx = TlsContext::Create(client, TlsRole::kClient);
  ASSERT_TRUE(ctx.has_value()) << ctx.error().ToString();
}

TEST_F(TlsConfigTest, MissingFileIsNamed) {
  TlsConfig c = Server();
  c.cert_file = dir_.Path("nope.pem");
  auto ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_EQ(ctx.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ctx.error().message(),
            "tls.cert_file '" + dir_.Path("nope.pem") + "': No such file or directory");
}

TEST_F(TlsConfigTest, KeyNotMatchingCertificate) {
  TlsConfig c = Server();
  c.key_file = files_.client_key;
  auto ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_EQ(ctx.error().message(), "tls.key_file '" + files_.client_key +
                                       "': does not match the certificate in tls.cert_file '" +
                                       files_.server_cert + "'");
}

TEST_F(TlsConfigTest, BadPemIsNamed) {
  TlsConfig c = Server();
  c.cert_file = files_.garbage;
  auto ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_THAT(ctx.error().message(),
              HasSubstr("tls.cert_file '" + files_.garbage + "': not a PEM certificate"));

  c = Server();
  c.key_file = files_.garbage;
  ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_THAT(ctx.error().message(),
              HasSubstr("tls.key_file '" + files_.garbage + "': not a PEM private key"));

  c = Server();
  c.verify_peer = true;
  c.ca_file = files_.garbage;
  ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_THAT(ctx.error().message(), HasSubstr("tls.ca_file '" + files_.garbage + "'"));
}

TEST_F(TlsConfigTest, InconsistentOptions) {
  TlsConfig c = Server();
  c.cert_file.clear();
  c.key_file.clear();
  auto ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_EQ(ctx.error().message(), "a TLS server needs tls.cert_file and tls.key_file");

  c = Server();
  c.verify_peer = true;  // mTLS without a CA to check client certificates against
  ctx = TlsContext::Create(c, TlsRole::kServer);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_THAT(ctx.error().message(), HasSubstr("needs tls.ca_file"));

  TlsConfig client = TlsConfig::Defaults(TlsRole::kClient);
  client.enabled = true;
  client.cert_file = files_.client_cert;  // without key_file
  ctx = TlsContext::Create(client, TlsRole::kClient);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_EQ(ctx.error().message(), "tls.cert_file is set but tls.key_file is not");
}

TEST_F(TlsConfigTest, SchemaFieldsAndParse) {
  Schema server;
  AddTlsFields(server, TlsRole::kServer);
  ASSERT_NE(server.Find("tls.enabled"), nullptr);
  ASSERT_NE(server.Find("tls.verify_peer"), nullptr);
  EXPECT_EQ(server.Find("tls.verify_peer")->default_value, "false");
  EXPECT_EQ(server.Find("tls.server_name"), nullptr);
  Schema client;
  AddTlsFields(client, TlsRole::kClient);
  EXPECT_EQ(client.Find("tls.verify_peer")->default_value, "true");
  ASSERT_NE(client.Find("tls.server_name"), nullptr);

  ConfigNode node("outputs", "agg", "forward", {});
  node.Set("tls.enabled", {true, {}});
  node.Set("tls.cert_file", {std::string(), {}});
  node.Set("tls.key_file", {std::string(), {}});
  node.Set("tls.ca_file", {files_.ca_cert, {}});
  node.Set("tls.verify_peer", {true, {}});
  node.Set("tls.verify_hostname", {true, {}});
  node.Set("tls.server_name", {std::string("aggregators.internal"), {}});
  node.Set("tls.min_version", {std::string("1.3"), {}});
  auto parsed = ParseTlsConfig(node, TlsRole::kClient);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->enabled);
  EXPECT_EQ(parsed->server_name, "aggregators.internal");
  EXPECT_EQ(parsed->min_version, TlsVersion::kTls13);

  node.Set("tls.verify_peer", {false, {}});  // verify_hostname without verify_peer
  parsed = ParseTlsConfig(node, TlsRole::kClient);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(parsed.error().message(), HasSubstr("tls.verify_hostname needs tls.verify_peer"));
}

// The loader reads the dotted keys written either way TOML allows.
TEST_F(TlsConfigTest, LoaderReadsDottedKeysAndSubTables) {
  Schema schema;
  schema.Required("servers", FieldType::kStringList, "servers");
  AddTlsFields(schema, TlsRole::kClient);
  for (const char* text : {
           "servers = [\"a:1\"]\ntls.enabled = true\ntls.server_name = \"agg\"\n",
           "servers = [\"a:1\"]\n[tls]\nenabled = true\nserver_name = \"agg\"\n",
       }) {
    toml::table table = toml::parse(text);
    ConfigNode node("outputs", "agg", "forward", {});
    config::DiagnosticSink sink;
    config::ValidateFields(table, schema, {}, {}, "outputs.agg", "forward", node, sink);
    ASSERT_EQ(sink.error_count(), 0u) << sink.errors()[0].message;
    auto parsed = ParseTlsConfig(node, TlsRole::kClient);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    EXPECT_TRUE(parsed->enabled);
    EXPECT_EQ(parsed->server_name, "agg");
    EXPECT_TRUE(parsed->verify_peer);  // the default
  }
  toml::table table = toml::parse("servers = [\"a:1\"]\ntls.enabeld = true\n");
  ConfigNode node("outputs", "agg", "forward", {});
  config::DiagnosticSink sink;
  config::ValidateFields(table, schema, {}, {}, "outputs.agg", "forward", node, sink);
  ASSERT_EQ(sink.error_count(), 1u);
  EXPECT_EQ(sink.errors()[0].message, "unknown key 'tls.enabeld'");
  EXPECT_EQ(sink.errors()[0].hint, "did you mean 'tls.enabled'?");
}

}  // namespace
}  // namespace runnel::net

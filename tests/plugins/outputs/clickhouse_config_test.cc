// The clickhouse output's configuration through the real loader: defaults, the mapping, and
// errors that name the key.
#include "plugins/outputs/clickhouse/clickhouse_config.h"

#include <gtest/gtest.h>

#include "tests/testing/load_config.h"

namespace runnel::plugins::clickhouse {
namespace {

using testing::LoadToml;
using testing::TempDir;

class ClickHouseConfigTest : public ::testing::Test {
 protected:
  Result<ClickHouseConfig> Parse(const std::string& body) {
    auto cfg = LoadToml(dir_,
                        "[inputs.i]\ntype = \"generate\"\n[outputs.ch]\ntype = "
                        "\"clickhouse\"\ninputs = [\"i\"]\n" +
                            body);
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    return ParseClickHouseConfig(cfg->outputs.at(0));
  }
  std::string Error(const std::string& body) {
    Result<ClickHouseConfig> c = Parse(body);
    if (c.has_value()) {
      return "parsed";
    }
    std::string m = c.error().message();
    const std::string dir = dir_.path() + "/";
    return m.starts_with(dir) ? m.substr(dir.size()) : m;
  }
  TempDir dir_;
};

TEST_F(ClickHouseConfigTest, Defaults) {
  Result<ClickHouseConfig> c = Parse("table = \"logs\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->table, "logs");
  EXPECT_EQ(c->database, "default");
  EXPECT_TRUE(c->columns.empty());
  EXPECT_EQ(c->time_column, "timestamp");
  EXPECT_EQ(c->time_format, TimeFormat::kAuto);
  EXPECT_TRUE(c->settings.empty());
  EXPECT_TRUE(c->dedupe_token);
  EXPECT_TRUE(c->require_server);
  EXPECT_EQ(c->http.url, "http://127.0.0.1:8123");
  EXPECT_EQ(c->http.compression, forward::Compression::kNone);
}

TEST_F(ClickHouseConfigTest, EverythingSet) {
  Result<ClickHouseConfig> c = Parse(
      "url = \"https://ch.internal:8443\"\ntable = \"events\"\ndatabase = \"app\"\n"
      "columns = { message = \"log\", host = \"hostname\", level = \"log\" }\n"
      "time_column = \"ts\"\ntime_format = \"milliseconds\"\n"
      "settings = { async_insert = \"1\", wait_for_async_insert = \"1\" }\n"
      "dedupe_token = false\nrequire_server = false\ncompression = \"gzip\"\n"
      "auth.user = \"writer\"\nauth.password = \"secret\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->database, "app");
  EXPECT_EQ(c->columns, (std::vector<std::pair<std::string, std::string>>{
                            {"message", "log"}, {"host", "hostname"}, {"level", "log"}}));
  EXPECT_EQ(c->time_column, "ts");
  EXPECT_EQ(c->time_format, TimeFormat::kMilliseconds);
  EXPECT_EQ(c->settings, (std::vector<std::pair<std::string, std::string>>{
                             {"async_insert", "1"}, {"wait_for_async_insert", "1"}}));
  EXPECT_FALSE(c->dedupe_token);
  EXPECT_FALSE(c->require_server);
  EXPECT_EQ(c->http.compression, forward::Compression::kGzip);
  EXPECT_EQ(c->http.user, "writer");
  EXPECT_EQ(c->http.password, "secret");
}

TEST_F(ClickHouseConfigTest, ErrorsNameTheKey) {
  // Lines 1-5 are the preamble of Parse; the body starts on line 6.
  EXPECT_EQ(Error("table = \"\"\n"),
            "config.toml:6:9: outputs.ch (clickhouse): key 'table': must not be empty");
  EXPECT_EQ(Error("table = \"t\"\ndatabase = \"\"\n"),
            "config.toml:7:12: outputs.ch (clickhouse): key 'database': must not be empty");
  EXPECT_EQ(Error("table = \"t\"\ncolumns = {}\n"),
            "config.toml:7:11: outputs.ch (clickhouse): key 'columns': maps no column; leave it "
            "out to write every field");
  EXPECT_EQ(Error("table = \"t\"\ncolumns = { timestamp = \"time\" }\n"),
            "config.toml:7:11: outputs.ch (clickhouse): key 'columns': maps \"timestamp\", which "
            "is time_column; map it to the event time with time_column only");
  EXPECT_EQ(Error("table = \"t\"\nsettings = { \"a b\" = \"1\" }\n"),
            "config.toml:7:12: outputs.ch (clickhouse): key 'settings': \"a b\" is not a setting "
            "name (letters, digits and '_')");
  EXPECT_EQ(Error("table = \"t\"\nsettings = { query = \"DROP\" }\n"),
            "config.toml:7:12: outputs.ch (clickhouse): key 'settings': \"query\" is set by the "
            "output itself");
  EXPECT_NE(Error("").find("table"), std::string::npos) << Error("");
  EXPECT_NE(Error("table = \"t\"\ntime_format = \"iso\"\n").find("time_format"), std::string::npos);
  EXPECT_NE(Error("table = \"t\"\ncompression = \"zstd\"\n").find("compression"), std::string::npos)
      << Error("table = \"t\"\ncompression = \"zstd\"\n");
}

}  // namespace
}  // namespace runnel::plugins::clickhouse

// The kafka input's and output's configuration through the real loader: defaults, the
// librdkafka properties they become, and the errors of keys, each exact and naming the key.

#include "plugins/inputs/kafka/kafka_config.h"

#include "gtest/gtest.h"
#include "plugins/outputs/kafka/kafka_config.h"
#include "tests/testing/load_config.h"

namespace runnel::plugins {
namespace {

using testing::LoadToml;
using testing::TempDir;

Result<kafka_output::KafkaOutputConfig> ParseOutput(const TempDir& dir, const std::string& body) {
  auto cfg = LoadToml(dir,
                      "[inputs.g]\ntype = \"generate\"\n[outputs.k]\ntype = \"kafka\"\n"
                      "inputs = [\"g\"]\n" +
                          body);
  if (!cfg.has_value()) {
    return Err(cfg.error());
  }
  return kafka_output::ParseKafkaOutputConfig(cfg->outputs.at(0));
}

Result<kafka_input::KafkaInputConfig> ParseInput(const TempDir& dir, const std::string& body) {
  auto cfg = LoadToml(dir, "[inputs.k]\ntype = \"kafka\"\n" + body +
                               "[outputs.o]\ntype = \"null\"\ninputs = [\"k\"]\n");
  if (!cfg.has_value()) {
    return Err(cfg.error());
  }
  return kafka_input::ParseKafkaInputConfig(cfg->inputs.at(0));
}

std::string Error(const Status& s) {
  // Without the "file:line:col: " prefix.
  const std::string& m = s.message();
  size_t at = m.find(": outputs.");
  if (at == std::string::npos) {
    at = m.find(": inputs.");
  }
  return at == std::string::npos ? m : m.substr(at + 2);
}

TEST(KafkaOutputConfigTest, DefaultsBecomeTheseProperties) {
  TempDir dir;
  auto c = ParseOutput(dir, "brokers = [\"k1:9092\", \"k2:9092\"]\ntopic = \"logs\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->topic, "logs");
  EXPECT_EQ(c->format, kafka_output::Format::kJson);
  EXPECT_EQ(c->time_key, "time");
  const std::vector<kafka::Property> expect = {
      {"acks", "-1", "acks"},
      {"enable.idempotence", "true", "idempotence"},
      {"compression.codec", "lz4", "compression"},
      {"linger.ms", "5", "linger"},
      {"batch.size", "1000000", "batch_bytes"},
      {"queue.buffering.max.kbytes", "65536", "max_queued_bytes"},
      {"queue.buffering.max.messages", "100000", "max_queued_messages"},
      {"message.timeout.ms", "0", "message_timeout"},
      {"message.max.bytes", "1000000", "message_max_bytes"},
      {"bootstrap.servers", "k1:9092,k2:9092", "brokers"},
      {"client.id", "runnel", "client_id"},
      {"security.protocol", "plaintext", "tls.enabled"},
  };
  EXPECT_EQ(c->Properties(), expect);
}

TEST(KafkaOutputConfigTest, TlsSaslAndPassthrough) {
  TempDir dir;
  auto c = ParseOutput(dir,
                       "brokers = [\"k1:9093\"]\ntopic = \"logs\"\ntls.enabled = true\n"
                       "tls.ca_file = \"/etc/ca.pem\"\ntls.verify_hostname = false\n"
                       "sasl.mechanism = \"SCRAM-SHA-512\"\nsasl.username = \"u\"\n"
                       "sasl.password = \"p\"\nlibrdkafka = { \"linger.ms\" = \"50\" }\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  const std::vector<kafka::Property> expect = {
      {"bootstrap.servers", "k1:9093", "brokers"},
      {"client.id", "runnel", "client_id"},
      {"security.protocol", "sasl_ssl", "tls.enabled"},
      {"ssl.ca.location", "/etc/ca.pem", "tls.ca_file"},
      {"ssl.endpoint.identification.algorithm", "none", "tls.verify_hostname"},
      {"sasl.mechanisms", "SCRAM-SHA-512", "sasl.mechanism"},
      {"sasl.username", "u", "sasl.username"},
      {"sasl.password", "p", "sasl.password"},
      {"linger.ms", "50", "librdkafka"},
  };
  EXPECT_EQ(c->connection.properties, expect);
}

TEST(KafkaOutputConfigTest, ErrorsNameTheKey) {
  TempDir dir;
  const std::string base = "brokers = [\"k:9092\"]\ntopic = \"logs\"\n";
  struct Case {
    std::string body;
    std::string error;
  } cases[] = {
      {"brokers = []\ntopic = \"t\"\n",
       "outputs.k (kafka): key 'brokers': lists no broker; give at least one \"host:port\""},
      {"brokers = [\"a:1,b:2\"]\ntopic = \"t\"\n",
       "outputs.k (kafka): key 'brokers': \"a:1,b:2\" is not one \"host:port\""},
      {base + "librdkafka = { \"linger.mss\" = \"5\" }\n",
       "outputs.k (kafka): key 'librdkafka': \"linger.mss\": No such configuration property: "
       "\"linger.mss\""},
      {base + "librdkafka = { \"linger.ms\" = \"soon\" }\n",
       "outputs.k (kafka): key 'librdkafka': \"linger.ms\": Invalid value for configuration "
       "property \"queue.buffering.max.ms\""},
      {base + "acks = \"1\"\n",
       "outputs.k (kafka): key 'acks': \"1\" needs idempotence = false (an idempotent producer "
       "waits for all in-sync replicas)"},
      {base + "tls.ca_file = \"/x\"\n",
       "outputs.k (kafka): key 'tls.ca_file': needs tls.enabled = true"},
      {base + "sasl.username = \"u\"\n",
       "outputs.k (kafka): key 'sasl.username': needs sasl.mechanism"},
      {base + "key_field = \"\"\n",
       "outputs.k (kafka): key 'key_field': must not be empty; leave it out instead"},
      {"brokers = [\"k:9092\"]\ntopic = \"\"\n",
       "outputs.k (kafka): key 'topic': must not be empty"},
  };
  for (const Case& c : cases) {
    auto r = ParseOutput(dir, c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(Error(r.error()), c.error) << c.body;
  }
}

TEST(KafkaInputConfigTest, DefaultsAndProperties) {
  TempDir dir;
  auto c = ParseInput(dir, "brokers = [\"k:9092\"]\ngroup_id = \"aggs\"\ntopics = [\"logs\"]\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->format, kafka_input::Format::kJson);
  EXPECT_EQ(c->message_key, "message");
  EXPECT_EQ(c->batch_max_events, 1000u);
  EXPECT_EQ(c->batch_timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(c->max_unacked_batches, 16u);
  EXPECT_EQ(c->max_unacked_bytes, 64u << 20);
  const std::vector<kafka::Property> expect = {
      {"group.id", "aggs", "group_id"},
      {"auto.offset.reset", "earliest", "start"},
      {"enable.auto.commit", "false", "group_id"},
      {"enable.auto.offset.store", "false", "group_id"},
      {"bootstrap.servers", "k:9092", "brokers"},
      {"client.id", "runnel", "client_id"},
      {"security.protocol", "plaintext", "tls.enabled"},
  };
  EXPECT_EQ(c->Properties(), expect);
}

TEST(KafkaInputConfigTest, ErrorsNameTheKey) {
  TempDir dir;
  struct Case {
    std::string body;
    std::string error;
  } cases[] = {
      {"brokers = [\"k:9092\"]\ngroup_id = \"\"\ntopics = [\"t\"]\n",
       "inputs.k (kafka): key 'group_id': must not be empty"},
      {"brokers = [\"k:9092\"]\ngroup_id = \"g\"\ntopics = []\n",
       "inputs.k (kafka): key 'topics': lists no topic"},
      {"brokers = [\"k:9092\"]\ngroup_id = \"g\"\ntopics = [\"t\"]\noffset_field = \"\"\n",
       "inputs.k (kafka): key 'offset_field': must not be empty; leave it out instead"},
      {"brokers = [\"k:9092\"]\ngroup_id = \"g\"\ntopics = [\"t\"]\n"
       "librdkafka = { \"session.timeout.ms\" = \"0\" }\n",
       "inputs.k (kafka): key 'librdkafka': \"session.timeout.ms\": Configuration property "
       "\"session.timeout.ms\" value 0 is outside allowed range 1..3600000"},
  };
  for (const Case& c : cases) {
    auto r = ParseInput(dir, c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(Error(r.error()), c.error) << c.body;
  }
}

}  // namespace
}  // namespace runnel::plugins

#pragma once
// Configuration of the kafka output: where messages go (topic, topic_field, key_field), what a
// message holds (format, time, headers), and the producer's delivery settings, which become
// librdkafka properties (Properties()) before the connection's own and the `librdkafka`
// passthrough.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "plugins/kafka_client/kafka_conf.h"
#include "runnel/config_node.h"
#include "runnel/json_writer.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::kafka_output {

enum class Format { kJson, kMsgpack };

struct KafkaOutputConfig {
  kafka::Connection connection;
  std::string topic;        // the topic, or the fallback of topic_field
  std::string topic_field;  // empty: every message goes to `topic`
  std::string key_field;    // empty: no key (librdkafka spreads messages over partitions)
  Format format = Format::kJson;
  std::string time_key = "time";  // json only; "" leaves the time out
  JsonTimeFormat time_format = JsonTimeFormat::kRfc3339;
  std::vector<std::pair<std::string, std::string>> headers;  // added to every message
  std::string tag_header;                                    // empty: the batch's tag is not sent
  std::string acks = "all";
  bool idempotence = true;
  std::string compression = "lz4";
  std::chrono::milliseconds linger{5};
  uint64_t batch_bytes = 1'000'000;
  uint64_t max_queued_bytes = 64ull << 20;
  int64_t max_queued_messages = 100'000;
  std::chrono::milliseconds message_timeout{0};  // 0: retried until delivered
  uint64_t message_max_bytes = 1'000'000;

  // The producer's librdkafka properties from the settings above, then the connection's.
  std::vector<kafka::Property> Properties() const;
};

Schema KafkaOutputSchema();
// InvalidArgument naming the key: see the schema; acks other than "all" with idempotence.
Result<KafkaOutputConfig> ParseKafkaOutputConfig(const ConfigNode& node);

}  // namespace runnel::plugins::kafka_output

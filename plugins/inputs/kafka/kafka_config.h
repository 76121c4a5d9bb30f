#pragma once
// Configuration of the kafka input: the consumer group and its topics, how a message becomes
// an event (format, the fields added from its metadata), batching and the bound on what is
// emitted and not yet acknowledged.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "plugins/kafka_client/kafka_conf.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::kafka_input {

enum class Format { kJson, kMsgpack, kRaw };

struct KafkaInputConfig {
  kafka::Connection connection;
  std::string group_id;
  std::vector<std::string> topics;
  std::string start = "earliest";  // auto.offset.reset for a group without a committed offset
  Format format = Format::kJson;
  std::string message_key = "message";
  std::string time_key = "time";  // json and msgpack maps: an RFC 3339 time taken as the event's
  std::string key_field;          // empty: not added
  std::string topic_field;
  std::string partition_field;
  std::string offset_field;
  uint32_t batch_max_events = 1000;
  std::chrono::milliseconds batch_timeout{200};
  uint32_t max_unacked_batches = 16;
  uint64_t max_unacked_bytes = 64ull << 20;

  // The consumer's librdkafka properties, then the connection's.
  std::vector<kafka::Property> Properties() const;
};

Schema KafkaInputSchema();
// InvalidArgument naming the key: an empty group_id, no topic, an empty field name.
Result<KafkaInputConfig> ParseKafkaInputConfig(const ConfigNode& node);

}  // namespace runnel::plugins::kafka_input

#include "kafka_config.h"

#include <algorithm>

namespace runnel::plugins::kafka_output {

Schema KafkaOutputSchema() {
  Schema s;
  kafka::AddConnectionFields(s);
  s.Required("topic", FieldType::kString,
             "The topic every message goes to; with topic_field, the topic of events that do "
             "not have that field.")
      .OptionalNoDefault("topic_field", FieldType::kString,
                         "A top-level field whose string value names each event's topic.")
      .OptionalNoDefault("key_field", FieldType::kString,
                         "A top-level field whose value is the message key (strings as they "
                         "are, other values as JSON text): events with the same key go to the "
                         "same partition, in order. Without it messages have no key.")
      .Enum("format", {"json", "msgpack"}, "\"json\"",
            "The message value: the record as one JSON object (the time under time_key), or "
            "the event as msgpack [EventTime, {record}] exactly as runnel carries it (the "
            "kafka input reads both).")
      .Optional("time_key", FieldType::kString, "\"time\"",
                "json: the key under which the event time is written first; \"\" leaves it "
                "out. A record that has this field keeps its own value.")
      .Enum("time_format", {"rfc3339", "unix", "unix_ms"}, "\"rfc3339\"",
            "json: the event time as RFC 3339 text with nanoseconds (UTC), seconds as a "
            "decimal number, or integer milliseconds.")
      .OptionalNoDefault("headers", FieldType::kStringMap,
                         "Headers added to every message, e.g. { source = \"web\" }.")
      .OptionalNoDefault("tag_header", FieldType::kString,
                         "A header of this name carries each batch's tag (its input's name).")
      .Enum("acks", {"all", "1", "0"}, "\"all\"",
            "How many replicas must have a message before it counts as delivered (acks): "
            "all in-sync replicas, the leader only, or none. Anything but all needs "
            "idempotence = false and may lose messages when a leader fails.")
      .Optional("idempotence", FieldType::kBool, "true",
                "enable.idempotence: a message retried by the producer is written once, in "
                "order.")
      .Enum("compression", {"none", "gzip", "snappy", "lz4", "zstd"}, "\"lz4\"",
            "compression.codec of the producer's message sets. lz4 by default: every broker "
            "and client since Kafka 0.10 reads it and it costs the least CPU on both sides; "
            "zstd is smaller (brokers and clients from Kafka 2.1).")
      .Optional("linger", FieldType::kDuration, "\"5ms\"",
                "linger.ms: how long the producer waits to fill a message set.")
      .Range(0, 900'000)
      .Optional("batch_bytes", FieldType::kSize, "\"1000000\"",
                "batch.size: the largest message set sent to one partition at once.")
      .Range(1, 2'147'483'647)
      .Optional("max_queued_bytes", FieldType::kSize, "\"64MiB\"",
                "queue.buffering.max.kbytes: messages produced and not yet delivered. When "
                "reached the output takes no more batches: its queue (and buffer) fills.")
      .Range(1 << 10, int64_t{2'147'483'647} * 1024)
      .Optional("max_queued_messages", FieldType::kInt, "100000",
                "queue.buffering.max.messages: the same bound in messages.")
      .Range(1, 2'147'483'647)
      .Optional("message_timeout", FieldType::kDuration, "0",
                "message.timeout.ms: 0 (the default) retries a message until a broker takes "
                "it, so nothing is lost while the cluster is down (the queue bounds above "
                "apply). Otherwise a message not delivered in this time is dead-lettered.")
      .Range(0, 2'147'483'647)
      .Optional("message_max_bytes", FieldType::kSize, "\"1000000\"",
                "message.max.bytes: a larger message is dead-lettered (the broker's own "
                "limit is the topic's max.message.bytes).")
      .Range(1000, 1'000'000'000);
  return s;
}

Result<KafkaOutputConfig> ParseKafkaOutputConfig(const ConfigNode& node) {
  KafkaOutputConfig c;
  RUNNEL_ASSIGN_OR_RETURN(c.connection, kafka::ParseConnection(node));
  c.topic = node.GetString("topic");
  if (c.topic.empty()) {
    return Err(node.Error("topic", "must not be empty"));
  }
  for (const char* key : {"topic_field", "key_field", "tag_header"}) {
    if (node.Has(key) && node.GetString(key).empty()) {
      return Err(node.Error(key, "must not be empty; leave it out instead"));
    }
  }
  if (node.Has("topic_field")) {
    c.topic_field = node.GetString("topic_field");
  }
  if (node.Has("key_field")) {
    c.key_field = node.GetString("key_field");
  }
  if (node.Has("tag_header")) {
    c.tag_header = node.GetString("tag_header");
  }
  c.format = node.GetString("format") == "msgpack" ? Format::kMsgpack : Format::kJson;
  c.time_key = node.GetString("time_key");
  const std::string& tf = node.GetString("time_format");
  c.time_format = tf == "unix"      ? JsonTimeFormat::kUnixSeconds
                  : tf == "unix_ms" ? JsonTimeFormat::kUnixMillis
                                    : JsonTimeFormat::kRfc3339;
  if (node.Has("headers")) {
    c.headers = node.GetStringMap("headers");
    for (const auto& [name, value] : c.headers) {
      if (name.empty()) {
        return Err(node.Error("headers", "a header name must not be empty"));
      }
    }
  }
  c.acks = node.GetString("acks");
  c.idempotence = node.GetBool("idempotence");
  if (c.idempotence && c.acks != "all") {
    return Err(node.Error("acks", "\"" + c.acks +
                                      "\" needs idempotence = false (an idempotent producer "
                                      "waits for all in-sync replicas)"));
  }
  c.compression = node.GetString("compression");
  c.linger = node.GetDuration("linger");
  c.batch_bytes = node.GetSize("batch_bytes");
  c.max_queued_bytes = node.GetSize("max_queued_bytes");
  c.max_queued_messages = node.GetInt("max_queued_messages");
  c.message_timeout = node.GetDuration("message_timeout");
  c.message_max_bytes = node.GetSize("message_max_bytes");
  // The whole producer configuration, as Start() will build it.
  kafka::ConfPtr scratch(rd_kafka_conf_new());
  RUNNEL_RETURN_IF_ERROR(kafka::ApplyProperties(scratch.get(), c.Properties(), &node));
  return c;
}

std::vector<kafka::Property> KafkaOutputConfig::Properties() const {
  std::vector<kafka::Property> p = {
      {"acks", acks == "all" ? "-1" : acks, "acks"},
      {"enable.idempotence", idempotence ? "true" : "false", "idempotence"},
      {"compression.codec", compression, "compression"},
      {"linger.ms", std::to_string(linger.count()), "linger"},
      {"batch.size", std::to_string(batch_bytes), "batch_bytes"},
      {"queue.buffering.max.kbytes", std::to_string(std::max<uint64_t>(1, max_queued_bytes / 1024)),
       "max_queued_bytes"},
      {"queue.buffering.max.messages", std::to_string(max_queued_messages), "max_queued_messages"},
      {"message.timeout.ms", std::to_string(message_timeout.count()), "message_timeout"},
      {"message.max.bytes", std::to_string(message_max_bytes), "message_max_bytes"},
  };
  p.insert(p.end(), connection.properties.begin(), connection.properties.end());
  return p;
}

}  // namespace runnel::plugins::kafka_output

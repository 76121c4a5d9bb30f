#include "kafka_config.h"

namespace runnel::plugins::kafka_input {

Schema KafkaInputSchema() {
  Schema s;
  kafka::AddConnectionFields(s);
  s.Required("group_id", FieldType::kString,
             "The consumer group (group.id). Every runnel-aggregator with the same group_id "
             "shares the topics' partitions: add aggregators to add capacity.")
      .Required("topics", FieldType::kStringList,
                "The topics to consume; a name starting with \"^\" is a regular expression.")
      .Enum("start", {"earliest", "latest"}, "\"earliest\"",
            "Where a partition without a committed offset starts (auto.offset.reset).")
      .Enum("format", {"json", "msgpack", "raw"}, "\"json\"",
            "json: a JSON object becomes the record. msgpack: [time, {record}] (what the kafka "
            "output writes with format = \"msgpack\") or a map. raw: the value as a string "
            "in message_key. A message that does not decode is kept as a string in "
            "message_key and counted (kafka_decode_errors_total); it never stalls its "
            "partition.")
      .Optional("message_key", FieldType::kString, "\"message\"",
                "The field that holds a raw or undecodable message.")
      .Optional("time_key", FieldType::kString, "\"time\"",
                "A field holding the event time as RFC 3339 text (as the kafka output "
                "writes it): it becomes the event time and is removed. Otherwise the time is "
                "the message's timestamp. \"\" always takes the timestamp.")
      .OptionalNoDefault("key_field", FieldType::kString,
                         "Adds the message key (a string) under this field, when it has one.")
      .OptionalNoDefault("topic_field", FieldType::kString, "Adds the topic under this field.")
      .OptionalNoDefault("partition_field", FieldType::kString,
                         "Adds the partition number under this field.")
      .OptionalNoDefault("offset_field", FieldType::kString,
                         "Adds the message's offset under this field.")
      .Optional("batch_max_events", FieldType::kInt, "1000", "Most messages in one batch.")
      .Range(1, 1'000'000)
      .Optional("batch_timeout", FieldType::kDuration, "\"200ms\"",
                "A batch that is not full leaves after this long.")
      .Range(1, 60'000)
      .Optional("max_unacked_batches", FieldType::kInt, "16",
                "Batches emitted and not yet acknowledged; when reached, every partition is "
                "paused until acknowledgements come.")
      .Range(1, 100'000)
      .Optional("max_unacked_bytes", FieldType::kSize, "\"64MiB\"",
                "The same bound in bytes of emitted batches.")
      .Range(1 << 16, int64_t{1} << 40);
  return s;
}

Result<KafkaInputConfig> ParseKafkaInputConfig(const ConfigNode& node) {
  KafkaInputConfig c;
  RUNNEL_ASSIGN_OR_RETURN(c.connection, kafka::ParseConnection(node));
  c.group_id = node.GetString("group_id");
  if (c.group_id.empty()) {
    return Err(node.Error("group_id", "must not be empty"));
  }
  c.topics = node.GetStringList("topics");
  if (c.topics.empty()) {
    return Err(node.Error("topics", "lists no topic"));
  }
  for (const std::string& t : c.topics) {
    if (t.empty()) {
      return Err(node.Error("topics", "a topic name must not be empty"));
    }
  }
  c.start = node.GetString("start");
  const std::string& f = node.GetString("format");
  c.format = f == "msgpack" ? Format::kMsgpack : f == "raw" ? Format::kRaw : Format::kJson;
  c.message_key = node.GetString("message_key");
  if (c.message_key.empty()) {
    return Err(node.Error("message_key", "must not be empty"));
  }
  c.time_key = node.GetString("time_key");
  const std::pair<const char*, std::string*> fields[] = {{"key_field", &c.key_field},
                                                         {"topic_field", &c.topic_field},
                                                         {"partition_field", &c.partition_field},
                                                         {"offset_field", &c.offset_field}};
  for (const auto& [key, out] : fields) {
    if (node.Has(key)) {
      *out = node.GetString(key);
      if (out->empty()) {
        return Err(node.Error(key, "must not be empty; leave it out instead"));
      }
    }
  }
  c.batch_max_events = static_cast<uint32_t>(node.GetInt("batch_max_events"));
  c.batch_timeout = node.GetDuration("batch_timeout");
  c.max_unacked_batches = static_cast<uint32_t>(node.GetInt("max_unacked_batches"));
  c.max_unacked_bytes = node.GetSize("max_unacked_bytes");
  kafka::ConfPtr scratch(rd_kafka_conf_new());
  RUNNEL_RETURN_IF_ERROR(kafka::ApplyProperties(scratch.get(), c.Properties(), &node));
  return c;
}

std::vector<kafka::Property> KafkaInputConfig::Properties() const {
  std::vector<kafka::Property> p = {
      {"group.id", group_id, "group_id"},
      {"auto.offset.reset", start, "start"},
      // Offsets are committed by the input, only for what the pipeline acknowledged.
      {"enable.auto.commit", "false", "group_id"},
      {"enable.auto.offset.store", "false", "group_id"},
  };
  p.insert(p.end(), connection.properties.begin(), connection.properties.end());
  return p;
}

}  // namespace runnel::plugins::kafka_input

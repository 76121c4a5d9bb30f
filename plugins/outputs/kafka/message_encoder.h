#pragma once
// MessageEncoder: what one event becomes as a Kafka message: its topic, key and value.
//   topic: the string value of topic_field when the record has one (non-empty), else `topic`.
//   key:   key_field's value: a string as it is, any other value as its JSON text; absent
//          field: no key (has_key false).
//   value: json: {"<time_key>":<time>,<fields>} (JsonWriter); msgpack: the entry
//          [EventTime, {record}] exactly as it is in the batch.
// The views in an EncodedMessage point into the record, the config or the encoder's buffers:
// valid until the next Encode. Not thread-safe: one per thread.

#include <string>
#include <string_view>

#include "kafka_config.h"
#include "runnel/json_writer.h"
#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace runnel::plugins::kafka_output {

struct EncodedMessage {
  std::string_view topic;
  bool has_key = false;
  std::string_view key;
  std::string_view value;
};

class MessageEncoder {
 public:
  explicit MessageEncoder(const KafkaOutputConfig& config);

  // `entry` is the whole encoded entry, `record` its map. DataLoss when the record is not
  // valid msgpack.
  Status Encode(EventTime time, std::string_view record, std::string_view entry,
                EncodedMessage* out);

 private:
  const KafkaOutputConfig& config_;
  JsonWriter json_;
  std::string value_;
  std::string key_;
};

}  // namespace runnel::plugins::kafka_output

#pragma once
// MessageDecoder: one Kafka message to one event appended to a batch.
//   json:    a JSON object's members become the fields (the parse filter's JsonParser).
//   msgpack: [time, {record}] is taken as it is; a map is the record.
//   raw:     {message_key: value}.
// A value that does not decode as the format says becomes {message_key: value} and Append
// returns false (the caller counts it). Then time_key (when the record has it as RFC 3339 text)
// becomes the event time and is removed; else the time is the message's timestamp, or `now`
// without one. Last the metadata fields configured are set (replacing a field of that name).
// Not thread-safe: one per consumer thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_config.h"
#include "plugins/filters/parse/json_parser.h"
#include "plugins/filters/parse/time_format.h"
#include "runnel/arena.h"
#include "runnel/batch.h"
#include "runnel/record.h"

namespace runnel::plugins::kafka_input {

struct Message {
  std::string_view value;
  bool has_key = false;
  std::string_view key;
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: none
};

class MessageDecoder {
 public:
  explicit MessageDecoder(const KafkaInputConfig& config);

  // Appends the event of `m` to *batch; false when its value did not decode as the format
  // says (it is then kept raw in message_key; never for format raw).
  bool Append(const Message& m, EventTime now, Batch* batch);

 private:
  bool Decode(const Message& m, EventTime* time);

  const KafkaInputConfig& config_;
  parse::TimeFormat rfc3339_;
  parse::JsonParser json_;
  Arena arena_;
  Event event_;
  std::vector<Field> fields_;
  bool entry_time_ = false;  // the last Decode read [time, record]
};

}  // namespace runnel::plugins::kafka_input

#include "message_encoder.h"

namespace runnel::plugins::kafka_output {

MessageEncoder::MessageEncoder(const KafkaOutputConfig& config)
    : config_(config), json_(config.time_key, config.time_format) {}

Status MessageEncoder::Encode(EventTime time, std::string_view record, std::string_view entry,
                              EncodedMessage* out) {
  *out = EncodedMessage{};
  out->topic = config_.topic;
  if (!config_.topic_field.empty() || !config_.key_field.empty()) {
    MsgpackReader reader(record);
    Result<uint32_t> n = reader.ReadMapHeader();
    if (!n) {
      return n.error();
    }
    for (uint32_t i = 0; i < *n; ++i) {
      Result<std::string_view> raw_key = reader.NextRaw();
      if (!raw_key) {
        return raw_key.error();
      }
      MsgpackReader key_reader(*raw_key);
      Result<MsgObject> k = key_reader.Next();
      if (!k) {
        return k.error();
      }
      const bool is_str = k->type == MsgType::kStr;
      const bool is_topic =
          is_str && !config_.topic_field.empty() && k->data == config_.topic_field;
      const bool is_key = is_str && !config_.key_field.empty() && k->data == config_.key_field;
      if (!is_topic && !is_key) {
        RUNNEL_RETURN_IF_ERROR(reader.Skip());
        continue;
      }
      Result<std::string_view> raw = reader.NextRaw();
      if (!raw) {
        return raw.error();
      }
      MsgpackReader value(*raw);
      Result<MsgObject> v = value.Next();
      if (!v) {
        return v.error();
      }
      if (is_topic && v->type == MsgType::kStr && !v->data.empty()) {
        out->topic = v->data;
      }
      if (is_key) {
        out->has_key = true;
        if (v->type == MsgType::kStr || v->type == MsgType::kBin) {
          out->key = v->data;
        } else {
          MsgpackReader again(*raw);
          key_.clear();
          RUNNEL_RETURN_IF_ERROR(JsonWriter::AppendObject(again, &key_));
          out->key = key_;
        }
      }
    }
  }
  if (config_.format == Format::kMsgpack) {
    out->value = entry;
    return OkStatus();
  }
  value_.clear();
  RUNNEL_RETURN_IF_ERROR(json_.AppendEvent(time, record, &value_));
  out->value = value_;
  return OkStatus();
}

}  // namespace runnel::plugins::kafka_output

#include "message_decoder.h"

#include "runnel/check.h"

namespace runnel::plugins::kafka_input {
namespace {

parse::TimeFormat Rfc3339() {
  Result<parse::TimeFormat> f = parse::TimeFormat::Compile("rfc3339");
  RUNNEL_CHECK(f.has_value());
  return *f;
}

}  // namespace

MessageDecoder::MessageDecoder(const KafkaInputConfig& config)
    : config_(config), rfc3339_(Rfc3339()) {}

bool MessageDecoder::Decode(const Message& m, EventTime* time) {
  event_.Clear();
  entry_time_ = false;
  switch (config_.format) {
    case Format::kRaw:
      return false;
    case Format::kJson: {
      fields_.clear();
      if (json_.Parse(m.value, arena_, &fields_) != nullptr) {
        return false;
      }
      for (const Field& f : fields_) {
        event_.Set(f.key, f.value);  // a key given twice keeps its last value
      }
      return true;
    }
    case Format::kMsgpack: {
      MsgpackReader reader(m.value);
      Result<MsgObject> head = reader.Next();
      if (!head) {
        return false;
      }
      std::string_view record = m.value;
      if (head->type == MsgType::kArray && head->count == 2) {
        BatchReader entry(m.value);
        if (!entry.Next(time, &record).ok() || !entry.AtEnd()) {
          return false;
        }
        entry_time_ = true;
      } else if (head->type != MsgType::kMap) {
        return false;
      } else {
        MsgpackReader whole(m.value);
        if (!whole.Skip().ok() || !whole.AtEnd()) {
          return false;
        }
      }
      return event_.Decode(record).ok();
    }
  }
  return false;
}

bool MessageDecoder::Append(const Message& m, EventTime now, Batch* batch) {
  arena_.Reset();
  EventTime time = m.timestamp_ms >= 0 ? EventTime::FromNanos(m.timestamp_ms * 1'000'000) : now;
  EventTime from_entry{};
  const bool ok = Decode(m, &from_entry);
  const bool has_entry_time = ok && entry_time_;
  if (has_entry_time) {
    time = from_entry;
  }
  if (!ok) {
    event_.Clear();
    event_.Set(config_.message_key, Value::String(m.value));
  } else if (!config_.time_key.empty() && !has_entry_time) {
    if (const Value* t = event_.Find(config_.time_key); t != nullptr && t->is_string()) {
      EventTime parsed;
      if (rfc3339_.Parse(t->bytes, &parsed)) {
        time = parsed;
        event_.Remove(config_.time_key);
      }
    }
  }
  if (!config_.key_field.empty() && m.has_key) {
    event_.Set(config_.key_field, Value::String(m.key));
  }
  if (!config_.topic_field.empty()) {
    event_.Set(config_.topic_field, Value::String(m.topic));
  }
  if (!config_.partition_field.empty()) {
    event_.Set(config_.partition_field, Value::Int(m.partition));
  }
  if (!config_.offset_field.empty()) {
    event_.Set(config_.offset_field, Value::Int(m.offset));
  }
  event_.time = time;
  MsgpackWriter w(&batch->data);
  event_.Encode(w);
  ++batch->count;
  return ok || config_.format == Format::kRaw;
}

}  // namespace runnel::plugins::kafka_input

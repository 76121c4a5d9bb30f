#include "plugins/filters/modify/modify_filter.h"

namespace runnel::plugins::modify {

void ModifyFilter::Apply(Event& event) const {
  for (const KeyMove& m : config_.rename) {
    event.Rename(m.from, m.to);
  }
  for (const KeyMove& m : config_.copy) {
    if (const Value* v = event.Find(m.from)) {
      const Value copied = *v;  // Set may reallocate the fields
      event.Set(m.to, copied);
    }
  }
  for (const std::string& key : config_.remove) {
    event.Remove(key);
  }
  for (const KeyValue& kv : config_.add) {
    if (event.Find(kv.key) == nullptr) {
      event.Set(kv.key, Value::String(kv.value));
    }
  }
  for (const KeyValue& kv : config_.set) {
    event.Set(kv.key, Value::String(kv.value));
  }
}

void ModifyFilter::Process(EventBatch& events) {
  for (Event& event : events) {
    Apply(event);
  }
}

}  // namespace runnel::plugins::modify

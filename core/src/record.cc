#include "runnel/record.h"

namespace runnel {

void Value::Encode(MsgpackWriter& w) const {
  switch (kind) {
    case Kind::kNull: w.Nil(); break;
    case Kind::kBool: w.Bool(boolean); break;
    case Kind::kInt: w.Int(i64); break;
    case Kind::kUint: w.Uint(u64); break;
    case Kind::kDouble: w.Double(f64); break;
    case Kind::kString: w.Str(bytes); break;
    case Kind::kBinary: w.Bin(bytes); break;
    case Kind::kRaw: w.Raw(bytes); break;
  }
}

const Value* Event::Find(std::string_view key) const {
  for (const Field& f : fields_) {
    if (f.key == key) {
      return &f.value;
    }
  }
  return nullptr;
}

Value* Event::Find(std::string_view key) {
  for (Field& f : fields_) {
    if (f.key == key) {
      return &f.value;
    }
  }
  return nullptr;
}

void Event::Set(std::string_view key, Value value) {
  if (Value* v = Find(key)) {
    *v = value;
    return;
  }
  fields_.push_back(Field{key, value});
}

bool Event::Remove(std::string_view key) {
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    if (it->key == key) {
      fields_.erase(it);
      return true;
    }
  }
  return false;
}

bool Event::Rename(std::string_view from, std::string_view to) {
  if (from == to) {
    return Find(from) != nullptr;
  }
  Value* v = Find(from);
  if (v == nullptr) {
    return false;
  }
  Value moved = *v;
  Remove(from);
  Set(to, moved);
  return true;
}

Status Event::Decode(std::string_view record) {
  fields_.clear();
  MsgpackReader r(record);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, r.ReadMapHeader());
  for (uint32_t i = 0; i < n; ++i) {
    size_t key_at = r.position();
    RUNNEL_ASSIGN_OR_RETURN(MsgObject key, r.Next());
    if (key.type != MsgType::kStr && key.type != MsgType::kBin) {
      return DataLoss("record: key at byte " + std::to_string(key_at) + " is a " +
                      std::string(MsgTypeName(key.type)) + ", not a string");
    }
    size_t val_at = r.position();
    RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, r.Next());
    Value v;
    switch (obj.type) {
      case MsgType::kNil: break;
      case MsgType::kBool: v = Value::Bool(obj.boolean); break;
      case MsgType::kInt: v = Value::Int(obj.i64); break;
      case MsgType::kUint: v = Value::Uint(obj.u64); break;
      case MsgType::kFloat: v = Value::Double(obj.f64); break;
      case MsgType::kStr: v = Value::String(obj.data); break;
      case MsgType::kBin: v = Value::Binary(obj.data); break;
      case MsgType::kExt:
        v = Value::Raw(record.substr(val_at, r.position() - val_at));
        break;
      case MsgType::kArray:
      case MsgType::kMap: {
        // Keep nested containers as their encoded bytes: skip the elements.
        uint64_t elems = obj.type == MsgType::kMap ? uint64_t{obj.count} * 2 : obj.count;
        for (uint64_t e = 0; e < elems; ++e) {
          RUNNEL_RETURN_IF_ERROR(r.Skip());
        }
        v = Value::Raw(record.substr(val_at, r.position() - val_at));
        break;
      }
    }
    fields_.push_back(Field{key.data, v});
  }
  if (!r.AtEnd()) {
    return DataLoss("record: " + std::to_string(r.remaining()) + " bytes after the map");
  }
  return OkStatus();
}

void Event::Encode(MsgpackWriter& w) const {
  w.ArrayHeader(2);
  w.Time(time);
  w.MapHeader(static_cast<uint32_t>(fields_.size()));
  for (const Field& f : fields_) {
    w.Str(f.key);
    f.value.Encode(w);
  }
}

Event& EventBatch::Add(EventTime time) {
  if (size_ == events_.size()) {
    events_.emplace_back();
  }
  Event& e = events_[size_++];
  e.Clear();
  e.time = time;
  return e;
}

void EventBatch::Clear() {
  size_ = 0;
  arena_.Reset();
}

Status EventBatch::Decode(const Batch& batch) {
  Clear();
  BatchReader reader(batch.data);
  while (!reader.AtEnd()) {
    EventTime time;
    std::string_view record;
    RUNNEL_RETURN_IF_ERROR(reader.Next(&time, &record));
    Event& e = Add(time);
    Status s = e.Decode(record);
    if (!s.ok()) {
      --size_;
      return s;
    }
  }
  return OkStatus();
}

void EventBatch::EncodeTo(Batch* out) const {
  out->data.clear();
  MsgpackWriter w(&out->data);
  for (size_t i = 0; i < size_; ++i) {
    events_[i].Encode(w);
  }
  out->count = static_cast<uint32_t>(size_);
}

}  // namespace runnel

#pragma once
// The decoded, mutable form of a batch that filters work on. A filter chain decodes a batch once
// into an EventBatch, every filter edits it in place, and it is encoded once at the end.
//
// Values are views: strings point into the batch being decoded or into the EventBatch's arena.
// Nested arrays and maps stay as their msgpack bytes (Value::kRaw) unless a filter replaces them,
// so what no filter touches is copied through without being decoded.
// Not thread-safe: one EventBatch belongs to one thread at a time.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/arena.h"
#include "runnel/batch.h"
#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace runnel {

struct Value {
  enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kBinary, kRaw };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t i64 = 0;
  uint64_t u64 = 0;
  double f64 = 0;
  std::string_view bytes;  // kString, kBinary; kRaw: one encoded msgpack array, map or ext

  static Value Null() { return {}; }
  static Value Bool(bool b) {
    Value v;
    v.kind = Kind::kBool;
    v.boolean = b;
    return v;
  }
  static Value Int(int64_t i) {
    Value v;
    v.kind = Kind::kInt;
    v.i64 = i;
    return v;
  }
  static Value Uint(uint64_t u) {
    Value v;
    v.kind = Kind::kUint;
    v.u64 = u;
    return v;
  }
  static Value Double(double d) {
    Value v;
    v.kind = Kind::kDouble;
    v.f64 = d;
    return v;
  }
  static Value String(std::string_view s) {
    Value v;
    v.kind = Kind::kString;
    v.bytes = s;
    return v;
  }
  static Value Binary(std::string_view s) {
    Value v;
    v.kind = Kind::kBinary;
    v.bytes = s;
    return v;
  }
  static Value Raw(std::string_view s) {
    Value v;
    v.kind = Kind::kRaw;
    v.bytes = s;
    return v;
  }

  bool is_string() const { return kind == Kind::kString; }
  // Appends the value in msgpack.
  void Encode(MsgpackWriter& w) const;
};

struct Field {
  std::string_view key;
  Value value;
};

// One event: a time and the top-level fields of its record, in order.
class Event {
 public:
  EventTime time;

  // The value of top-level `key`, or nullptr.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Sets `key` (replacing its value in place, or appending it).
  void Set(std::string_view key, Value value);
  // Removes `key`; returns whether it was there.
  bool Remove(std::string_view key);
  // Renames `from` to `to` (replacing an existing `to`); returns whether `from` was there.
  bool Rename(std::string_view from, std::string_view to);

  std::vector<Field>& fields() { return fields_; }
  const std::vector<Field>& fields() const { return fields_; }
  void Clear() { fields_.clear(); }

  // Decodes the top-level map `record` (msgpack) into fields, replacing what was there.
  Status Decode(std::string_view record);
  // Appends `[time, {fields}]`.
  void Encode(MsgpackWriter& w) const;

 private:
  std::vector<Field> fields_;
};

class EventBatch {
 public:
  EventBatch() = default;
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  // Decodes every entry of `batch`. The views point into batch.data, which must outlive use.
  // On error the EventBatch holds the entries before the bad one.
  Status Decode(const Batch& batch);
  // Writes every event to `out` (cleared first); sets its count.
  void EncodeTo(Batch* out) const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Event& operator[](size_t i) { return events_[i]; }
  const Event& operator[](size_t i) const { return events_[i]; }
  Event* begin() { return events_.data(); }
  Event* end() { return events_.data() + size_; }

  // Appends an empty event and returns it.
  Event& Add(EventTime time);
  // Keeps the events for which keep(event) is true, in order.
  template <typename Pred>
  void RetainIf(Pred keep) {
    size_t out = 0;
    for (size_t i = 0; i < size_; ++i) {
      if (keep(events_[i])) {
        if (out != i) {
          std::swap(events_[out], events_[i]);
        }
        ++out;
      }
    }
    size_ = out;
  }
  void Clear();

  // Storage for bytes that new values point to; reset by Clear().
  Arena& arena() { return arena_; }

 private:
  std::vector<Event> events_;  // never shrinks, so each Event keeps its field capacity
  size_t size_ = 0;
  Arena arena_;
};

}  // namespace runnel

#pragma once
// A small msgpack codec of our own: a writer that appends to a byte string and a zero-copy
// reader (cursor) over a byte span. Batches are msgpack Forward entries, so this is the one
// encoding used in memory, in buffers and on the wire.
//
// Thread-compatible. The reader never reads past its span: malformed or truncated input gives
// a DataLoss status, never undefined behaviour.

#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel {

// Fluent's EventTime: seconds and nanoseconds since the Unix epoch. Msgpack ext type 0 with
// 8 bytes of payload: big-endian uint32 seconds, big-endian uint32 nanoseconds.
struct EventTime {
  uint32_t sec = 0;
  uint32_t nsec = 0;

  static EventTime FromNanos(int64_t ns);
  static EventTime Now();
  int64_t ToNanos() const { return int64_t{sec} * 1'000'000'000 + nsec; }
  friend bool operator==(const EventTime&, const EventTime&) = default;
};

inline constexpr int8_t kEventTimeExtType = 0;

enum class MsgType : uint8_t { kNil, kBool, kInt, kUint, kFloat, kStr, kBin, kArray, kMap, kExt };

std::string_view MsgTypeName(MsgType type);

// One decoded msgpack header. For containers, `count` is the number of elements (array) or
// pairs (map) that follow; for str/bin/ext, `data` views the payload inside the input.
struct MsgObject {
  MsgType type = MsgType::kNil;
  bool boolean = false;
  int64_t i64 = 0;   // kInt (any integer that fits int64, so non-negative values too)
  uint64_t u64 = 0;  // kUint: only values above INT64_MAX
  double f64 = 0;
  uint32_t count = 0;
  int8_t ext_type = 0;
  std::string_view data;
};

// Appends msgpack to a std::string used as a byte buffer. Always uses the smallest encoding.
class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::string* out) : out_(out) {}

  void Nil();
  void Bool(bool v);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Double(double v);
  void Str(std::string_view v);
  void Bin(std::string_view v);
  void ArrayHeader(uint32_t n);
  void MapHeader(uint32_t n);
  void Ext(int8_t type, std::string_view payload);
  void Time(EventTime t);  // fixext8, type 0
  // Appends bytes that already are one or more complete msgpack objects.
  void Raw(std::string_view encoded) { out_->append(encoded); }

  // A map32 header whose count is written later by PatchMap32, for maps built in one pass.
  size_t BeginMap32();
  void PatchMap32(size_t pos, uint32_t n);

  std::string* out() { return out_; }

 private:
  std::string* out_;
};

// Zero-copy cursor. Every view it returns points into the span it was given.
class MsgpackReader {
 public:
  explicit MsgpackReader(std::string_view data) : data_(data) {}

  bool AtEnd() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  // The whole span the reader walks.
  std::string_view data() const { return data_; }

  // Reads the next header (and, for str/bin/ext, its payload).
  Result<MsgObject> Next();
  // Skips one complete object, containers included. Nesting deeper than 64 is DataLoss.
  Status Skip();
  // Returns the bytes of the next complete object and moves past it.
  Result<std::string_view> NextRaw();

  // Typed helpers: DataLoss with the actual type named when the next object is another type.
  Result<uint32_t> ReadArrayHeader();
  Result<uint32_t> ReadMapHeader();
  Result<std::string_view> ReadStr();
  // EventTime ext (fixext8 or ext8 with 8 bytes), or an integer/float of seconds.
  Result<EventTime> ReadTime();

 private:
  Status SkipDepth(int depth);
  std::string_view data_;
  size_t pos_ = 0;
};

// Decodes an EventTime from a MsgObject already read: ext type 0 with 8 bytes, an integer or a
// float of seconds.
Result<EventTime> EventTimeFromObject(const MsgObject& obj);

}  // namespace runnel

#pragma once
// Helpers of the loki output tests: msgpack records from key/value pairs, and a reader of the
// protobuf PushRequest that the tests decode field by field.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/msgpack.h"

namespace runnel::plugins::loki::testing {

// A msgpack map of string keys to string values, in order.
inline std::string Record(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  MsgpackWriter w(&out);
  w.MapHeader(static_cast<uint32_t>(fields.size()));
  for (const auto& [k, v] : fields) {
    w.Str(k);
    w.Str(v);
  }
  return out;
}

// One protobuf field: its number, wire type and value (varint or bytes).
struct ProtoField {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;
  std::string bytes;
};

// Splits a protobuf message into its fields; false when it is malformed.
inline bool ParseProto(std::string_view data, std::vector<ProtoField>* fields) {
  size_t pos = 0;
  auto varint = [&](uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= data.size()) {
        return false;
      }
      const auto b = static_cast<uint8_t>(data[pos++]);
      *v |= uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) {
        return true;
      }
    }
    return false;
  };
  while (pos < data.size()) {
    uint64_t tag = 0;
    if (!varint(&tag)) {
      return false;
    }
    ProtoField f;
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wire_type = static_cast<uint32_t>(tag & 7);
    if (f.wire_type == 0) {
      if (!varint(&f.varint)) {
        return false;
      }
    } else if (f.wire_type == 2) {
      uint64_t len = 0;
      if (!varint(&len) || len > data.size() - pos) {
        return false;
      }
      f.bytes = std::string(data.substr(pos, len));
      pos += len;
    } else {
      return false;
    }
    fields->push_back(std::move(f));
  }
  return true;
}

}  // namespace runnel::plugins::loki::testing

#include "batch_edit.h"

#include <algorithm>
#include <cstdint>

#include "runnel/forward/handshake.h"
#include "runnel/msgpack.h"

namespace runnel::plugins::forward_input {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// The 16 bytes of a 24-character padded base64 string; false when it is not one.
bool DecodeBase64Id(std::string_view in, uint8_t out[16]) {
  if (in.size() != 24 || in[22] != '=' || in[23] != '=') {
    return false;
  }
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < 22; ++i) {
    int v = Base64Value(in[i]);
    if (v < 0) {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return n == 16;
}

uint64_t BigEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}

}  // namespace

BatchId BatchIdForChunk(std::string_view chunk) {
  uint8_t bytes[16];
  if (!DecodeBase64Id(chunk, bytes)) {
    const std::string hex = forward::Sha512Hex({chunk});
    for (size_t i = 0; i < 16; ++i) {
      bytes[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    }
  }
  return BatchId{BigEndian64(bytes), BigEndian64(bytes + 8)};
}

Status AddStringFields(Batch* batch,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
                       std::string* scratch) {
  scratch->clear();
  MsgpackWriter w(scratch);
  BatchReader reader(batch->data);
  while (!reader.AtEnd()) {
    EventTime time;
    std::string_view record;
    RUNNEL_RETURN_IF_ERROR(reader.Next(&time, &record));
    MsgpackReader r(record);
    RUNNEL_ASSIGN_OR_RETURN(uint32_t n, r.ReadMapHeader());
    // A key the record already has is replaced, not repeated: copy the other pairs.
    size_t pairs_at = r.position();
    uint32_t kept = 0;
    bool clash = false;
    for (uint32_t i = 0; i < n; ++i) {
      RUNNEL_ASSIGN_OR_RETURN(std::string_view key, r.NextRaw());
      RUNNEL_RETURN_IF_ERROR(r.Skip());
      MsgpackReader k(key);
      Result<std::string_view> name = k.ReadStr();
      bool replaced = name && std::any_of(fields.begin(), fields.end(),
                                          [&](const auto& f) { return f.first == *name; });
      clash |= replaced;
      kept += replaced ? 0 : 1;
    }
    w.ArrayHeader(2);
    w.Time(time);
    w.MapHeader(kept + static_cast<uint32_t>(fields.size()));
    if (!clash) {
      w.Raw(record.substr(pairs_at));
    } else {
      MsgpackReader again(record.substr(pairs_at));
      for (uint32_t i = 0; i < n; ++i) {
        size_t from = again.position();
        RUNNEL_ASSIGN_OR_RETURN(std::string_view key, again.NextRaw());
        RUNNEL_RETURN_IF_ERROR(again.Skip());
        MsgpackReader k(key);
        Result<std::string_view> name = k.ReadStr();
        if (!(name && std::any_of(fields.begin(), fields.end(),
                                  [&](const auto& f) { return f.first == *name; }))) {
          w.Raw(record.substr(pairs_at + from, again.position() - from));
        }
      }
    }
    for (const auto& [key, value] : fields) {
      w.Str(key);
      w.Str(value);
    }
  }
  batch->data.swap(*scratch);
  return OkStatus();
}

std::string_view PeerAddress(std::string_view peer) {
  size_t colon = peer.rfind(':');
  if (colon != std::string_view::npos) {
    peer = peer.substr(0, colon);
  }
  if (peer.size() >= 2 && peer.front() == '[' && peer.back() == ']') {
    peer = peer.substr(1, peer.size() - 2);
  }
  return peer;
}

}  // namespace runnel::plugins::forward_input

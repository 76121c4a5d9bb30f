#include "runnel/forward/frame_encoder.h"

#include "forward/type_names.h"

namespace runnel::forward {
namespace {
using internal::WithArticle;
}  // namespace

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string ChunkIdFor(const BatchId& id) {
  char raw[16];
  for (int i = 0; i < 8; ++i) {
    raw[i] = static_cast<char>(id.hi >> (56 - 8 * i));
    raw[8 + i] = static_cast<char>(id.lo >> (56 - 8 * i));
  }
  return Base64Encode(std::string_view(raw, sizeof(raw)));
}

void AppendPackedForward(std::string_view tag, std::string_view payload, uint32_t count,
                         std::string_view chunk, Compression compression, std::string* out) {
  MsgpackWriter w(out);
  w.ArrayHeader(3);
  w.Str(tag);
  w.Bin(payload);
  const uint32_t n = 1 + (chunk.empty() ? 0 : 1) + (compression == Compression::kNone ? 0 : 1);
  w.MapHeader(n);
  w.Str("size");
  w.Uint(count);
  if (!chunk.empty()) {
    w.Str("chunk");
    w.Str(chunk);
  }
  if (compression != Compression::kNone) {
    w.Str("compressed");
    w.Str(CompressionName(compression));
  }
}

Status FrameEncoder::Encode(const Batch& batch, bool with_chunk, std::string* out) {
  const std::string chunk = with_chunk ? ChunkIdFor(batch.id) : std::string();
  if (compression_ == Compression::kNone) {
    AppendPackedForward(batch.tag, batch.data, batch.count, chunk, compression_, out);
    return OkStatus();
  }
  scratch_.clear();
  RUNNEL_RETURN_IF_ERROR(compressor_.Compress(compression_, batch.data, &scratch_));
  AppendPackedForward(batch.tag, scratch_, batch.count, chunk, compression_, out);
  return OkStatus();
}

std::string EncodeAck(std::string_view chunk) {
  std::string out;
  MsgpackWriter w(&out);
  w.MapHeader(1);
  w.Str("ack");
  w.Str(chunk);
  return out;
}

Result<std::string> DecodeAck(std::string_view frame) {
  MsgpackReader r(frame);
  RUNNEL_ASSIGN_OR_RETURN(MsgObject m, r.Next());
  if (m.type != MsgType::kMap) {
    return Err(
        DataLoss("forward: ack response is " + WithArticle(MsgTypeName(m.type)) + ", want a map"));
  }
  std::string chunk;
  bool found = false;
  for (uint32_t i = 0; i < m.count; ++i) {
    RUNNEL_ASSIGN_OR_RETURN(MsgObject k, r.Next());
    if (k.type != MsgType::kStr) {
      return Err(DataLoss("forward: ack response key is " + WithArticle(MsgTypeName(k.type)) +
                          ", want a str"));
    }
    if (k.data == "ack") {
      RUNNEL_ASSIGN_OR_RETURN(MsgObject v, r.Next());
      if (v.type != MsgType::kStr && v.type != MsgType::kBin) {
        return Err(
            DataLoss("forward: ack is " + WithArticle(MsgTypeName(v.type)) + ", want a str"));
      }
      chunk.assign(v.data);
      found = true;
    } else {
      RUNNEL_RETURN_IF_ERROR(r.Skip());
    }
  }
  if (!r.AtEnd()) {
    return Err(
        DataLoss("forward: " + std::to_string(r.remaining()) + " bytes after the ack response"));
  }
  if (!found) {
    return Err(DataLoss("forward: response has no ack"));
  }
  return chunk;
}

}  // namespace runnel::forward

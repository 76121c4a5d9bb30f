#pragma once
// The sender side of the Fluent Forward protocol v1: batches to PackedForward frames, and the
// `{"ack": chunk}` response a receiver sends back.
//
// Frames are
//   [tag, bin(entries), {"size": n, "chunk": "<base64 id>"}]                       (none)
//   [tag, bin(compressed entries), {"size": n, "chunk": "<id>", "compressed": "gzip"|"zstd"}]
// which Fluentd, Fluent Bit and runnel receivers all accept ("zstd" only runnel).
// Thread-compatible: one encoder per sending thread (it owns its compression contexts).

#include <string>
#include <string_view>

#include "runnel/batch.h"
#include "runnel/forward/compression.h"
#include "runnel/status.h"

namespace runnel::forward {

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(std::string_view bytes);

// The `chunk` option for a batch: base64 of its 16-byte id, hi then lo, big-endian (24 chars).
std::string ChunkIdFor(const BatchId& id);

// Appends one PackedForward frame to `out` whose entries are already in the form `compression`
// says (e.g. a batch sealed and compressed once). `count` entries; an empty `chunk` is left out.
void AppendPackedForward(std::string_view tag, std::string_view payload, uint32_t count,
                         std::string_view chunk, Compression compression, std::string* out);

class FrameEncoder {
 public:
  explicit FrameEncoder(Compression compression = Compression::kNone, int level = 0)
      : compression_(compression), compressor_(level) {}

  // Appends the frame for `batch` to `out`, with `chunk` = ChunkIdFor(batch.id) when `with_chunk`.
  // Internal only when the compression library fails.
  Status Encode(const Batch& batch, bool with_chunk, std::string* out);

  Compression compression() const { return compression_; }

 private:
  Compression compression_;
  Compressor compressor_;
  std::string scratch_;
};

// `{"ack": "<chunk>"}`.
std::string EncodeAck(std::string_view chunk);
// The chunk of an ack response (one complete msgpack object, e.g. from the NextRaw of a
// FrameDecoder on the client side); DataLoss when it is not a map with a str `ack`.
Result<std::string> DecodeAck(std::string_view frame);

}  // namespace runnel::forward

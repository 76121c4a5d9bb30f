#pragma once
// Compression of Forward entries: gzip (what Fluentd and Fluent Bit speak) and zstd (between
// runnel peers). Decompression is bounded: it stops at a byte limit, so a compression bomb
// costs at most that much memory.
//
// Thread-compatible: one object per thread. The objects keep their zlib/zstd contexts and reuse
// them for every call, so a call allocates nothing beyond the growth of its output string.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::forward {

enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
std::string_view CompressionName(Compression c);

// Compresses whole buffers. Reuses one zstd context and one zlib stream.
class Compressor {
 public:
  // `level`: 0 means the library default (gzip 6, zstd 3).
  explicit Compressor(int level = 0);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Appends the compressed form of `in` to `out`: one gzip member (RFC 1952, mtime 0) or one
  // zstd frame with its content size. kNone appends `in` as it is. Internal on a library error.
  Status Compress(Compression c, std::string_view in, std::string* out);

 private:
  struct State;
  int level_;
  std::unique_ptr<State> state_;
};

// Decompresses whole buffers into a caller-owned string, at most `max_bytes` of output.
class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Replaces `*out` with the decompressed `in`. gzip: one or more concatenated gzip members;
  // zstd: one or more concatenated frames. DataLoss when the data is corrupt or truncated, or
  // when the output would exceed `max_bytes` ("... exceeds the limit of N bytes"); decompression
  // stops there, so at most `max_bytes` (plus one internal block) is ever allocated.
  Status Decompress(Compression c, std::string_view in, size_t max_bytes, std::string* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace runnel::forward

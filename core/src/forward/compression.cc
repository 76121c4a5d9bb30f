#include "runnel/forward/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>

namespace runnel::forward {
namespace {

constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // 16: gzip wrapper, not zlib
constexpr size_t kFirstBlock = 16 * 1024;
// A zstd frame may ask for a window of up to 2 GiB; nothing we or Fluent peers send needs more
// than 16 MiB (level 19 uses 8 MiB), and this bounds what a hostile frame makes us allocate.
constexpr int kZstdWindowLogMax = 24;

Status LimitError(std::string_view what, size_t max_bytes) {
  return DataLoss(std::string(what) + ": decompressed data exceeds the limit of " +
                  std::to_string(max_bytes) + " bytes");
}

// Makes room after `produced` bytes in `out`, never growing it beyond max_bytes + 1 (one byte
// past the limit is how we learn that the limit is exceeded).
void Grow(std::string* out, size_t produced, size_t max_bytes) {
  if (produced < out->size()) {
    return;
  }
  const size_t cap = max_bytes == SIZE_MAX ? max_bytes : max_bytes + 1;
  out->resize(std::min(cap, std::max(out->size() * 2, kFirstBlock)));
}

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

struct Compressor::State {
  z_stream deflate{};
  bool deflate_ready = false;
  ZSTD_CCtx* cctx = nullptr;
};

Compressor::Compressor(int level) : level_(level), state_(std::make_unique<State>()) {}

Compressor::~Compressor() {
  if (state_->deflate_ready) {
    deflateEnd(&state_->deflate);
  }
  ZSTD_freeCCtx(state_->cctx);
}

Status Compressor::Compress(Compression c, std::string_view in, std::string* out) {
  if (c == Compression::kNone) {
    out->append(in);
    return OkStatus();
  }
  if (in.size() > UINT_MAX) {
    return InvalidArgument("compress: input of " + std::to_string(in.size()) + " bytes is too big");
  }
  const size_t start = out->size();
  if (c == Compression::kGzip) {
    z_stream* zs = &state_->deflate;
    if (!state_->deflate_ready) {
      int level = level_ == 0 ? Z_DEFAULT_COMPRESSION : level_;
      if (deflateInit2(zs, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Internal("gzip: deflateInit2 failed");
      }
      state_->deflate_ready = true;
    } else {
      deflateReset(zs);
    }
    const size_t bound = deflateBound(zs, static_cast<uLong>(in.size()));
    out->resize(start + bound);
    zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs->avail_in = static_cast<uInt>(in.size());
    zs->next_out = reinterpret_cast<Bytef*>(out->data() + start);
    zs->avail_out = static_cast<uInt>(bound);
    int rc = deflate(zs, Z_FINISH);
    if (rc != Z_STREAM_END) {
      out->resize(start);
      return Internal("gzip: deflate failed (" + std::to_string(rc) + ")");
    }
    out->resize(start + zs->total_out);
    return OkStatus();
  }
  if (state_->cctx == nullptr) {
    state_->cctx = ZSTD_createCCtx();
    if (state_->cctx == nullptr) {
      return Internal("zstd: cannot create a compression context");
    }
    ZSTD_CCtx_setParameter(state_->cctx, ZSTD_c_compressionLevel,
                           level_ == 0 ? ZSTD_CLEVEL_DEFAULT : level_);
  }
  const size_t bound = ZSTD_compressBound(in.size());
  out->resize(start + bound);
  size_t n = ZSTD_compress2(state_->cctx, out->data() + start, bound, in.data(), in.size());
  if (ZSTD_isError(n)) {
    out->resize(start);
    return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out->resize(start + n);
  return OkStatus();
}

struct Decompressor::State {
  z_stream inflate{};
  bool inflate_ready = false;
  ZSTD_DCtx* dctx = nullptr;
};

Decompressor::Decompressor() : state_(std::make_unique<State>()) {}

Decompressor::~Decompressor() {
  if (state_->inflate_ready) {
    inflateEnd(&state_->inflate);
  }
  ZSTD_freeDCtx(state_->dctx);
}

namespace {

Status Gunzip(z_stream* zs, std::string_view in, size_t max_bytes, std::string* out) {
  if (in.size() > UINT_MAX) {
    return DataLoss("gzip: compressed data of " + std::to_string(in.size()) + " bytes");
  }
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs->avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  for (;;) {
    Grow(out, produced, max_bytes);  // always leaves room: produced <= max_bytes < size
    const size_t room = std::min<size_t>(out->size() - produced, UINT_MAX);
    zs->next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    zs->avail_out = static_cast<uInt>(room);
    const int rc = inflate(zs, Z_NO_FLUSH);
    produced += room - zs->avail_out;
    if (produced > max_bytes) {
      return LimitError("gzip", max_bytes);
    }
    if (rc == Z_STREAM_END) {
      if (zs->avail_in == 0) {
        break;
      }
      inflateReset(zs);  // another gzip member follows
      continue;
    }
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs->avail_out == 0)) {
      continue;
    }
    if (rc == Z_BUF_ERROR) {
      return DataLoss("gzip: truncated data");  // no input left inside a member
    }
    return DataLoss(std::string("gzip: corrupt data (") +
                    (zs->msg != nullptr ? zs->msg : "error " + std::to_string(rc)) + ")");
  }
  out->resize(produced);
  return OkStatus();
}

Status Unzstd(ZSTD_DCtx* dctx, std::string_view in, size_t max_bytes, std::string* out) {
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t hint = 1;  // 0 once the last frame is complete
  while (input.pos < input.size || hint != 0) {
    Grow(out, produced, max_bytes);
    ZSTD_outBuffer output{out->data() + produced, out->size() - produced, 0};
    const size_t in_before = input.pos;
    hint = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(hint)) {
      return DataLoss(std::string("zstd: corrupt data (") + ZSTD_getErrorName(hint) + ")");
    }
    produced += output.pos;
    if (produced > max_bytes) {
      return LimitError("zstd", max_bytes);
    }
    if (hint != 0 && input.pos == input.size && output.pos < output.size &&
        input.pos == in_before) {
      return DataLoss("zstd: truncated data");
    }
  }
  out->resize(produced);
  return OkStatus();
}

}  // namespace

Status Decompressor::Decompress(Compression c, std::string_view in, size_t max_bytes,
                                std::string* out) {
  out->clear();
  switch (c) {
    case Compression::kNone:
      if (in.size() > max_bytes) {
        return LimitError("none", max_bytes);
      }
      out->assign(in);
      return OkStatus();
    case Compression::kGzip:
      if (!state_->inflate_ready) {
        if (inflateInit2(&state_->inflate, kGzipWindowBits) != Z_OK) {
          return Internal("gzip: inflateInit2 failed");
        }
        state_->inflate_ready = true;
      } else {
        inflateReset(&state_->inflate);
      }
      if (in.empty()) {
        return DataLoss("gzip: empty data");
      }
      return Gunzip(&state_->inflate, in, max_bytes, out);
    case Compression::kZstd:
      if (state_->dctx == nullptr) {
        state_->dctx = ZSTD_createDCtx();
        if (state_->dctx == nullptr) {
          return Internal("zstd: cannot create a decompression context");
        }
        ZSTD_DCtx_setParameter(state_->dctx, ZSTD_d_windowLogMax, kZstdWindowLogMax);
      } else {
        ZSTD_DCtx_reset(state_->dctx, ZSTD_reset_session_only);
      }
      if (in.empty()) {
        return DataLoss("zstd: empty data");
      }
      return Unzstd(state_->dctx, in, max_bytes, out);
  }
  return Internal("unknown compression");
}

}  // namespace runnel::forward

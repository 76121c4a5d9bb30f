#pragma once
// Compressed test inputs made with zlib and libzstd directly, independent of runnel's own
// compressors. A test target using these links ZLIB::ZLIB and PkgConfig::ZSTD.
// A compression failure is a gtest failure (EXPECT) in the calling test.

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <string_view>

namespace runnel::testing {

// `in` deflated at level 6. `window_bits` is zlib's: 15 + 16 (the default) makes one gzip
// member, 15 a zlib stream, -15 raw deflate.
inline std::string Gzip(std::string_view in, int window_bits = 15 + 16) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// `in` as one zstd frame at level 3.
inline std::string Zstd(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

}  // namespace runnel::testing

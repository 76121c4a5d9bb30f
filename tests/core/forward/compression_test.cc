#include "runnel/forward/compression.h"

#include <gtest/gtest.h>

#include <string>

#include "runnel/forward/frame_decoder.h"
#include "tests/core/forward/forward_test_util.h"
#include "tests/testing/compress.h"

namespace runnel::forward {
namespace {

using testing::Entry;
using testing::FromHex;
using testing::kRecordKV;
using testing::kRecordKW;
using testing::kTimeExt;
using testing::kTimeInt;
using testing::ToHex;

// Gzip (one gzip member) and Zstd (one zstd frame) come from zlib and libzstd directly,
// independent of our Compressor.
using runnel::testing::Gzip;
using runnel::testing::Zstd;

// [tag "app", bin payload, {"size": size, "compressed": name}]: headers by hand.
std::string CompressedFrame(std::string_view payload, int size, std::string_view name) {
  std::string f = FromHex("93 a3 617070");
  if (payload.size() < 256) {
    f += FromHex("c4");
    f.push_back(static_cast<char>(payload.size()));
  } else {
    f += FromHex("c5");
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  }
  f += payload;
  f += FromHex("82 a4 73697a65");
  f.push_back(static_cast<char>(size));
  f += FromHex("aa 636f6d70726573736564");  // "compressed"
  f.push_back(static_cast<char>(0xa0 | name.size()));
  f += name;
  return f;
}

Result<EventFrame> DecodeFrame(std::string_view frame, DecoderLimits limits = {}) {
  Decompressor d;
  std::string scratch;
  return DecodeEventFrame(frame, limits, d, &scratch);
}

const std::string kEntryV = Entry(kTimeExt, kRecordKV);
const std::string kEntryWInt = FromHex("92 ce 6553f100 81 a16b a177");
const std::string kEntryW = Entry("d7 00 6553f100 00000000", kRecordKW);

TEST(CompressedPackedForward, GzipSeveralMembers) {
  // Fluentd appends one gzip member per chunk write: two members, one entry each.
  const std::string payload = Gzip(kEntryV) + Gzip(kEntryWInt);
  auto f = DecodeFrame(CompressedFrame(payload, 2, "gzip"));
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->mode, Mode::kCompressedPackedForward);
  EXPECT_EQ(f->options.compressed, Compression::kGzip);
  EXPECT_EQ(f->batch.count, 2u);
  EXPECT_EQ(ToHex(f->batch.data), ToHex(kEntryV + kEntryW));
}

TEST(CompressedPackedForward, Zstd) {
  auto f = DecodeFrame(CompressedFrame(Zstd(kEntryV + kEntryWInt), 2, "zstd"));
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->mode, Mode::kCompressedPackedForward);
  EXPECT_EQ(f->options.compressed, Compression::kZstd);
  EXPECT_EQ(ToHex(f->batch.data), ToHex(kEntryV + kEntryW));
}

// Entries that need no rewriting (a runnel sender's): the payload is kept, compressed, for a disk
// buffer or a forward output to use as it is. Rewritten ones (an integer time) and gzip: not.
TEST(CompressedPackedForward, ZstdPayloadIsKeptOnlyWhenTheEntriesAreUnchanged) {
  const std::string unchanged = Zstd(kEntryV + kEntryW);
  auto f = DecodeFrame(CompressedFrame(unchanged, 2, "zstd"));
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  ASSERT_NE(f->zstd_payload, nullptr);
  EXPECT_EQ(ToHex(*f->zstd_payload), ToHex(unchanged));
  EXPECT_EQ(ToHex(f->batch.data), ToHex(kEntryV + kEntryW));

  auto rewritten = DecodeFrame(CompressedFrame(Zstd(kEntryV + kEntryWInt), 2, "zstd"));
  ASSERT_TRUE(rewritten.has_value());
  EXPECT_EQ(rewritten->zstd_payload, nullptr);
  auto gzip = DecodeFrame(CompressedFrame(Gzip(kEntryV + kEntryW), 2, "gzip"));
  ASSERT_TRUE(gzip.has_value());
  EXPECT_EQ(gzip->zstd_payload, nullptr);
}

TEST(CompressedPackedForward, GzipBombStopsAtTheLimit) {
  const std::string zeros(1 << 20, '\0');
  DecoderLimits limits;
  limits.max_decompressed_bytes = 4096;
  auto f = DecodeFrame(CompressedFrame(Gzip(zeros), 1, "gzip"), limits);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(f.error().message(),
            "forward: gzip: decompressed data exceeds the limit of 4096 bytes");

  auto z = DecodeFrame(CompressedFrame(Zstd(zeros), 1, "zstd"), limits);
  ASSERT_FALSE(z.has_value());
  EXPECT_EQ(z.error().message(),
            "forward: zstd: decompressed data exceeds the limit of 4096 bytes");
}

TEST(Decompressor, NeverAllocatesFarPastTheLimit) {
  const std::string zeros(8 << 20, '\0');
  Decompressor d;
  std::string out;
  Status s = d.Decompress(Compression::kGzip, Gzip(zeros), 100000, &out);
  EXPECT_EQ(s.message(), "gzip: decompressed data exceeds the limit of 100000 bytes");
  EXPECT_LE(out.size(), 100001u);
  out = std::string();
  s = d.Decompress(Compression::kZstd, Zstd(zeros), 100000, &out);
  EXPECT_EQ(s.message(), "zstd: decompressed data exceeds the limit of 100000 bytes");
  EXPECT_LE(out.size(), 100001u);
  // Exactly at the limit is fine, and the same object keeps working after an error.
  ASSERT_TRUE(d.Decompress(Compression::kGzip, Gzip(zeros.substr(0, 100000)), 100000, &out).ok());
  EXPECT_EQ(out.size(), 100000u);
  ASSERT_TRUE(d.Decompress(Compression::kZstd, Zstd(zeros.substr(0, 100000)), 100000, &out).ok());
  EXPECT_EQ(out.size(), 100000u);
}

TEST(Decompressor, CorruptAndTruncatedData) {
  Decompressor d;
  std::string out;
  const std::string gz = Gzip("hello hello hello hello");
  Status s = d.Decompress(Compression::kGzip, gz.substr(0, gz.size() - 6), 1000, &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "gzip: truncated data");
  s = d.Decompress(Compression::kGzip, "not gzip at all", 1000, &out);
  EXPECT_EQ(s.message(), "gzip: corrupt data (incorrect header check)");
  s = d.Decompress(Compression::kGzip, "", 1000, &out);
  EXPECT_EQ(s.message(), "gzip: empty data");

  const std::string zs = Zstd("hello hello hello hello");
  s = d.Decompress(Compression::kZstd, zs.substr(0, zs.size() - 3), 1000, &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "zstd: truncated data");
  s = d.Decompress(Compression::kZstd, "not zstd at all", 1000, &out);
  EXPECT_EQ(s.message(), "zstd: corrupt data (Unknown frame descriptor)");
  ASSERT_TRUE(d.Decompress(Compression::kZstd, zs + zs, 1000, &out).ok());
  EXPECT_EQ(out, "hello hello hello hellohello hello hello hello");
}

TEST(Compressor, OutputIsReadableByTheLibrariesThemselves) {
  Compressor c;
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text += "line " + std::to_string(i) + "\n";
  }
  std::string gz;
  ASSERT_TRUE(c.Compress(Compression::kGzip, text, &gz).ok());
  EXPECT_EQ(ToHex(gz.substr(0, 3)), "1f8b08");  // gzip magic, deflate
  std::string back(text.size(), '\0');
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(back.data());
  zs.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  inflateEnd(&zs);
  EXPECT_EQ(back, text);

  std::string z;
  ASSERT_TRUE(c.Compress(Compression::kZstd, text, &z).ok());
  EXPECT_EQ(ZSTD_getFrameContentSize(z.data(), z.size()), text.size());
  std::string zback(text.size(), '\0');
  EXPECT_EQ(ZSTD_decompress(zback.data(), zback.size(), z.data(), z.size()), text.size());
  EXPECT_EQ(zback, text);

  // The contexts are reused: a second call appends a second, independent member.
  ASSERT_TRUE(c.Compress(Compression::kGzip, "x", &gz).ok());
  Decompressor d;
  std::string out;
  ASSERT_TRUE(d.Decompress(Compression::kGzip, gz, 1 << 20, &out).ok());
  EXPECT_EQ(out, text + "x");

  std::string none = "a";
  ASSERT_TRUE(c.Compress(Compression::kNone, "bc", &none).ok());
  EXPECT_EQ(none, "abc");
  EXPECT_EQ(CompressionName(Compression::kZstd), "zstd");
}

}  // namespace
}  // namespace runnel::forward

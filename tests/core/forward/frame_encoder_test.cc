#include "runnel/forward/frame_encoder.h"

#include <gtest/gtest.h>

#include <string>

#include "runnel/forward/frame_decoder.h"
#include "tests/core/forward/forward_test_util.h"

namespace runnel::forward {
namespace {

using testing::Entry;
using testing::FromHex;
using testing::kRecordKV;
using testing::kRecordKW;
using testing::kTimeExt;
using testing::ToHex;

Batch TestBatch() {
  Batch b;
  b.tag = "app";
  b.id = BatchId{0x0001020304050607, 0x08090a0b0c0d0e0f};
  b.data = Entry(kTimeExt, kRecordKV);
  b.count = 1;
  return b;
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("\xff\xfe\xfd\xfc"), "//79/A==");
}

TEST(FrameEncoder, ChunkIdIsBase64OfTheBatchIdBigEndian) {
  EXPECT_EQ(ChunkIdFor(TestBatch().id), "AAECAwQFBgcICQoLDA0ODw==");
}

TEST(FrameEncoder, PackedForwardWithSizeAndChunkExactBytes) {
  FrameEncoder enc;
  std::string out = "prefix";
  ASSERT_TRUE(enc.Encode(TestBatch(), /*with_chunk=*/true, &out).ok());
  const std::string want = "prefix" + FromHex(
                                          "93 a3 617070"
                                          "c4 10 92 d7 00 6553f100 075bcd15 81 a16b a176"
                                          "82 a4 73697a65 01"
                                          "a5 6368756e6b b8 41414543417751464267634943516f4c"
                                          "4441304f44773d3d");
  EXPECT_EQ(ToHex(out), ToHex(want));

  std::string no_chunk;
  ASSERT_TRUE(enc.Encode(TestBatch(), /*with_chunk=*/false, &no_chunk).ok());
  EXPECT_EQ(ToHex(no_chunk),
            ToHex(FromHex("93 a3 617070 c4 10 92 d7 00 6553f100 075bcd15 81 a16b a176"
                          "81 a4 73697a65 01")));
}

TEST(FrameEncoder, AppendPackedForwardNamesTheCompression) {
  std::string out;
  AppendPackedForward("t", "XY", 7, "", Compression::kGzip, &out);
  // [ "t", bin "XY", {"size": 7, "compressed": "gzip"} ]
  EXPECT_EQ(ToHex(out),
            ToHex(FromHex("93 a1 74 c4 02 5859 82 a4 73697a65 07 aa 636f6d70726573736564 a4 "
                          "677a6970")));
}

TEST(FrameEncoder, RoundTripsThroughTheDecoderInEveryCompression) {
  Batch batch = TestBatch();
  BatchBuilder builder(&batch);
  for (int i = 0; i < 500; ++i) {
    builder.BeginEntry(EventTime{1700000000u + i, 5}, 1);
    builder.writer().Str("log");
    builder.writer().Str("line number " + std::to_string(i));
  }
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    FrameEncoder enc(c);
    std::string wire;
    ASSERT_TRUE(enc.Encode(batch, true, &wire).ok());
    ASSERT_TRUE(enc.Encode(batch, true, &wire).ok());  // two frames back to back
    FrameDecoder dec;
    for (size_t i = 0; i < wire.size(); i += 7) {
      dec.Feed(std::string_view(wire).substr(i, 7));
    }
    for (int n = 0; n < 2; ++n) {
      auto f = dec.Next();
      ASSERT_TRUE(f.has_value()) << f.error().ToString();
      ASSERT_TRUE(f->has_value());
      EXPECT_EQ((*f)->mode,
                c == Compression::kNone ? Mode::kPackedForward : Mode::kCompressedPackedForward);
      EXPECT_EQ((*f)->options.compressed, c);
      EXPECT_EQ((*f)->options.chunk, "AAECAwQFBgcICQoLDA0ODw==");
      EXPECT_EQ((*f)->options.size, 501u);
      EXPECT_EQ((*f)->batch.tag, "app");
      EXPECT_EQ((*f)->batch.count, 501u);
      EXPECT_EQ((*f)->batch.data, batch.data);
    }
    auto end = dec.Next();
    ASSERT_TRUE(end.has_value());
    EXPECT_FALSE(end->has_value());
  }
}

TEST(Ack, ExactBytesAndDecoding) {
  EXPECT_EQ(ToHex(EncodeAck("abc")), "81a361636ba3616263");  // {"ack": "abc"}
  auto chunk = DecodeAck(FromHex("81 a3 61636b a3 616263"));
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(*chunk, "abc");
  // Other keys are skipped; bin is accepted.
  chunk = DecodeAck(FromHex("82 a1 78 91 01 a3 61636b c4 02 6869"));
  ASSERT_TRUE(chunk.has_value()) << chunk.error().ToString();
  EXPECT_EQ(*chunk, "hi");

  EXPECT_EQ(DecodeAck(FromHex("91 01")).error().message(),
            "forward: ack response is an array, want a map");
  EXPECT_EQ(DecodeAck(FromHex("81 a3 61636b 05")).error().message(),
            "forward: ack is an int, want a str");
  EXPECT_EQ(DecodeAck(FromHex("80")).error().message(), "forward: response has no ack");
  EXPECT_EQ(DecodeAck(FromHex("81 a3 61636b a3 6162")).error().code(), StatusCode::kDataLoss);
}

TEST(Ack, ChunkOfADecodedFrameComesBackInTheAck) {
  std::string wire;
  FrameEncoder enc;
  ASSERT_TRUE(enc.Encode(TestBatch(), true, &wire).ok());
  FrameDecoder server;
  server.Feed(wire);
  auto f = server.Next();
  ASSERT_TRUE(f.has_value() && f->has_value());
  FrameDecoder client({}, Side::kClient);
  client.Feed(EncodeAck((*f)->options.chunk));
  auto raw = client.NextRaw();
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  auto chunk = DecodeAck(**raw);
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(*chunk, ChunkIdFor(TestBatch().id));
}

}  // namespace
}  // namespace runnel::forward

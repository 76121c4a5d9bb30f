// Garbage in, an error or "need more bytes" out: never a crash, a hang or a read out of bounds
// (the sanitizer build runs this too). A fixed seed keeps failures reproducible.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "runnel/forward/frame_decoder.h"
#include "runnel/forward/frame_encoder.h"
#include "runnel/forward/handshake.h"
#include "tests/core/forward/forward_test_util.h"

namespace runnel::forward {
namespace {

using testing::FromHex;

struct Outcome {
  int frames = 0;
  bool error = false;
  std::string message;
};

// Feeds `bytes` in pieces of random size and drains the decoder after each.
Outcome Drain(std::string_view bytes, std::mt19937& rng, const DecoderLimits& limits) {
  FrameDecoder decoder(limits);
  Outcome out;
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t n = std::min<size_t>(bytes.size() - i, 1 + rng() % 64);
    decoder.Feed(bytes.substr(i, n));
    i += n;
    while (true) {
      auto frame = decoder.Next();
      if (!frame) {
        EXPECT_EQ(frame.error().code(), StatusCode::kDataLoss);
        EXPECT_TRUE(frame.error().message().starts_with("forward: ")) << frame.error().message();
        out.error = true;
        out.message = frame.error().message();
        return out;
      }
      if (!*frame) {
        break;
      }
      ++out.frames;
      // Whatever was accepted is a well-formed batch.
      BatchReader reader((*frame)->batch.data);
      uint32_t entries = 0;
      while (!reader.AtEnd()) {
        EventTime t;
        std::string_view record;
        EXPECT_TRUE(reader.Next(&t, &record).ok());
        ++entries;
      }
      EXPECT_EQ(entries, (*frame)->batch.count);
    }
  }
  return out;
}

std::vector<std::string> ValidFrames() {
  std::vector<std::string> frames = {
      FromHex("93 a3617070 d7 00 6553f100 075bcd15 81 a16b a176"),
      FromHex("94 a3617070 ce 6553f100 81 a16b a176 81 a5 6368756e6b a3 616263"),
      FromHex("93 a3617070 92 92 d7 00 6553f100 075bcd15 81 a16b a176 92 05 80"
              "82 a4 73697a65 02 a5 6368756e6b a3 616263"),
      FromHex("93 a3617070 c4 12 92 92 d7 00 6553f100 075bcd15 80 81 a16b a176 c0"),
  };
  Batch batch;
  batch.tag = "x";
  BatchBuilder b(&batch);
  for (int i = 0; i < 20; ++i) {
    b.BeginEntry(EventTime{static_cast<uint32_t>(i), 0}, 1);
    b.writer().Str("msg");
    b.writer().Str(std::string(i, 'a'));
  }
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    FrameEncoder enc(c);
    std::string wire;
    EXPECT_TRUE(enc.Encode(batch, true, &wire).ok());
    frames.push_back(wire);
  }
  return frames;
}

TEST(Garbage, RandomBytesNeverCrash) {
  std::mt19937 rng(20240601);
  DecoderLimits limits;
  limits.max_frame_bytes = 4096;
  limits.max_decompressed_bytes = 1 << 16;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes(rng() % 512, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(rng());
    }
    // Half the rounds start like a frame, so the decoder gets past the first byte.
    if (round % 2 == 0 && !bytes.empty()) {
      bytes[0] = static_cast<char>(0x92 + rng() % 3);
      if (bytes.size() > 4) {
        bytes.replace(1, 4, FromHex("a3617070"));
      }
    }
    Drain(bytes, rng, limits);
  }
}

TEST(Garbage, TruncatedValidFramesNeedMoreBytes) {
  std::mt19937 rng(7);
  Decompressor decompressor;
  std::string scratch;
  for (const std::string& frame : ValidFrames()) {
    Outcome whole = Drain(frame, rng, {});
    EXPECT_EQ(whole.frames, 1);
    EXPECT_FALSE(whole.error) << whole.message;
    for (size_t n = 0; n < frame.size(); ++n) {
      const std::string_view prefix = std::string_view(frame).substr(0, n);
      Outcome part = Drain(prefix, rng, {});
      EXPECT_EQ(part.frames, 0) << n;
      EXPECT_FALSE(part.error) << n << ": " << part.message;  // a prefix of a valid frame is "need more", not an error
      // Decoded directly as if complete, a prefix is an error.
      if (n > 0) {
        auto direct = DecodeEventFrame(prefix, {}, decompressor, &scratch);
        EXPECT_FALSE(direct.has_value()) << n;
      }
    }
  }
}

TEST(Garbage, MutatedValidFramesNeverCrash) {
  std::mt19937 rng(99);
  DecoderLimits limits;
  limits.max_decompressed_bytes = 1 << 16;
  const std::vector<std::string> frames = ValidFrames();
  for (int round = 0; round < 5000; ++round) {
    std::string bytes = frames[rng() % frames.size()];
    const int flips = 1 + rng() % 4;
    for (int i = 0; i < flips; ++i) {
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    }
    if (rng() % 4 == 0) {
      bytes.resize(rng() % bytes.size());
    }
    Drain(bytes, rng, limits);
    // The handshake and ack decoders take the same garbage.
    (void)DecodeHelo(bytes);
    (void)DecodePing(bytes);
    (void)DecodePong(bytes);
    (void)DecodeAck(bytes);
  }
}

}  // namespace
}  // namespace runnel::forward

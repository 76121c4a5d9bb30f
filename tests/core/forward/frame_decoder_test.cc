#include "runnel/forward/frame_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/core/forward/forward_test_util.h"

namespace runnel::forward {
namespace {

using testing::Entry;
using testing::FromHex;
using testing::kRecordKV;
using testing::kRecordKW;
using testing::kTagApp;
using testing::kTimeExt;
using testing::kTimeExt8;
using testing::kTimeInt;
using testing::ToHex;

std::string H(std::initializer_list<std::string_view> parts) {
  std::string hex;
  for (std::string_view p : parts) {
    hex.append(p);
    hex.push_back(' ');
  }
  return FromHex(hex);
}

// The entries every test expects: 1700000000.123456789 {"k":"v"}, then 1700000000 {"k":"w"}.
const std::string kEntryV = Entry(kTimeExt, kRecordKV);
const std::string kEntryW = Entry("d7 00 6553f100 00000000", kRecordKW);

struct Decoded {
  std::vector<EventFrame> frames;
  Status error;
};

// Feeds `bytes` `step` bytes at a time, taking every frame as soon as it is complete.
Decoded DecodeAll(std::string_view bytes, size_t step = SIZE_MAX, DecoderLimits limits = {}) {
  FrameDecoder decoder(limits);
  Decoded out;
  for (size_t i = 0; i < bytes.size(); i += std::min(step, bytes.size() - i)) {
    decoder.Feed(bytes.substr(i, std::min(step, bytes.size() - i)));
    while (true) {
      auto frame = decoder.Next();
      if (!frame) {
        out.error = frame.error();
        return out;
      }
      if (!*frame) {
        break;
      }
      out.frames.push_back(std::move(**frame));
    }
  }
  return out;
}

EventFrame DecodeOne(std::string_view bytes) {
  Decoded d = DecodeAll(bytes);
  EXPECT_TRUE(d.error.ok()) << d.error.ToString();
  EXPECT_EQ(d.frames.size(), 1u);
  return d.frames.empty() ? EventFrame{} : std::move(d.frames[0]);
}

Status DecodeError(std::string_view bytes, DecoderLimits limits = {}) {
  Decoded d = DecodeAll(bytes, SIZE_MAX, limits);
  EXPECT_TRUE(d.frames.empty());
  return d.error;
}

TEST(FrameDecoder, MessageMode) {
  EventFrame f = DecodeOne(H({"93", kTagApp, kTimeExt, kRecordKV}));
  EXPECT_EQ(f.mode, Mode::kMessage);
  EXPECT_EQ(f.batch.tag, "app");
  EXPECT_EQ(f.batch.count, 1u);
  EXPECT_EQ(ToHex(f.batch.data), ToHex(kEntryV));
  EXPECT_FALSE(f.options.size.has_value());
  EXPECT_EQ(f.options.chunk, "");
  EXPECT_EQ(f.options.compressed, Compression::kNone);
}

TEST(FrameDecoder, MessageModeWithChunkOption) {
  // option {"chunk": "abc"}
  EventFrame f = DecodeOne(H({"94", kTagApp, kTimeInt, kRecordKW, "81 a5 6368756e6b a3 616263"}));
  EXPECT_EQ(f.mode, Mode::kMessage);
  EXPECT_EQ(ToHex(f.batch.data), ToHex(kEntryW));
  EXPECT_EQ(f.options.chunk, "abc");
}

TEST(FrameDecoder, ForwardModeWithSizeAndChunk) {
  // [tag, [[time, rec], [time, rec]], {"size": 2, "chunk": "abc"}]
  EventFrame f = DecodeOne(H({"93", kTagApp, "92", "92", kTimeExt, kRecordKV, "92", kTimeInt,
                              kRecordKW, "82 a4 73697a65 02 a5 6368756e6b a3 616263"}));
  EXPECT_EQ(f.mode, Mode::kForward);
  EXPECT_EQ(f.batch.count, 2u);
  EXPECT_EQ(ToHex(f.batch.data), ToHex(kEntryV + kEntryW));
  EXPECT_EQ(f.options.size, 2u);
  EXPECT_EQ(f.options.chunk, "abc");
}

TEST(FrameDecoder, ForwardModeWithoutOption) {
  EventFrame f = DecodeOne(H({"92", kTagApp, "91", "92", kTimeExt, kRecordKV}));
  EXPECT_EQ(f.mode, Mode::kForward);
  EXPECT_EQ(ToHex(f.batch.data), ToHex(kEntryV));
}

// The two packed entries: 16 + 11 = 27 (0x1b) bytes.
std::string PackedHex() {
  return "92 " + std::string(kTimeExt) + " " + std::string(kRecordKV) + " 92 " +
         std::string(kTimeInt) + " " + std::string(kRecordKW);
}

TEST(FrameDecoder, PackedForwardBinStrAndStr8Payloads) {
  for (std::string_view header : {"c4 1b", "bb", "d9 1b"}) {
    EventFrame f = DecodeOne(H({"93", kTagApp, header, PackedHex(), "81 a4 73697a65 02"}));
    EXPECT_EQ(f.mode, Mode::kPackedForward) << header;
    EXPECT_EQ(f.batch.tag, "app");
    EXPECT_EQ(f.batch.count, 2u);
    EXPECT_EQ(ToHex(f.batch.data), ToHex(kEntryV + kEntryW)) << header;
    EXPECT_EQ(f.options.size, 2u);
  }
}

TEST(FrameDecoder, PackedForwardEmptyAndNilOption) {
  EventFrame f = DecodeOne(H({"93", kTagApp, "c4 00", "c0"}));
  EXPECT_EQ(f.mode, Mode::kPackedForward);
  EXPECT_EQ(f.batch.count, 0u);
  EXPECT_EQ(f.batch.data, "");
}

TEST(FrameDecoder, EveryTimeForm) {
  struct Case {
    std::string_view time_hex;
    std::string_view want_hex;  // the fixext8 the batch holds
  } cases[] = {
      {kTimeExt, "d7 00 6553f100 075bcd15"},                         // fixext8 EventTime
      {kTimeExt8, "d7 00 6553f100 075bcd15"},                        // ext8 EventTime
      {kTimeInt, "d7 00 6553f100 00000000"},                         // uint32 seconds
      {"05", "d7 00 00000005 00000000"},                             // positive fixint seconds
      {"cd 0102", "d7 00 00000102 00000000"},                        // uint16 seconds
      {"92 d7 00 6553f100 075bcd15 80", "d7 00 6553f100 075bcd15"},  // Fluent Bit, no metadata
      {"92 d7 00 6553f100 075bcd15 81 a16d 91 a16e", "d7 00 6553f100 075bcd15"},  // metadata
      {"92 ce 6553f100 80", "d7 00 6553f100 00000000"},  // Fluent Bit with integer time
  };
  for (const Case& c : cases) {
    const std::string want = Entry(c.want_hex, kRecordKV);
    // Message mode takes the plain forms only; Forward and PackedForward take all.
    if (c.time_hex[0] != '9') {
      EventFrame m = DecodeOne(H({"93", kTagApp, c.time_hex, kRecordKV}));
      EXPECT_EQ(ToHex(m.batch.data), ToHex(want)) << c.time_hex;
    }
    EventFrame fw = DecodeOne(H({"92", kTagApp, "91 92", c.time_hex, kRecordKV}));
    EXPECT_EQ(ToHex(fw.batch.data), ToHex(want)) << c.time_hex;
    const std::string entry = H({"92", c.time_hex, kRecordKV});
    std::string frame = H({"92", kTagApp, "c4"});
    frame.push_back(static_cast<char>(entry.size()));
    frame += entry;
    EventFrame p = DecodeOne(frame);
    EXPECT_EQ(ToHex(p.batch.data), ToHex(want)) << c.time_hex;
  }
}

TEST(FrameDecoder, KeepaliveNilsBetweenFrames) {
  const std::string bytes = H({"c0 c0", "93", kTagApp, kTimeExt, kRecordKV, "c0", "92", kTagApp,
                               "91 92", kTimeInt, kRecordKW, "c0 c0 c0"});
  FrameDecoder decoder;
  decoder.Feed(bytes);
  auto a = decoder.Next();
  ASSERT_TRUE(a.has_value() && a->has_value());
  EXPECT_EQ(ToHex((*a)->batch.data), ToHex(kEntryV));
  auto b = decoder.Next();
  ASSERT_TRUE(b.has_value() && b->has_value());
  EXPECT_EQ(ToHex((*b)->batch.data), ToHex(kEntryW));
  auto c = decoder.Next();
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->has_value());
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoder, OneByteAtATimeGivesTheSameFrames) {
  const std::string bytes = H({"c0",
                               "93",
                               kTagApp,
                               kTimeExt,
                               kRecordKV,
                               "c0",
                               "93",
                               kTagApp,
                               "92",
                               "92",
                               kTimeExt,
                               kRecordKV,
                               "92",
                               kTimeInt,
                               kRecordKW,
                               "82 a4 73697a65 02 a5 6368756e6b a3 616263",
                               "93",
                               kTagApp,
                               "c4 1b",
                               PackedHex(),
                               "81 a4 73697a65 02",
                               "c0 c0"});
  Decoded whole = DecodeAll(bytes);
  Decoded bytewise = DecodeAll(bytes, 1);
  Decoded threes = DecodeAll(bytes, 3);
  ASSERT_TRUE(whole.error.ok()) << whole.error.ToString();
  ASSERT_TRUE(bytewise.error.ok()) << bytewise.error.ToString();
  ASSERT_TRUE(threes.error.ok()) << threes.error.ToString();
  ASSERT_EQ(whole.frames.size(), 3u);
  ASSERT_EQ(bytewise.frames.size(), 3u);
  ASSERT_EQ(threes.frames.size(), 3u);
  const Mode modes[] = {Mode::kMessage, Mode::kForward, Mode::kPackedForward};
  const std::string datas[] = {kEntryV, kEntryV + kEntryW, kEntryV + kEntryW};
  for (size_t i = 0; i < 3; ++i) {
    for (const Decoded* d : {&whole, &bytewise, &threes}) {
      EXPECT_EQ(d->frames[i].mode, modes[i]);
      EXPECT_EQ(d->frames[i].batch.tag, "app");
      EXPECT_EQ(ToHex(d->frames[i].batch.data), ToHex(datas[i]));
    }
  }
  EXPECT_EQ(bytewise.frames[1].options.chunk, "abc");
}

TEST(FrameDecoder, NextRawReturnsHandshakeFramesAndClientSideAcceptsMaps) {
  FrameDecoder server;
  // ["PING", "h"] is not an event; NextRaw gives its bytes as they are.
  const std::string ping = FromHex("92 a4 50494e47 a1 68");
  server.Feed(ping);
  auto raw = server.NextRaw();
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  EXPECT_EQ(**raw, ping);

  FrameDecoder client({}, Side::kClient);
  const std::string ack = FromHex("81 a3 61636b a3 616263");  // {"ack": "abc"}
  client.Feed(FromHex("c0") + ack + ack.substr(0, 3));
  auto first = client.NextRaw();
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ(**first, ack);
  auto second = client.NextRaw();
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->has_value());
  client.Feed(ack.substr(3));
  auto third = client.NextRaw();
  ASSERT_TRUE(third.has_value() && third->has_value());
  EXPECT_EQ(**third, ack);
}

TEST(FrameDecoder, SizeMismatchIsDataLoss) {
  Status s = DecodeError(H({"93", kTagApp, "c4 1b", PackedHex(), "81 a4 73697a65 03"}));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "forward: option size 3 does not match the 2 entries in the frame");
}

TEST(FrameDecoder, OverLongFrameIsRejectedFromItsHeader) {
  DecoderLimits limits;
  limits.max_frame_bytes = 64;
  const std::string want = "forward: frame exceeds the limit of 64 bytes";
  // A bin32 announcing 65536 bytes: rejected after its 5 header bytes, none of the payload sent.
  FrameDecoder d(limits);
  d.Feed(H({"93", kTagApp, "c6 00010000"}));
  auto r = d.Next();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.error().message(), want);
  // An array32 of a billion elements, a str8 of 200 bytes, a bin just over the limit.
  EXPECT_EQ(DecodeError(FromHex("dd 40000000"), limits).message(), want);
  EXPECT_EQ(DecodeError(H({"93", kTagApp, "d9 c8"}), limits).message(), want);
  EXPECT_EQ(DecodeError(H({"93", kTagApp, "c4 3a"}), limits).message(), want);  // 5 + 2 + 58
  // Exactly at the limit passes the splitter: 5 + 2 + 57 = 64 bytes (then fails as an entry).
  std::string frame = H({"92", kTagApp, "c4 39"}) + std::string(57, '\0');
  frame.replace(7, 2, FromHex("92 05"));
  Decoded ok = DecodeAll(frame, SIZE_MAX, limits);
  EXPECT_EQ(ok.error.message(), "forward: entry 0: record is an int, want a map");
}

TEST(FrameDecoder, MalformedMsgpack) {
  Status s = DecodeError(H({"92", kTagApp, "c1"}));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "forward: invalid msgpack type byte 0xc1 at byte 5 of the frame");
  // Inside a packed payload, which the stream splitter does not look into: a truncated entry.
  s = DecodeError(H({"92", kTagApp, "c4 05", "92 d7 00 6553"}));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "forward: entry 0: msgpack: truncated input at byte 1");
  s = DecodeError(H({"92", kTagApp, "c4 0c", "92", kTimeExt, "c1"}));
  EXPECT_EQ(s.message(), "forward: entry 0: msgpack: invalid type byte 0xc1 at byte 11");
}

TEST(FrameDecoder, TooDeepNesting) {
  DecoderLimits limits;
  limits.max_nesting = 3;
  // [tag, [[[ ... : the fourth array opens at byte 7.
  Status s = DecodeError(H({"92", kTagApp, "91 91 91 00"}), limits);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "forward: frame nesting deeper than 3 at byte 7 of the frame");
  // In a packed payload: entry 2, record 3, {"a": [ at 4.
  s = DecodeError(H({"92", kTagApp, "c4 10", "92", kTimeExt, "81 a161 91 01"}), limits);
  EXPECT_EQ(s.message(), "forward: entry 0: nesting deeper than 3 at byte 14");
  // Default limit (32): 40 nested arrays in a record are refused by the splitter.
  std::string deep = H({"93", kTagApp, kTimeExt, "81 a161"}) + std::string(40, '\x91') + '\0';
  s = DecodeError(deep);
  EXPECT_EQ(s.message(), "forward: frame nesting deeper than 32 at byte 48 of the frame");
}

TEST(FrameDecoder, WrongTopLevelTypes) {
  EXPECT_EQ(DecodeError(FromHex("a3 617070")).message(), "forward: frame is a str, want an array");
  EXPECT_EQ(DecodeError(FromHex("81 a3 61636b a3 616263")).message(),
            "forward: frame is a map, want an array");
  EXPECT_EQ(DecodeError(FromHex("05")).message(), "forward: frame is an int, want an array");
  EXPECT_EQ(DecodeError(FromHex("c3")).message(), "forward: frame is a bool, want an array");

  FrameDecoder client({}, Side::kClient);
  client.Feed(FromHex("c4 01 00"));
  auto r = client.NextRaw();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "forward: frame is a bin, want an array or a map");
}

TEST(FrameDecoder, WrongFrameShapes) {
  struct Case {
    std::string bytes;
    std::string message;
  } cases[] = {
      {FromHex("91 a3617070"),
       "forward: frame has 1 elements, want [tag, entries, option?] or [tag, time, record, "
       "option?]"},
      {FromHex("92 05 90"), "forward: tag is an int, want a str"},
      {H({"93", kTagApp, kTimeExt, "a178"}), "forward: record is a str, want a map"},
      {H({"93", kTagApp, "c0", kRecordKV}),
       "forward: second element is a nil, want a time, an array of entries, a bin or a str"},
      {H({"92", kTagApp, kTimeExt}),
       "forward: frame has 2 elements, want [tag, time, record, "
       "option?]"},
      {H({"94", kTagApp, "90 c0 c0"}),
       "forward: frame has 4 elements, want [tag, entries, "
       "option?]"},
      {H({"92", kTagApp, "91 05"}), "forward: entry 0: entry is an int, want [time, record]"},
      {H({"92", kTagApp, "92 92", kTimeExt, kRecordKV, "93 01 02 03"}),
       "forward: entry 1: entry is an array of 3, want [time, record]"},
      {H({"92", kTagApp, "91 92 a178", kRecordKV}),
       "forward: entry 0: msgpack: expected a time (EventTime or integer), got str"},
      {H({"92", kTagApp, "91 92 d7 05 0000000000000000", kRecordKV}),
       "forward: entry 0: msgpack: ext type 5 of 8 bytes is not an EventTime (type 0, 8 bytes)"},
      {H({"92", kTagApp, "91 92 91 05", kRecordKV}),
       "forward: entry 0: time is an array of 1, want [time, {metadata}]"},
      {H({"92", kTagApp, "91 92 92 05 05", kRecordKV}),
       "forward: entry 0: time metadata is an int, want a map"},
      {H({"93", kTagApp, "90 05"}), "forward: option is an int, want a map"},
      {H({"93", kTagApp, "90 81 a4 73697a65 a0"}),
       "forward: option size is a str, want an integer"},
      {H({"93", kTagApp, "c4 00 81 aa 636f6d70726573736564 a3 6c7a34"}),
       "forward: unsupported compression \"lz4\" (want gzip or zstd)"},
  };
  for (const Case& c : cases) {
    Status s = DecodeError(c.bytes);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << ToHex(c.bytes);
    EXPECT_EQ(s.message(), c.message) << ToHex(c.bytes);
  }
}

TEST(FrameDecoder, UnknownOptionsAreSkipped) {
  // {"x": {"y": [1]}, "size": 1}
  EventFrame f = DecodeOne(
      H({"93", kTagApp, "91 92", kTimeExt, kRecordKV, "82 a178 81 a179 91 01 a4 73697a65 01"}));
  EXPECT_EQ(f.options.size, 1u);
  EXPECT_EQ(ToHex(f.batch.data), ToHex(kEntryV));
}

TEST(FrameDecoder, AnErrorIsSticky) {
  FrameDecoder d;
  d.Feed(FromHex("05"));
  auto first = d.Next();
  ASSERT_FALSE(first.has_value());
  d.Feed(H({"93", kTagApp, kTimeExt, kRecordKV}));
  auto second = d.Next();
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error(), first.error());
}

}  // namespace
}  // namespace runnel::forward

#include "runnel/msgpack.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace runnel {
namespace {

std::string Hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

TEST(MsgpackWriter, UsesSmallestEncodings) {
  struct Case {
    int64_t value;
    std::string hex;
  } cases[] = {
      {0, "00"},           {127, "7f"},           {128, "cc80"},         {255, "ccff"},
      {256, "cd0100"},     {65536, "ce00010000"}, {-1, "ff"},            {-32, "e0"},
      {-33, "d0df"},       {-129, "d1ff7f"},      {-32769, "d2ffff7fff"},
      {4294967296, "cf0000000100000000"},        {INT64_MIN, "d38000000000000000"},
  };
  for (const Case& c : cases) {
    std::string out;
    MsgpackWriter(&out).Int(c.value);
    EXPECT_EQ(Hex(out), c.hex) << c.value;
  }
}

TEST(MsgpackWriter, StringHeaders) {
  std::string out;
  MsgpackWriter w(&out);
  w.Str("abc");
  EXPECT_EQ(Hex(out), "a3616263");
  out.clear();
  w.Str(std::string(32, 'x'));
  EXPECT_EQ(Hex(out.substr(0, 2)), "d920");
  out.clear();
  w.Str(std::string(256, 'x'));
  EXPECT_EQ(Hex(out.substr(0, 3)), "da0100");
  out.clear();
  w.Str(std::string(65536, 'x'));
  EXPECT_EQ(Hex(out.substr(0, 5)), "db00010000");
}

TEST(MsgpackWriter, EventTimeIsFixext8Type0) {
  std::string out;
  MsgpackWriter(&out).Time(EventTime{0x5f5e1000, 123456789});
  EXPECT_EQ(Hex(out), "d7005f5e1000075bcd15");
}

TEST(MsgpackRoundTrip, EveryType) {
  std::string buf;
  MsgpackWriter w(&buf);
  w.Nil();
  w.Bool(true);
  w.Bool(false);
  w.Int(-5);
  w.Int(1234567890123);
  w.Uint(std::numeric_limits<uint64_t>::max());
  w.Double(3.25);
  w.Str("héllo");
  w.Bin(std::string("\0\1\2", 3));
  w.ArrayHeader(20);
  for (int i = 0; i < 20; ++i) {
    w.Int(i);
  }
  w.MapHeader(1);
  w.Str("k");
  w.Str("v");
  w.Ext(5, "abc");
  w.Time(EventTime{1700000000, 5});

  MsgpackReader r(buf);
  auto next = [&] {
    auto o = r.Next();
    EXPECT_TRUE(o.has_value()) << o.error().ToString();
    return *o;
  };
  EXPECT_EQ(next().type, MsgType::kNil);
  EXPECT_TRUE(next().boolean);
  EXPECT_FALSE(next().boolean);
  EXPECT_EQ(next().i64, -5);
  EXPECT_EQ(next().i64, 1234567890123);
  MsgObject u = next();
  EXPECT_EQ(u.type, MsgType::kUint);
  EXPECT_EQ(u.u64, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(next().f64, 3.25);
  EXPECT_EQ(next().data, "héllo");
  MsgObject bin = next();
  EXPECT_EQ(bin.type, MsgType::kBin);
  EXPECT_EQ(bin.data, std::string("\0\1\2", 3));
  MsgObject arr = next();
  EXPECT_EQ(arr.type, MsgType::kArray);
  EXPECT_EQ(arr.count, 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(next().i64, i);
  }
  MsgObject map = next();
  EXPECT_EQ(map.type, MsgType::kMap);
  EXPECT_EQ(map.count, 1u);
  EXPECT_EQ(next().data, "k");
  EXPECT_EQ(next().data, "v");
  MsgObject ext = next();
  EXPECT_EQ(ext.type, MsgType::kExt);
  EXPECT_EQ(ext.ext_type, 5);
  EXPECT_EQ(ext.data, "abc");
  auto t = r.ReadTime();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, (EventTime{1700000000, 5}));
  EXPECT_TRUE(r.AtEnd());
}

TEST(MsgpackReader, ReadsFloat32AndExt8Time) {
  // float32 1.5 and an ext8 EventTime (0xc7 0x08 0x00 ...), as some senders write it.
  std::string buf("\xca\x3f\xc0\x00\x00", 5);
  buf += std::string("\xc7\x08\x00\x00\x00\x00\x0a\x00\x00\x00\x07", 11);
  MsgpackReader r(buf);
  EXPECT_EQ(r.Next()->f64, 1.5);
  EXPECT_EQ(*r.ReadTime(), (EventTime{10, 7}));
}

TEST(MsgpackReader, TruncatedInputIsDataLoss) {
  std::string full;
  MsgpackWriter w(&full);
  w.ArrayHeader(2);
  w.Str("hello world");
  w.Double(1.0);
  for (size_t cut = 0; cut < full.size(); ++cut) {
    MsgpackReader r(std::string_view(full).substr(0, cut));
    Status s = r.Skip();
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << "cut at " << cut;
  }
  MsgpackReader ok(full);
  EXPECT_TRUE(ok.Skip().ok());
}

TEST(MsgpackReader, RejectsNeverUsedByteAndHugeCounts) {
  MsgpackReader r(std::string_view("\xc1", 1));
  auto o = r.Next();
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().message(), "msgpack: invalid type byte 0xc1 at byte 0");
  // array32 claiming 4 billion elements with 3 bytes left.
  MsgpackReader big(std::string_view("\xdd\xff\xff\xff\xff\x01\x02\x03", 8));
  auto b = big.Next();
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().message(), "msgpack: truncated input at byte 0");
}

TEST(MsgpackReader, DeepNestingIsRejected) {
  std::string buf(100, '\x91');  // 100 nested one-element arrays
  buf += '\x00';
  MsgpackReader r(buf);
  Status s = r.Skip();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("nesting deeper than 64"), std::string::npos) << s.message();
}

TEST(MsgpackReader, TypedReadersNameTheTypeFound) {
  std::string buf;
  MsgpackWriter(&buf).Int(7);
  MsgpackReader r(buf);
  auto m = r.ReadMapHeader();
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().message(), "msgpack: expected map, got int at byte 0");
}

TEST(EventTimeFromObject, AcceptsIntegerAndRejectsOtherExt) {
  MsgObject i;
  i.type = MsgType::kInt;
  i.i64 = 42;
  EXPECT_EQ(*EventTimeFromObject(i), (EventTime{42, 0}));
  MsgObject e;
  e.type = MsgType::kExt;
  e.ext_type = 1;
  e.data = "12345678";
  auto t = EventTimeFromObject(e);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message(),
            "msgpack: ext type 1 of 8 bytes is not an EventTime (type 0, 8 bytes)");
}

}  // namespace
}  // namespace runnel

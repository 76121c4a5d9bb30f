#include "plugins/inputs/socket/stream_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace runnel::plugins::socket_input {
namespace {

struct Collected {
  std::vector<std::pair<std::string, bool>> messages;
  StreamFramer::Sink sink() {
    return [this](std::string_view m, bool truncated) {
      messages.emplace_back(std::string(m), truncated);
    };
  }
};

using Messages = std::vector<std::pair<std::string, bool>>;

// Feeds `input` one byte at a time, and whole, and expects the same messages both ways.
Messages FeedBoth(Framing framing, size_t max, const std::string& input, Status* status) {
  Collected whole;
  StreamFramer a(framing, max);
  *status = a.Feed(input, whole.sink());
  a.Finish(whole.sink());
  Collected bytes;
  StreamFramer b(framing, max);
  Status s;
  for (char c : input) {
    s = b.Feed(std::string_view(&c, 1), bytes.sink());
    if (!s.ok()) {
      break;
    }
  }
  b.Finish(bytes.sink());
  EXPECT_EQ(whole.messages, bytes.messages);
  EXPECT_EQ(status->ok(), s.ok());
  return whole.messages;
}

TEST(StreamFramerTest, NewlineSplitsLinesAndToleratesCrlf) {
  Status s;
  EXPECT_EQ(FeedBoth(Framing::kNewline, 100, "one\ntwo\r\n\nthree", &s),
            (Messages{{"one", false}, {"two", false}, {"three", false}}));
  EXPECT_TRUE(s.ok());
}

TEST(StreamFramerTest, NewlineCutsALongLineAndResynchronises) {
  Status s;
  EXPECT_EQ(FeedBoth(Framing::kNewline, 5, "abcdefghij\nxy\n123456\n", &s),
            (Messages{{"abcde", true}, {"xy", false}, {"12345", true}}));
  EXPECT_TRUE(s.ok());
}

TEST(StreamFramerTest, OctetCountingReadsExactLengths) {
  Status s;
  // The second frame holds a newline inside; the third ends with one (dropped).
  EXPECT_EQ(FeedBoth(Framing::kOctetCounting, 100, "3 abc5 a\nb c4 xyz\n", &s),
            (Messages{{"abc", false}, {"a\nb c", false}, {"xyz", false}}));
  EXPECT_TRUE(s.ok());
}

TEST(StreamFramerTest, OctetCountingCutsAnOversizedFrameAndSkipsItsRest) {
  Status s;
  EXPECT_EQ(FeedBoth(Framing::kOctetCounting, 4, "10 01234567892 ok", &s),
            (Messages{{"0123", true}, {"ok", false}}));
  EXPECT_TRUE(s.ok());
}

TEST(StreamFramerTest, BrokenOctetCountIsAnError) {
  Status s;
  EXPECT_EQ(FeedBoth(Framing::kOctetCounting, 100, "2 ok<13>hello\n", &s),
            (Messages{{"ok", false}}));
  EXPECT_EQ(s.message(),
            "broken octet count: expected \"LEN SP\" with LEN 1 to 10 digits, got "
            "\"<13>hello?\"");
  EXPECT_EQ(FeedBoth(Framing::kOctetCounting, 100, "05 hello", &s), Messages{});
  EXPECT_EQ(s.message(),
            "broken octet count: expected \"LEN SP\" with LEN 1 to 10 digits, got \"05 hello\"");
  EXPECT_EQ(FeedBoth(Framing::kOctetCounting, 100, "99999999999 x", &s), Messages{});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(FeedBoth(Framing::kOctetCounting, 100, "9999999999 x", &s), Messages{});
  EXPECT_EQ(s.message(), "broken octet count: 9999999999 is over 4GiB");
}

TEST(StreamFramerTest, AutoDecidesPerFrame) {
  Status s;
  EXPECT_EQ(FeedBoth(Framing::kAuto, 100, "<13>line one\n11 <13>counted<14>line two\n", &s),
            (Messages{{"<13>line one", false}, {"<13>counted", false}, {"<14>line two", false}}));
  EXPECT_TRUE(s.ok());
}

TEST(StreamFramerTest, FinishReportsAFrameCutShort) {
  Collected c;
  StreamFramer f(Framing::kOctetCounting, 100);
  ASSERT_TRUE(f.Feed("10 abc", c.sink()).ok());
  EXPECT_FALSE(f.Finish(c.sink()));
  EXPECT_TRUE(c.messages.empty());
}

TEST(StreamFramerTest, InvalidUtf8IsKeptAsItIs) {
  Status s;
  const std::string bad = "caf\xc3 \xff\xfe end";
  EXPECT_EQ(FeedBoth(Framing::kNewline, 100, bad + "\n", &s), (Messages{{bad, false}}));
}

}  // namespace
}  // namespace runnel::plugins::socket_input

// Random and mutated input never crashes the parse filter (run under ASan/UBSan in CI), and each
// event ends up either parsed or exactly as it was, in a batch that encodes and decodes again.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "plugins/filters/parse/time_format.h"
#include "tests/plugins/filters/parse_harness.h"

namespace runnel::plugins::parse {
namespace {

using filters_testing::Str;

// Strings built from the bytes that matter to the parsers, plus a few arbitrary ones.
std::vector<std::string> RandomLines(uint32_t seed, const std::vector<std::string>& seeds) {
  static constexpr char kAlphabet[] = "{}[]\":,=\\ \t\nabcxyz019.-+eEZTtnulfr/%\xC3\xA9\xFF";
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      s = seeds[rng() % seeds.size()];
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !s.empty(); ++e) {
        const size_t at = rng() % s.size();
        switch (rng() % 3) {
          case 0:
            s[at] = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
            break;
          case 1:
            s.erase(at, 1 + rng() % 3);
            break;
          default:
            s.insert(at, 1, kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
        }
      }
    } else {
      const size_t n = rng() % 40;
      for (size_t k = 0; k < n; ++k) {
        s += kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void CheckFormat(ParseHarness& h, const std::vector<std::string>& lines) {
  Batch in;
  BatchBuilder builder(&in);
  for (const std::string& line : lines) {
    builder.BeginEntry(EventTime{5, 0}, 1);
    builder.writer().Str("log");
    builder.writer().Str(line);
  }
  EventBatch events;
  ASSERT_TRUE(events.Decode(in).ok());
  h.Run(events);
  ASSERT_EQ(events.size(), lines.size());
  size_t kept = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const Value* log = events[i].Find("log");
    if (events[i].fields().size() == 1 && log != nullptr && log->bytes == lines[i]) {
      ++kept;
    }
  }
  EXPECT_GE(kept, h.parse_errors());
  Batch out;
  events.EncodeTo(&out);
  EventBatch again;
  EXPECT_TRUE(again.Decode(out).ok());
  EXPECT_EQ(again.size(), lines.size());
}

TEST(ParseRobustness, Json) {
  ParseHarness h({{"time_key", Str("t")}});
  CheckFormat(h, RandomLines(1, {R"({"a":[1,{"b":"c\n"}],"t":"2023-11-14T22:13:20Z","d":-1.5e3})",
                                 R"({"k\u00e9":"\ud83d\ude00","n":null,"x":true})"}));
  EXPECT_GT(h.parse_errors(), 0u);
}

TEST(ParseRobustness, Logfmt) {
  ParseHarness h({{"format", Str("logfmt")}, {"target", Str("p")}});
  CheckFormat(h, RandomLines(2, {R"(a=1 b="x \"y\" z" flag c=)", R"(msg="\\\n" k=v=w)"}));
  EXPECT_GT(h.parse_errors(), 0u);
}

TEST(ParseRobustness, Regex) {
  ParseHarness h({{"format", Str("regex")},
                  {"regex", Str(R"(^(?P<a>\w+)=(?P<b>[^ ]*)(?: (?P<c>.*))?$)")},
                  {"types", filters_testing::Map({{"b", "float"}})}});
  CheckFormat(h, RandomLines(3, {"key=1.5 rest of it", "x= y"}));
  EXPECT_GT(h.parse_errors(), 0u);
}

TEST(ParseRobustness, TimeFormats) {
  const char* specs[] = {"rfc3339", "unix", "unix_ns", "%d/%b/%Y:%H:%M:%S %z", "%a %e %b %Y %T.%f"};
  int parsed = 0;
  for (const char* spec : specs) {
    Result<TimeFormat> f = TimeFormat::Compile(spec);
    ASSERT_TRUE(f.has_value());
    for (const std::string& line :
         RandomLines(4, {"2023-11-14T22:13:20.123+01:00", "1700000000.5",
                         "10/Oct/2000:13:55:36 -0700", "Tue  4 Nov 2023 05:06:07.25"})) {
      EventTime t;
      parsed += f->Parse(line, &t) ? 1 : 0;
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace runnel::plugins::parse

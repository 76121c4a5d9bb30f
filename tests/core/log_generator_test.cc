#include "runnel/log_generator.h"

#include <gtest/gtest.h>
#include <re2/re2.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace runnel {
namespace {

using Format = LogGenerator::Format;

constexpr Format kAllFormats[] = {Format::kJson, Format::kApache, Format::kPlain};

std::vector<std::string> Lines(Format format, uint64_t seed, int n,
                               LogGenerator::Options options = {}) {
  LogGenerator generator(format, seed, options);
  std::vector<std::string> lines(n);
  for (auto& line : lines) {
    generator.NextLine(&line);
  }
  return lines;
}

TEST(LogGeneratorTest, ParseFormat) {
  EXPECT_EQ(LogGenerator::ParseFormat("json"), Format::kJson);
  EXPECT_EQ(LogGenerator::ParseFormat("apache"), Format::kApache);
  EXPECT_EQ(LogGenerator::ParseFormat("plain"), Format::kPlain);
  auto bad = LogGenerator::ParseFormat("JSON");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(),
            "unknown log format \"JSON\"; expected one of: json, apache, plain");
  for (Format f : kAllFormats) {
    EXPECT_EQ(LogGenerator::ParseFormat(LogGenerator::FormatName(f)), f);
  }
}

TEST(LogGeneratorTest, SameSeedGivesSameBytes) {
  for (Format f : kAllFormats) {
    EXPECT_EQ(Lines(f, 42, 5000), Lines(f, 42, 5000)) << LogGenerator::FormatName(f);
  }
}

TEST(LogGeneratorTest, DifferentSeedGivesDifferentBytes) {
  for (Format f : kAllFormats) {
    auto a = Lines(f, 1, 1000);
    auto b = Lines(f, 2, 1000);
    int same = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      same += a[i] == b[i] ? 1 : 0;
    }
    EXPECT_LT(same, 50) << LogGenerator::FormatName(f);
  }
}

// Pinned bytes: a change to the generator changes every benchmark's input, so it must be
// deliberate (update this line and say so in docs/performance.md).
TEST(LogGeneratorTest, FirstJsonLineIsPinned) {
  auto lines = Lines(Format::kJson, 1, 1);
  EXPECT_EQ(lines[0],
            R"({"time":"2026-01-01T00:00:00.000Z","level":"info","service":"gateway",)"
            R"("trace_id":"f893a2eefb32555e","user_id":44436,"path":"/api/v1/cart","status":200,)"
            R"("latency_ms":35.293,"msg":"payment authorized"})");
}

TEST(LogGeneratorTest, NextLineAppendsWithoutNewline) {
  for (Format f : kAllFormats) {
    LogGenerator generator(f, 7);
    std::string out = "prefix|";
    generator.NextLine(&out);
    ASSERT_GT(out.size(), 7u + 40u);
    EXPECT_EQ(out.substr(0, 7), "prefix|");
    EXPECT_EQ(out.find('\n'), std::string::npos);
    EXPECT_EQ(out.find('\r'), std::string::npos);
    EXPECT_EQ(generator.line_index(), 1u);
  }
}

TEST(LogGeneratorTest, ReusedBufferIsNotReallocated) {
  for (Format f : kAllFormats) {
    LogGenerator generator(f, 3);
    std::string line;
    line.reserve(1024);
    const char* data = line.data();
    for (int i = 0; i < 10000; ++i) {
      line.clear();
      generator.NextLine(&line);
      ASSERT_LT(line.size(), 1024u);
    }
    EXPECT_EQ(line.data(), data);
  }
}

TEST(LogGeneratorTest, JsonAverageLengthIsAbout210Bytes) {
  size_t total = 0;
  for (const auto& line : Lines(Format::kJson, 1, 10000)) {
    total += line.size();
  }
  const double average = static_cast<double>(total) / 10000.0;
  EXPECT_GE(average, 200.0);
  EXPECT_LE(average, 220.0);
}

TEST(LogGeneratorTest, EveryJsonLineIsValidJson) {
  simdjson::dom::parser parser;
  for (uint64_t seed : {1u, 99u}) {
    for (const auto& line : Lines(Format::kJson, seed, 10000)) {
      simdjson::dom::object object;
      ASSERT_EQ(parser.parse(line).get(object), simdjson::SUCCESS) << line;
      std::string_view time, level, msg;
      int64_t status = 0;
      double latency = 0;
      ASSERT_EQ(object["time"].get(time), simdjson::SUCCESS) << line;
      EXPECT_EQ(time.size(), 24u) << line;
      ASSERT_EQ(object["level"].get(level), simdjson::SUCCESS) << line;
      EXPECT_TRUE(level == "debug" || level == "info" || level == "warn" || level == "error");
      ASSERT_EQ(object["status"].get(status), simdjson::SUCCESS) << line;
      EXPECT_GE(status, 200);
      EXPECT_LE(status, 504);
      ASSERT_EQ(object["latency_ms"].get(latency), simdjson::SUCCESS) << line;
      EXPECT_GT(latency, 0.0);
      ASSERT_EQ(object["msg"].get(msg), simdjson::SUCCESS) << line;
      EXPECT_FALSE(msg.empty());
    }
  }
}

TEST(LogGeneratorTest, SomeJsonMessagesHaveEscapedQuotes) {
  int escaped = 0;
  for (const auto& line : Lines(Format::kJson, 1, 10000)) {
    escaped += line.find("\\\"") != std::string::npos ? 1 : 0;
  }
  EXPECT_GT(escaped, 10);
}

TEST(LogGeneratorTest, ApacheLinesMatchCombinedFormat) {
  const RE2 combined(
      R"re(^(?P<host>\d{1,3}(?:\.\d{1,3}){3}) (?P<ident>\S+) (?P<user>\S+) )re"
      R"re(\[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] )re"
      R"re("(?P<method>[A-Z]+) (?P<path>/\S*) (?P<protocol>HTTP/\d\.\d)" )re"
      R"re((?P<status>\d{3}) (?P<size>\d+|-) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$)re");
  ASSERT_TRUE(combined.ok()) << combined.error();
  int with_user = 0;
  for (const auto& line : Lines(Format::kApache, 5, 10000)) {
    std::string user;
    ASSERT_TRUE(RE2::FullMatch(line, combined, nullptr, nullptr, &user)) << line;
    with_user += user != "-" ? 1 : 0;
  }
  EXPECT_GT(with_user, 100);
}

TEST(LogGeneratorTest, TimestampsComeFromStartAndIndex) {
  LogGenerator::Options options;
  options.start_unix_nanos = 1709164799LL * 1000000000LL;  // 2024-02-28T23:59:59Z
  options.step_nanos = 250000000;                          // 4 lines per second
  auto plain = Lines(Format::kPlain, 1, 6, options);
  EXPECT_EQ(plain[0].substr(0, 25), "2024-02-28T23:59:59.000Z ");
  EXPECT_EQ(plain[3].substr(0, 25), "2024-02-28T23:59:59.750Z ");
  EXPECT_EQ(plain[4].substr(0, 25), "2024-02-29T00:00:00.000Z ");
  auto apache = Lines(Format::kApache, 1, 5, options);
  EXPECT_NE(apache[4].find(" [29/Feb/2024:00:00:00 +0000] "), std::string::npos) << apache[4];
  auto json = Lines(Format::kJson, 1, 6, options);
  EXPECT_EQ(json[5].substr(0, 35), R"({"time":"2024-02-29T00:00:00.250Z",)");

  LogGenerator generator(Format::kPlain, 1, options);
  std::string line;
  generator.NextLine(&line);
  generator.NextLine(&line);
  EXPECT_EQ(generator.line_index(), 2u);
  EXPECT_EQ(generator.last_timestamp_nanos(), options.start_unix_nanos + 250000000);
  EXPECT_EQ(generator.TimestampNanos(8), options.start_unix_nanos + 2000000000);
}

TEST(LogGeneratorTest, DefaultStartIsNewYear2026) {
  auto lines = Lines(Format::kPlain, 1, 1001);
  EXPECT_EQ(lines[0].substr(0, 24), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(lines[1000].substr(0, 24), "2026-01-01T00:00:01.000Z");
}

}  // namespace
}  // namespace runnel

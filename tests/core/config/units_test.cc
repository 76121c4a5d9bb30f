// Durations, sizes, spelling suggestions and ${VAR} expansion on their own.

#include "config/units.h"

#include <gtest/gtest.h>

#include "config/env.h"
#include "config/suggest.h"

namespace runnel::config {
namespace {

using std::chrono::milliseconds;

TEST(UnitsTest, ParseDuration) {
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("5s"), milliseconds(5000));
  EXPECT_EQ(ParseDuration("1m"), milliseconds(60'000));
  EXPECT_EQ(ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(ParseDuration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(ParseDuration(" 5 s "), milliseconds(5000));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
  EXPECT_EQ(ParseDuration("5"), std::nullopt);
  EXPECT_EQ(ParseDuration("5S"), std::nullopt);
  EXPECT_EQ(ParseDuration("1.5s"), std::nullopt);
  EXPECT_EQ(ParseDuration("-5s"), std::nullopt);
  EXPECT_EQ(ParseDuration("s"), std::nullopt);
  EXPECT_EQ(ParseDuration(""), std::nullopt);
  EXPECT_EQ(ParseDuration("99999999999999999999ms"), std::nullopt);
  EXPECT_EQ(ParseDuration("9223372036854775807d"), std::nullopt);
}

TEST(UnitsTest, ParseSize) {
  EXPECT_EQ(ParseSize("512"), 512u);
  EXPECT_EQ(ParseSize("512B"), 512u);
  EXPECT_EQ(ParseSize("64KiB"), 65'536u);
  EXPECT_EQ(ParseSize("64kib"), 65'536u);
  EXPECT_EQ(ParseSize("2MiB"), 2u << 20);
  EXPECT_EQ(ParseSize("1GiB"), 1u << 30);
  EXPECT_EQ(ParseSize("1TiB"), 1ull << 40);
  EXPECT_EQ(ParseSize("10MB"), 10'000'000u);
  EXPECT_EQ(ParseSize("3kb"), 3000u);
  EXPECT_EQ(ParseSize("256 MiB"), 256u << 20);
  EXPECT_EQ(ParseSize("1.5MiB"), std::nullopt);
  EXPECT_EQ(ParseSize("10 megs"), std::nullopt);
  EXPECT_EQ(ParseSize("MiB"), std::nullopt);
  EXPECT_EQ(ParseSize("-1"), std::nullopt);
  EXPECT_EQ(ParseSize("18446744073709551615"), 18'446'744'073'709'551'615ull);
  EXPECT_EQ(ParseSize("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseSize("17179869184GiB"), std::nullopt);
}

TEST(UnitsTest, Format) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(milliseconds(30'000)), "30s");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "90s");
  EXPECT_EQ(FormatDuration(milliseconds(120'000)), "2m");
  EXPECT_EQ(FormatDuration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(FormatSize(0), "0B");
  EXPECT_EQ(FormatSize(1000), "1000B");
  EXPECT_EQ(FormatSize(65'536), "64KiB");
  EXPECT_EQ(FormatSize(256u << 20), "256MiB");
  EXPECT_EQ(FormatSize(3ull << 30), "3GiB");
  EXPECT_EQ(FormatSize(1ull << 40), "1TiB");
}

TEST(UnitsTest, DescribeBounds) {
  FieldSpec spec;
  spec.type = FieldType::kInt;
  EXPECT_EQ(DescribeBounds(spec), "");
  spec.min = 1;
  spec.max = 64;
  EXPECT_EQ(DescribeBounds(spec), "between 1 and 64");
  spec.max = INT64_MAX;
  EXPECT_EQ(DescribeBounds(spec), "at least 1");
  spec.min = INT64_MIN;
  spec.max = -1;
  EXPECT_EQ(DescribeBounds(spec), "at most -1");
  spec.type = FieldType::kDuration;
  spec.min = 10;
  spec.max = 3'600'000;
  EXPECT_EQ(DescribeBounds(spec), "between 10ms and 1h");
  spec.type = FieldType::kSize;
  spec.min = 4096;
  spec.max = std::nullopt;
  EXPECT_EQ(DescribeBounds(spec), "at least 4KiB");
}

TEST(SuggestTest, EditDistance) {
  EXPECT_EQ(EditDistance("paths", "paths"), 0);
  EXPECT_EQ(EditDistance("pahts", "paths"), 1);  // a transposition counts once
  EXPECT_EQ(EditDistance("Paths", "paths"), 0);
  EXPECT_EQ(EditDistance("path", "paths"), 1);
  EXPECT_EQ(EditDistance("", "abc"), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

TEST(SuggestTest, Closest) {
  const std::vector<std::string> keys = {"paths", "workers", "read_from"};
  EXPECT_EQ(Closest("pahts", keys), "paths");
  EXPECT_EQ(Closest("wrkers", keys), "workers");
  EXPECT_EQ(Closest("readfrom", keys), "read_from");
  EXPECT_EQ(Closest("zzz", keys), std::nullopt);
  EXPECT_EQ(Closest("pa", keys), std::nullopt);
  EXPECT_EQ(SortByCloseness("fil", {"forward", "file"}),
            (std::vector<std::string>{"file", "forward"}));
  EXPECT_EQ(Join({"a", "b"}), "a, b");
  EXPECT_EQ(Join({"a", "b"}, "'"), "'a', 'b'");
  EXPECT_EQ(Join({}), "");
}

TEST(EnvTest, ExpandVariables) {
  const Environment env = Environment::FromMap({{"A", "1"}, {"EMPTY", ""}, {"D", "${A}"}});
  auto expand = [&](std::string_view text) { return ExpandVariables(text, env); };
  EXPECT_EQ(expand("x${A}y"), "x1y");
  EXPECT_EQ(expand("${A}${A}"), "11");
  EXPECT_EQ(expand("${B:-two}"), "two");
  EXPECT_EQ(expand("${EMPTY:-d}"), "d");
  EXPECT_EQ(expand("${EMPTY}"), "");
  EXPECT_EQ(expand("${B:-}"), "");
  EXPECT_EQ(expand("${B:-a:-b}"), "a:-b");
  EXPECT_EQ(expand("$$"), "$");
  EXPECT_EQ(expand("$${A}"), "${A}");
  EXPECT_EQ(expand("$$$${A}"), "$${A}");
  EXPECT_EQ(expand("$A $"), "$A $");
  EXPECT_EQ(expand("${D}"), "${A}");  // values are not expanded again
  ASSERT_FALSE(expand("${B}").has_value());
  EXPECT_EQ(expand("${B}").error().message, "environment variable 'B' is not set");
  EXPECT_EQ(expand("${B}").error().hint, "set it, or give a default: ${B:-value}");
  ASSERT_FALSE(expand("${A").has_value());
  EXPECT_EQ(expand("${A").error().message, "unterminated '${' in \"${A\"");
  ASSERT_FALSE(expand("${A-x}").has_value());
  EXPECT_EQ(expand("${A-x}").error().message, "invalid variable reference '${A-x}'");
  EXPECT_FALSE(expand("${}").has_value());
}

}  // namespace
}  // namespace runnel::config

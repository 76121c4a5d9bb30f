// Loki labels from fields and constants, and the lines the line formats make.
#include "plugins/outputs/loki/loki_labels.h"

#include <gtest/gtest.h>

#include "plugins/outputs/loki/loki_line.h"
#include "tests/plugins/outputs/loki_test_util.h"

namespace runnel::plugins::loki {
namespace {

using testing::Record;

LabelRules Rules(const StringMap& labels, const std::vector<std::string>& keys = {}) {
  Result<LabelRules> r = LabelRules::Build(labels, keys);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r.has_value() ? std::move(*r) : LabelRules();
}

std::string BuildError(const StringMap& labels, const std::vector<std::string>& keys = {}) {
  Result<LabelRules> r = LabelRules::Build(labels, keys);
  return r.has_value() ? "" : r.error().message();
}

TEST(LokiLabelsTest, ValidNames) {
  EXPECT_TRUE(ValidLabelName("app"));
  EXPECT_TRUE(ValidLabelName("_x9"));
  EXPECT_TRUE(ValidLabelName("A_b"));
  EXPECT_FALSE(ValidLabelName(""));
  EXPECT_FALSE(ValidLabelName("9a"));
  EXPECT_FALSE(ValidLabelName("a-b"));
  EXPECT_FALSE(ValidLabelName("a.b"));
}

TEST(LokiLabelsTest, RuleErrorsNameTheLabel) {
  EXPECT_EQ(BuildError({{"a-b", "x"}}),
            "label name \"a-b\" is not valid (Loki label names match [a-zA-Z_][a-zA-Z0-9_]*)");
  EXPECT_EQ(BuildError({{"app", "x"}}, {"app"}), "label \"app\" is given twice");
  EXPECT_EQ(BuildError({{"app", "$"}}), "label \"app\": \"$\" names no field");
  EXPECT_EQ(BuildError({{"app", ""}}), "label \"app\": the constant is empty");
  std::vector<std::string> keys;
  for (int i = 0; i < 16; ++i) {
    keys.push_back("k" + std::to_string(i));
  }
  EXPECT_EQ(BuildError({}, keys),
            "more than 15 labels (Loki's default max_label_names_per_series); \"k15\" is one "
            "too many");
  keys.pop_back();
  EXPECT_EQ(BuildError({}, keys), "");
}

TEST(LokiLabelsTest, FieldsConstantsAndEscapedDollar) {
  LabelRules r = Rules({{"job", "web"}, {"app", "$service"}, {"price", "$$5"}}, {"level"});
  Result<LabelSet> set =
      r.Extract(Record({{"service", "api"}, {"level", "warn"}, {"msg", "hello"}}));
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  const LabelSet want = {{"app", "api"}, {"job", "web"}, {"level", "warn"}, {"price", "$5"}};
  EXPECT_EQ(*set, want);
  EXPECT_TRUE(r.UsesField("service"));
  EXPECT_TRUE(r.UsesField("level"));
  EXPECT_FALSE(r.UsesField("msg"));
  EXPECT_FALSE(r.UsesField("job"));
}

TEST(LokiLabelsTest, MissingNullAndEmptyFieldsOmitTheLabel) {
  LabelRules r = Rules({{"a", "$a"}, {"b", "$b"}, {"c", "$c"}, {"d", "$d"}});
  std::string rec;
  MsgpackWriter w(&rec);
  w.MapHeader(3);
  w.Str("a");
  w.Nil();
  w.Str("b");
  w.Str("");
  w.Str("c");
  w.Int(-42);
  Result<LabelSet> set = r.Extract(rec);
  ASSERT_TRUE(set.has_value());
  const LabelSet want = {{"c", "-42"}};
  EXPECT_EQ(*set, want);
}

TEST(LokiLabelsTest, LongValuesAreCutAtAUtf8Boundary) {
  LabelRules r = Rules({{"v", "$v"}});
  std::string value(kMaxLabelValueBytes - 1, 'x');
  value += "\xc3\xa9tail";  // é straddles the limit
  Result<LabelSet> set = r.Extract(Record({{"v", value}}));
  ASSERT_TRUE(set.has_value());
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ((*set)[0].second, std::string(kMaxLabelValueBytes - 1, 'x'));
}

TEST(LokiLabelsTest, BadRecordIsDataLoss) {
  LabelRules r = Rules({{"v", "$v"}});
  Result<LabelSet> set = r.Extract("\x92\x01");  // an array, not a map
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().code(), StatusCode::kDataLoss);
}

TEST(LokiLabelsTest, SelectorQuotesValues) {
  EXPECT_EQ(SelectorString({{"a", "x\"y\\z\n\t\x01"}, {"b", "é"}}),
            "{a=\"x\\\"y\\\\z\\n\\t\\x01\", b=\"é\"}");
  EXPECT_EQ(SelectorString({}), "{}");
}

std::string Line(LineFormat format, const std::string& field, const LabelRules& rules,
                 const std::string& record) {
  LineRenderer renderer(format, field, &rules);
  std::string out;
  Status s = renderer.Render(record, &out);
  return s.ok() ? out : "error: " + s.message();
}

std::string Mixed() {
  std::string rec;
  MsgpackWriter w(&rec);
  w.MapHeader(5);
  w.Str("app");
  w.Str("api");
  w.Str("msg");
  w.Str("a b=\"c\"");
  w.Str("n");
  w.Int(3);
  w.Str("tags");
  w.ArrayHeader(2);
  w.Str("x");
  w.Bool(true);
  w.Str("empty");
  w.Str("");
  return rec;
}

TEST(LokiLinesTest, JsonLeavesLabelFieldsOut) {
  LabelRules rules = Rules({{"app", "$app"}});
  EXPECT_EQ(Line(LineFormat::kJson, "", rules, Mixed()),
            "{\"msg\":\"a b=\\\"c\\\"\",\"n\":3,\"tags\":[\"x\",true],\"empty\":\"\"}");
}

TEST(LokiLinesTest, KeyValueQuotesWhereNeeded) {
  LabelRules rules = Rules({{"app", "$app"}});
  EXPECT_EQ(Line(LineFormat::kKeyValue, "", rules, Mixed()),
            "msg=\"a b=\\\"c\\\"\" n=3 tags=\"[\\\"x\\\",true]\" empty=\"\"");
}

TEST(LokiLinesTest, OneField) {
  LabelRules rules = Rules({{"app", "$app"}});
  EXPECT_EQ(Line(LineFormat::kField, "msg", rules, Mixed()), "a b=\"c\"");
  EXPECT_EQ(Line(LineFormat::kField, "n", rules, Mixed()), "3");
  EXPECT_EQ(Line(LineFormat::kField, "app", rules, Mixed()), "api");
  EXPECT_EQ(Line(LineFormat::kField, "log", rules, Mixed()), "error: no field 'log' for the line");
}

}  // namespace
}  // namespace runnel::plugins::loki

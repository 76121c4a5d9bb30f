#include "plugins/filters/parse/parse_config.h"

#include <gtest/gtest.h>

#include "runnel/registry.h"
#include "tests/plugins/filters/filter_test_util.h"

namespace runnel::plugins {
void RegisterParseFilter(PluginRegistry& registry);
}  // namespace runnel::plugins

namespace runnel::plugins::parse {
namespace {

using filters_testing::MakeNode;
using filters_testing::Str;

Result<ParseConfig> Build(std::vector<std::pair<std::string, filters_testing::ConfigVariant>> v) {
  return BuildParseConfig(MakeNode("parse", ParseSchema(), std::move(v)));
}

std::string BuildError(std::vector<std::pair<std::string, filters_testing::ConfigVariant>> v) {
  Result<ParseConfig> config = Build(std::move(v));
  if (config.has_value()) {
    return "(no error)";
  }
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
  return config.error().message();
}

TEST(ParseConfig, SchemaDefaults) {
  const Schema schema = ParseSchema();
  ASSERT_NE(schema.Find("format"), nullptr);
  EXPECT_EQ(schema.Find("format")->type, FieldType::kEnum);
  std::vector<std::string> choices = {"json", "regex", "logfmt"};
  for (const formats::Format& format : formats::AllFormats()) {
    choices.emplace_back(format.name);
  }
  EXPECT_EQ(schema.Find("format")->choices, choices);
  EXPECT_EQ(schema.Find("format")->choices[3], "syslog");
  EXPECT_EQ(*schema.Find("format")->default_value, "\"json\"");
  EXPECT_EQ(*schema.Find("field")->default_value, "\"log\"");
  EXPECT_EQ(*schema.Find("keep_original")->default_value, "false");
  EXPECT_EQ(*schema.Find("time_keep")->default_value, "true");
  EXPECT_EQ(*schema.Find("on_error")->default_value, "\"keep\"");
  EXPECT_FALSE(schema.Find("regex")->default_value.has_value());
  EXPECT_FALSE(schema.Find("target")->default_value.has_value());
  EXPECT_FALSE(schema.Find("time_key")->default_value.has_value());
  EXPECT_FALSE(schema.Find("time_format")->default_value.has_value());
  EXPECT_FALSE(schema.Find("utc_offset")->default_value.has_value());
  EXPECT_EQ(schema.Find("types")->type, FieldType::kStringMap);
  for (const FieldSpec& f : schema.fields()) {
    EXPECT_FALSE(f.description.empty()) << f.name;
  }
}

TEST(ParseConfig, Defaults) {
  Result<ParseConfig> config = Build({});
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->format, Format::kJson);
  EXPECT_EQ(config->field, "log");
  EXPECT_EQ(config->regex, nullptr);
  EXPECT_FALSE(config->keep_original);
  EXPECT_EQ(config->target, "");
  EXPECT_EQ(config->time_key, "");
  EXPECT_FALSE(config->time_format.has_value());
  EXPECT_TRUE(config->time_keep);
  EXPECT_EQ(config->on_error, OnError::kKeep);
}

TEST(ParseConfig, AllSet) {
  Result<ParseConfig> config = Build({{"format", Str("regex")},
                                      {"field", Str("message")},
                                      {"regex", Str(R"(^(?P<a>\w+) (\d+) (?P<b>.*)$)")},
                                      {"keep_original", true},
                                      {"target", Str("parsed")},
                                      {"time_key", Str("ts")},
                                      {"time_format", Str("unix_ms")},
                                      {"time_keep", false},
                                      {"on_error", Str("drop")}});
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->format, Format::kRegex);
  EXPECT_EQ(config->field, "message");
  ASSERT_NE(config->regex, nullptr);
  EXPECT_EQ(config->regex_groups, 3);
  ASSERT_EQ(config->groups.size(), 2u);
  EXPECT_EQ(config->groups[0].index, 1);
  EXPECT_EQ(config->groups[0].name, "a");
  EXPECT_EQ(config->groups[1].index, 3);
  EXPECT_EQ(config->groups[1].name, "b");
  EXPECT_TRUE(config->keep_original);
  EXPECT_EQ(config->target, "parsed");
  EXPECT_EQ(config->time_key, "ts");
  ASSERT_TRUE(config->time_format.has_value());
  EXPECT_EQ(config->time_format->kind(), TimeFormat::Kind::kUnixMs);
  EXPECT_FALSE(config->time_keep);
  EXPECT_EQ(config->on_error, OnError::kDrop);
}

TEST(ParseConfig, TimeFormatDefaultsToRfc3339) {
  Result<ParseConfig> config = Build({{"format", Str("logfmt")}, {"time_key", Str("ts")}});
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->format, Format::kLogfmt);
  ASSERT_TRUE(config->time_format.has_value());
  EXPECT_EQ(config->time_format->spec(), "rfc3339");
}

TEST(ParseConfig, RegexErrors) {
  EXPECT_EQ(BuildError({{"format", Str("regex")}}),
            "test.toml:3:1: filters.f (parse): key 'regex': is required when format = \"regex\"");
  EXPECT_EQ(BuildError({{"format", Str("regex")}, {"regex", Str("(?P<a>x")}}),
            "test.toml:7:9: filters.f (parse): key 'regex': does not compile: missing ): (?P<a>x");
  EXPECT_EQ(BuildError({{"format", Str("regex")}, {"regex", Str(R"((\d+) (\w+))")}}),
            "test.toml:7:9: filters.f (parse): key 'regex': has no named group; name what to "
            "extract as (?P<name>...)");
  EXPECT_EQ(BuildError({{"regex", Str("(?P<a>x)")}}),
            "test.toml:7:9: filters.f (parse): key 'regex': is only used when format = \"regex\" "
            "(format is \"json\")");
}

TEST(ParseConfig, TimeErrors) {
  EXPECT_EQ(BuildError({{"time_key", Str("t")}, {"time_format", Str("%H:%M:%S")}}),
            "test.toml:7:9: filters.f (parse): key 'time_format': must contain %Y (the year)");
  EXPECT_EQ(BuildError({{"time_key", Str("t")}, {"time_format", Str("%Y %Q")}}),
            "test.toml:7:9: filters.f (parse): key 'time_format': unsupported conversion '%Q' at "
            "offset 3 (supported: %Y %m %d %e %H %M %S %f %z %b %a %T %%, or \"rfc3339\", "
            "\"iso8601\", \"unix\", \"unix_ms\", \"unix_us\", \"unix_ns\")");
  EXPECT_EQ(BuildError({{"time_format", Str("unix")}}),
            "test.toml:7:9: filters.f (parse): key 'time_format': needs time_key (the field that "
            "holds the time)");
  EXPECT_EQ(BuildError({{"time_key", Str("")}}),
            "test.toml:7:9: filters.f (parse): key 'time_key': must not be empty");
}

TEST(ParseConfig, Types) {
  Result<ParseConfig> config =
      Build({{"types", filters_testing::Map({{"a", "int"}, {"b", "float"}, {"c", "bool"}})}});
  ASSERT_TRUE(config.has_value());
  ASSERT_EQ(config->types.size(), 3u);
  EXPECT_EQ(config->types[0].key, "a");
  EXPECT_EQ(config->types[0].type, ValueType::kInt);
  EXPECT_EQ(config->types[1].type, ValueType::kFloat);
  EXPECT_EQ(config->types[2].type, ValueType::kBool);
  EXPECT_EQ(BuildError({{"types", filters_testing::Map({{"a", "integer"}})}}),
            "test.toml:7:9: filters.f (parse): key 'types': field 'a': unknown type \"integer\"; "
            "use \"int\", \"float\" or \"bool\"");
  EXPECT_EQ(BuildError({{"types", filters_testing::Map({{"", "int"}})}}),
            "test.toml:7:9: filters.f (parse): key 'types': a field name is empty");
}

TEST(ParseConfig, EmptyNames) {
  EXPECT_EQ(BuildError({{"field", Str("")}}),
            "test.toml:7:9: filters.f (parse): key 'field': must not be empty");
  EXPECT_EQ(BuildError({{"target", Str("")}}),
            "test.toml:7:9: filters.f (parse): key 'target': must not be empty; leave it out to "
            "merge at the top");
}

TEST(ParseConfig, RegisteredFactory) {
  PluginRegistry registry;
  RegisterParseFilter(registry);
  const PluginInfo* info = registry.Find(PluginKind::kFilter, "parse");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, "parse");
  EXPECT_EQ(info->schema.fields().size(), ParseSchema().fields().size());
  ASSERT_TRUE(static_cast<bool>(info->create_filter));
  PluginContext context;
  context.id = "filters.f";
  auto good = info->create_filter(MakeNode("parse", info->schema, {}), context);
  ASSERT_TRUE(good.has_value());
  EXPECT_NE(good->get(), nullptr);
  auto bad =
      info->create_filter(MakeNode("parse", info->schema, {{"format", Str("regex")}}), context);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(),
            "test.toml:3:1: filters.f (parse): key 'regex': is required when format = \"regex\"");
}

}  // namespace
}  // namespace runnel::plugins::parse

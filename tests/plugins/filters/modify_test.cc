#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "plugins/filters/modify/modify_config.h"
#include "plugins/filters/modify/modify_filter.h"
#include "runnel/registry.h"
#include "tests/plugins/filters/filter_test_util.h"

namespace runnel::plugins {
void RegisterModifyFilter(PluginRegistry& registry);
}  // namespace runnel::plugins

namespace runnel::plugins::modify {
namespace {

using filters_testing::AddEvent;
using filters_testing::ConfigVariant;
using filters_testing::List;
using filters_testing::MakeNode;
using filters_testing::Map;
using filters_testing::RecordJson;

Result<ModifyConfig> Build(std::vector<std::pair<std::string, ConfigVariant>> values,
                           std::string_view hostname = "web-1") {
  return BuildModifyConfig(MakeNode("modify", ModifySchema(), std::move(values)), hostname);
}

std::string BuildError(std::vector<std::pair<std::string, ConfigVariant>> values) {
  Result<ModifyConfig> config = Build(std::move(values));
  if (config.has_value()) {
    return "(no error)";
  }
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
  return config.error().message();
}

ModifyFilter Make(std::vector<std::pair<std::string, ConfigVariant>> values) {
  Result<ModifyConfig> config = Build(std::move(values));
  EXPECT_TRUE(config.has_value()) << config.error().ToString();
  return ModifyFilter(config.has_value() ? std::move(*config) : ModifyConfig{});
}

TEST(ModifyConfig, Schema) {
  const Schema schema = ModifySchema();
  ASSERT_EQ(schema.fields().size(), 5u);
  EXPECT_EQ(schema.Find("rename")->type, FieldType::kStringMap);
  EXPECT_EQ(schema.Find("copy")->type, FieldType::kStringMap);
  EXPECT_EQ(schema.Find("remove")->type, FieldType::kStringList);
  EXPECT_EQ(schema.Find("add")->type, FieldType::kStringMap);
  EXPECT_EQ(schema.Find("set")->type, FieldType::kStringMap);
}

TEST(ModifyConfig, Errors) {
  EXPECT_EQ(BuildError({}),
            "test.toml:3:1: filters.f (modify): key 'set': nothing to do: set at least one of "
            "rename, copy, remove, add, set");
  EXPECT_EQ(BuildError({{"rename", Map({{"a", ""}})}}),
            "test.toml:7:9: filters.f (modify): key 'rename': field names must not be empty");
  EXPECT_EQ(BuildError({{"remove", List({"a", ""})}}),
            "test.toml:7:9: filters.f (modify): key 'remove': field names must not be empty");
  EXPECT_EQ(BuildError({{"set", Map({{"k", "%{nope}"}})}}),
            "test.toml:7:9: filters.f (modify): key 'set': field 'k': unknown placeholder "
            "%{nope}; use %{hostname} or %{env.NAME} (%%{ for a literal %{)");
  EXPECT_EQ(BuildError({{"add", Map({{"k", "a%{hostname"}})}}),
            "test.toml:7:9: filters.f (modify): key 'add': field 'k': unterminated %{ at offset 1");
  unsetenv("RUNNEL_MODIFY_TEST_UNSET");
  EXPECT_EQ(BuildError({{"set", Map({{"k", "%{env.RUNNEL_MODIFY_TEST_UNSET}"}})}}),
            "test.toml:7:9: filters.f (modify): key 'set': field 'k': environment variable "
            "RUNNEL_MODIFY_TEST_UNSET is not set");
}

TEST(ModifyConfig, Placeholders) {
  setenv("RUNNEL_MODIFY_TEST_DC", "eu-west", 1);
  Result<ModifyConfig> config =
      Build({{"set", Map({{"host", "%{hostname}"},
                          {"where", "%{hostname}/%{env.RUNNEL_MODIFY_TEST_DC}!"},
                          {"literal", "%%{hostname} 100% %x {y}"}})}});
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  ASSERT_EQ(config->set.size(), 3u);
  EXPECT_EQ(config->set[0].key, "host");
  EXPECT_EQ(config->set[0].value, "web-1");
  EXPECT_EQ(config->set[1].value, "web-1/eu-west!");
  EXPECT_EQ(config->set[2].value, "%{hostname} 100% %x {y}");
}

TEST(Modify, OperationsRunInTheDocumentedOrder) {
  // rename a->b, copy b->c, remove b, add c (present: kept) and d, set d.
  ModifyFilter f = Make({{"set", Map({{"d", "set"}})},
                         {"add", Map({{"c", "added"}, {"d", "default"}})},
                         {"remove", List({"b"})},
                         {"copy", Map({{"b", "c"}})},
                         {"rename", Map({{"a", "b"}})}});
  EventBatch events;
  AddEvent(events, {{"a", Value::String("1")}, {"x", Value::Int(2)}});
  f.Process(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"x":2,"c":"1","d":"set"})");
}

TEST(Modify, RenameAndCopyReplaceTargetsAndKeepTypes) {
  ModifyFilter f = Make({{"rename", Map({{"msg", "message"}, {"missing", "y"}})},
                         {"copy", Map({{"n", "n2"}, {"obj", "obj2"}, {"absent", "z"}})}});
  EventBatch events;
  AddEvent(events, {{"message", Value::String("old")},
                    {"msg", Value::String("new")},
                    {"n", Value::Int(-4)},
                    {"n2", Value::Bool(true)},
                    {"obj", Value::Raw("\x81\xA1k\x01")}});
  f.Process(events);
  // "message" is replaced where it was; a copy to a new key is appended.
  EXPECT_EQ(RecordJson(events[0]),
            R"({"message":"new","n":-4,"n2":-4,"obj":{"k":1},"obj2":{"k":1}})");
  EXPECT_EQ(events[0].Find("n2")->kind, Value::Kind::kInt);
}

TEST(Modify, AddOnlyWhenMissingSetAlways) {
  ModifyFilter f = Make({{"add", Map({{"env", "prod"}, {"host", "%{hostname}"}})},
                         {"set", Map({{"level", "info"}})}});
  EventBatch events;
  AddEvent(events, {{"env", Value::String("dev")}, {"level", Value::Int(3)}});
  AddEvent(events, {});
  f.Process(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"env":"dev","level":"info","host":"web-1"})");
  EXPECT_EQ(RecordJson(events[1]), R"({"env":"prod","host":"web-1","level":"info"})");
}

TEST(Modify, RemoveListedFields) {
  ModifyFilter f = Make({{"remove", List({"a", "c", "zzz"})}});
  EventBatch events;
  AddEvent(events, {{"a", Value::Int(1)}, {"b", Value::Int(2)}, {"c", Value::Int(3)}},
           EventTime{5, 6});
  f.Process(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"b":2})");
  EXPECT_EQ(events[0].time, (EventTime{5, 6}));
}

TEST(Modify, RegisteredFactoryUsesTheContextHostname) {
  PluginRegistry registry;
  RegisterModifyFilter(registry);
  const PluginInfo* info = registry.Find(PluginKind::kFilter, "modify");
  ASSERT_NE(info, nullptr);
  PluginContext context;
  context.id = "filters.f";
  context.hostname = "db-7";
  auto filter = info->create_filter(
      MakeNode("modify", info->schema, {{"set", Map({{"h", "%{hostname}"}})}}), context);
  ASSERT_TRUE(filter.has_value()) << filter.error().ToString();
  EventBatch events;
  AddEvent(events, {});
  (*filter)->Process(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"h":"db-7"})");
  auto bad = info->create_filter(MakeNode("modify", info->schema, {}), context);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace runnel::plugins::modify

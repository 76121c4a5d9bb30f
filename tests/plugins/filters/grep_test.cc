#include <gtest/gtest.h>

#include <memory>

#include "plugins/filters/grep/grep_config.h"
#include "plugins/filters/grep/grep_filter.h"
#include "runnel/metrics.h"
#include "runnel/registry.h"
#include "tests/plugins/filters/filter_test_util.h"

namespace runnel::plugins {
void RegisterGrepFilter(PluginRegistry& registry);
}  // namespace runnel::plugins

namespace runnel::plugins::grep {
namespace {

using filters_testing::AddEvent;
using filters_testing::ConfigVariant;
using filters_testing::MakeNode;
using filters_testing::Map;
using filters_testing::RecordJson;

std::string BuildError(std::vector<std::pair<std::string, ConfigVariant>> values) {
  Result<GrepConfig> config = BuildGrepConfig(MakeNode("grep", GrepSchema(), std::move(values)));
  if (config.has_value()) {
    return "(no error)";
  }
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
  return config.error().message();
}

struct GrepHarness {
  explicit GrepHarness(std::vector<std::pair<std::string, ConfigVariant>> values) {
    context.id = "filters.f";
    context.metrics = &metrics;
    context.component_metrics = ComponentMetrics::Create(metrics, context.id);
    Result<GrepConfig> config = BuildGrepConfig(MakeNode("grep", GrepSchema(), std::move(values)));
    EXPECT_TRUE(config.has_value()) << config.error().ToString();
    filter = std::make_unique<GrepFilter>(std::move(*config));
  }
  uint64_t dropped() const { return context.component_metrics.dropped->value(); }
  MetricsRegistry metrics;
  PluginContext context;
  std::unique_ptr<GrepFilter> filter;
};

// The values of `key` of the events, joined with ','.
std::string Column(const EventBatch& events, std::string_view key) {
  std::string out;
  for (size_t i = 0; i < events.size(); ++i) {
    const Value* v = events[i].Find(key);
    out += (i ? "," : "") + std::string(v != nullptr ? v->bytes : "?");
  }
  return out;
}

TEST(GrepConfig, Errors) {
  EXPECT_EQ(BuildError({}),
            "test.toml:3:1: filters.f (grep): key 'include': set include or exclude (or both) "
            "with at least one field");
  EXPECT_EQ(BuildError({{"include", Map({})}, {"exclude", Map({})}}),
            "test.toml:7:9: filters.f (grep): key 'include': set include or exclude (or both) "
            "with at least one field");
  EXPECT_EQ(BuildError({{"exclude", Map({{"msg", "ok"}, {"level", "(err"}})}}),
            "test.toml:7:9: filters.f (grep): key 'exclude': field 'level': regex does not "
            "compile: missing ): (err");
  EXPECT_EQ(BuildError({{"include", Map({{"", "x"}})}}),
            "test.toml:7:9: filters.f (grep): key 'include': a field name is empty");
  Result<GrepConfig> ok =
      BuildGrepConfig(MakeNode("grep", GrepSchema(), {{"include", Map({{"a", "1"}, {"b", "2"}})}}));
  ASSERT_TRUE(ok.has_value());
  ASSERT_EQ(ok->include.size(), 2u);
  EXPECT_EQ(ok->include[1].field, "b");
  EXPECT_EQ(ok->include[1].regex->pattern(), "2");
  EXPECT_TRUE(ok->exclude.empty());
}

TEST(Grep, IncludeKeepsOnlyMatchingEvents) {
  GrepHarness h({{"include", Map({{"level", "^(error|warn)$"}})}});
  EventBatch events;
  AddEvent(events, {{"id", Value::String("1")}, {"level", Value::String("error")}});
  AddEvent(events, {{"id", Value::String("2")}, {"level", Value::String("info")}});
  AddEvent(events, {{"id", Value::String("3")}});                            // missing: no match
  AddEvent(events, {{"id", Value::String("4")}, {"level", Value::Int(5)}});  // not a string
  AddEvent(events, {{"id", Value::String("5")}, {"level", Value::String("warn")}});
  AddEvent(events, {{"id", Value::String("6")}, {"level", Value::String("warning")}});
  h.filter->Process(events);
  EXPECT_EQ(Column(events, "id"), "1,5");
}

TEST(Grep, ExcludeDropsMatchingEvents) {
  GrepHarness h({{"exclude", Map({{"path", "^/health"}, {"agent", "bot"}})}});
  EventBatch events;
  AddEvent(events, {{"id", Value::String("1")}, {"path", Value::String("/healthz")}});
  AddEvent(events, {{"id", Value::String("2")}, {"path", Value::String("/api/health")}});
  AddEvent(events, {{"id", Value::String("3")}});
  AddEvent(events, {{"id", Value::String("4")}, {"agent", Value::String("Googlebot/2.1")}});
  AddEvent(events, {{"id", Value::String("5")}, {"agent", Value::Binary("a robot")}});
  AddEvent(events, {{"id", Value::String("6")}, {"agent", Value::Binary("curl/8")}});
  h.filter->Process(events);
  // Binary values are matched like strings.
  EXPECT_EQ(Column(events, "id"), "2,3,6");
}

TEST(Grep, AllIncludesMustMatchAndExcludeWins) {
  GrepHarness h({{"include", Map({{"service", "api"}, {"msg", "(?i)timeout"}})},
                 {"exclude", Map({{"env", "^test$"}})}});
  EventBatch events;
  auto add = [&](const char* id, const char* service, const char* msg, const char* env) {
    Event& e = AddEvent(events, {{"id", Value::String(id)}});
    e.Set("service", Value::String(service));
    e.Set("msg", Value::String(msg));
    e.Set("env", Value::String(env));
  };
  add("1", "api-gateway", "upstream TIMEOUT after 5s", "prod");
  add("2", "api", "ok", "prod");
  add("3", "web", "timeout", "prod");
  add("4", "api", "read timeout", "test");
  add("5", "public-api", "Timeout", "testing");
  h.filter->Process(events);
  EXPECT_EQ(Column(events, "id"), "1,5");
  EXPECT_EQ(h.dropped(), 0u);  // core counts drops from the batch size: not twice
}

TEST(Grep, EmptyBatchAndNothingDropped) {
  GrepHarness h({{"exclude", Map({{"a", "x"}})}});
  EventBatch events;
  h.filter->Process(events);
  EXPECT_EQ(events.size(), 0u);
  AddEvent(events, {{"a", Value::String("y")}}, EventTime{3, 4});
  h.filter->Process(events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(RecordJson(events[0]), R"({"a":"y"})");
  EXPECT_EQ(events[0].time, (EventTime{3, 4}));
}

TEST(Grep, RegisteredFactory) {
  PluginRegistry registry;
  RegisterGrepFilter(registry);
  const PluginInfo* info = registry.Find(PluginKind::kFilter, "grep");
  ASSERT_NE(info, nullptr);
  PluginContext context;  // no metrics: dropping must not crash
  auto filter = info->create_filter(
      MakeNode("grep", info->schema, {{"include", Map({{"a", "b"}})}}), context);
  ASSERT_TRUE(filter.has_value());
  EventBatch events;
  AddEvent(events, {{"a", Value::String("abc")}});
  AddEvent(events, {{"a", Value::String("xyz")}});
  (*filter)->Process(events);
  EXPECT_EQ(events.size(), 1u);
}

}  // namespace
}  // namespace runnel::plugins::grep

#pragma once
// A parse filter built from config values, with its own metrics registry.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/filters/parse/parse_config.h"
#include "plugins/filters/parse/parse_filter.h"
#include "runnel/metrics.h"
#include "tests/plugins/filters/filter_test_util.h"

namespace runnel::plugins::parse {

struct ParseHarness {
  explicit ParseHarness(
      std::vector<std::pair<std::string, filters_testing::ConfigVariant>> values) {
    context.id = "filters.f";
    context.hostname = "host-1";
    context.metrics = &metrics;
    context.component_metrics = ComponentMetrics::Create(metrics, context.id);
    Result<ParseConfig> config =
        BuildParseConfig(filters_testing::MakeNode("parse", ParseSchema(), std::move(values)));
    EXPECT_TRUE(config.has_value()) << config.error().ToString();
    if (config.has_value()) {
      filter = std::make_unique<ParseFilter>(std::move(*config), context);
    }
  }

  void Run(EventBatch& events) { filter->Process(events); }
  uint64_t parse_errors() const { return filter->parse_errors(); }
  uint64_t errors() const { return context.component_metrics.errors->value(); }
  uint64_t dropped() const { return context.component_metrics.dropped->value(); }

  MetricsRegistry metrics;
  PluginContext context;
  std::unique_ptr<ParseFilter> filter;
};

}  // namespace runnel::plugins::parse

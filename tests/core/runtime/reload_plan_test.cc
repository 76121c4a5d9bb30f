// PlanReload: how each kind of configuration change is classified, without running anything.

#include "runtime/reload_plan.h"

#include <gtest/gtest.h>

#include "runtime/pipeline.h"
#include "tests/core/runtime/pipeline_fixture.h"

namespace runnel::runtime {
namespace {

struct Planned {
  ReloadPlan plan;
  std::string summary;
};

Planned Plan(const PipelineSpec& a, const PipelineSpec& b) {
  Graph ga(a.inputs, a.filters, a.outputs);
  Graph gb(b.inputs, b.filters, b.outputs);
  auto plan = PlanReload(a, ga, b, gb, 16u << 20);
  EXPECT_TRUE(plan.has_value()) << plan.error().message();
  Planned p{std::move(*plan), ""};
  p.summary = p.plan.summary.ToString();
  return p;
}

ConfigNode Out(const std::string& name, std::vector<std::string> inputs,
               std::vector<std::pair<std::string, ConfigValue::Value>> values = {}) {
  ConfigNode n = Node("outputs", name, "capture", std::move(inputs));
  for (auto& [k, v] : values) {
    n.Set(k, ConfigValue{v, {}});
  }
  return n;
}

PipelineSpec Spec() {
  PipelineSpec s;
  s.inputs = {Node("inputs", "a", "script"), Node("inputs", "b", "script")};
  s.filters = {Tag("t", {"a"}, "k", "1")};
  s.outputs = {Out("x", {"t"}), Out("y", {"b"})};
  return s;
}

const OutputChange& OutputOf(const ReloadPlan& p, const std::string& id) {
  for (const OutputChange& o : p.outputs) {
    if (o.id == id) {
      return o;
    }
  }
  ADD_FAILURE() << "no " << id;
  return p.outputs.front();
}

const InputChange& InputOf(const ReloadPlan& p, const std::string& id) {
  for (const InputChange& i : p.inputs) {
    if (i.id == id) {
      return i;
    }
  }
  ADD_FAILURE() << "no " << id;
  return p.inputs.front();
}

TEST(ReloadPlanTest, SameConfigChangesNothing) {
  PipelineSpec b = Spec();
  b.outputs[0] = ConfigNode("outputs", "x", "capture", SourceLocation{"other.toml", 9, 3});
  b.outputs[0].SetInputs({"t"});  // moved in the file: positions do not count
  Planned p = Plan(Spec(), b);
  EXPECT_EQ(p.summary, "5 unchanged");
  EXPECT_FALSE(InputOf(p.plan, "inputs.a").rerouted);
}

TEST(ReloadPlanTest, FilterChangeReroutesOnlyTheInputsBehindIt) {
  PipelineSpec b = Spec();
  b.filters = {Tag("t", {"a"}, "k", "2")};
  Planned p = Plan(Spec(), b);
  EXPECT_EQ(p.summary, "restarted filters.t; rerouted inputs.a; 3 unchanged");
  EXPECT_EQ(InputOf(p.plan, "inputs.a").change, Change::kKept);
  EXPECT_FALSE(InputOf(p.plan, "inputs.b").rerouted);
}

TEST(ReloadPlanTest, OutputSettingsAreReconfiguredInPlaceAndDoNotReroute) {
  PipelineSpec b = Spec();
  b.outputs[0] = Out("x", {"t"}, {{"prefix", std::string("p")}});
  b.outputs[1] = Out("y", {"b"}, {{"buffer.max_bytes", uint64_t{4} << 20}});
  Planned p = Plan(Spec(), b);
  EXPECT_EQ(p.summary, "restarted outputs.x, outputs.y; 3 unchanged");
  const OutputChange& x = OutputOf(p.plan, "outputs.x");
  EXPECT_EQ(x.change, Change::kReconfigured);
  EXPECT_TRUE(x.plugin_changed);
  EXPECT_FALSE(x.options.has_value());
  const OutputChange& y = OutputOf(p.plan, "outputs.y");
  EXPECT_EQ(y.change, Change::kReconfigured);
  EXPECT_FALSE(y.plugin_changed);
  ASSERT_TRUE(y.options.has_value());
  EXPECT_EQ(y.options->max_bytes, uint64_t{4} << 20);
  EXPECT_FALSE(InputOf(p.plan, "inputs.a").rerouted);
  EXPECT_FALSE(InputOf(p.plan, "inputs.b").rerouted);
}

TEST(ReloadPlanTest, BufferTypeChangeRebuildsTheOutputAndReroutesItsInputs) {
  PipelineSpec b = Spec();
  b.outputs[1] = Out("y", {"b"}, {{"buffer.type", std::string("disk")}});
  Planned p = Plan(Spec(), b);
  EXPECT_EQ(OutputOf(p.plan, "outputs.y").change, Change::kRebuilt);
  EXPECT_EQ(p.summary, "restarted outputs.y; rerouted inputs.b; 3 unchanged");
}

TEST(ReloadPlanTest, AddedRemovedAndRestarted) {
  PipelineSpec b = Spec();
  b.inputs = {Node("inputs", "a", "script"), Node("inputs", "c", "script")};
  b.inputs[0].Set("label", ConfigValue{std::string("new"), {}});
  b.outputs = {Out("x", {"t"}), Out("z", {"c", "a"})};
  Planned p = Plan(Spec(), b);
  EXPECT_EQ(p.summary,
            "added inputs.c, outputs.z; removed inputs.b, outputs.y; restarted inputs.a; "
            "2 unchanged");
  EXPECT_EQ(InputOf(p.plan, "inputs.a").change, Change::kRestarted);
}

TEST(ReloadPlanTest, UnreadableBufferOptionIsAnError) {
  PipelineSpec b = Spec();
  b.memory_limit = 8u << 20;
  b.outputs[1] = Out("y", {"b"}, {{"buffer.max_bytes", uint64_t{64} << 20}});
  PipelineSpec a = Spec();
  Graph g1(a.inputs, a.filters, a.outputs);
  Graph g2(b.inputs, b.filters, b.outputs);
  auto plan = PlanReload(a, g1, b, g2, 1u << 20);
  ASSERT_FALSE(plan.has_value());
  EXPECT_NE(plan.error().message().find("outputs.y (capture): key 'buffer.max_bytes': a memory "
                                        "buffer of 64MiB is larger than memory_limit (8MiB)"),
            std::string::npos)
      << plan.error().message();
}

}  // namespace
}  // namespace runnel::runtime

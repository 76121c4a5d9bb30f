// MetricsRegistry's Prometheus text: the exact exposition of a small registry (labels, escaping,
// a histogram), hiding series, one type per name.
#include "runnel/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace runnel {
namespace {

TEST(MetricsTest, RendersTheExpositionFormatExactly) {
  MetricsRegistry r;
  r.GetCounter("events_out_total", "outputs.x", "Events sent on.")->Add(3);
  r.GetCounter("events_out_total", "inputs.a", "")->Add(1);
  r.GetGauge("memory_budget_used_bytes", "", "Bytes held.")->Set(-42);
  r.GetGauge("replica_up", "outputs.f", "Up.\nA second line, a \\ backslash and \"quotes\".",
             {{"address", "a\"b\\c\nd"}})
      ->Set(1);
  Histogram* h = r.GetHistogram("ack_latency_seconds", "outputs.f", "Latency.", {0.5, 1});
  for (double v : {0.25, 0.5, 2.0, 4.0}) {
    h->Observe(v);
  }
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP runnel_ack_latency_seconds Latency.\n"
            "# TYPE runnel_ack_latency_seconds histogram\n"
            "runnel_ack_latency_seconds_bucket{component=\"outputs.f\",le=\"0.5\"} 2\n"
            "runnel_ack_latency_seconds_bucket{component=\"outputs.f\",le=\"1\"} 2\n"
            "runnel_ack_latency_seconds_bucket{component=\"outputs.f\",le=\"+Inf\"} 4\n"
            "runnel_ack_latency_seconds_sum{component=\"outputs.f\"} 6.75\n"
            "runnel_ack_latency_seconds_count{component=\"outputs.f\"} 4\n"
            "# HELP runnel_events_out_total Events sent on.\n"
            "# TYPE runnel_events_out_total counter\n"
            "runnel_events_out_total{component=\"outputs.x\"} 3\n"
            "runnel_events_out_total{component=\"inputs.a\"} 1\n"
            "# HELP runnel_memory_budget_used_bytes Bytes held.\n"
            "# TYPE runnel_memory_budget_used_bytes gauge\n"
            "runnel_memory_budget_used_bytes -42\n"
            "# HELP runnel_replica_up Up.\\nA second line, a \\\\ backslash and \"quotes\".\n"
            "# TYPE runnel_replica_up gauge\n"
            "runnel_replica_up{component=\"outputs.f\",address=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, ATimestampIsKeptInNanosecondsAndRenderedInSeconds) {
  MetricsRegistry r;
  r.GetTimestamp("last_delivery_timestamp_seconds", "outputs.x", "When.")
      ->Set(1'700'000'000'250'000'000);
  r.GetTimestamp("last_delivery_timestamp_seconds", "outputs.y", "");
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP runnel_last_delivery_timestamp_seconds When.\n"
            "# TYPE runnel_last_delivery_timestamp_seconds gauge\n"
            "runnel_last_delivery_timestamp_seconds{component=\"outputs.x\"} 1700000000.25\n"
            "runnel_last_delivery_timestamp_seconds{component=\"outputs.y\"} 0\n");
}

TEST(MetricsTest, AHistogramWithoutLabelsAndWithoutObservations) {
  MetricsRegistry r;
  r.GetHistogram("wait_seconds", "", "Waits.", {0.001});
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP runnel_wait_seconds Waits.\n"
            "# TYPE runnel_wait_seconds histogram\n"
            "runnel_wait_seconds_bucket{le=\"0.001\"} 0\n"
            "runnel_wait_seconds_bucket{le=\"+Inf\"} 0\n"
            "runnel_wait_seconds_sum 0\n"
            "runnel_wait_seconds_count 0\n");
}

TEST(MetricsTest, TheSameSeriesIsTheSameObjectAndTheFirstHelpIsKept) {
  MetricsRegistry r;
  Counter* a = r.GetCounter("x_total", "c", "");
  Counter* b = r.GetCounter("x_total", "c", "Later help.");
  Counter* other = r.GetCounter("x_total", "c", "Ignored.", {{"k", "v"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  a->Add(2);
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP runnel_x_total Later help.\n"
            "# TYPE runnel_x_total counter\n"
            "runnel_x_total{component=\"c\"} 2\n"
            "runnel_x_total{component=\"c\",k=\"v\"} 0\n");
}

TEST(MetricsTest, HiddenSeriesAreLeftOutUntilAskedForAgain) {
  MetricsRegistry r;
  Gauge* one = r.GetGauge("up", "outputs.f", "Up.", {{"address", "a:1"}});
  r.GetGauge("up", "outputs.f", "Up.", {{"address", "b:1"}})->Set(1);
  r.GetCounter("events_out_total", "outputs.f", "Events.")->Add(5);
  one->Set(1);
  r.Hide("up", "outputs.f", {{"address", "a:1"}});
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP runnel_events_out_total Events.\n"
            "# TYPE runnel_events_out_total counter\n"
            "runnel_events_out_total{component=\"outputs.f\"} 5\n"
            "# HELP runnel_up Up.\n"
            "# TYPE runnel_up gauge\n"
            "runnel_up{component=\"outputs.f\",address=\"b:1\"} 1\n");
  r.HideComponent("outputs.f");
  EXPECT_EQ(r.RenderPrometheus(), "");  // a family with nothing visible has no HELP either
  EXPECT_EQ(r.GetGauge("up", "outputs.f", "", {{"address", "a:1"}}), one);
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP runnel_up Up.\n"
            "# TYPE runnel_up gauge\n"
            "runnel_up{component=\"outputs.f\",address=\"a:1\"} 1\n");
}

TEST(MetricsTest, HistogramBucketsAreUpperBoundsInclusive) {
  Histogram h({1, 2, 3});
  for (double v : {0.0, 1.0, 1.5, 2.0, 3.0, 3.5, 100.0}) {
    h.Observe(v);
  }
  EXPECT_EQ(h.bucket(0), 2u);  // 0, 1
  EXPECT_EQ(h.bucket(1), 2u);  // 1.5, 2
  EXPECT_EQ(h.bucket(2), 1u);  // 3
  EXPECT_EQ(h.bucket(3), 2u);  // 3.5, 100: +Inf
  EXPECT_EQ(h.count(), 7u);
  EXPECT_DOUBLE_EQ(h.sum(), 111.0);
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry r;
  Counter* c = r.GetCounter("n_total", "", "N.");
  Histogram* h = r.GetHistogram("v_seconds", "", "V.", LatencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c->Add();
        h->Observe(0.5);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(c->value(), 40'000u);
  EXPECT_EQ(h->count(), 40'000u);
  EXPECT_DOUBLE_EQ(h->sum(), 20'000.0);
}

TEST(MetricsDeathTest, OneNameIsOneType) {
  MetricsRegistry r;
  r.GetCounter("x_total", "c", "X.");
  EXPECT_DEATH(r.GetGauge("x_total", "d", "X."), "");
  EXPECT_DEATH(r.GetCounter("bad name", "c", "X."), "");
  EXPECT_DEATH(r.GetCounter("y_total", "c", "Y.", {{"le", "1"}}), "");
}

}  // namespace
}  // namespace runnel

#pragma once
// Metrics: counters, gauges and histograms that core and plugins update on hot paths, and the
// registry that renders them as Prometheus text (exposition format 0.0.4).
//
// A series is a family name ("events_out_total", rendered "runnel_events_out_total"), the
// component it belongs to (the label component="outputs.x"; "" for process-wide series, which
// then have no component label) and optional extra labels (e.g. address="10.0.0.7:24224").
// Every component gets the same standard counters (ComponentMetrics); a plugin declares its own
// extra series through the registry, once, at construction.
//
// Updates (Counter::Add, Gauge::Set/Add, Histogram::Observe) are lock-free and never allocate:
// relaxed atomics. Registration (Get*) and rendering take the registry's mutex.
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace runnel {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending, +Inf implied) with their sum,
// rendered as a Prometheus histogram: cumulative `_bucket{le=...}`, `_sum`, `_count`.
class Histogram {
 public:
  // `bounds` must be ascending and finite (RUNNEL_CHECK).
  explicit Histogram(std::vector<double> bounds);

  // Counts `v` in the first bucket whose bound is >= v (+Inf past the last). No lock, no
  // allocation; a scan of the bounds.
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations in bucket `i` alone (not cumulative); i == bounds().size() is +Inf.
  uint64_t bucket(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  // Every observation (the sum of the buckets).
  uint64_t count() const;

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Labels beyond `component`, rendered in this order after it. Names are [a-zA-Z_][a-zA-Z0-9_]*
// (RUNNEL_CHECK); values are any text (escaped when rendered).
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Bounds for latencies in seconds, 1 ms to 60 s.
std::vector<double> LatencyBuckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The series `runnel_<name>{component="<component>",<labels>}`, created on the first call;
  // later calls with the same name, component and labels return the same object (and show it
  // again if it was hidden). The pointer stays valid for the registry's lifetime.
  // `name` is [a-zA-Z_][a-zA-Z0-9_]*; one name is one type: asking for a counter under a gauge's
  // name is a programming error (RUNNEL_CHECK). `help` is the family's HELP line: the first
  // non-empty one given for the name is kept.
  Counter* GetCounter(const std::string& name, const std::string& component,
                      const std::string& help, const MetricLabels& labels = {});
  Gauge* GetGauge(const std::string& name, const std::string& component, const std::string& help,
                  const MetricLabels& labels = {});
  // A gauge holding a time in nanoseconds since the Unix epoch (Set it from system_clock),
  // rendered in seconds with a fraction: for `..._timestamp_seconds` families.
  Gauge* GetTimestamp(const std::string& name, const std::string& component,
                      const std::string& help, const MetricLabels& labels = {});
  // `bounds`: see Histogram; the first call's bounds are kept.
  Histogram* GetHistogram(const std::string& name, const std::string& component,
                          const std::string& help, const std::vector<double>& bounds,
                          const MetricLabels& labels = {});

  // Leaves a series out of the rendering (it keeps its value and its pointer stays valid) until
  // it is asked for again: for a replica no longer listed, or a component a reload removed.
  // Unknown series are ignored.
  void Hide(const std::string& name, const std::string& component, const MetricLabels& labels);
  void HideComponent(const std::string& component);

  // Every visible series, in Prometheus text exposition format 0.0.4: families sorted by name,
  // each with HELP and TYPE once, its series in the order they were created.
  std::string RenderPrometheus() const;
  void AppendPrometheus(std::string* out) const;

 private:
  enum class Type { kCounter, kGauge, kTimestamp, kHistogram };
  struct Entry {
    std::string name;
    std::string component;
    std::string labels;  // rendered: component="x",address="y" (escaped), or ""
    Type type = Type::kCounter;
    bool hidden = false;
    Counter counter;
    Gauge gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string help;
    Type type = Type::kCounter;
    std::vector<const Entry*> entries;  // creation order
  };
  Entry* GetEntry(const std::string& name, const std::string& component, const std::string& help,
                  const MetricLabels& labels, Type type, const std::vector<double>* bounds);

  mutable std::mutex mu_;
  std::deque<Entry> entries_;                                    // deque: stable addresses
  std::map<std::pair<std::string, std::string>, Entry*> index_;  // (name, labels) -> entry
  std::map<std::string, Family> families_;                       // sorted by name
};

// The counters every component has, updated by core.
struct ComponentMetrics {
  Counter* events_in = nullptr;
  Counter* events_out = nullptr;
  Counter* bytes_in = nullptr;
  Counter* bytes_out = nullptr;
  Counter* dropped = nullptr;  // events dropped on purpose (filtered out, drop policies)
  Counter* errors = nullptr;   // failures: parse errors, write errors, ...
  Counter* retries = nullptr;

  static ComponentMetrics Create(MetricsRegistry& registry, const std::string& component);
};

}  // namespace runnel

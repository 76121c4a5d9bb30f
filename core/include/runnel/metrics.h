#pragma once
// Metrics: counters and gauges that core and plugins update on hot paths (relaxed atomics) and
// that the registry renders as Prometheus text. Every component gets the same set of standard
// counters (ComponentMetrics); a plugin declares its own extra ones through the registry.
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

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

class MetricsRegistry {
 public:
  // Returns the counter `runnel_<name>{component="<component>"}`, creating it once.
  // The pointer stays valid for the registry's lifetime.
  Counter* GetCounter(const std::string& name, const std::string& component,
                      const std::string& help);
  Gauge* GetGauge(const std::string& name, const std::string& component, const std::string& help);
  // Prometheus text exposition format 0.0.4.
  std::string RenderPrometheus() const;

 private:
  struct Entry {
    std::string name, component, help;
    bool is_gauge = false;
    Counter counter;
    Gauge gauge;
  };
  Entry* GetEntry(const std::string& name, const std::string& component, const std::string& help,
                  bool gauge);
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // deque: stable addresses
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

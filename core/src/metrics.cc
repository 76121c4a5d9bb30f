#include "runnel/metrics.h"

#include <map>
#include <vector>

namespace runnel {

MetricsRegistry::Entry* MetricsRegistry::GetEntry(const std::string& name,
                                                  const std::string& component,
                                                  const std::string& help, bool gauge) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Entry& e : entries_) {
    if (e.name == name && e.component == component) {
      return &e;
    }
  }
  Entry& e = entries_.emplace_back();
  e.name = name;
  e.component = component;
  e.help = help;
  e.is_gauge = gauge;
  return &e;
}

Counter* MetricsRegistry::GetCounter(const std::string& name, const std::string& component,
                                     const std::string& help) {
  return &GetEntry(name, component, help, false)->counter;
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const std::string& component,
                                 const std::string& help) {
  return &GetEntry(name, component, help, true)->gauge;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  // Group samples by metric name: HELP and TYPE once per name.
  std::map<std::string, std::vector<const Entry*>> by_name;
  for (const Entry& e : entries_) {
    by_name[e.name].push_back(&e);
  }
  std::string out;
  for (const auto& [name, list] : by_name) {
    const std::string full = "runnel_" + name;
    out += "# HELP " + full + " " + list.front()->help + "\n";
    out += "# TYPE " + full + (list.front()->is_gauge ? " gauge\n" : " counter\n");
    for (const Entry* e : list) {
      out += full;
      if (!e->component.empty()) {
        out += "{component=\"" + e->component + "\"}";
      }
      out += " ";
      out += e->is_gauge ? std::to_string(e->gauge.value()) : std::to_string(e->counter.value());
      out += "\n";
    }
  }
  return out;
}

ComponentMetrics ComponentMetrics::Create(MetricsRegistry& registry, const std::string& component) {
  ComponentMetrics m;
  m.events_in = registry.GetCounter("events_in_total", component, "Events received.");
  m.events_out = registry.GetCounter("events_out_total", component, "Events sent on.");
  m.bytes_in = registry.GetCounter("bytes_in_total", component, "Bytes received.");
  m.bytes_out = registry.GetCounter("bytes_out_total", component, "Bytes sent on.");
  m.dropped = registry.GetCounter("events_dropped_total", component, "Events dropped on purpose.");
  m.errors = registry.GetCounter("errors_total", component, "Errors.");
  m.retries = registry.GetCounter("retries_total", component, "Retried writes.");
  return m;
}

}  // namespace runnel

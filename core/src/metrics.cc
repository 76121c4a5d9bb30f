#include "runnel/metrics.h"

#include <charconv>
#include <cmath>

#include "runnel/check.h"

namespace runnel {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsValidName(const std::string& name) {
  if (name.empty() || !IsNameStart(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return false;
    }
  }
  return true;
}

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
void AppendEscaped(std::string_view text, bool quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && quote) {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}

void AppendLabel(std::string_view name, std::string_view value, std::string* out) {
  if (!out->empty()) {
    *out += ',';
  }
  *out += name;
  *out += "=\"";
  AppendEscaped(value, /*quote=*/true, out);
  *out += '"';
}

template <typename T>
void AppendInt(T v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

// Go's ParseFloat reads what to_chars writes (the shortest text that round-trips).
void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, end);
  }
}

// The labels of a series as rendered between the braces: component first, then `labels`.
std::string RenderLabels(const std::string& component, const MetricLabels& labels) {
  std::string rendered;
  if (!component.empty()) {
    AppendLabel("component", component, &rendered);
  }
  for (const auto& [label, value] : labels) {
    AppendLabel(label, value, &rendered);
  }
  return rendered;
}

// `full{labels}` with `extra` (e.g. le="0.5") appended to the labels.
void AppendSeries(const std::string& full, std::string_view suffix, const std::string& labels,
                  std::string_view extra, std::string* out) {
  *out += full;
  *out += suffix;
  if (!labels.empty() || !extra.empty()) {
    *out += '{';
    *out += labels;
    if (!labels.empty() && !extra.empty()) {
      *out += ',';
    }
    *out += extra;
    *out += '}';
  }
  *out += ' ';
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    RUNNEL_CHECK(std::isfinite(bounds_[i]));
    RUNNEL_CHECK(i == 0 || bounds_[i - 1] < bounds_[i]);
  }
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) {
    ++i;
  }
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::count() const {
  uint64_t n = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    n += bucket(i);
  }
  return n;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Entry* MetricsRegistry::GetEntry(const std::string& name,
                                                  const std::string& component,
                                                  const std::string& help,
                                                  const MetricLabels& labels, Type type,
                                                  const std::vector<double>* bounds) {
  RUNNEL_CHECK(IsValidName(name));
  for (const auto& [label, value] : labels) {
    RUNNEL_CHECK(IsValidName(label) && label != "component" && label != "le");
  }
  std::string rendered = RenderLabels(component, labels);
  std::lock_guard<std::mutex> lock(mu_);
  auto [family, created] = families_.try_emplace(name);
  if (created) {
    family->second.type = type;
  }
  RUNNEL_CHECK(family->second.type == type);  // one name, one type
  if (family->second.help.empty()) {
    family->second.help = help;
  }
  auto [it, inserted] = index_.try_emplace(std::make_pair(name, rendered), nullptr);
  if (!inserted) {
    it->second->hidden = false;
    return it->second;
  }
  Entry& e = entries_.emplace_back();
  e.name = name;
  e.component = component;
  e.labels = std::move(rendered);
  e.type = type;
  if (bounds != nullptr) {
    e.histogram = std::make_unique<Histogram>(*bounds);
  }
  it->second = &e;
  family->second.entries.push_back(&e);
  return &e;
}

Counter* MetricsRegistry::GetCounter(const std::string& name, const std::string& component,
                                     const std::string& help, const MetricLabels& labels) {
  return &GetEntry(name, component, help, labels, Type::kCounter, nullptr)->counter;
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const std::string& component,
                                 const std::string& help, const MetricLabels& labels) {
  return &GetEntry(name, component, help, labels, Type::kGauge, nullptr)->gauge;
}

Gauge* MetricsRegistry::GetTimestamp(const std::string& name, const std::string& component,
                                     const std::string& help, const MetricLabels& labels) {
  return &GetEntry(name, component, help, labels, Type::kTimestamp, nullptr)->gauge;
}

Histogram* MetricsRegistry::GetHistogram(const std::string& name, const std::string& component,
                                         const std::string& help, const std::vector<double>& bounds,
                                         const MetricLabels& labels) {
  return GetEntry(name, component, help, labels, Type::kHistogram, &bounds)->histogram.get();
}

void MetricsRegistry::Hide(const std::string& name, const std::string& component,
                           const MetricLabels& labels) {
  const std::string rendered = RenderLabels(component, labels);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(std::make_pair(name, rendered)); it != index_.end()) {
    it->second->hidden = true;
  }
}

void MetricsRegistry::HideComponent(const std::string& component) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Entry& e : entries_) {
    if (e.component == component) {
      e.hidden = true;
    }
  }
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::string out;
  AppendPrometheus(&out);
  return out;
}

void MetricsRegistry::AppendPrometheus(std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) {
    const std::string full = "runnel_" + name;
    bool header = false;
    for (const Entry* e : family.entries) {
      if (e->hidden) {
        continue;
      }
      if (!header) {
        header = true;
        *out += "# HELP " + full + " ";
        AppendEscaped(family.help, /*quote=*/false, out);
        *out += "\n# TYPE " + full;
        *out += family.type == Type::kCounter     ? " counter\n"
                : family.type == Type::kHistogram ? " histogram\n"
                                                  : " gauge\n";
      }
      switch (e->type) {
        case Type::kCounter:
          AppendSeries(full, "", e->labels, "", out);
          AppendInt(e->counter.value(), out);
          break;
        case Type::kGauge:
          AppendSeries(full, "", e->labels, "", out);
          AppendInt(e->gauge.value(), out);
          break;
        case Type::kTimestamp: {
          // Seconds and nanoseconds apart: nanoseconds since the epoch do not fit a double.
          const int64_t ns = e->gauge.value();
          AppendSeries(full, "", e->labels, "", out);
          AppendDouble(static_cast<double>(ns / 1'000'000'000) +
                           static_cast<double>(ns % 1'000'000'000) / 1e9,
                       out);
          break;
        }
        case Type::kHistogram: {
          const Histogram& h = *e->histogram;
          uint64_t cumulative = 0;
          std::string le;
          for (size_t i = 0; i <= h.bounds().size(); ++i) {
            cumulative += h.bucket(i);
            le = "le=\"";
            if (i < h.bounds().size()) {
              AppendDouble(h.bounds()[i], &le);
            } else {
              le += "+Inf";
            }
            le += '"';
            AppendSeries(full, "_bucket", e->labels, le, out);
            AppendInt(cumulative, out);
            *out += '\n';
          }
          AppendSeries(full, "_sum", e->labels, "", out);
          AppendDouble(h.sum(), out);
          *out += '\n';
          // The +Inf bucket, so that _count equals it even while observations race the render.
          AppendSeries(full, "_count", e->labels, "", out);
          AppendInt(cumulative, out);
          break;
        }
      }
      *out += '\n';
    }
  }
}

ComponentMetrics ComponentMetrics::Create(MetricsRegistry& registry, const std::string& component) {
  ComponentMetrics m;
  m.events_in = registry.GetCounter(
      "events_in_total", component,
      "Events taken in: by a filter from upstream, by an output into its buffer.");
  m.events_out = registry.GetCounter(
      "events_out_total", component,
      "Events passed on: emitted by an input, kept by a filter, delivered by an output.");
  m.bytes_in = registry.GetCounter("bytes_in_total", component,
                                   "Bytes of the batches an output took into its buffer.");
  m.bytes_out = registry.GetCounter(
      "bytes_out_total", component,
      "Bytes of the batches an input emitted or an output delivered (uncompressed entries).");
  m.dropped = registry.GetCounter("events_dropped_total", component,
                                  "Events dropped on purpose: filtered out, or by a full memory "
                                  "buffer with when_full = \"drop_oldest\".");
  m.errors = registry.GetCounter(
      "errors_total", component,
      "Errors: read and parse errors, batches a filter could not decode or an output rejected.");
  m.retries = registry.GetCounter("retries_total", component,
                                  "Writes an output retried, and batches it sent again.");
  return m;
}

}  // namespace runnel

#include "api/health.h"

#include "runnel/json_writer.h"

namespace runnel::api {
namespace {

int64_t WholeSeconds(SteadyTime::duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

void AppendField(std::string_view name, std::string* out) {
  JsonWriter::AppendString(name, out);
  *out += ':';
}

}  // namespace

Probe EvaluateHealth(const std::vector<OutputActivity>& outputs, SteadyTime now,
                     std::chrono::milliseconds window) {
  Probe probe;
  probe.ok = true;
  std::string body;
  for (const OutputActivity& o : outputs) {
    const SteadyTime::duration since = now - o.progress_at;
    const bool stalled = o.pending_batches > 0 && since >= window;
    probe.ok &= !stalled;
    body += body.empty() ? "" : ",";
    AppendField(o.id, &body);
    body += '{';
    if (stalled) {
      AppendField("reason", &body);
      JsonWriter::AppendString("nothing delivered for " + std::to_string(WholeSeconds(since)) +
                                   "s with " + std::to_string(o.pending_batches) +
                                   (o.pending_batches == 1 ? " batch" : " batches") + " waiting",
                               &body);
      body += ',';
    }
    AppendField("pending_batches", &body);
    body += std::to_string(o.pending_batches);
    if (stalled) {
      body += ',';
      AppendField("stalled_seconds", &body);
      body += std::to_string(WholeSeconds(since));
    }
    body += ',';
    AppendField("last_delivery_seconds_ago", &body);
    body +=
        o.last_delivery.has_value() ? std::to_string(WholeSeconds(now - *o.last_delivery)) : "null";
    body += '}';
  }
  probe.json = std::string(probe.ok ? R"({"status":"ok","outputs":{)"
                                    : R"({"status":"unhealthy","outputs":{)") +
               body + "}}";
  return probe;
}

Probe EvaluateReadiness(Readiness readiness) {
  switch (readiness) {
    case Readiness::kReady:
      return Probe{true, R"({"status":"ready"})"};
    case Readiness::kStarting:
      return Probe{false, R"({"status":"starting"})"};
    case Readiness::kDraining:
      return Probe{false, R"({"status":"draining"})"};
  }
  return Probe{false, R"({"status":"starting"})"};
}

}  // namespace runnel::api

#pragma once
// What /health and /ready answer, as pure functions of the state they are given (so tests pass
// their own clock instead of waiting).
//
// /health means "data is moving". An output is healthy when it has nothing to deliver (no
// batch in its buffer, none in flight), or when its last progress (a batch delivered, or
// rejected to the dead letters) is less than `window` ago, where a period of having nothing to
// deliver counts as progress up to its end: an output that gets work after an idle hour is given
// the whole window for its first delivery. It is stalled otherwise. The process is healthy when
// every output is.
//
// /ready: 200 once the pipeline has started (inputs listen, outputs run), 503 before that and
// from the moment a drain begins.
//
// Thread-safe (no state).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runnel::api {

using SteadyTime = std::chrono::steady_clock::time_point;

// One output, as its worker sees it now.
struct OutputActivity {
  std::string id;                // "outputs.es"
  uint64_t pending_batches = 0;  // buffered or in flight, not yet delivered
  SteadyTime progress_at;        // last delivery or rejection, or last seen with nothing to do
  std::optional<SteadyTime> last_delivery;  // absent until the first delivery
};

// A probe's answer: `ok` is 200, otherwise 503; `json` is the body.
struct Probe {
  bool ok = false;
  std::string json;
};

// {"status":"ok","outputs":{"outputs.x":{"pending_batches":0,"last_delivery_seconds_ago":3}}}
// or, when any output is stalled, 503 with
// {"status":"unhealthy","outputs":{"outputs.es":{"reason":"nothing delivered for 73s with 12
// batches waiting","pending_batches":12,"stalled_seconds":73,"last_delivery_seconds_ago":80},
// ...}}: every output is listed, the stalled ones with a reason. Seconds are whole (rounded
// down); last_delivery_seconds_ago is null before the first delivery.
Probe EvaluateHealth(const std::vector<OutputActivity>& outputs, SteadyTime now,
                     std::chrono::milliseconds window);

enum class Readiness { kStarting, kReady, kDraining };

// {"status":"ready"} (ok), {"status":"starting"} or {"status":"draining"}.
Probe EvaluateReadiness(Readiness readiness);

}  // namespace runnel::api

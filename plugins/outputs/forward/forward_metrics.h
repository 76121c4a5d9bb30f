#pragma once
// The forward output's own metrics, beside the ComponentMetrics every output has. Declared in
// one place: names, types and help texts are here (docs/operations.md lists them).
//   forward_acks_total, forward_resent_total, forward_replica_failures_total,
//   forward_given_up_total                                        counters
//   forward_replicas_up, forward_replicas_down, forward_in_flight_batches   gauges
//   forward_replica_up{address="10.0.0.7:24224"}   gauge, 1 or 0, one per replica listed now
//   forward_ack_latency_seconds                    histogram, Submit to the replica's ack
// Not thread-safe: the output updates them under its mutex (the counters themselves are atomic).

#include <cstdint>
#include <map>
#include <string>

#include "runnel/metrics.h"
#include "runnel/replica_set.h"

namespace runnel::plugins::forward_output {

struct ForwardMetrics {
  Counter* acks = nullptr;    // batches acknowledged by an aggregator
  Counter* resent = nullptr;  // batches sent again after their replica failed
  Counter* replica_failures = nullptr;
  Counter* given_up = nullptr;  // batches rejected after retry_limit attempts
  Gauge* replicas_up = nullptr;
  Gauge* replicas_down = nullptr;
  Gauge* in_flight_batches = nullptr;
  Histogram* ack_latency = nullptr;  // seconds

  // Every pointer null when `registry` is.
  static ForwardMetrics Create(MetricsRegistry* registry, const std::string& component);
};

// forward_replica_up{component,address}: one gauge per replica listed now; a replica no longer
// listed (its name resolves elsewhere) is hidden from /metrics.
class ReplicaGauges {
 public:
  // `registry` may be null (nothing is kept).
  ReplicaGauges(MetricsRegistry* registry, std::string component)
      : registry_(registry), component_(std::move(component)) {}

  // Sets the gauges from `replicas` and counts them into `up` and `down` (may be null).
  void Update(const ReplicaSet& replicas, Gauge* up, Gauge* down);

 private:
  struct Entry {
    Gauge* gauge = nullptr;
    uint64_t seen = 0;
  };
  MetricsRegistry* const registry_;
  const std::string component_;
  std::map<std::string, Entry> by_address_;
  uint64_t generation_ = 0;
};

}  // namespace runnel::plugins::forward_output

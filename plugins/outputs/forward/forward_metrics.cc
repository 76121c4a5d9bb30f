#include "forward_metrics.h"

namespace runnel::plugins::forward_output {
namespace {

constexpr char kReplicaUp[] = "forward_replica_up";

}  // namespace

ForwardMetrics ForwardMetrics::Create(MetricsRegistry* registry, const std::string& c) {
  ForwardMetrics m;
  if (registry == nullptr) {
    return m;
  }
  MetricsRegistry& r = *registry;
  m.acks = r.GetCounter("forward_acks_total", c, "Batches acknowledged by a replica.");
  m.resent =
      r.GetCounter("forward_resent_total", c, "Batches sent again because their replica failed.");
  m.replica_failures = r.GetCounter(
      "forward_replica_failures_total", c,
      "Replicas taken down: connect, handshake or write errors, closed connections, ack "
      "timeouts.");
  m.given_up =
      r.GetCounter("forward_given_up_total", c, "Batches rejected after retry_limit attempts.");
  m.replicas_up = r.GetGauge("forward_replicas_up", c, "Replicas connected now.");
  m.replicas_down = r.GetGauge("forward_replicas_down", c,
                               "Replicas listed and not connected now (failed, or connecting).");
  m.in_flight_batches = r.GetGauge("forward_in_flight_batches", c, "Batches not acknowledged yet.");
  m.ack_latency = r.GetHistogram(
      "forward_ack_latency_seconds", c,
      "From a batch handed to the output to its acknowledgement by a replica, resends included.",
      LatencyBuckets());
  return m;
}

void ReplicaGauges::Update(const ReplicaSet& replicas, Gauge* up, Gauge* down) {
  ++generation_;
  int64_t n_up = 0;
  int64_t n_down = 0;
  for (ReplicaId id : replicas.ids()) {
    const bool is_up = replicas.state(id) == ReplicaSet::State::kUp;
    (is_up ? n_up : n_down) += 1;
    if (registry_ == nullptr) {
      continue;
    }
    const std::string& address = replicas.spec(id).address;
    Entry& e = by_address_[address];
    if (e.gauge == nullptr) {  // new, or listed again (shown again)
      e.gauge = registry_->GetGauge(kReplicaUp, component_,
                                    "1 while the replica at `address` is connected, else 0.",
                                    {{"address", address}});
    }
    e.gauge->Set(is_up ? 1 : 0);
    e.seen = generation_;
  }
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    if (it->second.seen == generation_) {
      ++it;
      continue;
    }
    registry_->Hide(kReplicaUp, component_, {{"address", it->first}});
    it = by_address_.erase(it);
  }
  if (up != nullptr) {
    up->Set(n_up);
  }
  if (down != nullptr) {
    down->Set(n_down);
  }
}

}  // namespace runnel::plugins::forward_output

#pragma once
// ReplicaSet: the replicas an output spreads its batches over (e.g. a pool of aggregators), their
// health, and which batches each one has outstanding. It only decides; the caller does the I/O.
//
//  - Pick() chooses, among the replicas that are up, the one with the fewest outstanding
//    batches per unit of weight; ties go round-robin, so equal replicas share evenly.
//  - Fail() takes a replica down (connect error, ack timeout, missed heartbeat): everything
//    outstanding on it is handed back, to be sent to another replica, and it is probed again
//    after a backoff (exponential with full jitter) that grows with each failed probe.
//  - DueProbes() says which down replicas to try again now; Up() marks one usable once its
//    connection is back, which also resets its backoff.
//  - SetReplicas() replaces the list after a re-resolution of the configured names: a replica
//    whose address is still listed keeps its state and outstanding batches; one no longer
//    listed is dropped and its outstanding batches are handed back.
//
// Replicas are named by a ReplicaId that stays valid while the replica is listed. Batches are
// named by the caller's 64-bit keys. Not thread-safe: one owner (the output's I/O thread).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runnel/backoff.h"

namespace runnel {

using ReplicaId = uint64_t;

class ReplicaSet {
 public:
  using Clock = std::chrono::steady_clock;

  struct Spec {
    std::string name;     // as configured, e.g. "aggregators.internal:24224"
    std::string address;  // as resolved, e.g. "10.0.0.7:24224"; the identity of a replica
    uint32_t weight = 1;  // 0 is taken as 1
  };

  enum class State : uint8_t {
    kNew,      // listed, never connected: the caller connects it (it is due at once)
    kUp,       // connected: Pick() may choose it
    kDown,     // failed: waits for its probe time
    kProbing,  // a probe (reconnection) is under way
  };

  ReplicaSet(std::chrono::milliseconds backoff_base, std::chrono::milliseconds backoff_cap,
             uint64_t seed);

  // Replaces the list; see the header comment. Returns the batches that were outstanding on the
  // replicas dropped. Duplicate addresses are listed once (the first spec wins).
  std::vector<uint64_t> SetReplicas(const std::vector<Spec>& specs);

  // Every replica listed, in the order of the last SetReplicas.
  std::vector<ReplicaId> ids() const;
  const Spec& spec(ReplicaId id) const;
  State state(ReplicaId id) const;
  size_t outstanding(ReplicaId id) const;
  bool listed(ReplicaId id) const { return replicas_.contains(id); }
  // When a down replica is due for its probe.
  Clock::time_point probe_at(ReplicaId id) const;

  // The up replica to send the next batch to, or nullopt when none is up.
  std::optional<ReplicaId> Pick();
  bool AnyUp() const;

  // Batch `key` was sent to `id` and waits for its acknowledgement there.
  void Assign(ReplicaId id, uint64_t key);
  // Batch `key` was acknowledged by `id`. False when it was not outstanding there (an ack that
  // arrived after the replica was failed and the batch handed back).
  bool Complete(ReplicaId id, uint64_t key);

  // Takes `id` down until now + its next backoff; returns its outstanding batches, oldest
  // assignment first. A replica already down stays down (its probe failed): the backoff grows.
  std::vector<uint64_t> Fail(ReplicaId id, Clock::time_point now);
  // The new or down replicas whose probe is due at `now`; they become kProbing.
  std::vector<ReplicaId> DueProbes(Clock::time_point now);
  // The earliest probe time among down replicas, if any is down.
  std::optional<Clock::time_point> NextProbe() const;
  // The replica's connection works: it is up and its backoff starts over.
  void Up(ReplicaId id);

 private:
  struct Replica {
    Replica(Spec s, Backoff b) : spec(std::move(s)), backoff(b) {
      spec.weight = std::max<uint32_t>(spec.weight, 1);
    }
    Spec spec;
    State state = State::kNew;
    Backoff backoff;
    Clock::time_point probe_at{};
    uint64_t next_seq = 0;
    std::map<uint64_t, uint64_t> outstanding;  // assignment order -> batch key
    std::map<uint64_t, uint64_t> seq_of;       // batch key -> assignment order
  };

  std::chrono::milliseconds backoff_base_, backoff_cap_;
  uint64_t seed_;
  ReplicaId next_id_ = 1;
  std::map<ReplicaId, Replica> replicas_;
  std::vector<ReplicaId> order_;  // as listed
  size_t rr_ = 0;                 // where the next tie-break starts in order_
};

}  // namespace runnel

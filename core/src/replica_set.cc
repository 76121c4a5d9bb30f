#include "runnel/replica_set.h"

#include <algorithm>

#include "runnel/check.h"

namespace runnel {

ReplicaSet::ReplicaSet(std::chrono::milliseconds backoff_base,
                       std::chrono::milliseconds backoff_cap, uint64_t seed)
    : backoff_base_(backoff_base), backoff_cap_(backoff_cap), seed_(seed) {}

std::vector<uint64_t> ReplicaSet::SetReplicas(const std::vector<Spec>& specs) {
  std::vector<ReplicaId> order;
  std::set<ReplicaId> keep;
  for (const Spec& s : specs) {
    auto same = [&](const auto& entry) { return entry.second.spec.address == s.address; };
    auto it = std::find_if(replicas_.begin(), replicas_.end(), same);
    if (it != replicas_.end()) {
      if (!keep.insert(it->first).second) {
        continue;  // listed twice
      }
      it->second.spec.name = s.name;
      it->second.spec.weight = std::max<uint32_t>(s.weight, 1);
      order.push_back(it->first);
      continue;
    }
    ReplicaId id = next_id_++;
    Replica r(s, Backoff(backoff_base_, backoff_cap_, seed_ ^ (id * 0x9e3779b97f4a7c15ULL)));
    replicas_.emplace(id, std::move(r));
    keep.insert(id);
    order.push_back(id);
  }
  std::vector<uint64_t> orphans;
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    if (keep.contains(it->first)) {
      ++it;
      continue;
    }
    for (const auto& [seq, key] : it->second.outstanding) {
      orphans.push_back(key);
    }
    it = replicas_.erase(it);
  }
  order_ = std::move(order);
  rr_ = 0;
  return orphans;
}

std::vector<ReplicaId> ReplicaSet::ids() const { return order_; }

const ReplicaSet::Spec& ReplicaSet::spec(ReplicaId id) const { return replicas_.at(id).spec; }

ReplicaSet::State ReplicaSet::state(ReplicaId id) const { return replicas_.at(id).state; }

size_t ReplicaSet::outstanding(ReplicaId id) const { return replicas_.at(id).outstanding.size(); }

ReplicaSet::Clock::time_point ReplicaSet::probe_at(ReplicaId id) const {
  return replicas_.at(id).probe_at;
}

std::optional<ReplicaId> ReplicaSet::Pick() {
  std::optional<ReplicaId> best;
  size_t best_at = 0;
  // Compare outstanding/weight as outstanding_a * weight_b < outstanding_b * weight_a.
  for (size_t k = 0; k < order_.size(); ++k) {
    size_t at = (rr_ + k) % order_.size();
    const Replica& r = replicas_.at(order_[at]);
    if (r.state != State::kUp) {
      continue;
    }
    if (!best) {
      best = order_[at];
      best_at = at;
      continue;
    }
    const Replica& b = replicas_.at(*best);
    if (r.outstanding.size() * b.spec.weight < b.outstanding.size() * r.spec.weight) {
      best = order_[at];
      best_at = at;
    }
  }
  if (best) {
    rr_ = (best_at + 1) % order_.size();
  }
  return best;
}

bool ReplicaSet::AnyUp() const {
  return std::any_of(replicas_.begin(), replicas_.end(),
                     [](const auto& e) { return e.second.state == State::kUp; });
}

void ReplicaSet::Assign(ReplicaId id, uint64_t key) {
  Replica& r = replicas_.at(id);
  uint64_t seq = r.next_seq++;
  RUNNEL_CHECK_MSG(r.seq_of.emplace(key, seq).second, "a batch assigned twice to one replica");
  r.outstanding.emplace(seq, key);
}

bool ReplicaSet::Complete(ReplicaId id, uint64_t key) {
  auto it = replicas_.find(id);
  if (it == replicas_.end()) {
    return false;
  }
  Replica& r = it->second;
  auto s = r.seq_of.find(key);
  if (s == r.seq_of.end()) {
    return false;
  }
  r.outstanding.erase(s->second);
  r.seq_of.erase(s);
  return true;
}

std::vector<uint64_t> ReplicaSet::Fail(ReplicaId id, Clock::time_point now) {
  Replica& r = replicas_.at(id);
  std::vector<uint64_t> orphans;
  orphans.reserve(r.outstanding.size());
  for (const auto& [seq, key] : r.outstanding) {
    orphans.push_back(key);
  }
  r.outstanding.clear();
  r.seq_of.clear();
  r.state = State::kDown;
  r.probe_at = now + r.backoff.Next();
  return orphans;
}

std::vector<ReplicaId> ReplicaSet::DueProbes(Clock::time_point now) {
  std::vector<ReplicaId> due;
  for (ReplicaId id : order_) {
    Replica& r = replicas_.at(id);
    if (r.state == State::kNew || (r.state == State::kDown && r.probe_at <= now)) {
      r.state = State::kProbing;
      due.push_back(id);
    }
  }
  return due;
}

std::optional<ReplicaSet::Clock::time_point> ReplicaSet::NextProbe() const {
  std::optional<Clock::time_point> next;
  for (const auto& [id, r] : replicas_) {
    if (r.state == State::kNew) {
      return Clock::time_point::min();
    }
    if (r.state == State::kDown && (!next || r.probe_at < *next)) {
      next = r.probe_at;
    }
  }
  return next;
}

void ReplicaSet::Up(ReplicaId id) {
  Replica& r = replicas_.at(id);
  r.state = State::kUp;
  r.backoff.Reset();
}

}  // namespace runnel

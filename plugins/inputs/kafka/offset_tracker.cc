#include "offset_tracker.h"

namespace runnel::plugins::kafka_input {

void OffsetTracker::Assign(const TopicPartition& tp) {
  Partition& p = partitions_[tp];
  p = Partition{};
  p.epoch = next_epoch_++;
}

std::optional<int64_t> OffsetTracker::Revoke(const TopicPartition& tp) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) {
    return std::nullopt;
  }
  std::optional<int64_t> out;
  if (it->second.committable > it->second.taken) {
    out = it->second.committable;
  }
  partitions_.erase(it);
  return out;
}

uint64_t OffsetTracker::Add(const std::vector<std::pair<TopicPartition, int64_t>>& last_offsets,
                            uint64_t bytes) {
  const uint64_t seq = next_seq_++;
  BatchInfo& info = batches_[seq];
  info.bytes = bytes;
  unacked_bytes_ += bytes;
  for (const auto& [tp, offset] : last_offsets) {
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) {
      continue;  // not assigned (the caller filters revoked partitions out)
    }
    it->second.entries.push_back(Entry{.seq = seq, .last_offset = offset, .done = false});
    info.partitions.emplace_back(tp, it->second.epoch);
  }
  return seq;
}

void OffsetTracker::Ack(uint64_t seq, bool done) {
  auto b = batches_.find(seq);
  if (b == batches_.end()) {
    return;
  }
  unacked_bytes_ -= b->second.bytes;
  if (done) {
    for (const auto& [tp, epoch] : b->second.partitions) {
      auto it = partitions_.find(tp);
      if (it == partitions_.end() || it->second.epoch != epoch) {
        continue;  // revoked since: another member commits this partition now
      }
      Partition& p = it->second;
      for (Entry& e : p.entries) {
        if (e.seq == seq) {
          e.done = true;
          break;
        }
      }
      while (!p.entries.empty() && p.entries.front().done) {
        p.committable = p.entries.front().last_offset + 1;
        p.entries.pop_front();
      }
    }
  }
  batches_.erase(b);
}

OffsetTracker::Commits OffsetTracker::TakeCommits() {
  Commits out;
  for (auto& [tp, p] : partitions_) {
    if (p.committable > p.taken) {
      out.emplace_back(tp, p.committable);
      p.taken = p.committable;
    }
  }
  return out;
}

}  // namespace runnel::plugins::kafka_input

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
  if (it->second.offsets.committed() > it->second.taken) {
    out = static_cast<int64_t>(it->second.offsets.committed());
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
    const uint64_t range = it->second.offsets.Add(static_cast<uint64_t>(offset) + 1);
    info.partitions.push_back(BatchPart{.tp = tp, .epoch = it->second.epoch, .range = range});
  }
  return seq;
}

void OffsetTracker::Ack(uint64_t seq, bool done) {
  auto b = batches_.find(seq);
  if (b == batches_.end()) {
    return;
  }
  unacked_bytes_ -= b->second.bytes;
  for (const BatchPart& part : b->second.partitions) {
    auto it = partitions_.find(part.tp);
    if (it == partitions_.end() || it->second.epoch != part.epoch) {
      continue;  // revoked since: another member commits this partition now
    }
    // Not done (cancelled): the watermark stops before this range for good.
    it->second.offsets.Ack(part.range, done);
  }
  batches_.erase(b);
}

OffsetTracker::Commits OffsetTracker::TakeCommits() {
  Commits out;
  for (auto& [tp, p] : partitions_) {
    if (p.offsets.committed() > p.taken) {
      out.emplace_back(tp, static_cast<int64_t>(p.offsets.committed()));
      p.taken = p.offsets.committed();
    }
  }
  return out;
}

}  // namespace runnel::plugins::kafka_input

#pragma once
// OffsetTracker: which Kafka offsets the kafka input may commit. Each emitted batch covers,
// per partition, the messages up to a last offset; a partition may be committed up to the last
// offset of its longest prefix of acknowledged batches, plus one (Kafka's "next offset to
// read"). A batch completed as cancelled stays unacknowledged: nothing after it is committed.
//
// Assignments: Assign() starts a partition afresh (a new epoch); Revoke() gives its committable
// offset one last time and forgets it, so an acknowledgement that comes later for a batch
// emitted before the revoke commits nothing for that partition (another member owns it now).
// Each partition's prefix is a files::AckWatermark over offset ranges.
// Not thread-safe: the input calls it under its mutex.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runnel/files/ack_watermark.h"

namespace runnel::plugins::kafka_input {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

class OffsetTracker {
 public:
  using Commits = std::vector<std::pair<TopicPartition, int64_t>>;

  // Starts tracking `tp` (again): what was tracked for it before is forgotten.
  void Assign(const TopicPartition& tp);
  // The offset to commit for `tp` before it goes (nullopt: nothing new since the last
  // TakeCommits), and forgets it.
  std::optional<int64_t> Revoke(const TopicPartition& tp);
  bool assigned(const TopicPartition& tp) const { return partitions_.contains(tp); }

  // Records a batch with the last offset of each partition in it (each assigned, offsets
  // above those of earlier batches); returns its sequence number for Ack.
  uint64_t Add(const std::vector<std::pair<TopicPartition, int64_t>>& last_offsets, uint64_t bytes);
  // The batch `seq` was acknowledged: `done` (delivered or rejected) lets its partitions
  // advance; not done (cancelled) holds them. Either way it no longer counts as unacknowledged.
  // An unknown seq is ignored.
  void Ack(uint64_t seq, bool done);

  // Per partition whose committable offset grew since the last call: that offset.
  Commits TakeCommits();

  size_t unacked_batches() const { return batches_.size(); }
  uint64_t unacked_bytes() const { return unacked_bytes_; }

 private:
  struct Partition {
    uint64_t epoch = 0;
    // Ranges [previous end, last offset + 1) per batch: committed() is the next offset to
    // read after the acknowledged prefix (0: nothing yet).
    files::AckWatermark offsets{0};
    uint64_t taken = 0;  // offsets.committed() as of the last TakeCommits
  };
  struct BatchPart {
    TopicPartition tp;
    uint64_t epoch = 0;
    uint64_t range = 0;  // its range's sequence number in the partition's watermark
  };
  struct BatchInfo {
    std::vector<BatchPart> partitions;
    uint64_t bytes = 0;
  };

  std::map<TopicPartition, Partition> partitions_;
  std::map<uint64_t, BatchInfo> batches_;
  uint64_t next_seq_ = 1;
  uint64_t next_epoch_ = 1;
  uint64_t unacked_bytes_ = 0;
};

}  // namespace runnel::plugins::kafka_input

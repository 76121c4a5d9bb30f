#pragma once
// OffsetTracker: which Kafka offsets the kafka input may commit. Each emitted batch covers,
// per partition, the messages up to a last offset; a partition may be committed up to the last
// offset of its longest prefix of acknowledged batches, plus one (Kafka's "next offset to
// read"). A batch completed as cancelled stays unacknowledged: nothing after it is committed.
//
// Assignments: Assign() starts a partition afresh (a new epoch); Revoke() gives its committable
// offset one last time and forgets it, so an acknowledgement that comes later for a batch
// emitted before the revoke commits nothing for that partition (another member owns it now).
// Not thread-safe: the input calls it under its mutex.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
  struct Entry {
    uint64_t seq = 0;
    int64_t last_offset = 0;
    bool done = false;
  };
  struct Partition {
    uint64_t epoch = 0;
    std::deque<Entry> entries;
    int64_t committable = -1;  // next offset to read; -1: nothing yet
    int64_t taken = -1;        // committable as of the last TakeCommits / Revoke
  };
  struct BatchInfo {
    std::vector<std::pair<TopicPartition, uint64_t>> partitions;  // with the epoch
    uint64_t bytes = 0;
  };

  std::map<TopicPartition, Partition> partitions_;
  std::map<uint64_t, BatchInfo> batches_;
  uint64_t next_seq_ = 1;
  uint64_t next_epoch_ = 1;
  uint64_t unacked_bytes_ = 0;
};

}  // namespace runnel::plugins::kafka_input

#pragma once
// The kafka input: a member of a Kafka consumer group (librdkafka's high-level consumer) that
// emits the messages of its assigned partitions in batches, and commits a partition's offset
// only once the pipeline acknowledged every batch up to it (OffsetTracker): after a crash the
// group resumes from the last commit, so nothing acknowledged is lost and what was in flight
// (emitted, not acknowledged or not committed yet) is read again.
//
// Commits: after each poll, every partition whose committable offset grew is committed
// (asynchronously); on a revoke (a rebalance, or the member leaving) synchronously before the
// partitions go, and then messages of revoked partitions not emitted yet are dropped (their new
// owner reads them again). An acknowledgement that arrives after its partition was revoked
// commits nothing here: the new owner reads that batch again (the duplicate window of a
// rebalance: what was emitted and unacknowledged at the revoke).
//
// Bounds: at most max_unacked_batches / max_unacked_bytes emitted and unacknowledged; when
// reached every assigned partition is paused (the consumer keeps polling, so it stays in the
// group) and resumed once acknowledgements bring it under.
//
// Threads: one consumer thread polls, decodes, emits and runs librdkafka's rebalance callback;
// acknowledgements arrive on any thread (OnAck). The tracker is under one mutex.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kafka_config.h"
#include "message_decoder.h"
#include "offset_tracker.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"

namespace runnel::plugins::kafka_input {

class KafkaInput final : public Input, private AckReceiver {
 public:
  // `tag`: the batches' tag (the component's name).
  KafkaInput(KafkaInputConfig config, std::string tag, const PluginContext& ctx);
  ~KafkaInput() override;

  // Creates the consumer, subscribes to the topics and starts the consumer thread. Brokers
  // that cannot be reached yet are not an error. Errors: librdkafka refuses the configuration
  // or the subscription.
  Status Start(Emitter& emitter) override;
  // Stops the consumer thread; returns when it no longer emits.
  void Stop() override;
  // Commits what was acknowledged and leaves the group.
  void OnDrained() override;

 private:
  struct Metrics {
    Counter* messages = nullptr;
    Counter* decode_errors = nullptr;
    Counter* commits = nullptr;
    Counter* commit_errors = nullptr;
    Counter* rebalances = nullptr;
    Gauge* paused = nullptr;
  };

  void Run(Emitter& emitter);
  // Builds a batch of pending_ and emits it.
  void EmitPending(Emitter& emitter);
  void DropPending();
  // Commits what the tracker says may be; `sync` waits for the broker.
  void Commit(const OffsetTracker::Commits& commits, bool sync);
  void CommitAcknowledged(bool sync);
  void SetPaused(bool pause);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void OnAck(uint64_t cookie, AckOutcome outcome) override;
  void Close();

  const KafkaInputConfig config_;
  const std::string tag_;
  const std::string id_;
  Metrics metrics_;
  Counter* events_in_ = nullptr;
  Counter* bytes_in_ = nullptr;
  Counter own_counters_[5];
  Gauge own_gauge_;
  MessageDecoder decoder_;  // consumer thread only

  rd_kafka_t* rk_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::vector<rd_kafka_message_t*> pending_;  // consumer thread only: read, not emitted
  uint64_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point pending_since_;
  bool paused_ = false;  // consumer thread only

  std::mutex mu_;
  OffsetTracker tracker_;
  std::set<TopicPartition> assigned_;  // under mu_
  bool closed_ = false;
};

}  // namespace runnel::plugins::kafka_input
